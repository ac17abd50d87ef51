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
Face detectors by name: MediaPipe BlazeFace (the default) and OpenCV's Haar cascade.

Every detector takes a BGR uint8 image and returns :class:`Detection` boxes
``(x, y, w, h)`` in pixels of that image, clipped to it, with the detector's
keypoints (empty when it has none). :data:`DETECTOR_CLASSES` maps a name to a class with
``from_config(config, models_dir)``; :func:`make_detector` builds one from a
:class:`~emotion_ros.core.config.DetectorConfig`. Adding a detector is one class
and one line in :data:`DETECTOR_CLASSES` (and its name in ``config.DETECTOR_CHOICES``).
Detector libraries and models are loaded when a detector is constructed, never
when this module is imported.

No detector here grows in memory with use (test/test_detector_memory.py checks
the default). The former default, libfacedetection's CNN, leaked 36 KB per call
in its binary wheel and was removed.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Protocol

import cv2
from emotion_ros.core.config import DetectorConfig, MULTISCALE
from emotion_ros.core.faces import blazeface
from emotion_ros.core.frames.image_codec import check_bgr
import numpy as np

HAAR_CASCADE_FILE = 'haarcascade_frontalface_default.xml'
# The models folder of a source checkout (scripts/fetch_assets.py fills it); an installed
# package has them in <share>/emotion_ros/models (see default_models_dir).
SOURCE_MODELS_DIR = Path(__file__).resolve().parents[2] / 'assets' / 'models'
PACKAGE_NAME = 'emotion_ros'

# BlazeFace's box spans brows to chin; it is extended upwards by this fraction of its height
# so that it spans forehead to chin like the boxes of Haar and of the former default
# (libfacedetection: over the 625 faces of the bench media its boxes were centred 6.7 % of
# the height higher and 18 % taller, the chin level the same). The emotion model was trained
# on that framing (FER2013 faces were found with OpenCV); with the bare box the crop loses
# the brows' context and the angry still reads as sad (test/test_stills_accuracy.py).
BLAZEFACE_FOREHEAD = 0.15
# A keypoint: (x, y) in pixels of the detector's input image.
Point = tuple[float, float]


@dataclass(frozen=True)
class Detection:
    """
    One detected face.

    :param x: left edge, pixels.
    :param y: top edge, pixels.
    :param w: width, pixels (> 0).
    :param h: height, pixels (> 0).
    :param score: confidence in 0..1 (1.0 for detectors without one, e.g. Haar).
    :param keypoints: ``(x, y)`` pixel positions of the detector's face landmarks, in the
        detector's order (BlazeFace: :data:`emotion_ros.core.faces.blazeface.KEYPOINT_NAMES`), not
        clipped (an ear may lie just outside the box or the image); empty when the detector
        gives none (Haar).
    """

    x: float
    y: float
    w: float
    h: float
    score: float
    keypoints: tuple[Point, ...] = ()


class FaceDetector(Protocol):
    """Anything with ``detect(bgr) -> list[Detection]``."""

    def detect(self, bgr: np.ndarray) -> list[Detection]:
        """
        Find faces in a BGR image.

        :param bgr: uint8 (H, W, 3) BGR image.
        :returns: the faces found, boxes clipped to the image.
        """


def clip_detection(x: float, y: float, w: float, h: float, score: float,
                   width: int, height: int, keypoints: tuple[Point, ...] = ()
                   ) -> Detection | None:
    """
    Clip a box to a ``width`` x ``height`` image.

    :param x: left edge, pixels.
    :param y: top edge, pixels.
    :param w: width, pixels.
    :param h: height, pixels.
    :param score: confidence, kept as is.
    :param width: image width, pixels.
    :param height: image height, pixels.
    :param keypoints: ``(x, y)`` pixel points, kept as they are (not clipped).
    :returns: the clipped detection, or None when nothing of it is inside.
    """
    x1 = min(max(float(x), 0.0), float(width))
    y1 = min(max(float(y), 0.0), float(height))
    x2 = min(max(float(x) + float(w), 0.0), float(width))
    y2 = min(max(float(y) + float(h), 0.0), float(height))
    if x2 - x1 <= 0.0 or y2 - y1 <= 0.0:
        return None
    points = tuple((float(px), float(py)) for px, py in keypoints)
    return Detection(x1, y1, x2 - x1, y2 - y1, float(score), points)


