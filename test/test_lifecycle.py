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

"""Managed nodes through their lifecycle services, with real processes and real DDS."""

from pathlib import Path
import subprocess
import time

import pytest
from ros_helpers import executable, node_process, REPO_ROOT, spin_until, stop_process

VIDEO = REPO_ROOT / 'assets' / 'media' / 'single_face.mp4'
# Bound on start-up, a transition or a reaction of the graph (s).
TIMEOUT = 60.0
# Quiet period that proves nothing is published while inactive, after the last in-flight
# message (s).
QUIET = 3.0
NODES = ('camera', 'face_tracker', 'emotion_classifier')
# A service response not back after this long is taken as lost (s).
RESPONSE_TIMEOUT = 5.0
# The state each transition leads to (lifecycle_msgs/Transition ids).
GOAL_STATES = {1: 'inactive', 2: 'unconfigured', 3: 'active', 4: 'inactive'}


class LifecycleProbe:
    """A test node: ChangeState/GetState clients per node, and what the graph publishes."""

    def __init__(self, context, names) -> None:
        from emotion_msgs.msg import EmotionArray, FaceArray
        from lifecycle_msgs.srv import ChangeState, GetState
        from rclpy.executors import SingleThreadedExecutor
        from rclpy.node import Node
        from rclpy.qos import QoSProfile

        self.node = Node('lifecycle_probe', context=context)
        self.executor = SingleThreadedExecutor(context=context)
        self.executor.add_node(self.node)
        self.change = {n: self.node.create_client(ChangeState, f'/{n}/change_state')
                       for n in names}
        self.get = {n: self.node.create_client(GetState, f'/{n}/get_state') for n in names}
        self.emotions: list = []
        self.faces: list = []
        qos = QoSProfile(depth=100)
        self.node.create_subscription(EmotionArray, 'emotions', self.emotions.append, qos)
        self.node.create_subscription(FaceArray, 'faces', self.faces.append, qos)

    def call(self, client, request):
        """Call the service; :returns: the response, or None if it was lost (see below)."""
        future = client.call_async(request)
        if not spin_until(self.executor, future.done, RESPONSE_TIMEOUT):
            client.remove_pending_request(future)
            return None
        return future.result()

    def transition(self, name: str, transition: int) -> bool:
        """
        Change the node's state; :returns: whether it succeeded.

        Fast DDS drops a service response when the server has not yet discovered the client's
        reply reader, so a lost response is settled by asking the state (as emotion_run does).
        """
        from lifecycle_msgs.msg import Transition
        from lifecycle_msgs.srv import ChangeState
        assert spin_until(self.executor, self.change[name].service_is_ready, TIMEOUT), name
        request = ChangeState.Request(transition=Transition(id=transition))
        response = self.call(self.change[name], request)
        if response is not None:
            return response.success
        return self.state(name) == GOAL_STATES[transition]

    def state(self, name: str) -> str:
        """Return the node's state label, asking again while responses are lost."""
        from lifecycle_msgs.srv import GetState
        assert spin_until(self.executor, self.get[name].service_is_ready, TIMEOUT), name
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            response = self.call(self.get[name], GetState.Request())
            if response is not None and response.current_state.id < 10:  # not transitional
                return response.current_state.label
        raise AssertionError(f'no state from {name}')

    def spin(self, seconds: float) -> None:
        spin_until(self.executor, lambda: False, seconds)

    def wait_for(self, predicate) -> bool:
        return spin_until(self.executor, predicate, TIMEOUT)

    def close(self) -> None:
        self.executor.shutdown()
        self.node.destroy_node()


