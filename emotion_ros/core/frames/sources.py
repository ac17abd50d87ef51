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
Frame sources over OpenCV: a V4L2 camera, a video file or a folder of images.

:func:`open_source` picks one from a spec string. Every source has ``fps``,
``read()`` returning a BGR uint8 image or None at the end of a finite source,
and ``close()``; sources are also context managers.
"""

from collections.abc import Callable
import logging
import math
import os
from pathlib import Path
import re
from typing import Optional, Protocol, Union

import cv2
import numpy as np

_LOG = logging.getLogger(__name__)

# Frame rate reported when neither the device/file nor the caller gives one, Hz.
DEFAULT_FPS = 30.0
# Frame rate of an image folder played without an explicit fps, Hz.
DEFAULT_FOLDER_FPS = 10.0
# File name suffixes read as still images (lower case).
IMAGE_EXTENSIONS = ('.bmp', '.jpeg', '.jpg', '.pgm', '.png', '.ppm', '.tif', '.tiff', '.webp')
_DEVICE_RE = re.compile(r'^/dev/video(\d+)$')
# JPEG markers: start of scan and end of image (ITU T.81, B.1.1.3). Neither can occur inside
# entropy-coded data, where every 0xFF byte is followed by 0x00 or a restart marker.
_JPEG_SOI = b'\xff\xd8'
_JPEG_SOS = b'\xff\xda'
_JPEG_EOI = b'\xff\xd9'

# Called with the path and the reason of an image file that is skipped.
SkipReporter = Callable[[Path, str], None]


class SourceError(RuntimeError):
    """A frame source cannot be opened or read."""


def jpeg_is_truncated(data: bytes) -> bool:
    """
    Tell whether JPEG data ends before its image does.

    libjpeg decodes a truncated file anyway (grey below the cut, "Premature end of JPEG file"
    on stderr), so ``cv2.imread`` cannot tell. A complete file has an end-of-image marker after
    its last start-of-scan; bytes after that marker (some cameras append some) are allowed.

    :param data: the file's bytes.
    :returns: True for JPEG data without an end-of-image marker after its last scan; False
        for complete JPEG data and for anything that is not JPEG.
    """
    if not data.startswith(_JPEG_SOI):
        return False
    return data.rfind(_JPEG_EOI) < data.rfind(_JPEG_SOS)


def read_image_file(path: Path) -> tuple[Optional[np.ndarray], str]:
    """
    Read an image file that must be whole.

    :param path: the file.
    :returns: ``(image, '')`` with a BGR uint8 image, or ``(None, reason)``.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        return None, f'cannot read it ({error.strerror or error})'
    if jpeg_is_truncated(data):
        return None, 'truncated JPEG (no end-of-image marker)'
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        return None, 'not an image OpenCV can decode'
    return image, ''


def _log_skip(path: Path, reason: str) -> None:
    """Report a skipped image through Python logging (when no reporter is given)."""
    _LOG.warning('skipping unreadable image %s: %s', path, reason)


class FrameSource(Protocol):
    """What every source offers."""

    fps: float

    def read(self) -> Optional[np.ndarray]:
        """
        Return the next frame.

        :returns: a BGR uint8 frame, or None at the end of a finite source.
        """

    def close(self) -> None:
        """Release the device or file."""


