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
import time

import cv2
from emotion_ros.core.health.dds_profile import NOMINAL_FRAME_BYTES
import numpy as np
import pytest
from ros_helpers import node_process, stop_process, wait_for_log

# Bound on a node's start-up (s).
START_TIMEOUT = 60.0
WARNING = 'will lose frames'
PROFILE_VARIABLES = ('FASTDDS_DEFAULT_PROFILES_FILE', 'FASTRTPS_DEFAULT_PROFILES_FILE')
# Wait for the node's shared-memory segments to be mapped after its start-up log line (s).
SEGMENT_TIMEOUT = 10.0


def _largest_shm_segment(pid: int) -> int:
    """Return the largest Fast DDS shared-memory segment mapped by a process, bytes."""
    sizes: dict[str, int] = {}
    for line in Path(f'/proc/{pid}/maps').read_text().splitlines():
        fields = line.split()
        if len(fields) >= 6 and fields[5].startswith('/dev/shm/fast') and 'port' not in fields[5]:
            start, end = (int(value, 16) for value in fields[0].split('-'))
            sizes[fields[5]] = sizes.get(fields[5], 0) + end - start
    return max(sizes.values(), default=0)


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


@pytest.mark.ros
@pytest.mark.parametrize('variable', PROFILE_VARIABLES)
def test_warning_matches_what_fast_dds_really_loaded(ros_domain, tmp_path: Path, monkeypatch,
                                                     variable: str) -> None:
    """
    With only one of the two variables set, the node warns exactly when its real segment is small.

    This distribution's Fast DDS decides which variable it reads (Jazzy: only FASTRTPS_...):
    the segments mapped by the node process are the ground truth for the check's verdict.
    """
    for name in PROFILE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, str(Path(__file__).resolve().parent.parent / 'config' /
                                     'fastdds.xml'))
    log = tmp_path / 'tracker.log'
    process = node_process('face_tracker_node', log)
    try:
        assert wait_for_log(log, 'tracking faces', START_TIMEOUT), log.read_text()
        deadline = time.monotonic() + SEGMENT_TIMEOUT
        while not _largest_shm_segment(process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        segment = _largest_shm_segment(process.pid)
    finally:
        assert stop_process(process) == 0, log.read_text()
    assert segment, 'no Fast DDS shared-memory segment mapped'
    warned = WARNING in log.read_text()
    assert warned == (segment < NOMINAL_FRAME_BYTES), (segment, log.read_text())
