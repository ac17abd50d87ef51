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

"""Camera calibration files for camera_info, ROS-free."""

from pathlib import Path

from emotion_ros.core.frames.camera_info import (CalibrationError, load_calibration, uncalibrated,
                                                 url_to_path)
import pytest

# A calibration as camera_calibration writes it (values of a real 640x480 webcam).
CALIBRATION_YAML = """\
image_width: 640
image_height: 480
camera_name: usb_cam
camera_matrix:
  rows: 3
  cols: 3
  data: [615.1, 0, 320.5, 0, 615.9, 240.2, 0, 0, 1]
distortion_model: plumb_bob
distortion_coefficients:
  rows: 1
  cols: 5
  data: [0.11, -0.22, 0.001, 0.002, 0]
rectification_matrix:
  rows: 3
  cols: 3
  data: [1, 0, 0, 0, 1, 0, 0, 0, 1]
projection_matrix:
  rows: 3
  cols: 4
  data: [620.0, 0, 320.0, 0, 0, 621.0, 240.0, 0, 0, 0, 1, 0]
"""


def test_load_calibration_file_url(tmp_path: Path) -> None:
    """A file:// URL to a camera_calibration YAML gives every field."""
    path = tmp_path / 'cam.yaml'
    path.write_text(CALIBRATION_YAML)
    calibration = load_calibration(f'file://{path}')
    assert (calibration.width, calibration.height) == (640, 480)
    assert calibration.camera_name == 'usb_cam'
    assert calibration.k[0] == pytest.approx(615.1) and len(calibration.k) == 9
    assert calibration.d == pytest.approx((0.11, -0.22, 0.001, 0.002, 0.0))
    assert len(calibration.p) == 12 and calibration.p[5] == pytest.approx(621.0)
    assert load_calibration(str(path)) == calibration


def test_uncalibrated_is_all_zero() -> None:
    """No calibration: K is zero (REP 104 'uncalibrated') and the size is kept."""
    calibration = uncalibrated(320, 240)
    assert (calibration.width, calibration.height) == (320, 240)
    assert not any(calibration.k) and not any(calibration.p)


@pytest.mark.parametrize('text, expected', [
    (None, 'cannot read'),
    ('image_width: [unclosed', 'not valid YAML'),
    ('- a list', 'mapping'),
    ('camera_name: x', 'image_width and image_height'),
    (CALIBRATION_YAML.replace('data: [615.1, 0, 320.5, 0, 615.9, 240.2, 0, 0, 1]',
                              'data: [1, 2, 3]'), 'camera_matrix has 3 values'),
    (CALIBRATION_YAML.replace('data: [1, 0, 0, 0, 1, 0, 0, 0, 1]', 'data: [a, b]'),
     'rectification_matrix.data'),
])
def test_bad_calibration_names_the_file(tmp_path: Path, text, expected: str) -> None:
    """Each defect raises CalibrationError with the file and the problem."""
    path = tmp_path / 'bad.yaml'
    if text is not None:
        path.write_text(text)
    with pytest.raises(CalibrationError, match=expected) as error:
        load_calibration(str(path))
    assert 'bad.yaml' in str(error.value)


def test_only_file_urls() -> None:
    """package:// needs ament at run time; it is refused with a clear message."""
    with pytest.raises(CalibrationError, match='only file://'):
        url_to_path('package://emotion_ros/config/cam.yaml')
    with pytest.raises(CalibrationError, match='three slashes'):
        url_to_path('file://cam.yaml')
    assert url_to_path('file:///a/b%20c.yaml') == Path('/a/b c.yaml')
    assert url_to_path('file://localhost/a/cam.yaml') == Path('/a/cam.yaml')


def test_camera_matrix_only_for_a_calibration_of_these_images() -> None:
    """K is used when set and for the same image size; uncalibrated or other sizes: None."""
    from emotion_ros.core.frames.camera_info import camera_matrix
    k = (500.0, 0.0, 320.0, 0.0, 500.0, 240.0, 0.0, 0.0, 1.0)
    assert camera_matrix(k, 640, 480, 640, 480)[0, 2] == 320.0
    assert camera_matrix((0.0,) * 9, 640, 480, 640, 480) is None
    assert camera_matrix(k, 1280, 720, 640, 480) is None
    assert camera_matrix(k[:8], 640, 480, 640, 480) is None
    assert camera_matrix((float('nan'),) + k[1:], 640, 480, 640, 480) is None
