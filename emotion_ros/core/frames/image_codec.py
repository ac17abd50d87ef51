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
Convert between sensor_msgs/Image *fields* and numpy BGR images, without ROS: both directions.

The functions take and return the plain fields of a ``sensor_msgs/Image``
(``encoding``, ``height``, ``width``, ``step``, ``data``, ``is_bigendian``) so they can be tested
without a ROS installation; ``emotion_ros.conversions`` wraps them for messages. Every colour
and grey encoding of sensor_msgs is read and written
(:mod:`emotion_ros.core.frames.image_encodings` has the list and the byte layouts), through
OpenCV's own conversions as cv_bridge does.

``decode_image`` returns a view onto ``data`` for ``bgr8`` (about 0.01 ms, no
copy); the view is read-only when ``data`` is immutable (``bytes``) and shares
memory with the message otherwise, so copy it before modifying it. The other
encodings need a colour conversion and return a new contiguous array.

16-bit encodings are scaled to 8 bits as cv_bridge's ``cvtColor`` does (``convertTo`` with
``255 / 65535``): ``round(value / 257)``, which differs from ``value >> 8`` by at most 1. Bayer
mosaics are demosaiced at 16 bits first, then scaled, also as cv_bridge does. Writing a 16-bit
encoding multiplies by 257 (``65535 / 255``) and is little-endian (``is_bigendian = 0``).
"""

from typing import Any

import cv2
from emotion_ros.core.frames.image_encodings import check_even, EncodingLayout, ImageEncodingError
from emotion_ros.core.frames.image_encodings import layout_of, LAYOUTS, SUPPORTED_ENCODINGS
import numpy as np

__all__ = ['check_bgr', 'decode_image', 'ENCODABLE_ENCODINGS', 'encode_image', 'encode_pixels',
           'ImageEncodingError', 'MAX_IMAGE_PIXELS', 'SUPPORTED_ENCODINGS']

# Largest accepted image, in pixels (height * width): guards against corrupt
# headers asking for gigabytes. 8192 x 8192 = 67 Mpixel, about 200 MB as BGR.
MAX_IMAGE_PIXELS = 8192 * 8192
# Encodings that encode_image can produce: all that decode_image reads.
ENCODABLE_ENCODINGS = SUPPORTED_ENCODINGS
# 16-bit to 8-bit scale, as cv_bridge (255 / 65535: value / 257, rounded); and back (257).
_SCALE_16_TO_8 = 255.0 / 65535.0
_SCALE_8_TO_16 = 257

# OpenCV conversion to BGR of each 8-bit packed family (None: already BGR).
_TO_BGR = {
    'bgr': None, 'rgb': cv2.COLOR_RGB2BGR, 'bgra': cv2.COLOR_BGRA2BGR,
    'rgba': cv2.COLOR_RGBA2BGR, 'mono': cv2.COLOR_GRAY2BGR,
    'yuyv': cv2.COLOR_YUV2BGR_YUY2, 'uyvy': cv2.COLOR_YUV2BGR_UYVY,
    'nv12': cv2.COLOR_YUV2BGR_NV12, 'nv21': cv2.COLOR_YUV2BGR_NV21,
    # OpenCV names a Bayer pattern by the 2x2 cell starting at the second row and column,
    # so each ROS name maps to the "opposite" OpenCV one (the table cv_bridge uses).
    'bayer_rggb': cv2.COLOR_BayerBG2BGR, 'bayer_bggr': cv2.COLOR_BayerRG2BGR,
    'bayer_gbrg': cv2.COLOR_BayerGR2BGR, 'bayer_grbg': cv2.COLOR_BayerGB2BGR,
}
# OpenCV conversion from BGR to each family that OpenCV can write directly.
_FROM_BGR = {
    'bgr': None, 'rgb': cv2.COLOR_BGR2RGB, 'bgra': cv2.COLOR_BGR2BGRA,
    'rgba': cv2.COLOR_BGR2RGBA, 'mono': cv2.COLOR_BGR2GRAY,
    'yuyv': cv2.COLOR_BGR2YUV_YUY2, 'uyvy': cv2.COLOR_BGR2YUV_UYVY,
}
# Bayer cell of each ROS pattern: the BGR channel (0 B, 1 G, 2 R) at rows/columns (0,0),
# (0,1), (1,0), (1,1).
_BAYER_CELLS = {
    'bayer_rggb': (2, 1, 1, 0), 'bayer_bggr': (0, 1, 1, 2),
    'bayer_gbrg': (1, 0, 2, 1), 'bayer_grbg': (1, 2, 0, 1),
}
# ITU-R BT.601 limited range, the matrix OpenCV uses for its NV12/NV21/UYVY conversions
# (its fixed-point constants / 2**20), written for cv2.transform: rows B, G, R over Y, U, V, 1.
_YUV_TO_BGR = np.array([
    [1.164, 2.018, 0.0, -1.164 * 16 - 2.018 * 128],
    [1.164, -0.391, -0.813, -1.164 * 16 + (0.391 + 0.813) * 128],
    [1.164, 0.0, 1.596, -1.164 * 16 - 1.596 * 128],
], np.float32)
# Its inverse (BGR -> Y, U, V), rows Y, U, V over B, G, R, 1.
_BGR_TO_YUV = np.array([
    [0.098, 0.504, 0.257, 16.0],
    [0.439, -0.291, -0.148, 128.0],
    [-0.071, -0.368, 0.439, 128.0],
], np.float32)


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


def _check_size(name: str, height: int, width: int) -> None:
    """
    Refuse a zero or huge size.

    :param name: the encoding, for the message.
    :param height: rows.
    :param width: columns.
    :raises ImageEncodingError: kinds ``'zero size'`` and ``'huge image'``.
    """
    if height <= 0 or width <= 0:
        raise ImageEncodingError(f'image has zero size ({width}x{height}, {name})',
                                 'zero size')
    if height * width > MAX_IMAGE_PIXELS:
        raise ImageEncodingError(
            f'image {width}x{height} has {height * width} pixels, more than the '
            f'maximum {MAX_IMAGE_PIXELS} (MAX_IMAGE_PIXELS)', 'huge image')


def _check_geometry(encoding: str, height: int, width: int, step: int,
                    size: int) -> tuple[EncodingLayout, int]:
    """
    Validate the image fields; return the layout of ``encoding`` and its rows of ``step``.

    :param encoding: sensor_msgs encoding name.
    :param height: rows.
    :param width: columns.
    :param step: bytes per row, including padding.
    :param size: number of bytes in the data buffer.
    :returns: the encoding's layout, and how many rows of ``step`` bytes the image has.
    :raises ImageEncodingError: on any inconsistency.
    """
    # Inline checks and lookups: this runs for every frame (bgr8 decodes in a few us in all).
    layout = LAYOUTS.get(encoding) or layout_of(encoding)
    if height <= 0 or width <= 0 or height * width > MAX_IMAGE_PIXELS:
        _check_size(encoding, height, width)
    bpp = layout.pixel_bytes
    if step < width * bpp:
        raise ImageEncodingError(
            f'step {step} is smaller than width * bytes per pixel = {width} * {bpp} '
            f'= {width * bpp} for {encoding}', 'short step')
    rows = height if layout.row_factor == 1.0 else layout.rows(height)
    if size < step * rows:
        planes = '' if rows == height else f' ({rows} rows of Y and chroma planes)'
        raise ImageEncodingError(
            f'image data has {size} bytes, less than step * rows = {step} * {rows} '
            f'= {step * rows} ({width}x{height} {encoding}{planes})', 'short data')
    if layout.even_width:
        check_even(layout, height, width)
    return layout, rows


def _to_native_16(rows: np.ndarray, height: int, width: int, layout: EncodingLayout,
                  is_bigendian: bool) -> np.ndarray:
    """
    Read the 16-bit values of padded byte rows, in the host's byte order.

    :param rows: (height, step) uint8 rows.
    :param height: rows.
    :param width: columns.
    :param layout: the encoding's layout (2 bytes per value).
    :param is_bigendian: the message's byte order.
    :returns: uint16 (height, width, channels) in native order (a view when possible).
    """
    pixels = rows[:, :width * layout.pixel_bytes]
    if rows.strides[0] % 2 or pixels.ctypes.data % 2:
        pixels = np.ascontiguousarray(pixels)  # OpenCV needs rows at even byte offsets
    values = pixels.view('>u2' if is_bigendian else '<u2')
    if not values.dtype.isnative:
        values = values.astype(np.uint16)
    return values.reshape(height, width, layout.channels)


def decode_image(encoding: str, height: int, width: int, step: int, data: Any,
                 is_bigendian: bool = False) -> np.ndarray:
    """
    Decode sensor_msgs/Image fields into a BGR image.

    :param encoding: any of :data:`SUPPORTED_ENCODINGS` (colour, grey, Bayer, YUV; 8 or 16 bit).
    :param height: rows.
    :param width: columns.
    :param step: bytes per row; may be larger than width * bytes per pixel (padding). For
        nv12/nv21/nv24 the row length of the Y plane (see image_encodings).
    :param data: the pixel bytes (bytes, bytearray, memoryview, array.array('B'), numpy);
        at least ``step * rows`` of them, any beyond are ignored.
    :param is_bigendian: byte order of the 16-bit encodings (ignored for 8-bit ones).
    :returns: uint8 array of shape (height, width, 3) in BGR order; a view onto
        ``data`` for bgr8 and 8UC3, a new array for the other encodings.
    :raises ImageEncodingError: for a depth or unknown encoding, a zero or huge size,
        a step shorter than a row, data shorter than the rows, or an odd size where the
        encoding needs an even one.
    """
    height, width, step = int(height), int(width), int(step)
    buf = _as_byte_array(data)
    layout, count = _check_geometry(encoding, height, width, step, buf.size)
    rows = buf[:step * count].reshape(count, step)
    if layout.is_bgr8:
        # Dropping the padding keeps a view: each row's pixels are contiguous.
        return rows[:, :width * 3].reshape(height, width, 3)
    family = layout.family
    if layout.value_bytes == 1 and layout.row_factor == 1.0:
        pixels = rows[:, :width * layout.pixel_bytes].reshape(height, width, layout.channels)
    elif layout.value_bytes == 2:
        values = _to_native_16(rows, height, width, layout, bool(is_bigendian))
        if family.startswith('bayer'):
            # Demosaic at full depth, then scale: cv_bridge's order.
            return cv2.convertScaleAbs(cv2.cvtColor(values[:, :, 0], _TO_BGR[family]),
                                       alpha=_SCALE_16_TO_8)
        # A channel swap commutes with the scale: scale first, so OpenCV swaps 8-bit values.
        pixels = cv2.convertScaleAbs(values, alpha=_SCALE_16_TO_8).reshape(
            height, width, layout.channels)
    elif family == 'nv24':
        return _decode_nv24(rows, height, width, step)
    else:
        # nv12, nv21: the Y plane and the half-height chroma plane, one (height * 3 / 2,
        # width) image for OpenCV.
        return cv2.cvtColor(rows[:, :width], _TO_BGR[family])
    code = _TO_BGR[family]
    if code is None:  # bgr16 (bgr8 returned above)
        return pixels
    if layout.channels == 1:
        pixels = pixels[:, :, 0]
    return cv2.cvtColor(pixels, code)


def _decode_nv24(rows: np.ndarray, height: int, width: int, step: int) -> np.ndarray:
    """
    Decode NV24 (a Y plane, then a full-resolution interleaved U, V plane) to BGR.

    OpenCV has no NV24 conversion: the planes are merged into YUV 4:4:4 and converted with
    the BT.601 matrix OpenCV uses for NV12, so nv24 and nv12 of one frame look alike.

    :param rows: (height * 3, step) uint8 rows.
    :param height: rows.
    :param width: columns.
    :param step: bytes per Y row; chroma rows are ``2 * step``.
    :returns: uint8 (height, width, 3) BGR.
    """
    luma = rows[:height, :width]
    chroma = rows[height:].reshape(height, 2 * step)[:, :2 * width].reshape(height, width, 2)
    yuv = cv2.merge([luma, chroma[:, :, 0], chroma[:, :, 1]])
    return cv2.transform(yuv, _YUV_TO_BGR)


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


def _mosaic(bgr: np.ndarray, family: str) -> np.ndarray:
    """
    Sample a BGR image through a Bayer colour filter, as a raw sensor sees it.

    :param bgr: uint8 or uint16 (H, W, 3).
    :param family: 'bayer_rggb', 'bayer_bggr', 'bayer_gbrg' or 'bayer_grbg'.
    :returns: (H, W) single-channel mosaic of the same dtype.
    """
    mosaic = np.empty(bgr.shape[:2], bgr.dtype)
    cell = _BAYER_CELLS[family]
    for index, (row, column) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
        mosaic[row::2, column::2] = bgr[row::2, column::2, cell[index]]
    return mosaic


def _encode_yuv420(bgr: np.ndarray, family: str) -> np.ndarray:
    """
    Write NV12 or NV21: OpenCV's I420 planes, with the chroma interleaved.

    :param bgr: uint8 (H, W, 3), even H and W.
    :param family: 'nv12' (U first) or 'nv21' (V first).
    :returns: uint8 (H * 3 / 2, W).
    """
    height, width = bgr.shape[:2]
    i420 = cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV_I420)
    quarter = height * width // 4
    u = i420[height:].reshape(-1)[:quarter]
    v = i420[height:].reshape(-1)[quarter:]
    first, second = (u, v) if family == 'nv12' else (v, u)
    out = np.empty((height * 3 // 2, width), np.uint8)
    out[:height] = i420[:height]
    chroma = out[height:].reshape(-1, 2)
    chroma[:, 0], chroma[:, 1] = first, second
    return out


def _encode_nv24(bgr: np.ndarray) -> np.ndarray:
    """
    Write NV24: a Y plane, then full-resolution interleaved U, V (BT.601 limited range).

    :param bgr: uint8 (H, W, 3).
    :returns: uint8 (H * 3, W): H rows of Y, then H rows of 2 * W chroma bytes.
    """
    height, width = bgr.shape[:2]
    luma, u, v = cv2.split(cv2.transform(bgr, _BGR_TO_YUV))
    out = np.empty((height * 3, width), np.uint8)
    out[:height] = luma
    # cv2.merge interleaves in 0.2 ms; a numpy strided assignment took 2.5 ms here.
    out[height:] = cv2.merge([u, v]).reshape(2 * height, width)
    return out


def _convert_from_bgr(image: np.ndarray, layout: EncodingLayout) -> np.ndarray:
    """
    Convert BGR (or grey for mono encodings) to the pixels of ``layout``.

    :param image: uint8 (H, W, 3), or (H, W) grey for the mono family.
    :param layout: the target encoding's layout.
    :returns: the pixels, uint8 or (16-bit encodings) uint16, before byte ordering.
    """
    family = layout.family
    grey = image.ndim == 2
    if family.startswith('bayer'):
        pixels = _mosaic(image, family)
    elif family in ('nv12', 'nv21'):
        pixels = _encode_yuv420(image, family)
    elif family == 'nv24':
        pixels = _encode_nv24(image)
    else:
        code = None if grey else _FROM_BGR[family]
        pixels = image if code is None else cv2.cvtColor(image, code)
    if layout.value_bytes == 2:
        pixels = pixels.astype(np.uint16) * np.uint16(_SCALE_8_TO_16)
    return pixels


def encode_pixels(bgr: np.ndarray, encoding: str = 'bgr8') -> tuple[int, int, int, np.ndarray]:
    """
    Convert a BGR image to the pixel layout of ``encoding``, without row padding.

    The zero-copy core of :func:`encode_image`: a C-contiguous bgr8 input is
    returned as is, so callers can copy it once, straight into their buffer.
    This is how the camera node publishes the encoding a real driver would (e.g. a Bayer
    mosaic like a FLIR or Basler camera, UYVY like a GigE camera, NV12 like a Jetson).

    :param bgr: uint8 array (H, W, 3) in BGR order; for 'mono8', '8UC1' and 'mono16' a grey
        (H, W) array is also accepted.
    :param encoding: any of :data:`ENCODABLE_ENCODINGS`.
    :returns: ``(height, width, step, pixels)`` with ``step`` the bytes of one row (of the
        Y plane for nv12/nv21/nv24) and ``pixels`` a C-contiguous uint8 array of all the
        bytes; 16-bit values little-endian (``is_bigendian = 0``).
    :raises ImageEncodingError: for an unsupported encoding, a wrong dtype or
        shape, a zero or huge size, or an odd size where the encoding needs an even one.
    """
    try:
        layout = layout_of(encoding)
    except ImageEncodingError as error:
        raise ImageEncodingError(f'cannot encode: {error}', error.kind) from None
    image = np.asarray(bgr)
    if image.dtype != np.uint8:
        raise ImageEncodingError(f'image must be uint8, got {image.dtype}', 'bad data type')
    grey_input = image.ndim == 2 and layout.family == 'mono'
    if not grey_input and (image.ndim != 3 or image.shape[2] != 3):
        raise ImageEncodingError(
            f'image must be HxWx3 BGR (or HxW grey for mono8), got shape {image.shape}',
            'bad shape')
    height, width = image.shape[:2]
    _check_size(encoding, height, width)
    check_even(layout, height, width)
    pixels = _convert_from_bgr(image, layout)
    if layout.value_bytes == 2:
        pixels = pixels.astype('<u2', copy=False)
    # Makes non-contiguous views (crops, padded rows) contiguous; no copy otherwise.
    pixels = np.ascontiguousarray(pixels)
    if pixels.dtype != np.uint8:
        pixels = pixels.view(np.uint8)
    return height, width, width * layout.pixel_bytes, pixels


def encode_image(bgr: np.ndarray, encoding: str = 'bgr8') -> tuple[int, int, int, bytes]:
    """
    Encode a BGR image as sensor_msgs/Image fields, without row padding.

    :param bgr: uint8 array (H, W, 3) in BGR order; for the mono encodings a grey (H, W)
        array is also accepted.
    :param encoding: any of :data:`ENCODABLE_ENCODINGS`.
    :returns: ``(height, width, step, data)``; 16-bit values little-endian.
    :raises ImageEncodingError: for an unsupported encoding, a wrong dtype or
        shape, a zero or huge size, or an odd size where the encoding needs an even one.
    """
    height, width, step, pixels = encode_pixels(bgr, encoding)
    return height, width, step, pixels.tobytes()
