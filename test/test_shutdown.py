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

"""Shutdown in every case, with real processes: hang-up, SIGTERM, a killed runner, early Ctrl-C."""

import json
import os
from pathlib import Path
import pty
import re
import signal
import subprocess
import sys
import time

from emotion_ros.tools.supervisor import prepare_child, stop_signals_blocked
import pytest
from ros_helpers import executable, REPO_ROOT, wait_for_log

# Bound on a node's or the graph's start-up (s).
START_TIMEOUT = 120.0
# Time the runner and its nodes get to stop after a signal (s).
STOP_TIMEOUT = 30.0
# Time the nodes get to notice that the runner was killed ("a couple of seconds", s).
ORPHAN_TIMEOUT = 3.0
# Log lines that say the graph is up: every node of a camera run has started.
READY_LINES = ('tracking faces', 'model ', '/dev/video99')
_STARTED = re.compile(r'started (\S+) \(pid (\d+)\)')


def _runner_cmd() -> list[str]:
    """Return an emotion_run command whose graph runs until stopped (its camera is missing)."""
    return [str(executable('emotion_run')), '--video-device', '/dev/video99', '--echo']


def _pids(text: str) -> dict[str, int]:
    """Return the pid of each child the runner reported starting."""
    return {name: int(pid) for name, pid in _STARTED.findall(text)}


def _alive(pid: int) -> bool:
    """Tell whether ``pid`` is a running (not zombie) process."""
    try:
        with open(f'/proc/{pid}/stat', encoding='ascii') as handle:
            return handle.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except FileNotFoundError:
        return False


