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
Autostart that cannot miss an event, and waits that are never silent (real nodes, real DDS).

The launch file used to activate each node from launch_ros's ``OnStateTransition`` handler,
which listens to the node's volatile ``transition_event`` topic: a node that finished configuring
before that subscription was matched was never activated. The first test makes that race
happen on purpose and shows both halves: the late listener gets no event at all, and the
node's own autostart (what the launch file now uses) brought it to active anyway.
"""

import ast
import os
from pathlib import Path
import subprocess

from emotion_ros.nodes.managed_node import AUTOSTART_REPORT_AFTER
from emotion_ros.nodes.when_matched import LONG_WAIT
from emotion_ros.tools.lifecycle_driver import ACTIVE_REPORT_AFTER
import pytest
from ros_helpers import executable, node_process, python_script, REPO_ROOT, spin_until
from ros_helpers import stop_process
from ros_helpers import wait_for_log
from test_lifecycle import LifecycleProbe

LAUNCH_FILE = REPO_ROOT / 'launch' / 'emotion.launch.py'
PEERS = Path(__file__).resolve().parent / 'peers'
# Bound on a node's start, a transition, or a log line (s).
TIMEOUT = 60.0
# Time a late listener waits for a transition event that was published before it joined (s):
# a durable event would arrive within discovery (up to about 3 s here).
MISSED_EVENT_WAIT = 6.0
# Slack after a stated report delay before the test gives up on the line (s).
REPORT_SLACK = 20.0


@pytest.mark.ros
@pytest.mark.slow
def test_a_node_configured_before_anyone_listens_is_still_activated(rclpy_context,
                                                                    tmp_path: Path) -> None:
    """The race on purpose: configure ends before any listener; autostart activates anyway."""
    from lifecycle_msgs.msg import TransitionEvent

    log = tmp_path / 'tracker.log'
    # As the launch file starts it: autostart:=true, nobody watching.
    tracker = node_process('face_tracker_node', log, autostart=True)
    try:
        assert wait_for_log(log, 'tracking faces', TIMEOUT), log.read_text()
        # Only now does a launch_ros-like listener join: the configuring -> inactive event is
        # long gone (volatile), so an activation waiting for it would never be sent.
        probe = LifecycleProbe(rclpy_context, ['face_tracker'])
        events: list = []
        probe.node.create_subscription(TransitionEvent, '/face_tracker/transition_event',
                                       events.append, 10)
        try:
            probe.spin(MISSED_EVENT_WAIT)
            assert events == []
            assert probe.state('face_tracker') == 'active'
        finally:
            probe.close()
    finally:
        code = stop_process(tracker)
    assert code == 0, log.read_text()


def test_launch_file_uses_the_nodes_own_autostart() -> None:
    """The launch file sends no transitions and waits for no transition event."""
    tree = ast.parse(LAUNCH_FILE.read_text())
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert not names & {'ChangeState', 'OnStateTransition', 'EmitEvent'}
    strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
    assert 'autostart' in strings
    # A node that exits with an error (a failed configure) ends the launch, and only a clean
    # exit of a file source counts as "finished".
    source = LAUNCH_FILE.read_text()
    assert 'event.returncode != 0' in source and 'every source finished' in source


def _waiting(status) -> str:
    """Return the 'waiting' value of a diagnostic status, or ''."""
    return next((kv.value for kv in status.values if kv.key == 'waiting'), '')


@pytest.mark.ros
@pytest.mark.slow
def test_a_long_wait_for_subscribers_is_a_warning(rclpy_context, tmp_path: Path) -> None:
    """An active tracker whose faces nobody reads says so: WARN in the log and on /diagnostics."""
    from diagnostic_msgs.msg import DiagnosticArray

    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node

    log = tmp_path / 'tracker.log'
    tracker = node_process('face_tracker_node', log, autostart=True,
                           wait_for_output_subscribers=1)
    # Reads /diagnostics only: nobody subscribes to the tracker's faces.
    node = Node('diagnostics_reader', context=rclpy_context)
    executor = SingleThreadedExecutor(context=rclpy_context)
    executor.add_node(node)
    statuses: list = []
    node.create_subscription(
        DiagnosticArray, '/diagnostics',
        lambda m: statuses.extend(s for s in m.status if s.name == 'face_tracker'), 10)
    try:
        assert wait_for_log(log, 'still waiting after', LONG_WAIT + REPORT_SLACK), \
            log.read_text()
        assert spin_until(executor, lambda: any(_waiting(s) for s in statuses), TIMEOUT), \
            statuses[-1:]
    finally:
        executor.shutdown()
        node.destroy_node()
        code = stop_process(tracker)
    warned = next(s for s in statuses if _waiting(s))
    assert warned.level == b'\x01' and '/faces' in _waiting(warned)
    assert warned.message == _waiting(warned)
    line = next(x for x in log.read_text().splitlines() if 'still waiting after' in x)
    assert 'WARN' in line and '/faces' in line and '0 matched' in line
    assert code == 0


def _report_of_a_blocked_camera(tmp_path: Path, start, bound: float) -> tuple[list[str], int]:
    """
    Start a graph whose camera source never opens (a FIFO nobody writes), wait for the report.

    :param start: ``start(fifo, log) -> Popen``.
    :param bound: how long the report may take (s).
    :returns: the lines that report it, and the exit code after Ctrl-C.
    """
    fifo = tmp_path / 'blocked.mp4'
    os.mkfifo(fifo)
    log = tmp_path / 'graph.log'
    process = start(fifo, log)
    try:
        assert wait_for_log(log, 'still not active', bound + REPORT_SLACK), log.read_text()
    finally:
        code = stop_process(process, timeout=30.0)
    return [x for x in log.read_text().splitlines() if 'still not active' in x], code


@pytest.mark.ros
@pytest.mark.slow
def test_a_node_stuck_in_its_autostart_is_reported(ros_domain, tmp_path: Path) -> None:
    """A camera whose source never opens reports itself: ERROR with its state."""
    lines, code = _report_of_a_blocked_camera(tmp_path, lambda fifo, log: node_process(
        'camera_node', log, autostart=True, source=str(fifo)), AUTOSTART_REPORT_AFTER)
    assert 'ERROR' in lines[0] and '[camera]' in lines[0] and 'configuring' in lines[0], lines
    assert code == 0


def _emotion_run(fifo: Path, log: Path) -> subprocess.Popen:
    with open(log, 'w') as out:
        return subprocess.Popen([str(executable('emotion_run')), '--source', str(fifo)],
                                stdout=out, stderr=subprocess.STDOUT)


@pytest.mark.ros
@pytest.mark.slow
def test_emotion_run_reports_a_node_it_cannot_bring_up(ros_domain, tmp_path: Path) -> None:
    """emotion_run's lifecycle driver names a node still not active, and what it knows."""
    lines, code = _report_of_a_blocked_camera(tmp_path, _emotion_run, ACTIVE_REPORT_AFTER)
    assert len(lines) == 1 and 'camera is still not active' in lines[0], lines
    assert 'configure sent, not answered' in lines[0], lines
    assert code == 0


