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

"""Nodes say once, at start-up or at the first bigger frame, when Fast DDS will drop frames."""

from pathlib import Path

import cv2
import numpy as np
import pytest
from ros_helpers import node_process, stop_process, wait_for_log

# Bound on a node's start-up (s).
START_TIMEOUT = 60.0
WARNING = 'will lose frames'
PROFILE_VARIABLES = ('FASTDDS_DEFAULT_PROFILES_FILE', 'FASTRTPS_DEFAULT_PROFILES_FILE')


def _run_until(executable: str, log: Path, text: str, **parameters) -> str:
    """Start a node, wait for ``text`` in its log, stop it; :returns: the log."""
    process = node_process(executable, log, **parameters)
    try:
        assert wait_for_log(log, text, START_TIMEOUT), log.read_text()
    finally:
        assert stop_process(process) == 0, log.read_text()
    return log.read_text()


@pytest.mark.ros
def test_tracker_warns_once_without_a_profile(ros_domain, tmp_path: Path, monkeypatch) -> None:
    """No profile variable: one warning line naming the variable and the fix."""
    for variable in PROFILE_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    text = _run_until('face_tracker_node', tmp_path / 'tracker.log', 'tracking faces')
    lines = [line for line in text.splitlines() if WARNING in line]
    assert len(lines) == 1, text
    assert 'not set' in lines[0] and 'config/fastdds.xml' in lines[0]


@pytest.mark.ros
def test_no_warning_with_the_set_up_environment(ros_domain, tmp_path: Path) -> None:
    """scripts/env.sh exports the profile this distro reads: the classifier stays quiet."""
    text = _run_until('emotion_classifier_node', tmp_path / 'classifier.log', 'model ')
    assert WARNING not in text


@pytest.mark.ros
def test_camera_warns_at_the_first_frame_too_big_for_the_segment(
        ros_domain, tmp_path: Path, monkeypatch) -> None:
    """A 1 MB segment holds 640x480 (start-up passes) but not a 1280x720 frame: one warning."""
    profile = tmp_path / 'one_mb.xml'
    profile.write_text(
        '<?xml version="1.0"?><profiles xmlns="http://www.eprosima.com"><transport_descriptors>'
        '<transport_descriptor><transport_id>shm</transport_id><type>SHM</type>'
        '<segment_size>1000000</segment_size></transport_descriptor></transport_descriptors>'
        '</profiles>')
    for variable in PROFILE_VARIABLES:
        monkeypatch.setenv(variable, str(profile))
    folder = tmp_path / 'frames'
    folder.mkdir()
    rng = np.random.default_rng(0)
    for index in range(3):
        frame = rng.integers(0, 255, (720, 1280, 3), dtype=np.uint8)
        cv2.imwrite(str(folder / f'{index}.png'), frame)
    log = tmp_path / 'camera.log'
    process = node_process('camera_node', log, source=str(folder), framerate=10.0)
    try:
        assert process.wait(START_TIMEOUT) == 0, log.read_text()
    finally:
        stop_process(process)
    text = log.read_text()
    assert 'end of' in text and 'after 3 frames' in text, text
    lines = [line for line in text.splitlines() if WARNING in line]
    assert len(lines) == 1, text
    assert '(1000000 bytes) is smaller than one frame (2764800 bytes)' in lines[0]