def _wait_gone(pids, timeout: float) -> list[int]:
    """Wait until none of ``pids`` runs; :returns: those still running after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if _alive(p)]


def _stop_left(pids) -> list[int]:
    """Wait a second for ``pids`` to end; interrupt those left. :returns: those left."""
    left = _wait_gone(pids, 1.0)
    for pid in left:
        os.kill(pid, signal.SIGINT)
    _wait_gone(left, STOP_TIMEOUT)
    return left


def _wait_ready(log: Path) -> str:
    """Wait until every node of the graph logged that it started; :returns: the log."""
    for line in READY_LINES:
        assert wait_for_log(log, line, START_TIMEOUT), log.read_text()
    return log.read_text()


@pytest.mark.ros
@pytest.mark.parametrize('signum', [signal.SIGTERM, signal.SIGHUP])
def test_runner_stops_the_graph_on_sigterm_and_sighup(ros_domain, tmp_path: Path,
                                                      signum: int) -> None:
    """SIGTERM and a hang-up stop every node cleanly, like Ctrl-C: exit 0, nothing left."""
    log = tmp_path / 'run.log'
    with open(log, 'w') as out:
        runner = subprocess.Popen(_runner_cmd(), stdout=out, stderr=subprocess.STDOUT)
        try:
            pids = _pids(_wait_ready(log))
        finally:
            runner.send_signal(signum)
            code = runner.wait(STOP_TIMEOUT)
    text = log.read_text()
    left = _stop_left(pids.values())
    assert set(pids) == {'emotion_echo', 'emotion_classifier', 'face_tracker', 'camera'}, text
    assert code == 0, text
    assert 'stopping on request' in text and 'unclean' not in text, text
    assert not left, text
    assert 'Traceback' not in text, text


@pytest.mark.ros
def test_closed_terminal_stops_the_graph(ros_domain, tmp_path: Path) -> None:
    """The runner in a terminal that is closed (the kernel's SIGHUP) stops all its nodes."""
    master, slave = pty.openpty()

    def own_terminal() -> None:
        # As a shell does for a job: a new session whose controlling terminal is the pty.
        os.setsid()
        import fcntl
        import termios
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

    runner = subprocess.Popen(_runner_cmd(), stdin=slave, stdout=slave, stderr=slave,
                              preexec_fn=own_terminal)
    os.close(slave)
    text = ''
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not all(line in text for line in READY_LINES) and time.monotonic() < deadline:
            text += os.read(master, 65536).decode(errors='replace')
        pids = _pids(text)
    finally:
        os.close(master)  # the terminal goes away: SIGHUP to the runner, writes fail with EIO
        code = runner.wait(STOP_TIMEOUT)
    left = _stop_left(pids.values())
    assert len(pids) == 4, text
    assert code == 0, text
    assert not left, text


# Runs as a child subreaper, so the nodes orphaned by the killed runner are re-parented to it
# and their exit codes can be read. Prints JSON: each node's exit code and time to exit, and the
# Fast DDS shared-memory segments of the nodes that are left in /dev/shm (fastdds_*; Fast DDS 2 of
# Jazzy names them fastrtps_*).
_KILL_RUNNER = r"""
import ctypes, json, os, re, signal, subprocess, sys, time
PR_SET_CHILD_SUBREAPER = 36
ctypes.CDLL(None).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
log_path, ready, cmd = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3:]
with open(log_path, 'w') as out:
    runner = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    text = open(log_path).read()
    if all(line in text for line in ready):
        break
    time.sleep(0.1)
pids = {int(pid): name for name, pid in re.findall(r'started (\S+) \(pid (\d+)\)', text)}
segments = set()
for pid in pids:
    for fd in os.listdir(f'/proc/{pid}/fd'):
        target = os.path.realpath(f'/proc/{pid}/fd/{fd}')
        if re.fullmatch(r'/dev/shm/fast(dds|rtps)_[0-9a-f]{16}_el', target):
            segments.update((target, target[:-len('_el')]))
runner.kill()
runner.wait()
killed = time.monotonic()
result = {}
while len(result) < len(pids) and time.monotonic() < killed + 20:
    pid, status = os.waitpid(-1, os.WNOHANG)
    if pid in pids:
        result[pids[pid]] = {'code': os.waitstatus_to_exitcode(status),
                             'seconds': round(time.monotonic() - killed, 2)}
    elif pid == 0:
        time.sleep(0.02)
left_running = [pid for pid in pids if pids[pid] not in result]
for pid in left_running:  # the feature is broken: stop them as the runner should have
    os.kill(pid, signal.SIGINT)
for pid in left_running:
    os.waitpid(pid, 0)
print(json.dumps({'nodes': result, 'segments': sorted(segments),
                  'left': sorted(s for s in segments if os.path.exists(s))}))
"""


@pytest.mark.ros
def test_killed_runner_takes_its_nodes_along(ros_domain, tmp_path: Path) -> None:
    """After a SIGKILL of emotion_run, every node stops cleanly within a couple of seconds."""
    log = tmp_path / 'run.log'
    result = subprocess.run(
        [sys.executable, '-c', _KILL_RUNNER, str(log), json.dumps(READY_LINES), *_runner_cmd()],
        capture_output=True, text=True, timeout=START_TIMEOUT + STOP_TIMEOUT)
    text = log.read_text()
    assert result.returncode == 0, result.stderr + text
    report = json.loads(result.stdout)
    nodes = report['nodes']
    assert set(nodes) == {'emotion_echo', 'emotion_classifier', 'face_tracker', 'camera'}, \
        f'{report}\n{text}'
    assert all(n['code'] == 0 for n in nodes.values()), f'{report}\n{text}'
    assert max(n['seconds'] for n in nodes.values()) < ORPHAN_TIMEOUT, report
    # Each node removed its own shared-memory segments (SIGKILLed ones leave them behind).
    assert report['segments'] and not report['left'], report
    assert 'Traceback' not in text, text


# Delays after which a starting node is interrupted (s). Started as emotion_run starts it (stop
# signals blocked before exec): from the interpreter's own start on. Started plainly (as ros2
# launch does): from the moment its first line blocked them, since before that (about 0.05-0.15
# s here, longer under load) the bare interpreter meets the signal; then through the imports
# (rclpy, OpenCV, LiteRT, some of them C extensions), rclpy.init, the configure (model load)
# and the first spin. Before the signal watcher, 4 of 16 delays from 0.05 to 1.7 s printed a
# traceback.
BLOCKED_DELAYS = (0.0, 0.03, 0.06, 0.1)
INTERRUPT_DELAYS = (0.0, 0.05, 0.15, 0.3, 0.5, 0.8, 1.2, 2.0)
# Generous bound on a stop here (the stress bench measures the 2 s target under load), s.
STOP_BOUND = 10.0


def _interrupt_at(cmd: list[str], delay: float, signals: tuple[int, ...],
                  blocked: bool) -> tuple[float, int, str, float]:
    """Start ``cmd``, send ``signals`` (50 ms apart) after ``delay``; :returns: what happened."""
    preexec = prepare_child(os.getpid(), block_sigint=True) if blocked else None
    node = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True, preexec_fn=preexec)
    deadline = time.monotonic() + START_TIMEOUT
    while not blocked and not stop_signals_blocked(node.pid) and time.monotonic() < deadline:
        time.sleep(0.002)
    time.sleep(delay)
    sent = time.monotonic()
    for number, signum in enumerate(signals):
        if number:
            time.sleep(0.05)
        node.send_signal(signum)
    try:
        output = node.communicate(timeout=STOP_TIMEOUT)[0].decode(errors='replace')
    finally:
        node.kill()  # only if it did not stop (the feature broke)
    return delay, node.returncode, output, time.monotonic() - sent


