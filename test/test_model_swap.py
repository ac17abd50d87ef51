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
The classifier's model swapped through its lifecycle, with real processes and real DDS.

deactivate, cleanup, set ``model`` (the rcl_interfaces SetParameters service), configure,
activate: the bundled mini-Xception (7 FER2013 classes) gives way to an ONNX model with the 8
FER+ classes built here (test/onnx_models.py), which calls every face ``contempt``, a class the
bundled model lacks.
"""

import json
from pathlib import Path
import shutil

from onnx_models import FERPLUS_LABELS, write_onnx_model
import pytest
from ros_helpers import node_process, REPO_ROOT, spin_until, stop_process
from test_lifecycle import LifecycleProbe

VIDEO = REPO_ROOT / 'assets' / 'media' / 'single_face.mp4'
BUNDLED_CARD = REPO_ROOT / 'assets' / 'models' / 'fer_mini_xception.card.json'
CLASSIFIER = 'emotion_classifier'
NODES = ('camera', 'face_tracker', CLASSIFIER)
# Bound on start-up, a transition, a service answer or a reaction of the graph (s).
TIMEOUT = 60.0
# Wait for messages still in flight after a deactivate (s).
IN_FLIGHT = 1.0
# EmotionArrays with a face wanted from each model (frames; 1 s of the video, more than
# event_hysteresis, so a CHANGED event would have come).
FRAMES = 30
# The class the swapped-in model gives every face.
FAVOURED = 'contempt'


class SwapProbe(LifecycleProbe):
    """The lifecycle probe, plus emotion_events and the classifier's parameter services."""

    def __init__(self, context) -> None:
        from emotion_msgs.msg import EmotionEvent
        from emotion_ros.nodes.qos import EVENT_QOS
        from rcl_interfaces.srv import DescribeParameters, SetParameters

        super().__init__(context, [CLASSIFIER])
        self.events: list = []
        self.event_subscription = self.node.create_subscription(
            EmotionEvent, 'emotion_events', self.events.append, EVENT_QOS)
        self.set_client = self.node.create_client(SetParameters,
                                                  f'/{CLASSIFIER}/set_parameters')
        self.describe_client = self.node.create_client(DescribeParameters,
                                                       f'/{CLASSIFIER}/describe_parameters')

    def _answer(self, client, request):
        """Call a parameter service, asking again while responses are lost (see transition)."""
        assert spin_until(self.executor, client.service_is_ready, TIMEOUT)
        for _ in range(int(TIMEOUT)):
            response = self.call(client, request)
            if response is not None:
                return response
        raise AssertionError(f'no answer from {client.srv_name}')

    def set_model(self, path: Path):
        """Set the classifier's ``model``; :returns: its rcl_interfaces SetParametersResult."""
        from rcl_interfaces.msg import Parameter, ParameterType, ParameterValue
        from rcl_interfaces.srv import SetParameters

        value = ParameterValue(type=ParameterType.PARAMETER_STRING, string_value=str(path))
        request = SetParameters.Request(parameters=[Parameter(name='model', value=value)])
        return self._answer(self.set_client, request).results[0]

    def describe(self, *names: str) -> list:
        """Return the classifier's ParameterDescriptors of ``names``."""
        from rcl_interfaces.srv import DescribeParameters
        return self._answer(self.describe_client,
                            DescribeParameters.Request(names=list(names))).descriptors


def _model(array) -> tuple:
    """Return what says which model classified an EmotionArray: its name and classes."""
    return array.model_name, tuple(array.classes)


