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
Compress and decompress sensor_msgs/CompressedImage *fields* (JPEG, PNG), without ROS.

Follows image_transport's ``compressed`` plugin (compressed_image_transport): the message's
``format`` is ``'<original encoding>; <jpeg|png> compressed <target encoding>'``, e.g.
``'bgr8; jpeg compressed bgr8'``, and colour images are compressed in BGR order. Bare
``'jpeg'``/``'jpg'``/``'png'`` (older publishers) are accepted too. Decoding always yields a
BGR image, whatever the original encoding (the nodes only need BGR).

Errors are :class:`CompressedImageError`, a kind of
:class:`~emotion_ros.core.frames.image_codec.ImageEncodingError` carrying a short ``kind``
(``'empty'``, ``'unsupported'``, ``'corrupt'``, ``'truncated'``, ``'too_large'``,
``'bad_image'``, ``'bad_quality'``) so a node can log each kind of bad input once.
"""

from typing import Any

import cv2
from emotion_ros.core.config import CameraConfig, COMPRESSED_FORMAT_CHOICES
from emotion_ros.core.frames.image_codec import _as_byte_array, ImageEncodingError
from emotion_ros.core.frames.image_codec import MAX_IMAGE_PIXELS
import numpy as np

# Codecs this module writes and reads (image_transport's compressed plugin offers both).
COMPRESSED_FORMATS = COMPRESSED_FORMAT_CHOICES
# Aliases accepted in a received format string.
_CODEC_ALIASES = {'jpeg': 'jpeg', 'jpg': 'jpeg', 'png': 'png'}
# Original encodings whose compressed form decodes to an 8-bit image we can use.
DECODABLE_ENCODINGS = ('bgr8', 'rgb8', 'mono8', 'bgra8', 'rgba8')
DEFAULT_JPEG_QUALITY = CameraConfig.jpeg_quality  # its one home is the camera stage config
JPEG_QUALITY_RANGE = (1, 100)  # cv2.IMWRITE_JPEG_QUALITY bounds
DEFAULT_PNG_LEVEL = CameraConfig.png_level  # zlib level; 1 is ~15x faster than 9, 25% larger
PNG_LEVEL_RANGE = (0, 9)  # cv2.IMWRITE_PNG_COMPRESSION bounds
# Largest accepted compressed payload, bytes: a bgr8 MAX_IMAGE_PIXELS frame stored raw.
MAX_COMPRESSED_BYTES = 3 * MAX_IMAGE_PIXELS
_JPEG_SOI = b'\xff\xd8'  # JPEG start-of-image marker
_JPEG_EOI = b'\xff\xd9'  # JPEG end-of-image marker
_JPEG_TAIL = 64  # bytes searched for the end-of-image marker (padding may follow it)
_PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
_PNG_IEND = b'IEND'  # the last chunk's type, 8 bytes before the end of a whole PNG
_PNG_TAIL = 12  # IEND chunk length: 4 (size) + 4 (type) + 4 (CRC), bytes


class CompressedImageError(ImageEncodingError):
    """
    A compressed image cannot be made or read.

    :param kind: a short, stable name of the problem (for logging once per kind).
    :param message: what went wrong, for a human.
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def format_string(codec: str = 'jpeg', encoding: str = 'bgr8') -> str:
    """
    Return image_transport's ``format`` for an image of ``encoding`` compressed with ``codec``.

    :param codec: 'jpeg' or 'png'.
    :param encoding: the original sensor_msgs encoding ('bgr8', 'rgb8', 'mono8').
    :returns: e.g. ``'bgr8; jpeg compressed bgr8'`` (mono images keep ``mono8`` as target).
    :raises CompressedImageError: (kind 'unsupported') for another codec.
    """
    if codec not in COMPRESSED_FORMATS:
        raise CompressedImageError(
            'unsupported', f"cannot compress to '{codec}'; supported: "
            f"{', '.join(COMPRESSED_FORMATS)}")
    target = 'mono8' if encoding == 'mono8' else 'bgr8'
    return f'{encoding}; {codec} compressed {target}'


def parse_format(text: str) -> tuple[str, str]:
    """
    Split a CompressedImage ``format`` into original encoding and codec.

    :param text: e.g. ``'rgb8; jpeg compressed bgr8'``, ``'jpeg'`` or ``'png'``.
    :returns: ``(original encoding or '', codec)`` with codec 'jpeg' or 'png'.
    :raises CompressedImageError: (kind 'unsupported') for another codec (e.g.
        ``compressedDepth``, theora) or an original encoding that is not 8-bit colour or grey.
    """
    original, _, rest = text.partition(';')
    if not rest:
        original, rest = '', text
    original = original.strip()
    words = rest.split()
    codec = _CODEC_ALIASES.get(words[0].lower()) if words else None
    if codec is None:
        raise CompressedImageError(
            'unsupported', f"unsupported compressed format '{text}'; supported: "
            "'<encoding>; jpeg compressed <encoding>', '<encoding>; png compressed <encoding>'")
    if original and original not in DECODABLE_ENCODINGS:
        raise CompressedImageError(
            'unsupported', f"unsupported original encoding '{original}' in format '{text}'; "
            f"supported: {', '.join(DECODABLE_ENCODINGS)}")
    return original, codec