@pytest.mark.ros
@pytest.mark.slow
@pytest.mark.parametrize('name, signals', [
    ('emotion_classifier_node', (signal.SIGINT,)),
    ('emotion_classifier_node', (signal.SIGTERM,)),
    ('emotion_classifier_node', (signal.SIGHUP,)),
    ('emotion_classifier_node', (signal.SIGINT, signal.SIGINT)),
    ('face_tracker_node', (signal.SIGINT,)),
    ('camera_node', (signal.SIGTERM,)),
])
def test_interrupt_while_starting_is_a_clean_exit(ros_domain, name: str,
                                                  signals: tuple[int, ...]) -> None:
    """A stop at any moment of start-up and configure (autostart): exit 0, no traceback."""
    cmd = [str(executable(name)), '--ros-args', '-p', 'autostart:=true']
    if name == 'camera_node':
        cmd += ['-p', f"source:='{REPO_ROOT / 'assets' / 'media' / 'single_face.mp4'}'"]
    results = [_interrupt_at(cmd, delay, signals, blocked=True) for delay in BLOCKED_DELAYS]
    results += [_interrupt_at(cmd, delay, signals, blocked=False) for delay in INTERRUPT_DELAYS]
    bad = [r for r in results if r[1] != 0 or 'Traceback' in r[2] or 'cannot' in r[2]
           or r[3] > STOP_BOUND]
    assert not bad, bad


@pytest.mark.ros
def test_interrupt_before_the_interpreter_runs_is_deferred(ros_domain) -> None:
    """A child of emotion_run interrupted at once gets the signal inside its try: exit 0."""
    node = subprocess.Popen([str(executable('camera_node'))], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True,
                            preexec_fn=prepare_child(os.getpid(), block_sigint=True))
    node.send_signal(signal.SIGINT)  # pending until emotion_ros.entry_points unblocks it
    try:
        output = node.communicate(timeout=STOP_TIMEOUT)[0].decode(errors='replace')
    finally:
        node.kill()  # only if it never unblocked SIGINT (the feature broke)
    assert node.returncode == 0 and 'Traceback' not in output, output
    assert 'camera' not in output, 'the node must stop before it starts'


@pytest.mark.ros
@pytest.mark.slow
def test_corrupt_video_stops_the_graph_without_traceback(ros_domain, tmp_path: Path) -> None:
    """A video that cannot be opened fails the camera's configure; the others stop silently."""
    video = tmp_path / 'x.mp4'
    video.write_bytes((REPO_ROOT / 'assets' / 'media' / 'single_face.mp4').read_bytes()[:3000])
    for _ in range(3):
        result = subprocess.run([str(executable('emotion_run')), '--source', str(video)],
                                capture_output=True, text=True, timeout=START_TIMEOUT)
        assert result.returncode == 1, result.stderr
        assert 'cannot open video file' in result.stderr and 'x.mp4' in result.stderr
        assert 'camera failed to configure' in result.stderr
        assert 'Traceback' not in result.stderr and 'unclean' not in result.stderr, \
            result.stderr