@pytest.mark.ros
@pytest.mark.slow
def test_transitions_change_what_is_published(rclpy_context, tmp_path: Path) -> None:
    """Active: emotions; inactive: none, no faces; active again: the same track id resumes."""
    from lifecycle_msgs.msg import Transition

    logs = {name: tmp_path / f'{name}.log' for name in NODES}
    processes = {
        'camera': node_process('camera_node', logs['camera'], autostart=False,
                               source=str(VIDEO), loop=True),
        'face_tracker': node_process('face_tracker_node', logs['face_tracker'],
                                     autostart=False),
        'emotion_classifier': node_process('emotion_classifier_node',
                                           logs['emotion_classifier'], autostart=False),
    }
    probe = LifecycleProbe(rclpy_context, NODES)
    try:
        assert [probe.state(n) for n in NODES] == ['unconfigured'] * 3
        for name in NODES:
            assert probe.transition(name, Transition.TRANSITION_CONFIGURE), name
        assert [probe.state(n) for n in NODES] == ['inactive'] * 3
        probe.spin(QUIET)
        assert not probe.emotions and not probe.faces, 'inactive nodes published'
        for name in reversed(NODES):
            assert probe.transition(name, Transition.TRANSITION_ACTIVATE), name
        assert probe.wait_for(lambda: len(probe.emotions) >= 30), logs
        ids = {e.face_id for m in probe.emotions[-10:] for e in m.emotions}
        assert len(ids) == 1, ids
        for name in ('face_tracker', 'emotion_classifier'):
            assert probe.transition(name, Transition.TRANSITION_DEACTIVATE), name
        assert probe.state('face_tracker') == 'inactive'
        probe.spin(1.0)  # what was in flight
        probe.emotions.clear()
        probe.faces.clear()
        probe.spin(QUIET)
        assert not probe.emotions and not probe.faces, 'inactive nodes published'
        for name in ('emotion_classifier', 'face_tracker'):
            assert probe.transition(name, Transition.TRANSITION_ACTIVATE), name
        assert probe.wait_for(lambda: len(probe.emotions) >= 10)
        resumed = {e.face_id for m in probe.emotions[:10] for e in m.emotions}
        assert resumed == ids, (resumed, ids)
        # cleanup and configure again: the parameters are read again, the node works again.
        assert probe.transition('emotion_classifier', Transition.TRANSITION_DEACTIVATE)
        assert probe.transition('emotion_classifier', Transition.TRANSITION_CLEANUP)
        assert probe.state('emotion_classifier') == 'unconfigured'
        assert probe.transition('emotion_classifier', Transition.TRANSITION_CONFIGURE)
        assert probe.transition('emotion_classifier', Transition.TRANSITION_ACTIVATE)
        probe.emotions.clear()
        assert probe.wait_for(lambda: len(probe.emotions) >= 10)
        alive = {name: p.poll() is None for name, p in processes.items()}
    finally:
        probe.close()
        codes = {name: stop_process(p) for name, p in processes.items()}
    assert all(alive.values()), alive
    assert codes == dict.fromkeys(NODES, 0), codes
    for log in logs.values():
        assert 'Traceback' not in log.read_text(), log.read_text()


@pytest.mark.ros
def test_failed_configure_stays_unconfigured_and_alive(rclpy_context, tmp_path: Path) -> None:
    """A missing model: configure returns FAILURE, one line says why, the node lives on."""
    from lifecycle_msgs.msg import Transition

    log = tmp_path / 'classifier.log'
    missing = tmp_path / 'missing.tflite'
    classifier = node_process('emotion_classifier_node', log, autostart=False,
                              model=str(missing))
    probe = LifecycleProbe(rclpy_context, ['emotion_classifier'])
    try:
        assert not probe.transition('emotion_classifier', Transition.TRANSITION_CONFIGURE)
        assert probe.state('emotion_classifier') == 'unconfigured'
        # A manager may retry: the same one-line reason, still alive.
        assert not probe.transition('emotion_classifier', Transition.TRANSITION_CONFIGURE)
        alive = classifier.poll() is None
    finally:
        probe.close()
        code = stop_process(classifier)
    lines = [line for line in log.read_text().splitlines() if 'cannot configure' in line]
    assert alive and code == 0, log.read_text()
    assert len(lines) == 2 and str(missing) in lines[0], log.read_text()
    assert 'Traceback' not in log.read_text()