@pytest.mark.ros
@pytest.mark.slow
def test_model_swaps_through_the_lifecycle(rclpy_context, tmp_path: Path) -> None:
    """Refused while active; a bad file fails in one line; a good one goes live afresh."""
    from emotion_msgs.msg import EmotionEvent
    from lifecycle_msgs.msg import Transition

    card = json.loads(BUNDLED_CARD.read_text())
    bundled = (card['name'], tuple(card['labels']))
    new_model = write_onnx_model(tmp_path / 'ferplus.onnx', favour=FAVOURED)
    swapped = ('tiny_onnx_ferplus', FERPLUS_LABELS)
    broken = tmp_path / 'broken.onnx'  # a card beside it, bytes that are no model
    broken.write_bytes(b'not an ONNX model\n' * 64)
    shutil.copy(new_model.with_suffix('.card.json'), broken.with_suffix('.card.json'))

    logs = {name: tmp_path / f'{name}.log' for name in NODES}
    processes = {
        'camera': node_process('camera_node', logs['camera'], source=str(VIDEO), loop=True),
        'face_tracker': node_process('face_tracker_node', logs['face_tracker']),
        CLASSIFIER: node_process('emotion_classifier_node', logs[CLASSIFIER]),
    }
    probe = SwapProbe(rclpy_context)

    def classified(model: tuple) -> int:
        return sum(1 for m in probe.emotions if m.emotions and _model(m) == model)

    try:
        assert probe.wait_for(lambda: classified(bundled) >= FRAMES), logs
        # Read-only but model, which says when it may be set; refused while active.
        model_descriptor, smoothing_descriptor = probe.describe('model', 'smoothing')
        assert not model_descriptor.read_only and smoothing_descriptor.read_only
        assert 'only while the node is unconfigured' in model_descriptor.description
        refused = probe.set_model(new_model)
        assert not refused.successful
        assert 'only while the node is unconfigured (it is active)' in refused.reason, \
            refused.reason
        assert classified(swapped) == 0

        assert probe.transition(CLASSIFIER, Transition.TRANSITION_DEACTIVATE)
        assert 'it is inactive' in probe.set_model(new_model).reason
        assert probe.transition(CLASSIFIER, Transition.TRANSITION_CLEANUP)
        probe.spin(IN_FLIGHT)
        swap_at = (len(probe.emotions), len(probe.events))
        before_ids = {e.face_id for m in probe.emotions for e in m.emotions}

        # A bad file: configure fails, the node stays unconfigured and takes another model.
        assert probe.set_model(broken).successful
        assert not probe.transition(CLASSIFIER, Transition.TRANSITION_CONFIGURE)
        assert probe.state(CLASSIFIER) == 'unconfigured'
        assert probe.set_model(new_model).successful
        assert probe.transition(CLASSIFIER, Transition.TRANSITION_CONFIGURE), \
            logs[CLASSIFIER].read_text()
        # The new event publisher heard before it publishes, so no event of it is missed.
        assert probe.wait_for(lambda: probe.event_subscription.get_publisher_count() == 1)
        assert probe.transition(CLASSIFIER, Transition.TRANSITION_ACTIVATE)
        assert probe.wait_for(lambda: classified(swapped) >= FRAMES), \
            logs[CLASSIFIER].read_text()
        assert probe.wait_for(lambda: len(probe.events) > swap_at[1])
        alive = {name: process.poll() is None for name, process in processes.items()}
    finally:
        probe.close()
        codes = {name: stop_process(process) for name, process in processes.items()}
    assert all(alive.values()) and codes == dict.fromkeys(NODES, 0), (alive, codes)

    # Every EmotionArray is one model's: its classes, its name, its probabilities; the
    # bundled model's all come before the swap, the new model's all after.
    models = [_model(m) for m in probe.emotions]
    assert models[:swap_at[0]] == [bundled] * swap_at[0]
    assert models[swap_at[0]:] == [swapped] * (len(models) - swap_at[0])
    for array in probe.emotions:
        for emotion in array.emotions:
            assert len(emotion.probabilities) == len(array.classes)
            assert emotion.label in array.classes
    assert {e.label for m in probe.emotions[swap_at[0]:] for e in m.emotions} == {FAVOURED}

    # Events start afresh: each face's first event after the swap is APPEARED, none CHANGED
    # from a label of the bundled model (the tracker kept its ids across the swap).
    after = probe.events[swap_at[1]:]
    first = {}
    for event in after:
        first.setdefault(event.face_id, event)
    assert {e.event for e in first.values()} == {EmotionEvent.APPEARED}, first
    assert not [e for e in after if e.event == EmotionEvent.CHANGED], after
    assert before_ids & set(first), (before_ids, first)

    text = logs[CLASSIFIER].read_text()
    failures = [line for line in text.splitlines() if 'cannot configure' in line]
    assert len(failures) == 1 and str(broken) in failures[0], text
    assert 'model tiny_onnx_ferplus' in text and 'contempt' in text, text
    for log in logs.values():
        assert 'Traceback' not in log.read_text(), log.read_text()