def encode_compressed(bgr: np.ndarray, codec: str = 'jpeg',
                      jpeg_quality: int = DEFAULT_JPEG_QUALITY,
                      png_level: int = DEFAULT_PNG_LEVEL) -> tuple[str, np.ndarray]:
    """
    Compress a BGR image like image_transport's compressed publisher.

    :param bgr: uint8 (H, W, 3) BGR image.
    :param codec: 'jpeg' (lossy, small) or 'png' (lossless).
    :param jpeg_quality: JPEG quality, 1..100 (higher: larger and closer to the original).
    :param png_level: PNG zlib level, 0..9 (higher: smaller and slower).
    :returns: ``(format, data)``: the message's ``format`` and a 1-D uint8 array.
    :raises CompressedImageError: for a codec other than jpeg/png (kind 'unsupported'), an
        image that is not uint8 HxWx3 (kind 'bad_image') or a level out of range
        (kind 'bad_quality').
    """
    text = format_string(codec, 'bgr8')
    image = np.asarray(bgr)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3 \
            or 0 in image.shape[:2]:
        raise CompressedImageError(
            'bad_image', f'expected a non-empty uint8 HxWx3 BGR image, got {image.dtype} '
            f'{image.shape}')
    if codec == 'jpeg':
        low, high = JPEG_QUALITY_RANGE
        if not low <= int(jpeg_quality) <= high:
            raise CompressedImageError(
                'bad_quality', f'jpeg_quality must be in {low}..{high}, got {jpeg_quality}')
        options = [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)]
    else:
        low, high = PNG_LEVEL_RANGE
        if not low <= int(png_level) <= high:
            raise CompressedImageError(
                'bad_quality', f'png_level must be in {low}..{high}, got {png_level}')
        options = [cv2.IMWRITE_PNG_COMPRESSION, int(png_level)]
    ok, data = cv2.imencode('.jpg' if codec == 'jpeg' else '.png', image, options)
    if not ok:  # pragma: no cover - cv2 fails only on invalid input, refused above
        raise CompressedImageError('bad_image', f'cv2.imencode failed for {codec}')
    return text, data.reshape(-1)


def _check_complete(codec: str, buf: np.ndarray) -> None:
    """
    Refuse data whose signature or end marker is missing (before the decoder sees it).

    libjpeg decodes a truncated JPEG into a half-grey picture with only a warning on stderr,
    so a cut-off frame would be classified; checking the markers first turns it into an error.

    :param codec: the codec the data is checked against.
    :param buf: the data.
    :raises CompressedImageError: kind 'corrupt' (no signature) or 'truncated' (no end).
    """
    head = buf[:8].tobytes()
    if codec == 'jpeg' and not head.startswith(_JPEG_SOI) \
            or codec == 'png' and head != _PNG_SIGNATURE:
        # The format string may be wrong (a 'jpeg' that is a PNG): trust the data.
        if head.startswith(_JPEG_SOI):
            codec = 'jpeg'
        elif head == _PNG_SIGNATURE:
            codec = 'png'
        else:
            raise CompressedImageError(
                'corrupt', f'compressed image data ({buf.size} bytes) is neither JPEG nor PNG '
                f'(starts with {head[:4].hex()})')
    if codec == 'jpeg' and _JPEG_EOI not in buf[-_JPEG_TAIL:].tobytes():
        raise CompressedImageError(
            'truncated', f'JPEG data ({buf.size} bytes) has no end-of-image marker: truncated')
    if codec == 'png' and buf[-_PNG_TAIL:-_PNG_TAIL + 8].tobytes()[4:] != _PNG_IEND:
        raise CompressedImageError(
            'truncated', f'PNG data ({buf.size} bytes) has no IEND chunk: truncated')


def decode_compressed(text: str, data: Any) -> np.ndarray:
    """
    Decompress CompressedImage fields into a BGR image.

    :param text: the message's ``format`` (see :func:`parse_format`).
    :param data: the compressed bytes (bytes, array.array('B'), numpy, memoryview).
    :returns: a new uint8 (H, W, 3) BGR array (grey images are expanded to 3 channels).
    :raises CompressedImageError: kinds 'unsupported' (format), 'empty' (no data),
        'too_large' (more than MAX_COMPRESSED_BYTES or MAX_IMAGE_PIXELS), 'corrupt' (not
        decodable) or 'truncated' (cut off).
    """
    _, codec = parse_format(text)
    try:
        buf = _as_byte_array(data)
    except ImageEncodingError as error:
        raise CompressedImageError('corrupt', str(error)) from None
    if buf.size == 0:
        raise CompressedImageError('empty', f"compressed image ('{text}') has no data")
    if buf.size > MAX_COMPRESSED_BYTES:
        raise CompressedImageError(
            'too_large', f'compressed image has {buf.size} bytes, more than '
            f'MAX_COMPRESSED_BYTES = {MAX_COMPRESSED_BYTES}')
    _check_complete(codec, buf)
    image = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if image is None:
        raise CompressedImageError(
            'corrupt', f"compressed image ('{text}', {buf.size} bytes) cannot be decoded")
    if image.shape[0] * image.shape[1] > MAX_IMAGE_PIXELS:
        raise CompressedImageError(
            'too_large', f'decoded image {image.shape[1]}x{image.shape[0]} has more than '
            f'MAX_IMAGE_PIXELS = {MAX_IMAGE_PIXELS} pixels')
    return image
