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

"""EmotionArray crosses a process boundary over real DDS with every field intact."""

from pathlib import Path
import sys

import pytest

from ros_helpers import python_script, spin_until, start_process, stop_process

PEER = Path(__file__).resolve().parent / 'peers' / 'emotion_array_publisher.py'
# Generous: DDS discovery of a late joiner sometimes takes ~2.7 s on this machine (s).
RECEIVE_TIMEOUT = 60.0


@pytest.mark.ros
def test_emotion_array_round_trip(rclpy_context, tmp_path) -> None:
    """A message published in another process arrives equal, field by field."""
    from emotion_msgs.msg import EmotionArray
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node

    sys.path.insert(0, str(PEER.parent))
    from emotion_array_publisher import sample_message  # noqa: I100 - test peer module

    received: list[EmotionArray] = []
    node = Node('emotion_array_listener', context=rclpy_context)
    node.create_subscription(EmotionArray, 'emotions', received.append, 10)
    executor = SingleThreadedExecutor(context=rclpy_context)
    executor.add_node(node)
    peer = start_process(python_script(PEER), tmp_path / 'peer.log')
    try:
        assert spin_until(executor, lambda: bool(received), RECEIVE_TIMEOUT), \
            'no EmotionArray received; peer log:\n' + (tmp_path / 'peer.log').read_text()
    finally:
        node.destroy_node()
        executor.shutdown()
    assert peer.wait(timeout=RECEIVE_TIMEOUT) == 0, (tmp_path / 'peer.log').read_text()
    stop_process(peer)

    got, want = received[0], sample_message()
    assert got.header.stamp.sec == want.header.stamp.sec
    assert got.header.stamp.nanosec == want.header.stamp.nanosec
    assert got.header.frame_id == want.header.frame_id
    assert list(got.classes) == list(want.classes) and len(got.classes) == 7
    assert got.model_name == want.model_name
    assert len(got.emotions) == 2
    for g, w in zip(got.emotions, want.emotions):
        assert (g.face_id, g.label) == (w.face_id, w.label)
        assert (g.roi.x_offset, g.roi.y_offset, g.roi.width, g.roi.height) == \
            (w.roi.x_offset, w.roi.y_offset, w.roi.width, w.roi.height)
        assert g.confidence == pytest.approx(w.confidence)
        assert list(g.probabilities) == pytest.approx(list(w.probabilities))
    assert got == want


@pytest.mark.ros
def test_label_constants_match_core() -> None:
    """The Emotion constants are exactly the FER2013 labels the core and models use."""
    from emotion_msgs.msg import Emotion

    from emotion_ros.core.model.labels import FER2013_LABELS
    constants = [Emotion.ANGRY, Emotion.DISGUST, Emotion.FEAR, Emotion.HAPPY, Emotion.SAD,
                 Emotion.SURPRISE, Emotion.NEUTRAL]
    assert tuple(constants) == FER2013_LABELS