def default_models_dir() -> Path:
    """
    Find the folder with the detector models.

    :returns: the source checkout's assets/models when this module runs from one, else the
        installed package's ``share/emotion_ros/models`` (found with ament_index_python), else
        :data:`SOURCE_MODELS_DIR` (so a missing-model error names where it looked).
    """
    if SOURCE_MODELS_DIR.is_dir():
        return SOURCE_MODELS_DIR
    try:
        from ament_index_python.packages import get_package_share_directory
        return Path(get_package_share_directory(PACKAGE_NAME)) / 'models'
    except (ImportError, LookupError):  # PackageNotFoundError is a KeyError
        return SOURCE_MODELS_DIR


class BlazeFaceDetector:
    """
    MediaPipe BlazeFace with six keypoints per face (see :mod:`emotion_ros.core.faces.blazeface`).

    The frame is letterboxed into the model's square input (128 px for the short-range
    model, 192 px for the full-range one), so the cost does not depend on the frame size
    beyond one resize. Full range finds all five faces of the 640 px group photo, short
    range two (see bench/bench_detectors.py). Boxes are extended upwards by
    :data:`BLAZEFACE_FOREHEAD` of their height to include the forehead.
    """

    def __init__(self, model: str = 'full', min_score: float = 0.5, threads: int = 1,
                 models_dir: Optional[Path] = None) -> None:
        """
        Load the model.

        :param model: 'full' (faces up to about 5 m) or 'short' (within about 2 m).
        :param min_score: keep faces with a score at least this, 0..1.
        :param threads: LiteRT interpreter threads (0: the runtime's default).
        :param models_dir: folder holding the ``.tflite`` files (default:
            :func:`default_models_dir`).
        :raises ValueError: for a parameter out of range or a model whose tensors do not fit.
        :raises FileNotFoundError: when the model file is missing.
        :raises ImportError: when ai-edge-litert is not installed.
        """
        if model not in blazeface.MODELS:
            raise ValueError(f"BlazeFace model must be one of {', '.join(blazeface.MODELS)}, "
                             f'got {model!r}')
        if not 0.0 <= min_score <= 1.0:
            raise ValueError(f'min_score must be in [0, 1], got {min_score}')
        if threads < 0:
            raise ValueError(f'threads must be >= 0, got {threads}')
        spec = blazeface.MODELS[model]
        folder = Path(models_dir) if models_dir is not None else default_models_dir()
        self._network = blazeface.BlazeFaceNetwork(folder / spec.file_name, spec,
                                                   threads or None)
        self.model = model
        self.min_score = float(min_score)

    @classmethod
    def from_config(cls, config: DetectorConfig,
                    models_dir: Optional[Path] = None) -> FaceDetector:
        """
        Build from the detector stage's config.

        :param config: the settings (``blazeface_model``, ``min_score``, ``detector_threads``).
        :param models_dir: folder holding the ``.tflite`` files.
        :returns: the detector: one model, or both as a
            :class:`~emotion_ros.core.faces.multiscale.MultiScaleDetector` for 'multiscale'.
        """
        if config.blazeface_model == MULTISCALE:
            # Imported here: the multi-scale set-up is built of this module's detectors.
            from emotion_ros.core.faces.multiscale import MultiScaleDetector
            return MultiScaleDetector.from_config(config, models_dir)
        return cls(config.blazeface_model, config.min_score, config.detector_threads,
                   models_dir)

    def detect(self, bgr: np.ndarray) -> list[Detection]:
        """
        Find faces in a BGR image.

        :param bgr: uint8 (H, W, 3) BGR image.
        :returns: the faces found, best first, boxes clipped to the image, six keypoints each.
        :raises ValueError: when ``bgr`` is not a uint8 HxWx3 image.
        """
        check_bgr(bgr)
        height, width = bgr.shape[:2]
        size = self._network.model.input_size
        network = self._network
        # Into the network's reused buffers: no per-frame image allocation.
        square, scale, pad_x, pad_y = blazeface.letterbox(bgr, size, network.square)
        rgb = cv2.cvtColor(square, cv2.COLOR_BGR2RGB, dst=network.rgb)
        boxes, scores, points = network.run(rgb, self.min_score)
        # Normalised square coordinates -> frame pixels.
        boxes = (boxes * size - (pad_x, pad_y, pad_x, pad_y)) / scale
        points = (points * size - (pad_x, pad_y)) / scale
        found = []
        for (x1, y1, x2, y2), score, keypoints in zip(boxes.tolist(), scores.tolist(),
                                                      points.tolist()):
            forehead = BLAZEFACE_FOREHEAD * (y2 - y1)
            det = clip_detection(x1, y1 - forehead, x2 - x1, y2 - y1 + forehead,
                                 min(max(score, 0.0), 1.0), width, height,
                                 tuple((px, py) for px, py in keypoints))
            if det is not None:
                found.append(det)
        return found


