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
Convert between sensor_msgs/Image *fields* and numpy BGR images, without ROS.

The functions take and return the plain fields of a ``sensor_msgs/Image``
(``encoding``, ``height``, ``width``, ``step``, ``data``) so they can be tested
without a ROS installation; ``emotion_ros.conversions`` wraps them for messages.

``decode_image`` returns a view onto ``data`` for ``bgr8`` (about 0.01 ms, no
copy); the view is read-only when ``data`` is immutable (``bytes``) and shares
memory with the message otherwise, so copy it before modifying it. The other
encodings need a colour conversion and return a new contiguous array.
"""

from typing import Any

import cv2
import numpy as np

# Largest accepted image, in pixels (height * width): guards against corrupt
# headers asking for gigabytes. 8192 x 8192 = 67 Mpixel, about 200 MB as BGR.
MAX_IMAGE_PIXELS = 8192 * 8192

# Bytes per pixel of each supported sensor_msgs encoding (names as in
# sensor_msgs/image_encodings.hpp; 'yuyv' is an alias of 'yuv422_yuy2').
_BYTES_PER_PIXEL = {
    'bgr8': 3,
    'rgb8': 3,
    'mono8': 1,
    'yuv422_yuy2': 2,
    'yuyv': 2,
}
SUPPORTED_ENCODINGS = tuple(_BYTES_PER_PIXEL)
# Encodings that encode_image can produce.
ENCODABLE_ENCODINGS = ('bgr8', 'rgb8', 'mono8')
_YUYV_ENCODINGS = ('yuv422_yuy2', 'yuyv')


class ImageEncodingError(ValueError):
    """
    An image or its message fields cannot be converted.

    ``kind`` names the kind of fault in a few words, the same for every message of that kind
    (the message text varies with the sizes): callers count and throttle logs by it.
    """

    def __init__(self, message: str, kind: str = 'invalid image') -> None:
        """
        Make the error.

        :param message: what is wrong, with the values.
        :param kind: the kind of fault, e.g. ``'short data'``.
        """
        super().__init__(message)
        self.kind = kind


def _as_byte_array(data: Any) -> np.ndarray:
    """
    Return ``data`` as a flat uint8 array, without copying when possible.

    :param data: bytes, bytearray, memoryview, array.array('B'), numpy array or a
        sequence of ints in 0..255.
    :returns: a 1-D uint8 array (a view for buffer-protocol inputs).
    :raises ImageEncodingError: when ``data`` cannot be read as bytes.
    """
    if isinstance(data, np.ndarray):
        if data.dtype != np.uint8:
            raise ImageEncodingError(f'image data must be uint8, got {data.dtype}',
                                     'bad data type')
        return data.reshape(-1)
    try:
        return np.frombuffer(data, dtype=np.uint8)
    except (TypeError, ValueError):
        pass
    try:
        return np.asarray(data, dtype=np.uint8).reshape(-1)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ImageEncodingError(
            f'image data of type {type(data).__name__} is not a byte buffer: {exc}',
            'bad data type') from exc


def _check_geometry(encoding: str, height: int, width: int, step: int, size: int) -> int:
    """
    Validate the image fields and return the bytes per pixel of ``encoding``.

    :param encoding: sensor_msgs encoding name.
    :param height: rows.
    :param width: columns.
    :param step: bytes per row, including padding.
    :param size: number of bytes in the data buffer.
    :returns: bytes per pixel.
    :raises ImageEncodingError: on any inconsistency.
    """
    if encoding not in _BYTES_PER_PIXEL:
        raise ImageEncodingError(
            f"unsupported image encoding '{encoding}'; supported: "
            f"{', '.join(SUPPORTED_ENCODINGS)}", 'unknown encoding')
    if height <= 0 or width <= 0:
        raise ImageEncodingError(f'image has zero size ({width}x{height}, {encoding})',
                                 'zero size')
    if height * width > MAX_IMAGE_PIXELS:
        raise ImageEncodingError(
            f'image {width}x{height} has {height * width} pixels, more than the '
            f'maximum {MAX_IMAGE_PIXELS} (MAX_IMAGE_PIXELS)', 'huge image')
    bpp = _BYTES_PER_PIXEL[encoding]
    if step < width * bpp:
        raise ImageEncodingError(
            f'step {step} is smaller than width * bytes per pixel = {width} * {bpp} '
            f'= {width * bpp} for {encoding}', 'short step')
    if size < step * height:
        raise ImageEncodingError(
            f'image data has {size} bytes, less than step * height = {step} * {height} '
            f'= {step * height} ({width}x{height} {encoding})', 'short data')
    if encoding in _YUYV_ENCODINGS and width % 2:
        raise ImageEncodingError(f'{encoding} needs an even width, got {width}', 'odd width')
    return bpp


def decode_image(encoding: str, height: int, width: int, step: int, data: Any) -> np.ndarray:
    """
    Decode sensor_msgs/Image fields into a BGR image.

    :param encoding: 'bgr8', 'rgb8', 'mono8', 'yuv422_yuy2' or its alias 'yuyv'.
    :param height: rows.
    :param width: columns.
    :param step: bytes per row; may be larger than width * bytes per pixel (padding).
    :param data: the pixel bytes (bytes, bytearray, memoryview, array.array('B'), numpy);
        at least ``step * height`` of them, any beyond are ignored.
    :returns: uint8 array of shape (height, width, 3) in BGR order; a view onto
        ``data`` for bgr8, a new array for the other encodings.
    :raises ImageEncodingError: for an unsupported encoding, a zero or huge size,
        a step shorter than a row, or data shorter than step * height.
    """
    height, width, step = int(height), int(width), int(step)
    buf = _as_byte_array(data)
    bpp = _check_geometry(encoding, height, width, step, buf.size)
    rows = buf[:step * height].reshape(height, step)
    # Dropping the padding keeps a view: each row's pixels are contiguous.
    pixels = rows[:, :width * bpp].reshape(height, width, bpp)
    if encoding == 'bgr8':
        return pixels
    if encoding == 'rgb8':
        return cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)
    if encoding == 'mono8':
        return cv2.cvtColor(pixels[:, :, 0], cv2.COLOR_GRAY2BGR)
    # yuv422_yuy2: Y0 U Y1 V per pixel pair; cv2 is ~50x faster than numpy here.
    return cv2.cvtColor(pixels, cv2.COLOR_YUV2BGR_YUY2)


def check_bgr(image: np.ndarray, allow_empty: bool = False) -> None:
    """
    Reject anything that is not a uint8 HxWx3 (BGR) image.

    :param image: the image to check.
    :param allow_empty: accept a zero width or height.
    :raises ValueError: when it is not such an image; the message gives its dtype and shape.
    """
    if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 \
            or image.shape[2] != 3 or (not allow_empty and 0 in image.shape[:2]):
        shape = getattr(image, 'shape', None)
        dtype = getattr(image, 'dtype', type(image).__name__)
        empty = '' if allow_empty else 'non-empty '
        raise ValueError(f'expected a {empty}uint8 HxWx3 BGR image, got {dtype} {shape}')


def encode_pixels(bgr: np.ndarray, encoding: str = 'bgr8') -> tuple[int, int, int, np.ndarray]:
    """
    Convert a BGR image to the pixel layout of ``encoding``, without row padding.

    The zero-copy core of :func:`encode_image`: a C-contiguous bgr8 input is
    returned as is, so callers can copy it once, straight into their buffer.

    :param bgr: uint8 array (H, W, 3) in BGR order; for 'mono8' a grey (H, W)
        array is also accepted.
    :param encoding: 'bgr8', 'rgb8' or 'mono8'.
    :returns: ``(height, width, step, pixels)`` with ``step = width * channels``
        and ``pixels`` a C-contiguous uint8 array of ``step * height`` bytes.
    :raises ImageEncodingError: for an unsupported encoding, a wrong dtype or
        shape, or a zero or huge size.
    """
    if encoding not in ENCODABLE_ENCODINGS:
        raise ImageEncodingError(
            f"cannot encode to '{encoding}'; supported: {', '.join(ENCODABLE_ENCODINGS)}",
            'unknown encoding')
    image = np.asarray(bgr)
    if image.dtype != np.uint8:
        raise ImageEncodingError(f'image must be uint8, got {image.dtype}', 'bad data type')
    grey_input = image.ndim == 2 and encoding == 'mono8'
    if not grey_input and (image.ndim != 3 or image.shape[2] != 3):
        raise ImageEncodingError(
            f'image must be HxWx3 BGR (or HxW grey for mono8), got shape {image.shape}',
            'bad shape')
    height, width = image.shape[:2]
    if height == 0 or width == 0:
        raise ImageEncodingError(f'image has zero size ({width}x{height})', 'zero size')
    if height * width > MAX_IMAGE_PIXELS:
        raise ImageEncodingError(
            f'image {width}x{height} has more than MAX_IMAGE_PIXELS = {MAX_IMAGE_PIXELS} pixels',
            'huge image')
    if encoding == 'rgb8':
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    elif encoding == 'mono8' and not grey_input:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    channels = 1 if image.ndim == 2 else image.shape[2]
    # Makes non-contiguous views (crops, padded rows) contiguous; no copy otherwise.
    return height, width, width * channels, np.ascontiguousarray(image)


def encode_image(bgr: np.ndarray, encoding: str = 'bgr8') -> tuple[int, int, int, bytes]:
    """
    Encode a BGR image as sensor_msgs/Image fields, without row padding.

    :param bgr: uint8 array (H, W, 3) in BGR order; for 'mono8' a grey (H, W)
        array is also accepted.
    :param encoding: 'bgr8', 'rgb8' or 'mono8'.
    :returns: ``(height, width, step, data)`` with ``step = width * channels``.
    :raises ImageEncodingError: for an unsupported encoding, a wrong dtype or
        shape, or a zero or huge size.
    """
    height, width, step, pixels = encode_pixels(bgr, encoding)
    return height, width, step, pixels.tobytes()
