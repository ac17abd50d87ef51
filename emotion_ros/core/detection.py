# Copyright 2026 The emotion_ros Authors
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""
Face detectors: yuface (libfacedetection CNN) and OpenCV's Haar cascade.

Both take a BGR uint8 image and return :class:`Detection` boxes ``(x, y, w, h)``
in pixels of that image, clipped to it. The detector libraries are imported
when a detector is constructed, never when this module is imported.
"""

from dataclasses import dataclass
from typing import Any, Protocol

import cv2
from emotion_ros.core.config import DetectorConfig
from emotion_ros.core.image_codec import check_bgr
import numpy as np

# yuface reports confidence as an integer percentage (0..100).
_YUFACE_SCORE_SCALE = 100.0
HAAR_CASCADE_FILE = 'haarcascade_frontalface_default.xml'


@dataclass(frozen=True)
class Detection:
    """
    One detected face.

    :param x: left edge, pixels.
    :param y: top edge, pixels.
    :param w: width, pixels (> 0).
    :param h: height, pixels (> 0).
    :param score: confidence in 0..1 (1.0 for detectors without one, e.g. Haar).
    """

    x: float
    y: float
    w: float
    h: float
    score: float


class FaceDetector(Protocol):
    """Anything with ``detect(bgr) -> list[Detection]``."""

    def detect(self, bgr: np.ndarray) -> list[Detection]:
        """
        Find faces in a BGR image.

        :param bgr: uint8 (H, W, 3) BGR image.
        :returns: the faces found, boxes clipped to the image.
        """


def clip_detection(x: float, y: float, w: float, h: float, score: float,
                   width: int, height: int) -> Detection | None:
    """
    Clip a box to a ``width`` x ``height`` image.

    :param x: left edge, pixels.
    :param y: top edge, pixels.
    :param w: width, pixels.
    :param h: height, pixels.
    :param score: confidence, kept as is.
    :param width: image width, pixels.
    :param height: image height, pixels.
    :returns: the clipped detection, or None when nothing of it is inside.
    """
    x1 = min(max(float(x), 0.0), float(width))
    y1 = min(max(float(y), 0.0), float(height))
    x2 = min(max(float(x) + float(w), 0.0), float(width))
    y2 = min(max(float(y) + float(h), 0.0), float(height))
    if x2 - x1 <= 0.0 or y2 - y1 <= 0.0:
        return None
    return Detection(x1, y1, x2 - x1, y2 - y1, float(score))


class YuFaceDetector:
    """
    libfacedetection's CNN through the ``yuface`` package, on a downscaled image.

    Halving the image (the default) makes detection about 4-6x faster (see
    bench/bench_detectors.py) and still finds faces down to about 15 px wide in
    the full image (10 px with ``downscale=1.0``; measured on single_face.jpg
    shrunk onto a 640x480 canvas). yuface warns about images over 960 px.
    """

    def __init__(self, min_score: float = 0.5, downscale: float = 0.5,
                 threads: int = 0) -> None:
        """
        Load yuface.

        :param min_score: keep faces with a score above this, 0..1.
        :param downscale: factor applied to the image before detection, in (0, 1].
        :param threads: OpenMP threads yuface may use in this process (0: the library's
            default, one per core). The face-tracker node uses 1: next to the classifier and
            DDS on two cores, busy-waiting OpenMP workers made detection several times slower.
        :raises ValueError: for a parameter out of range.
        :raises ImportError: when the yuface package is not installed.
        """
        if not 0.0 <= min_score <= 1.0:
            raise ValueError(f'min_score must be in [0, 1], got {min_score}')
        if not 0.0 < downscale <= 1.0:
            raise ValueError(f'downscale must be in (0, 1], got {downscale}')
        if threads < 0:
            raise ValueError(f'threads must be >= 0, got {threads}')
        try:
            import yuface
        except ImportError as exc:
            raise ImportError(
                'the yuface face detector needs the yuface package '
                '(pip install yuface==2023.5.1)') from exc
        if threads:
            from threadpoolctl import threadpool_limits
            # Applies to yuface's bundled libgomp for the rest of the process.
            threadpool_limits(limits=threads, user_api='openmp')
        self._yuface = yuface
        self.min_score = float(min_score)
        self.downscale = float(downscale)

    @classmethod
    def from_config(cls, config: DetectorConfig) -> 'YuFaceDetector':
        """Build the detector from the stage config."""
        return cls(min_score=config.min_score, downscale=config.detection_scale,
                   threads=config.detector_threads)

    def detect(self, bgr: np.ndarray) -> list[Detection]:
        """
        Find faces in a BGR image.

        :param bgr: uint8 (H, W, 3) BGR image.
        :returns: the faces found, in full-resolution pixels, clipped to the image.
        :raises ValueError: when ``bgr`` is not a uint8 HxWx3 image.
        """
        check_bgr(bgr)
        height, width = bgr.shape[:2]
        small = bgr
        if self.downscale < 1.0:
            size = (max(1, round(width * self.downscale)), max(1, round(height * self.downscale)))
            small = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
        # yuface ignores numpy strides: a view (crop, padded rows) gives no faces.
        small = np.ascontiguousarray(small)
        scores, boxes, _ = self._yuface.detect(small, conf=self.min_score)
        sx = width / small.shape[1]
        sy = height / small.shape[0]
        found = []
        for score, (x, y, w, h) in zip(scores.tolist(), boxes.tolist()):
            det = clip_detection(x * sx, y * sy, w * sx, h * sy,
                                 min(max(score / _YUFACE_SCORE_SCALE, 0.0), 1.0), width, height)
            if det is not None:
                found.append(det)
        return found


class HaarDetector:
    """
    OpenCV's frontal-face Haar cascade: frontal only, slower than yuface here.

    On the 640 px wide group photo it finds all 5 faces plus one duplicate;
    with ``equalize_hist=True`` it finds no false face but misses the one with
    sunglasses (see bench/bench_detectors.py).
    """

    def __init__(self, scale_factor: float = 1.1, min_neighbors: int = 5,
                 min_size: int = 30, equalize_hist: bool = False) -> None:
        """
        Load the cascade shipped with opencv-python 4.x.

        :param scale_factor: image pyramid step, > 1.
        :param min_neighbors: overlapping hits needed to keep a face, >= 0.
        :param min_size: smallest face side, pixels.
        :param equalize_hist: equalise the grey image's histogram first.
        :raises ValueError: for a parameter out of range.
        :raises RuntimeError: when the cascade file is missing or cannot be loaded
            (opencv-python 5.x ships no cascades).
        """
        if scale_factor <= 1.0:
            raise ValueError(f'scale_factor must be > 1, got {scale_factor}')
        if min_neighbors < 0 or min_size < 1:
            raise ValueError(
                f'min_neighbors must be >= 0 and min_size >= 1, got {min_neighbors}, {min_size}')
        folder = getattr(getattr(cv2, 'data', None), 'haarcascades', '')
        path = folder + HAAR_CASCADE_FILE
        cascade = cv2.CascadeClassifier(path) if folder else None
        if cascade is None or cascade.empty():
            raise RuntimeError(
                f'cannot load the Haar cascade {HAAR_CASCADE_FILE} (looked in {folder!r}); '
                f'opencv-python {cv2.__version__} may not ship it: 4.x does, 5.x does not')
        self._cascade = cascade
        self.scale_factor = float(scale_factor)
        self.min_neighbors = int(min_neighbors)
        self.min_size = int(min_size)
        self.equalize_hist = bool(equalize_hist)

    @classmethod
    def from_config(cls, config: DetectorConfig) -> 'HaarDetector':
        """Build the detector from the stage config (the cascade has no score or scale)."""
        return cls()

    def detect(self, bgr: np.ndarray) -> list[Detection]:
        """
        Find frontal faces in a BGR image.

        :param bgr: uint8 (H, W, 3) BGR image.
        :returns: the faces found, clipped to the image, each with score 1.0.
        :raises ValueError: when ``bgr`` is not a uint8 HxWx3 image.
        """
        check_bgr(bgr)
        height, width = bgr.shape[:2]
        grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        if self.equalize_hist:
            grey = cv2.equalizeHist(grey)
        boxes = self._cascade.detectMultiScale(
            grey, scaleFactor=self.scale_factor, minNeighbors=self.min_neighbors,
            minSize=(self.min_size, self.min_size))
        found = []
        for x, y, w, h in np.asarray(boxes).reshape(-1, 4).tolist():
            det = clip_detection(x, y, w, h, 1.0, width, height)
            if det is not None:
                found.append(det)
        return found


# The registered detectors: adding one is a class with ``detect`` and ``from_config`` plus a line
# here (and its name in emotion_ros.core.config.DETECTOR_CHOICES).
DETECTOR_CLASSES: dict[str, Any] = {'yuface': YuFaceDetector, 'haar': HaarDetector}
DETECTORS = tuple(DETECTOR_CLASSES)


def make_detector(config: DetectorConfig | str, **kwargs: Any) -> FaceDetector:
    """
    Build a detector from its stage config, or by name with constructor arguments.

    :param config: a :class:`DetectorConfig`, or one of :data:`DETECTORS`.
    :param kwargs: with a name, passed to the detector's constructor.
    :returns: the detector.
    :raises ValueError: for an unknown name (the message lists the choices).
    """
    name = config if isinstance(config, str) else config.detector
    detector_class = DETECTOR_CLASSES.get(name)
    if detector_class is None:
        raise ValueError(f"unknown face detector '{name}'; choose one of: {', '.join(DETECTORS)}")
    if isinstance(config, str):
        return detector_class(**kwargs)
    return detector_class.from_config(config)