class HaarDetector:
    """
    OpenCV's frontal-face Haar cascade: frontal only, no keypoints.

    On the 640 px wide group photo it finds all 5 faces plus one duplicate;
    with ``equalize_hist=True`` it finds no false face but misses the one with
    sunglasses (see bench/bench_detectors.py).
    """

    def __init__(self, scale_factor: float = 1.1, min_neighbors: int = 5,
                 min_size: int = 30, equalize_hist: bool = False,
                 downscale: float = 1.0) -> None:
        """
        Load the cascade shipped with opencv-python 4.x.

        :param scale_factor: image pyramid step, > 1.
        :param min_neighbors: overlapping hits needed to keep a face, >= 0.
        :param min_size: smallest face side, pixels.
        :param equalize_hist: equalise the grey image's histogram first.
        :param downscale: factor applied to the image before detection, in (0, 1]
            (``min_size`` applies to the scaled image).
        :raises ValueError: for a parameter out of range.
        :raises RuntimeError: when the cascade file is missing or cannot be loaded
            (opencv-python 5.x ships no cascades).
        """
        if scale_factor <= 1.0:
            raise ValueError(f'scale_factor must be > 1, got {scale_factor}')
        if min_neighbors < 0 or min_size < 1:
            raise ValueError(
                f'min_neighbors must be >= 0 and min_size >= 1, got {min_neighbors}, {min_size}')
        if not 0.0 < downscale <= 1.0:
            raise ValueError(f'downscale must be in (0, 1], got {downscale}')
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
        self.downscale = float(downscale)

    @classmethod
    def from_config(cls, config: DetectorConfig,
                    models_dir: Optional[Path] = None) -> 'HaarDetector':
        """
        Build from the detector stage's config.

        :param config: the settings (``detection_scale``; the cascade has no score or threads).
        :param models_dir: unused (the cascade ships with OpenCV).
        :returns: the detector.
        """
        return cls(downscale=config.detection_scale)

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
        if self.downscale < 1.0:
            size = (max(1, round(width * self.downscale)), max(1, round(height * self.downscale)))
            grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
        if self.equalize_hist:
            grey = cv2.equalizeHist(grey)
        boxes = self._cascade.detectMultiScale(
            grey, scaleFactor=self.scale_factor, minNeighbors=self.min_neighbors,
            minSize=(self.min_size, self.min_size))
        sx = width / grey.shape[1]
        sy = height / grey.shape[0]
        found = []
        for x, y, w, h in np.asarray(boxes).reshape(-1, 4).tolist():
            det = clip_detection(x * sx, y * sy, w * sx, h * sy, 1.0, width, height)
            if det is not None:
                found.append(det)
        return found


# The registered detectors: adding one is a class with ``detect`` and
# ``from_config(config, models_dir)`` plus a line here (and its name in
# emotion_ros.core.config.DETECTOR_CHOICES; a test keeps the two equal).
DETECTOR_CLASSES: dict[str, Any] = {
    'blazeface': BlazeFaceDetector,
    'haar': HaarDetector,
}
DETECTORS = tuple(DETECTOR_CLASSES)


def make_detector(config: DetectorConfig | str | None = None,
                  models_dir: Optional[Path] = None, **kwargs: Any) -> FaceDetector:
    """
    Build a detector from its stage config, or by name with constructor arguments.

    :param config: a :class:`DetectorConfig` (default: its defaults), or one of
        :data:`DETECTORS`.
    :param models_dir: folder holding model files (default: :func:`default_models_dir`).
    :param kwargs: with a name, passed to the detector's constructor.
    :returns: the detector.
    :raises ValueError: for an unknown name (the message lists the choices) or a bad setting.
    """
    config = DetectorConfig() if config is None else config
    name = config if isinstance(config, str) else config.detector
    detector_class = DETECTOR_CLASSES.get(name)
    if detector_class is None:
        raise ValueError(f"unknown face detector '{name}'; choose one of: {', '.join(DETECTORS)}")
    if isinstance(config, str):
        if models_dir is not None:
            kwargs['models_dir'] = models_dir
        return detector_class(**kwargs)
    return detector_class.from_config(config, models_dir)
