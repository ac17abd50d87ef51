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
The sensor_msgs/Image encodings this package reads and writes, and how their bytes are laid out.

Names are those of ``sensor_msgs/image_encodings.hpp``. Humble has ``yuv422`` (UYVY),
``yuv422_yuy2``, ``nv21`` and ``nv24``; Jazzy adds the names ``uyvy`` and ``yuyv``; Kilted
adds ``nv12``. All are accepted on every distro, since a driver may send any of them.
``8UC1``, ``8UC3`` and ``8UC4`` are what cv_bridge's ``passthrough`` gives for an OpenCV grey,
BGR or BGRA image, so they are read as mono8, bgr8 and bgra8.

The layout of a message is ``rows`` rows of ``step`` bytes (``step`` may include padding):
``height`` rows for packed encodings, ``height * 3 / 2`` for nv12/nv21 (a Y plane, then a
half-height interleaved chroma plane with rows as long as the Y rows) and ``height * 3`` for
nv24 (a Y plane, then a full-resolution chroma plane whose rows are twice as long, as V4L2's
NV24 defines them). The depth and other non-colour encodings (``16UC1``, ``32FC1``, ``64FC1``,
``8UC2``, signed types, ...) hold no picture a face can be found in and are refused.
"""

from dataclasses import dataclass, field
import re

# cv_bridge's test for its generic OpenCV type names, e.g. 8UC3, 16UC1, 32FC1, 64FC4.
_CV_TYPE = re.compile(r'^(8|16|32|64)(U|S|F)C([0-9]*)$')


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


@dataclass(frozen=True)
class EncodingLayout:
    """
    How the bytes of one encoding are laid out in a message.

    :param name: the encoding name.
    :param family: what the pixels are: 'bgr', 'rgb', 'bgra', 'rgba', 'mono', 'yuyv',
        'uyvy', 'nv12', 'nv21', 'nv24' or 'bayer_<pattern>' (pattern as the ROS name:
        the colours of the top-left 2x2 cell, row by row).
    :param channels: values per pixel in a row of the first plane.
    :param value_bytes: bytes per value: 1, or 2 for the 16-bit encodings.
    :param row_factor: rows of ``step`` bytes per image row (1, 1.5 for nv12/nv21, 3 for nv24).
    :param even_width: whether the width must be even (chroma shared by two columns).
    :param even_height: whether the height must be even (chroma shared by two rows).
    """

    name: str
    family: str
    channels: int
    value_bytes: int = 1
    row_factor: float = 1.0
    even_width: bool = False
    even_height: bool = False

    # Bytes of one pixel in a row of the first plane (set from the fields; a plain attribute
    # rather than a property, since decode_image reads it for every frame).
    pixel_bytes: int = field(init=False, repr=False, compare=False)
    # Whether the rows already are 8-bit BGR (bgr8, 8UC3): decoded as a view, nothing else.
    is_bgr8: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Derive ``pixel_bytes`` and ``is_bgr8``."""
        object.__setattr__(self, 'pixel_bytes', self.channels * self.value_bytes)
        object.__setattr__(self, 'is_bgr8', self.family == 'bgr' and self.value_bytes == 1)

    def rows(self, height: int) -> int:
        """Return how many rows of ``step`` bytes an image of ``height`` rows takes."""
        return height if self.row_factor == 1.0 else int(height * self.row_factor)


def _layouts() -> dict[str, EncodingLayout]:
    """Build the table of every accepted encoding."""
    table = [
        EncodingLayout('bgr8', 'bgr', 3), EncodingLayout('8UC3', 'bgr', 3),
        EncodingLayout('rgb8', 'rgb', 3),
        EncodingLayout('bgra8', 'bgra', 4), EncodingLayout('8UC4', 'bgra', 4),
        EncodingLayout('rgba8', 'rgba', 4),
        EncodingLayout('mono8', 'mono', 1), EncodingLayout('8UC1', 'mono', 1),
        EncodingLayout('bgr16', 'bgr', 3, 2), EncodingLayout('rgb16', 'rgb', 3, 2),
        EncodingLayout('bgra16', 'bgra', 4, 2), EncodingLayout('rgba16', 'rgba', 4, 2),
        EncodingLayout('mono16', 'mono', 1, 2),
        EncodingLayout('yuyv', 'yuyv', 2, even_width=True),
        EncodingLayout('yuv422_yuy2', 'yuyv', 2, even_width=True),
        EncodingLayout('uyvy', 'uyvy', 2, even_width=True),
        EncodingLayout('yuv422', 'uyvy', 2, even_width=True),
        EncodingLayout('nv12', 'nv12', 1, row_factor=1.5, even_width=True, even_height=True),
        EncodingLayout('nv21', 'nv21', 1, row_factor=1.5, even_width=True, even_height=True),
        EncodingLayout('nv24', 'nv24', 1, row_factor=3.0),
    ]
    for pattern in ('rggb', 'bggr', 'gbrg', 'grbg'):
        table.append(EncodingLayout(f'bayer_{pattern}8', f'bayer_{pattern}', 1))
        table.append(EncodingLayout(f'bayer_{pattern}16', f'bayer_{pattern}', 1, 2))
    return {layout.name: layout for layout in table}


LAYOUTS = _layouts()
# Every encoding decode_image reads and encode_pixels writes (the same set).
SUPPORTED_ENCODINGS = tuple(LAYOUTS)


def layout_of(encoding: str) -> EncodingLayout:
    """
    Return the layout of ``encoding``, or say clearly why it is not read.

    :param encoding: the message's encoding field.
    :returns: its layout.
    :raises ImageEncodingError: kind ``'non-colour encoding'`` for depth and other OpenCV
        types that hold no picture (e.g. ``16UC1``, ``32FC1``), ``'unknown encoding'`` for
        anything else not in :data:`SUPPORTED_ENCODINGS`.
    """
    layout = LAYOUTS.get(encoding)
    if layout is not None:
        return layout
    accepted = ', '.join(SUPPORTED_ENCODINGS)
    if _CV_TYPE.match(encoding):
        raise ImageEncodingError(
            f'encoding {encoding} is a depth or non-colour image; was a depth topic remapped '
            f'to image_raw by mistake? Colour and grey encodings accepted: {accepted}',
            'non-colour encoding')
    raise ImageEncodingError(f"unsupported image encoding '{encoding}'; accepted: {accepted}",
                             'unknown encoding')


def check_even(layout: EncodingLayout, height: int, width: int) -> None:
    """
    Refuse an odd width or height where the encoding shares chroma between pixels.

    :param layout: the encoding's layout.
    :param height: rows.
    :param width: columns.
    :raises ImageEncodingError: kind ``'odd size'``.
    """
    if layout.even_height and (width % 2 or height % 2):
        raise ImageEncodingError(
            f'{layout.name} needs an even width and height, got {width}x{height}', 'odd size')
    if layout.even_width and width % 2:
        raise ImageEncodingError(f'{layout.name} needs an even width, got {width}', 'odd size')
