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
The DDS teardown deadline: a process stuck in C with the GIL held is still ended in time.

The real fault (Fast DDS's participant-listener deadlock) cannot be caused on demand, so these
tests use the named fault injection ``EMOTION_ROS_FAKE_TEARDOWN_HANG=1``: the process blocks in
``pause()`` through ``ctypes.PyDLL`` (GIL held, stop signals swallowed), as the real hang does.
"""

import os
from pathlib import Path
import signal
import subprocess
import sys
import time

from emotion_ros.teardown_deadline import FAKE_HANG_VARIABLE, HUNG_MARK, TEARDOWN_DEADLINE
from emotion_ros.teardown_deadline import TeardownDeadline, WATCHDOG_EXIT_STATUS
import pytest
from ros_helpers import executable, REPO_ROOT, wait_for_log

# A program that takes its stop signals like the package's programs, then tears down.
PROGRAM = """
import sys, time
from emotion_ros.entry_points import StopSignals
StopSignals.install().cooperate()
from emotion_ros.teardown_deadline import TeardownDeadline
print('ready', flush=True)
with TeardownDeadline('fake_node'):
    time.sleep(float(sys.argv[1]))
print('torn down', flush=True)
"""
# Bound on the exit of a process after its deadline passed (s): the helper's kill is immediate;
# this covers a loaded machine.
KILL_SLACK = 3.0
# Bound on a whole graph's stop with every teardown hung (s): each node stops its work, then
# its deadline ends it.
GRAPH_STOP_BOUND = 30.0


def _helpers_of(pid: int) -> list[int]:
    """Return the pids of deadline helpers watching ``pid`` (from /proc)."""
    found = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/cmdline', 'rb') as handle:
                args = handle.read().split(b'\0')
        except OSError:
            continue
        if b'emotion_ros-teardown-deadline' in args and str(pid).encode() in args:
            found.append(int(entry))
    return found


def _start(tmp_path: Path, seconds: float, hang: bool) -> subprocess.Popen:
    env = {**os.environ, FAKE_HANG_VARIABLE: '1' if hang else '0'}
    log = open(tmp_path / 'program.log', 'w')  # noqa: SIM115 - closed when the process ends
    return subprocess.Popen([sys.executable, '-c', PROGRAM, str(seconds)], stdout=log,
                            stderr=subprocess.STDOUT, env=env, cwd=REPO_ROOT)


def test_a_teardown_in_time_leaves_nothing_behind() -> None:
    """Armed and disarmed in time: the process lives on and no helper is left."""
    deadline = TeardownDeadline('in_process', deadline=5.0)
    with deadline:
        # Its /proc/PID/cmdline can read empty for a moment after the exec.
        until = time.monotonic() + 10.0
        while not _helpers_of(os.getpid()) and time.monotonic() < until:
            time.sleep(0.05)
        assert _helpers_of(os.getpid()), 'the helper runs while armed'
    assert not _helpers_of(os.getpid())
    assert HUNG_MARK in deadline.message() and str(WATCHDOG_EXIT_STATUS) in deadline.message()


def test_a_process_that_exits_while_armed_takes_its_helper_along(tmp_path: Path) -> None:
    """The helper watches a pipe only the process holds: its exit ends the helper at once."""
    process = subprocess.Popen([sys.executable, '-c', (
        'import time; from emotion_ros.teardown_deadline import TeardownDeadline; '
        'TeardownDeadline("exits", deadline=60.0).arm(); print("armed", flush=True)')],
        stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT)
    assert process.communicate(timeout=60)[0].strip() == 'armed'
    assert process.returncode == 0
    deadline = time.monotonic() + 10.0
    while _helpers_of(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _helpers_of(process.pid)


def test_a_clean_teardown_exits_0(tmp_path: Path) -> None:
    """A teardown shorter than the deadline: exit 0, no line."""
    process = _start(tmp_path, 0.2, hang=False)
    assert process.wait(60) == 0
    text = (tmp_path / 'program.log').read_text()
    assert 'torn down' in text and HUNG_MARK not in text


def test_a_teardown_hung_in_c_is_ended_at_the_deadline(tmp_path: Path) -> None:
    """GIL held and stop signals swallowed: one line, exit -9, at the deadline."""
    process = _start(tmp_path, 0.0, hang=True)
    log = tmp_path / 'program.log'
    assert wait_for_log(log, 'ready', 60.0)
    started = time.monotonic()
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)  # deaf: the stop thread can never get the GIL
    process.send_signal(signal.SIGTERM)
    code = process.wait(TEARDOWN_DEADLINE + KILL_SLACK + 5.0)
    elapsed = time.monotonic() - started
    assert code == WATCHDOG_EXIT_STATUS
    assert TEARDOWN_DEADLINE - 0.1 <= elapsed <= TEARDOWN_DEADLINE + KILL_SLACK, elapsed
    lines = [line for line in log.read_text().splitlines() if HUNG_MARK in line]
    assert len(lines) == 1 and '[fake_node]' in lines[0], log.read_text()
    assert 'torn down' not in log.read_text() and 'Traceback' not in log.read_text()


@pytest.mark.ros
@pytest.mark.slow
def test_emotion_run_with_every_teardown_hung_stops_in_bounded_time(ros_domain,
                                                                    tmp_path: Path) -> None:
    """
    emotion_run, its lifecycle driver and its nodes all hang in their teardowns.

    Each node is ended by its own deadline with its line; emotion_run reports each as a
    bounded stop, then its own driver's deadline ends it: the whole stop is bounded.
    """
    video = REPO_ROOT / 'assets' / 'media' / 'single_face.mp4'
    params = tmp_path / 'loop.yaml'
    params.write_text((REPO_ROOT / 'config' / 'emotion.yaml').read_text()
                      .replace('loop: false', 'loop: true'))
    env = {**os.environ, FAKE_HANG_VARIABLE: '1'}
    log = tmp_path / 'run.log'
    with open(log, 'w') as out:
        process = subprocess.Popen([str(executable('emotion_run')), '--source', str(video),
                                    '--params-file', str(params), '--echo'],
                                   stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        assert wait_for_log(log, 'images from', 120.0), log.read_text()[-3000:]
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        code = process.wait(GRAPH_STOP_BOUND)
        elapsed = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
    text = log.read_text()
    hung = [line for line in text.splitlines() if HUNG_MARK in line]
    # camera, face_tracker, emotion_classifier, emotion_echo, and emotion_run's driver.
    for name in ('camera', 'face_tracker', 'emotion_classifier', 'emotion_echo',
                 'emotion_run_lifecycle'):
        assert any(f'[{name}]' in line for line in hung), text[-3000:]
    assert code == WATCHDOG_EXIT_STATUS, text[-3000:]
    # Its nodes' deadline exits are reported, as bounded stops, before its own.
    assert text.count('was ended by its DDS teardown deadline (exit -9)') == 4, text[-3000:]
    assert 'unclean exit' not in text, text[-3000:]
    assert elapsed < GRAPH_STOP_BOUND
    assert 'Traceback' not in text
