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

"""Tests for emotion_ros.core.frames.image_codec (no ROS needed)."""

import array

import cv2
from emotion_ros.core.frames.image_codec import decode_image
from emotion_ros.core.frames.image_codec import encode_image
from emotion_ros.core.frames.image_codec import encode_pixels
from emotion_ros.core.frames.image_codec import ImageEncodingError
from emotion_ros.core.frames.image_codec import MAX_IMAGE_PIXELS
from emotion_ros.core.frames.image_codec import SUPPORTED_ENCODINGS
import numpy as np
import pytest

RNG_SEED = 20260101


def _image(height: int = 48, width: int = 64) -> np.ndarray:
    """Return a seeded random BGR image."""
    rng = np.random.default_rng(RNG_SEED)
    return rng.integers(0, 256, (height, width, 3), dtype=np.uint8)


def _pad_rows(rows: np.ndarray, padding: int) -> tuple[int, bytes]:
    """Return (step, data) for (H, row_bytes) rows followed by padding bytes of 0xEE."""
    height = rows.shape[0]
    padded = np.full((height, rows.shape[1] + padding), 0xEE, dtype=np.uint8)
    padded[:, :rows.shape[1]] = rows
    return padded.shape[1], padded.tobytes()


@pytest.mark.parametrize('encoding', ['bgr8', 'rgb8', 'mono8'])
def test_encode_decode_round_trip(encoding):
    bgr = _image()
    height, width, step, data = encode_image(bgr, encoding)
    channels = 1 if encoding == 'mono8' else 3
    assert (height, width, step, len(data)) == (48, 64, 64 * channels, 48 * 64 * channels)
    decoded = decode_image(encoding, height, width, step, data)
    assert decoded.shape == (48, 64, 3) and decoded.dtype == np.uint8
    if encoding == 'mono8':
        grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        assert np.array_equal(decoded, np.repeat(grey[:, :, None], 3, axis=2))
    else:
        assert np.array_equal(decoded, bgr)


def test_rgb8_bytes_are_in_rgb_order():
    bgr = np.zeros((2, 2, 3), np.uint8)
    bgr[..., 0] = 10  # blue
    bgr[..., 2] = 200  # red
    _, _, _, data = encode_image(bgr, 'rgb8')
    assert data[:3] == bytes([200, 0, 10])
    assert decode_image('rgb8', 2, 2, 6, bytes([200, 0, 10] * 4))[0, 0].tolist() == [10, 0, 200]


@pytest.mark.parametrize('encoding', ['bgr8', 'rgb8', 'mono8'])
def test_decode_honours_padded_step(encoding):
    bgr = _image(30, 41)  # odd width: 123-byte bgr rows
    _, width, step, data = encode_image(bgr, encoding)
    rows = np.frombuffer(data, np.uint8).reshape(30, step)
    padded_step, padded = _pad_rows(rows, 13)
    expected = decode_image(encoding, 30, width, step, data)
    decoded = decode_image(encoding, 30, width, padded_step, padded)
    assert np.array_equal(decoded, expected)


def test_yuyv_with_padded_step_matches_opencv():
    rng = np.random.default_rng(RNG_SEED)
    yuyv = rng.integers(0, 256, (24, 32, 2), dtype=np.uint8)
    expected = cv2.cvtColor(yuyv, cv2.COLOR_YUV2BGR_YUY2)
    step, data = _pad_rows(yuyv.reshape(24, 64), 8)
    for name in ('yuv422_yuy2', 'yuyv'):
        decoded = decode_image(name, 24, 32, step, data)
        assert decoded.shape == (24, 32, 3)
        assert np.array_equal(decoded, expected)


def test_yuyv_grey_values_decode_to_grey():
    # Y=128 with neutral chroma (U=V=128) is mid grey in every channel.
    data = bytes([128] * (4 * 2 * 2))
    decoded = decode_image('yuyv', 2, 4, 8, data)
    assert np.all(np.abs(decoded.astype(int) - 128) <= 2)


def test_bgr8_decode_is_a_view_not_a_copy():
    bgr = _image()
    _, _, _, data = encode_image(bgr)
    buffer = array.array('B')
    buffer.frombytes(data)
    decoded = decode_image('bgr8', 48, 64, 192, buffer)
    assert np.shares_memory(decoded, np.frombuffer(buffer, np.uint8))
    buffer[0] = (buffer[0] + 1) % 256
    assert decoded[0, 0, 0] == buffer[0]