@pytest.mark.ros
@pytest.mark.slow
def test_a_refused_resend_of_a_transition_that_got_there_is_not_a_failure(
        rclpy_context, tmp_path: Path) -> None:
    """
    emotion_run's driver: a configure that arrives late, after its resend, is not a failure.

    Under load a ChangeState request can reach the node after the driver took it as lost and
    sent it again; the first then succeeds and the node refuses the second (invalid from
    inactive). That delay cannot be caused on demand, so the test stands in for it: the node is
    configured first (the late request), then the driver, in its own process as in emotion_run,
    is marked as having resent (test/peers/resent_driver.py). It must check the state and bring
    the node to active, not stop the run with "failed to configure".
    """
    from lifecycle_msgs.msg import Transition

    log = tmp_path / 'tracker.log'
    tracker = node_process('face_tracker_node', log, autostart=False)
    try:
        probe = LifecycleProbe(rclpy_context, ['face_tracker'])
        try:
            assert probe.transition('face_tracker', Transition.TRANSITION_CONFIGURE)
        finally:
            probe.close()
        result = subprocess.run(
            python_script(PEERS / 'resent_driver.py', '/face_tracker', str(TIMEOUT)),
            capture_output=True, text=True, timeout=TIMEOUT + 30)
        assert result.returncode == 0, result.stdout + result.stderr[-2000:]
        assert result.stdout.strip() == 'active'
        assert wait_for_log(log, 'tracking faces', TIMEOUT), log.read_text()
    finally:
        code = stop_process(tracker)
    assert code == 0, log.read_text()