@pytest.mark.ros
def test_an_invalid_transition_is_refused_and_the_node_lives_on(rclpy_context,
                                                                tmp_path: Path) -> None:
    """
    Activate before configure: refused in one line, and the node still configures afterwards.

    Jazzy's rclpy raises from the change_state service on such a request, which ended the node's
    process ("Transition is not registered") until ManagedNode checked the transition first.
    """
    from lifecycle_msgs.msg import Transition

    log = tmp_path / 'tracker.log'
    tracker = node_process('face_tracker_node', log, autostart=False)
    probe = LifecycleProbe(rclpy_context, ['face_tracker'])
    try:
        assert not probe.transition('face_tracker', Transition.TRANSITION_ACTIVATE)
        assert probe.state('face_tracker') == 'unconfigured', log.read_text()
        assert tracker.poll() is None, log.read_text()
        assert probe.transition('face_tracker', Transition.TRANSITION_CONFIGURE), log.read_text()
        assert probe.transition('face_tracker', Transition.TRANSITION_ACTIVATE), log.read_text()
        assert probe.state('face_tracker') == 'active', log.read_text()
    finally:
        probe.close()
        code = stop_process(tracker)
    text = log.read_text()
    assert code == 0, text
    assert 'refused transition 3: not valid from unconfigured' in text, text
    assert 'Traceback' not in text and 'FATAL' not in text, text


@pytest.mark.ros
@pytest.mark.slow
def test_runner_without_autostart_leaves_the_nodes_to_a_manager(rclpy_context,
                                                                tmp_path: Path) -> None:
    """emotion_run --no-autostart: unconfigured nodes; configured and activated, emotions."""
    from lifecycle_msgs.msg import Transition

    log = tmp_path / 'run.log'
    with open(log, 'w') as out:
        runner = subprocess.Popen(
            [str(executable('emotion_run')), '--no-autostart', '--source', str(VIDEO)],
            stdout=out, stderr=subprocess.STDOUT)
    probe = LifecycleProbe(rclpy_context, NODES)
    try:
        assert [probe.state(n) for n in NODES] == ['unconfigured'] * 3, log.read_text()
        probe.spin(2.0)
        assert [probe.state(n) for n in NODES] == ['unconfigured'] * 3, log.read_text()
        for name in NODES:
            assert probe.transition(name, Transition.TRANSITION_CONFIGURE), log.read_text()
        for name in reversed(NODES):
            assert probe.transition(name, Transition.TRANSITION_ACTIVATE), log.read_text()
        assert probe.wait_for(lambda: runner.poll() is not None), log.read_text()
    finally:
        probe.close()
        if runner.poll() is None:
            stop_process(runner)
    text = log.read_text()
    assert runner.returncode == 0, text
    assert 'after 72 frames' in text and probe.emotions, text
    assert 'Traceback' not in text, text


@pytest.mark.ros
def test_diagnostics_report_the_lifecycle_state(rclpy_context, tmp_path: Path) -> None:
    """/diagnostics says 'inactive' for a configured node that is not active."""
    from diagnostic_msgs.msg import DiagnosticArray
    from lifecycle_msgs.msg import Transition

    log = tmp_path / 'tracker.log'
    tracker = node_process('face_tracker_node', log, autostart=False)
    probe = LifecycleProbe(rclpy_context, ['face_tracker'])
    statuses: list = []
    probe.node.create_subscription(
        DiagnosticArray, '/diagnostics',
        lambda m: statuses.extend(s for s in m.status if s.name == 'face_tracker'), 10)
    try:
        assert probe.transition('face_tracker', Transition.TRANSITION_CONFIGURE)
        assert probe.wait_for(lambda: bool(statuses)), log.read_text()
    finally:
        probe.close()
        code = stop_process(tracker)
    values = {kv.key: kv.value for kv in statuses[-1].values}
    assert values['lifecycle state'] == 'inactive', values
    assert statuses[-1].message == 'inactive' and statuses[-1].level == b'\x00'
    assert code == 0 and 'tracking faces' not in log.read_text(), log.read_text()