def test_bgr8_decode_of_padded_rows_is_a_view():
    bgr = _image(10, 20)
    step, data = _pad_rows(bgr.reshape(10, 60), 4)
    buffer = bytearray(data)
    decoded = decode_image('bgr8', 10, 20, step, buffer)
    assert np.shares_memory(decoded, np.frombuffer(buffer, np.uint8))
    assert np.array_equal(decoded, bgr)


def test_decode_accepts_lists_and_numpy():
    bgr = _image(4, 4)
    flat = bgr.reshape(-1)
    assert np.array_equal(decode_image('bgr8', 4, 4, 12, flat.tolist()), bgr)
    assert np.array_equal(decode_image('bgr8', 4, 4, 12, flat), bgr)
    assert np.array_equal(decode_image('bgr8', 4, 4, 12, memoryview(flat.tobytes())), bgr)


def test_encode_makes_views_contiguous():
    bgr = _image()
    crop = bgr[5:25, 7:40]
    height, width, step, data = encode_image(crop)
    assert (height, width, step) == (20, 33, 99)
    assert np.array_equal(decode_image('bgr8', height, width, step, data), crop)


def test_encode_pixels_does_not_copy_contiguous_bgr8():
    bgr = _image()
    _, _, _, pixels = encode_pixels(bgr)
    assert np.shares_memory(pixels, bgr)


def test_encode_mono8_accepts_grey():
    grey = _image()[:, :, 0].copy()
    height, width, step, data = encode_image(grey, 'mono8')
    assert step == width and data == grey.tobytes()


def test_supported_encodings_listed():
    assert {'bgr8', 'rgb8', 'mono8', 'yuv422_yuy2', 'yuyv', 'bayer_rggb8', 'uyvy', 'nv12',
            'bgra8', 'mono16'} <= set(SUPPORTED_ENCODINGS)


@pytest.mark.parametrize('args, message', [
    (('bgr17', 2, 2, 6, bytes(12)), 'unsupported image encoding'),
    (('16UC1', 2, 2, 4, bytes(8)), 'depth or non-colour'),
    (('bgr8', 0, 2, 6, b''), 'zero size'),
    (('bgr8', 2, 0, 0, b''), 'zero size'),
    (('bgr8', 2, 2, 6, bytes(11)), 'less than step'),
    (('bgr8', 2, 2, 5, bytes(12)), 'step 5 is smaller'),
    (('mono8', 2, 2, 1, bytes(4)), 'step 1 is smaller'),
    (('yuyv', 2, 3, 6, bytes(12)), 'even width'),
    (('bgr8', 8193, 8192, 8192 * 3, b''), 'MAX_IMAGE_PIXELS'),
    (('bgr8', 2, 2, 6, 'not bytes'), 'not a byte buffer'),
])
def test_decode_errors(args, message):
    with pytest.raises(ImageEncodingError, match=message):
        decode_image(*args)


def test_huge_image_checked_before_reading_data():
    side = int(MAX_IMAGE_PIXELS ** 0.5) + 1
    with pytest.raises(ImageEncodingError, match='pixels'):
        decode_image('mono8', side, side, side, bytes(10))


def test_error_is_a_value_error():
    assert issubclass(ImageEncodingError, ValueError)


@pytest.mark.parametrize('image, encoding, message', [
    (np.zeros((4, 4, 3), np.uint8), '32FC1', 'cannot encode'),
    (np.zeros((4, 4, 3), np.uint8), 'hsv8', 'cannot encode'),
    (np.zeros((4, 3, 3), np.uint8), 'yuyv', 'even width'),
    (np.zeros((4, 4, 3), np.float32), 'bgr8', 'uint8'),
    (np.zeros((4, 4), np.uint8), 'bgr8', 'HxWx3'),
    (np.zeros((4, 4, 4), np.uint8), 'bgr8', 'HxWx3'),
    (np.zeros((0, 4, 3), np.uint8), 'bgr8', 'zero size'),
])
def test_encode_errors(image, encoding, message):
    with pytest.raises(ImageEncodingError, match=message):
        encode_image(image, encoding)


def test_check_bgr() -> None:
    """The shared image check accepts uint8 HxWx3 and names what it rejects."""
    from emotion_ros.core.frames.image_codec import check_bgr
    check_bgr(np.zeros((2, 3, 3), np.uint8))
    check_bgr(np.zeros((0, 3, 3), np.uint8), allow_empty=True)
    for bad in (np.zeros((0, 3, 3), np.uint8), np.zeros((2, 3), np.uint8),
                np.zeros((2, 3, 3), np.float32), [[1, 2, 3]]):
        with pytest.raises(ValueError, match='HxWx3'):
            check_bgr(bad)
