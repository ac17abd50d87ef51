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

"""Tests for emotion_ros.conversions: sensor_msgs/(Compressed)Image <-> numpy (no ROS graph)."""

import array

from builtin_interfaces.msg import Time
import cv2
from emotion_ros.conversions import bgr_to_compressed
from emotion_ros.conversions import bgr_to_imgmsg
from emotion_ros.conversions import compressed_to_bgr
from emotion_ros.conversions import imgmsg_to_bgr
from emotion_ros.core.frames.compressed_codec import CompressedImageError
from emotion_ros.core.frames.image_codec import ImageEncodingError
import numpy as np
import pytest
from sensor_msgs.msg import CompressedImage
from sensor_msgs.msg import Image
from std_msgs.msg import Header

RNG_SEED = 7


def _image(height: int = 36, width: int = 50) -> np.ndarray:
    """Return a seeded random BGR image."""
    return np.random.default_rng(RNG_SEED).integers(0, 256, (height, width, 3), dtype=np.uint8)


def test_round_trip_keeps_pixels_and_header():
    bgr = _image()
    header = Header(stamp=Time(sec=12, nanosec=345), frame_id='camera_optical')
    msg = bgr_to_imgmsg(bgr, header=header)
    assert isinstance(msg, Image)
    assert (msg.height, msg.width, msg.step, msg.encoding) == (36, 50, 150, 'bgr8')
    assert msg.is_bigendian == 0
    assert len(msg.data) == 36 * 150
    assert msg.header.frame_id == 'camera_optical'
    assert (msg.header.stamp.sec, msg.header.stamp.nanosec) == (12, 345)
    assert np.array_equal(imgmsg_to_bgr(msg), bgr)


def test_default_header_is_empty():
    msg = bgr_to_imgmsg(_image())
    assert msg.header.frame_id == '' and msg.header.stamp.sec == 0


@pytest.mark.parametrize('encoding', ['rgb8', 'mono8'])
def test_round_trip_other_encodings(encoding):
    bgr = _image()
    msg = bgr_to_imgmsg(bgr, encoding=encoding)
    assert msg.encoding == encoding
    back = imgmsg_to_bgr(msg)
    if encoding == 'rgb8':
        assert np.array_equal(back, bgr)
        assert list(msg.data[:3]) == bgr[0, 0, ::-1].tolist()
    else:
        assert msg.step == 50
        assert np.array_equal(back[:, :, 0], back[:, :, 2])


def test_data_field_is_a_byte_array():
    msg = bgr_to_imgmsg(_image())
    assert isinstance(msg.data, array.array) and msg.data.typecode == 'B'


def test_padded_step_message_decodes():
    bgr = _image(20, 30)
    padded = np.zeros((20, 96), np.uint8)
    padded[:, :90] = bgr.reshape(20, 90)
    msg = Image(height=20, width=30, encoding='bgr8', step=96)
    msg.data = array.array('B', padded.tobytes())
    decoded = imgmsg_to_bgr(msg)
    assert np.array_equal(decoded, bgr)
    # A view on the message buffer, not a copy.
    assert np.shares_memory(decoded, np.frombuffer(msg.data, np.uint8))


def test_yuyv_message_decodes():
    yuyv = np.random.default_rng(RNG_SEED).integers(0, 256, (8, 16, 2), dtype=np.uint8)
    msg = Image(height=8, width=16, encoding='yuv422_yuy2', step=32)
    msg.data = array.array('B', yuyv.tobytes())
    assert imgmsg_to_bgr(msg).shape == (8, 16, 3)


def test_bad_messages_raise_typed_errors():
    msg = Image(height=4, width=4, encoding='bgr8', step=12)
    msg.data = array.array('B', bytes(47))
    with pytest.raises(ImageEncodingError, match='less than step'):
        imgmsg_to_bgr(msg)
    msg.encoding = '32FC1'
    with pytest.raises(ImageEncodingError, match='32FC1'):
        imgmsg_to_bgr(msg)
    with pytest.raises(ImageEncodingError):
        bgr_to_imgmsg(np.zeros((4, 4), np.uint8))


def test_message_serialises_like_any_other():
    serialization = pytest.importorskip('rclpy.serialization')
    bgr = _image()
    msg = bgr_to_imgmsg(bgr, header=Header(frame_id='f'))
    raw = serialization.serialize_message(msg)
    back = serialization.deserialize_message(raw, Image)
    assert back.header.frame_id == 'f'
    assert np.array_equal(imgmsg_to_bgr(back), bgr)


def test_compressed_message_round_trip_keeps_header_and_pixels():
    serialization = pytest.importorskip('rclpy.serialization')
    bgr = _image()
    header = Header(stamp=Time(sec=1700000000, nanosec=123456789), frame_id='camera')
    msg = bgr_to_compressed(bgr, header, codec='png')
    assert isinstance(msg, CompressedImage) and isinstance(msg.data, array.array)
    assert msg.format == 'bgr8; png compressed bgr8'
    back = serialization.deserialize_message(serialization.serialize_message(msg),
                                             CompressedImage)
    assert (back.header.stamp.sec, back.header.stamp.nanosec) == (1700000000, 123456789)
    assert back.header.frame_id == 'camera'
    assert np.array_equal(compressed_to_bgr(back), bgr)


def test_compressed_jpeg_message_and_bad_data():
    msg = bgr_to_compressed(_image(), jpeg_quality=90)
    assert msg.format == 'bgr8; jpeg compressed bgr8'
    assert compressed_to_bgr(msg).shape == (36, 50, 3)
    msg.data = msg.data[:len(msg.data) // 2]
    with pytest.raises(CompressedImageError) as caught:
        compressed_to_bgr(msg)
    assert caught.value.kind == 'truncated'


@pytest.mark.parametrize('encoding, max_error', [
    ('bayer_rggb8', 10.0), ('uyvy', 10.0), ('nv12', 10.0), ('bgra8', 0.0), ('bgr16', 0.0),
])
def test_driver_encodings_round_trip_through_messages(encoding, max_error):
    """What the camera publishes with output_encoding comes back as the frame."""
    # A smooth picture of saturated colours (noise would be the worst case of subsampling).
    bgr = cv2.resize(_image(6, 8), (50, 36), interpolation=cv2.INTER_CUBIC)
    msg = bgr_to_imgmsg(bgr, header=Header(frame_id='f'), encoding=encoding)
    assert msg.encoding == encoding and msg.is_bigendian == 0
    rows = 36 * 3 // 2 if encoding == 'nv12' else 36
    assert len(msg.data) == msg.step * rows
    back = imgmsg_to_bgr(msg)
    assert back.shape == bgr.shape
    assert np.mean(np.abs(back.astype(int) - bgr)) <= max_error


def test_big_endian_message_is_read_in_its_byte_order():
    values = np.array([[0x0102, 0xFF00, 0x8001]], '>u2')
    msg = Image(height=1, width=3, encoding='mono16', step=6, is_bigendian=1)
    msg.data = array.array('B', values.tobytes())
    expected = np.round(values.astype(np.float64) / 257).astype(np.uint8)
    assert imgmsg_to_bgr(msg)[0, :, 0].tolist() == expected[0].tolist()
