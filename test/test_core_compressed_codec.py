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

"""Tests for emotion_ros.core.frames.compressed_codec (JPEG, PNG) on real face photos."""

import array
from pathlib import Path

import cv2
from emotion_ros.core.faces.detection import make_detector
from emotion_ros.core.frames.compressed_codec import CompressedImageError
from emotion_ros.core.frames.compressed_codec import decode_compressed
from emotion_ros.core.frames.compressed_codec import encode_compressed
from emotion_ros.core.frames.compressed_codec import format_string
from emotion_ros.core.frames.compressed_codec import parse_format
from emotion_ros.core.frames.image_codec import ImageEncodingError
import numpy as np
import pytest

MEDIA = Path(__file__).resolve().parent.parent / 'assets' / 'media'
MIN_PSNR_Q80 = 32.0  # dB; JPEG q80 of a photo is typically 35-40 dB
MIN_BOX_IOU = 0.9  # face box on the decoded frame vs the original


def _face() -> np.ndarray:
    """Return the real one-face photo, cropped to an odd size (no 8x8 block alignment)."""
    path = MEDIA / 'single_face.jpg'
    image = cv2.imread(str(path))
    assert image is not None, f'cannot read {path}: run scripts/fetch_assets.py'
    return np.ascontiguousarray(image[:477, :637])


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Return the peak signal-to-noise ratio of two uint8 images, dB."""
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float('inf') if mse == 0 else 10.0 * np.log10(255.0 ** 2 / mse)


def _iou(a, b) -> float:
    """Return the overlap of two detections."""
    x0, y0 = max(a.x, b.x), max(a.y, b.y)
    x1, y1 = min(a.x + a.w, b.x + b.w), min(a.y + a.h, b.y + b.h)
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    return inter / (a.w * a.h + b.w * b.h - inter)


def test_jpeg_round_trip_keeps_the_face():
    face = _face()
    text, data = encode_compressed(face, 'jpeg', jpeg_quality=80)
    assert text == 'bgr8; jpeg compressed bgr8'
    assert data.dtype == np.uint8 and data.ndim == 1
    assert data.size < face.nbytes / 8, 'JPEG must be far smaller than raw bgr8'
    decoded = decode_compressed(text, data)
    assert decoded.shape == face.shape and decoded.dtype == np.uint8
    assert _psnr(decoded, face) > MIN_PSNR_Q80
    detector = make_detector()
    original, after = detector.detect(face), detector.detect(decoded)
    assert len(original) == len(after) == 1
    assert _iou(original[0], after[0]) > MIN_BOX_IOU


def test_png_round_trip_is_lossless():
    face = _face()
    text, data = encode_compressed(face, 'png', png_level=1)
    assert text == 'bgr8; png compressed bgr8'
    assert np.array_equal(decode_compressed(text, data), face)


def test_jpeg_quality_trades_size_for_fidelity():
    face = _face()
    sizes, errors = [], []
    for quality in (30, 80, 100):
        text, data = encode_compressed(face, 'jpeg', jpeg_quality=quality)
        sizes.append(data.size)
        errors.append(-_psnr(decode_compressed(text, data), face))
    assert sizes == sorted(sizes) and errors == sorted(errors, reverse=True)


@pytest.mark.parametrize('kind', [bytes, bytearray, memoryview, array.array])
def test_decode_accepts_message_buffers(kind):
    face = _face()
    text, data = encode_compressed(face, 'jpeg')
    raw = data.tobytes()
    buffer = array.array('B', raw) if kind is array.array else kind(raw)
    assert decode_compressed(text, buffer).shape == face.shape


@pytest.mark.parametrize('text, expected', [
    ('bgr8; jpeg compressed bgr8', ('bgr8', 'jpeg')),
    ('rgb8; jpeg compressed bgr8', ('rgb8', 'jpeg')),
    ('mono8; png compressed mono8', ('mono8', 'png')),
    ('bgra8; png compressed bgra8', ('bgra8', 'png')),
    ('jpeg', ('', 'jpeg')),
    ('JPG', ('', 'jpeg')),
    (' png ', ('', 'png')),
])
def test_parse_format_reads_image_transport_strings(text, expected):
    assert parse_format(text) == expected


@pytest.mark.parametrize('text', ['16UC1; compressedDepth', 'mono16; png compressed mono16',
                                  'theora', '', 'bgr8; '])
def test_parse_format_refuses_what_it_cannot_decode(text):
    with pytest.raises(CompressedImageError) as caught:
        parse_format(text)
    assert caught.value.kind == 'unsupported'


def test_format_string_matches_image_transport():
    assert format_string('jpeg') == 'bgr8; jpeg compressed bgr8'
    assert format_string('png', 'rgb8') == 'rgb8; png compressed bgr8'
    assert format_string('jpeg', 'mono8') == 'mono8; jpeg compressed mono8'
    with pytest.raises(CompressedImageError):
        format_string('webp')


def test_grey_and_colour_publishers_decode_to_bgr():
    grey = cv2.cvtColor(_face(), cv2.COLOR_BGR2GRAY)
    ok, data = cv2.imencode('.png', grey)
    assert ok
    decoded = decode_compressed('mono8; png compressed mono8', data)
    assert decoded.shape == grey.shape + (3,)
    assert np.array_equal(decoded[:, :, 1], grey)


def test_format_naming_the_wrong_codec_still_decodes_the_data():
    face = _face()
    _, png = encode_compressed(face, 'png')
    assert np.array_equal(decode_compressed('bgr8; jpeg compressed bgr8', png), face)


@pytest.mark.parametrize('cut, kind', [
    (lambda d: d[:0], 'empty'),
    (lambda d: d[:d.size // 2], 'truncated'),
    (lambda d: d[:20], 'truncated'),
    (lambda d: np.zeros(200, np.uint8), 'corrupt'),
    (lambda d: np.frombuffer(b'not an image at all', np.uint8), 'corrupt'),
])
@pytest.mark.parametrize('codec', ['jpeg', 'png'])
def test_bad_data_raises_one_error_kind(codec, cut, kind):
    text, data = encode_compressed(_face(), codec)
    with pytest.raises(CompressedImageError) as caught:
        decode_compressed(text, cut(data))
    assert caught.value.kind == kind
    assert isinstance(caught.value, ImageEncodingError), 'nodes catch the codec base error'


def test_corrupt_body_with_valid_markers_is_refused():
    text, data = encode_compressed(_face(), 'png')
    broken = data.copy()
    broken[100:400] = 0  # inside the image data: zlib and the chunk CRC fail
    with pytest.raises(CompressedImageError) as caught:
        decode_compressed(text, broken)
    assert caught.value.kind == 'corrupt'


@pytest.mark.parametrize('image, kind', [
    (np.zeros((4, 4), np.uint8), 'bad_image'),
    (np.zeros((4, 4, 3), np.float32), 'bad_image'),
    (np.zeros((0, 4, 3), np.uint8), 'bad_image'),
])
def test_encode_refuses_non_bgr_images(image, kind):
    with pytest.raises(CompressedImageError) as caught:
        encode_compressed(image)
    assert caught.value.kind == kind


@pytest.mark.parametrize('codec, options', [('jpeg', {'jpeg_quality': 0}),
                                            ('jpeg', {'jpeg_quality': 101}),
                                            ('png', {'png_level': 10}),
                                            ('webp', {})])
def test_encode_refuses_bad_settings(codec, options):
    with pytest.raises(CompressedImageError) as caught:
        encode_compressed(_face(), codec, **options)
    assert caught.value.kind in ('bad_quality', 'unsupported')
