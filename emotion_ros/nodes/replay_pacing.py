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

"""The camera's side of pacing a file by its readers (the logic is core/frames/pacing.py)."""

from builtin_interfaces.msg import Time
from emotion_msgs.msg import EmotionArray
from emotion_ros.core.emotion.pairing import stamp_key
from emotion_ros.core.frames.pacing import Pace, Pacer
from rclpy.node import Node
from rclpy.qos import QoSProfile, ReliabilityPolicy

# Time without a new answer from the pipeline after which a file plays on at its own rate, s:
# a stalled tracker recovered within 2 s here at load averages up to 20.
PACE_TIMEOUT = 5.0
# The answers: best effort (a lost one is covered by the next), a few deep.
ANSWER_QOS = QoSProfile(depth=10, reliability=ReliabilityPolicy.BEST_EFFORT)


class ReplayPacing:
    """Hear ``emotions`` (relative, so it follows the pipeline's namespace) and pace a file."""

    def __init__(self, node: Node, ahead: int) -> None:
        """Subscribe to the answers; ``ahead``: frames the file may play beyond them."""
        self._node = node
        self.pacer = Pacer(ahead, PACE_TIMEOUT)
        self._warned = 0
        self._subscription = node.create_subscription(
            EmotionArray, 'emotions', lambda msg: self.pacer.on_answer(
                stamp_key(msg.header.stamp)), ANSWER_QOS)

    def decide(self) -> Pace:
        """Tell what the next tick does; a stall ended by the timeout is said once (WARN)."""
        pace = self.pacer.decide()
        if self.pacer.gave_up > self._warned:
            self._warned = self.pacer.gave_up
            topic = self._subscription.topic_name
            self._node.get_logger().warning(
                f'no answer on {topic} for {PACE_TIMEOUT:g} s ({self.pacer.unanswered} frames '
                "unanswered): playing on at the file's rate")
        return pace

    def sent(self, stamp: Time, repeat: bool = False) -> None:
        """Record a frame published with this stamp (``repeat``: the first one again)."""
        self.pacer.on_sent(stamp_key(stamp), repeat)

    def destroy(self) -> None:
        """Unsubscribe."""
        self._node.destroy_subscription(self._subscription)
