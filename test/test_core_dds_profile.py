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

"""The ROS-free Fast DDS profile check: which variable applies, and whether a frame fits."""

from pathlib import Path

from emotion_ros.core.health.dds_profile import (DEFAULT_SEGMENT_SIZE, FASTDDS_VARIABLE,
                                                 FASTRTPS_VARIABLE, frame_loss_warning,
                                                 NOMINAL_FRAME_BYTES, shm_segment_size)
import pytest

REPO_PROFILE = Path(__file__).resolve().parent.parent / 'config' / 'fastdds.xml'
UDP_PROFILE = REPO_PROFILE.with_name('fastdds_udp.xml')
HINT = '/opt/share/emotion_ros/config/fastdds.xml'


def _profile(tmp_path: Path, segment_size: int) -> Path:
    path = tmp_path / 'small.xml'
    path.write_text(
        '<?xml version="1.0"?><profiles xmlns="http://www.eprosima.com"><transport_descriptors>'
        '<transport_descriptor><transport_id>shm</transport_id><type>SHM</type>'
        f'<segment_size>{segment_size}</segment_size></transport_descriptor>'
        '</transport_descriptors></profiles>')
    return path


def test_the_package_profile_holds_a_frame() -> None:
    """config/fastdds.xml declares a 10 MB segment: no warning on either distro."""
    assert shm_segment_size(REPO_PROFILE) == 10 * 1024 * 1024
    for distro, variable in (('kilted', FASTDDS_VARIABLE), ('jazzy', FASTRTPS_VARIABLE)):
        env = {'ROS_DISTRO': distro, variable: str(REPO_PROFILE)}
        assert frame_loss_warning(env, NOMINAL_FRAME_BYTES, HINT) is None


def test_jazzy_ignores_the_fast_dds_3_variable() -> None:
    """On Jazzy (Fast DDS 2) only FASTRTPS_... counts: FASTDDS_... alone is a warning."""
    env = {'ROS_DISTRO': 'jazzy', FASTDDS_VARIABLE: str(REPO_PROFILE)}
    warning = frame_loss_warning(env, NOMINAL_FRAME_BYTES, HINT)
    assert warning is not None and 'will lose frames' in warning
    assert f'{FASTRTPS_VARIABLE} not set (jazzy)' in warning
    assert warning.endswith(f'export {FASTRTPS_VARIABLE}={HINT}')


def test_kilted_accepts_either_variable() -> None:
    """Fast DDS 3's RMW also reads the old name (with its own deprecation warning)."""
    env = {'ROS_DISTRO': 'kilted', FASTRTPS_VARIABLE: str(REPO_PROFILE)}
    assert frame_loss_warning(env, NOMINAL_FRAME_BYTES, HINT) is None
    warning = frame_loss_warning({'ROS_DISTRO': 'kilted'}, NOMINAL_FRAME_BYTES, HINT)
    assert f'{DEFAULT_SEGMENT_SIZE // 1024} KB' in warning
    assert warning.endswith(f'export {FASTDDS_VARIABLE}={HINT}')


def test_unknown_distro_suggests_both() -> None:
    """Without ROS_DISTRO the fix names both variables."""
    warning = frame_loss_warning({}, NOMINAL_FRAME_BYTES, HINT)
    assert f'export {FASTDDS_VARIABLE}={HINT} {FASTRTPS_VARIABLE}={HINT}' in warning


def test_segment_smaller_than_the_frame(tmp_path: Path) -> None:
    """A profile whose segment is smaller than the frame is named with both sizes."""
    profile = _profile(tmp_path, 600_000)
    env = {'ROS_DISTRO': 'kilted', FASTDDS_VARIABLE: str(profile)}
    warning = frame_loss_warning(env, NOMINAL_FRAME_BYTES, HINT)
    assert '(600000 bytes) is smaller than one frame (921600 bytes)' in warning
    # The same profile holds a smaller frame.
    assert frame_loss_warning(env, 320 * 240 * 3, HINT) is None


@pytest.mark.parametrize('content, text', [
    (None, 'cannot be read'),
    ('<profiles><unclosed></profiles>', 'not valid XML'),
    ('<profiles><transport_descriptor><type>SHM</type><segment_size>big</segment_size>'
     '</transport_descriptor></profiles>', "segment_size 'big' is not a number"),
])
def test_bad_profile_files(tmp_path: Path, content, text: str) -> None:
    """Missing, malformed or nonsensical profiles are reported in the one line."""
    path = tmp_path / 'profile.xml'
    if content is not None:
        path.write_text(content)
    env = {'ROS_DISTRO': 'jazzy', FASTRTPS_VARIABLE: str(path)}
    warning = frame_loss_warning(env, NOMINAL_FRAME_BYTES, HINT)
    assert text in warning and str(path) in warning and '\n' not in warning


def test_udp_only_profile_has_no_segment_to_check() -> None:
    """A profile without shared memory (UDP only) sends frames by network: nothing to warn."""
    assert shm_segment_size(UDP_PROFILE) is None
    env = {'ROS_DISTRO': 'jazzy', FASTRTPS_VARIABLE: str(UDP_PROFILE)}
    assert frame_loss_warning(env, NOMINAL_FRAME_BYTES, HINT) is None


def test_other_rmw_is_not_checked() -> None:
    """Cyclone DDS has no such segment: nothing to say."""
    env = {'RMW_IMPLEMENTATION': 'rmw_cyclonedds_cpp'}
    assert frame_loss_warning(env, NOMINAL_FRAME_BYTES, HINT) is None