class _Closing:
    """Context-manager support for sources."""

    def close(self) -> None:
        """Release resources (nothing by default)."""

    def __enter__(self) -> '_Closing':
        """
        Enter a ``with`` block.

        :returns: the source itself.
        """
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close the source."""
        self.close()


class CameraSource(_Closing):
    """A V4L2 camera (``/dev/videoN`` or index N)."""

    def __init__(self, device: Union[str, int], width: int = 0, height: int = 0,
                 fps: float = 0.0) -> None:
        """
        Open the camera and request a frame size and rate.

        :param device: ``/dev/videoN`` path or integer index N.
        :param width: requested width, pixels; 0 keeps the driver's default.
        :param height: requested height, pixels; 0 keeps the driver's default.
        :param fps: requested rate, Hz; 0 keeps the driver's default.
        :raises SourceError: when the device does not exist or cannot be opened.
        """
        self.device = f'/dev/video{device}' if isinstance(device, int) else str(device)
        if not os.path.exists(self.device):
            raise SourceError(f'camera {self.device} does not exist')
        self._cap = cv2.VideoCapture(self.device, cv2.CAP_V4L2)
        if not self._cap.isOpened():
            self._cap.release()
            raise SourceError(
                f'cannot open camera {self.device} with V4L2 (busy, not a capture device, '
                f'or no permission)')
        if width > 0:
            self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        if height > 0:
            self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        if fps > 0:
            self._cap.set(cv2.CAP_PROP_FPS, fps)
        actual = self._cap.get(cv2.CAP_PROP_FPS)
        self.fps = float(actual) if math.isfinite(actual) and actual > 0 else (fps or DEFAULT_FPS)

    def read(self) -> np.ndarray:
        """
        Grab the next frame.

        :returns: BGR uint8 frame.
        :raises SourceError: when the camera gives no frame (unplugged, closed).
        """
        ok, frame = self._cap.read()
        if not ok or frame is None:
            raise SourceError(f'cannot read a frame from camera {self.device}')
        return frame

    def close(self) -> None:
        """Release the camera."""
        self._cap.release()


class VideoFileSource(_Closing):
    """A video file, optionally looped."""

    def __init__(self, path: Union[str, Path], loop: bool = False, fps: float = 0.0) -> None:
        """
        Open a video file.

        :param path: the file.
        :param loop: start again at the first frame after the last one.
        :param fps: reported rate, Hz; 0 uses the file's own rate.
        :raises SourceError: when the file is missing or OpenCV cannot decode it.
        """
        self.path = str(path)
        if not os.path.exists(self.path):
            raise SourceError(f'video file {self.path} does not exist')
        self._cap = cv2.VideoCapture(self.path)
        if not self._cap.isOpened():
            self._cap.release()
            raise SourceError(f'cannot open video file {self.path} (not a video OpenCV can read)')
        self.loop = loop
        rate = self._cap.get(cv2.CAP_PROP_FPS)
        if fps > 0:
            self.fps = float(fps)
        else:
            self.fps = float(rate) if math.isfinite(rate) and rate > 0 else DEFAULT_FPS

    def read(self) -> Optional[np.ndarray]:
        """
        Decode the next frame.

        :returns: BGR uint8 frame, or None at the end (never when looping a
            non-empty file).
        """
        ok, frame = self._cap.read()
        if ok and frame is not None:
            return frame
        if not self.loop:
            return None
        self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
        ok, frame = self._cap.read()
        return frame if ok and frame is not None else None

    def close(self) -> None:
        """Release the file."""
        self._cap.release()


class ImageFolderSource(_Closing):
    """Still images played as a video, in sorted file-name order."""

    def __init__(self, files: list[Path], fps: float = 0.0, loop: bool = False,
                 on_skip: Optional[SkipReporter] = None) -> None:
        """
        Play a list of image files.

        :param files: the images, in play order.
        :param fps: reported rate, Hz; 0 means :data:`DEFAULT_FOLDER_FPS`.
        :param loop: start again at the first image after the last one.
        :param on_skip: called once with the path and reason of each unreadable or truncated
            image, which is then dropped; default: a Python logging warning.
        :raises SourceError: when ``files`` is empty.
        """
        if not files:
            raise SourceError('no image files to play')
        self.files = [Path(f) for f in files]
        self.fps = float(fps) if fps > 0 else DEFAULT_FOLDER_FPS
        self.loop = loop
        self._on_skip = on_skip or _log_skip
        self._index = 0

    @classmethod
    def from_folder(cls, folder: Union[str, Path], fps: float = 0.0, loop: bool = False,
                    on_skip: Optional[SkipReporter] = None) -> 'ImageFolderSource':
        """
        Play the images of a folder (not recursive), sorted by name.

        :param folder: the folder.
        :param fps: reported rate, Hz; 0 means :data:`DEFAULT_FOLDER_FPS`.
        :param loop: start again at the first image after the last one.
        :param on_skip: see :class:`ImageFolderSource`.
        :returns: the source.
        :raises SourceError: when the folder has no file with an image extension.
        """
        folder = Path(folder)
        files = sorted(p for p in folder.iterdir()
                       if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS)
        if not files:
            raise SourceError(
                f"image folder {folder} has no images ({', '.join(IMAGE_EXTENSIONS)})")
        return cls(files, fps=fps, loop=loop, on_skip=on_skip)

    def read(self) -> Optional[np.ndarray]:
        """
        Load the next readable image; unreadable or truncated ones are reported and dropped.

        :returns: BGR uint8 image, or None after the last one (or when no
            image is readable) unless looping.
        """
        while self.files:
            if self._index >= len(self.files):
                if not self.loop:
                    return None
                self._index = 0
            path = self.files[self._index]
            image, reason = read_image_file(path)
            if image is not None:
                self._index += 1
                return image
            del self.files[self._index]  # report once, not on every loop
            self._on_skip(path, reason)
        return None


def open_source(spec: Union[str, int], width: int = 0, height: int = 0, fps: float = 0.0,
                loop: bool = False, on_skip: Optional[SkipReporter] = None) -> FrameSource:
    """
    Open a camera, a video file or an image folder.

    :param spec: an integer index or a string of digits (camera N),
        ``/dev/videoN`` (camera), a folder (its images), an image file (that one
        image) or any other file (a video).
    :param width: camera width, pixels (0: driver default; ignored for files).
    :param height: camera height, pixels (0: driver default; ignored for files).
    :param fps: camera rate or folder play rate, Hz; for a video, overrides the
        file's rate when > 0.
    :param loop: loop files and folders (ignored for cameras).
    :param on_skip: for folders and image files: reports each skipped image (see
        :class:`ImageFolderSource`).
    :returns: the open source.
    :raises SourceError: when the spec names nothing that exists or it cannot be
        opened; the message names it.
    """
    if isinstance(spec, bool):
        raise SourceError(f'invalid source spec {spec!r}')
    if isinstance(spec, (int, np.integer)):
        return CameraSource(int(spec), width, height, fps)
    text = str(spec).strip()
    if not text:
        raise SourceError('empty source spec')
    if text.isdigit():
        return CameraSource(int(text), width, height, fps)
    if _DEVICE_RE.match(text):
        return CameraSource(text, width, height, fps)
    path = Path(text).expanduser()
    if path.is_char_device():
        # /dev/v4l/by-id/... and other stable names of a V4L2 device.
        return CameraSource(str(path), width, height, fps)
    if path.is_dir():
        return ImageFolderSource.from_folder(path, fps=fps, loop=loop, on_skip=on_skip)
    if not path.exists():
        raise SourceError(f'source {text} does not exist (not a camera, file or folder)')
    if path.suffix.lower() in IMAGE_EXTENSIONS:
        return ImageFolderSource([path], fps=fps, loop=loop, on_skip=on_skip)
    return VideoFileSource(path, loop=loop, fps=fps)
