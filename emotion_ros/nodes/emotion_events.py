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

"""The classifier's emotion_events output: the core event detector, its publisher and timer."""

from collections.abc import Sequence
import time

from emotion_msgs.msg import EmotionEvent as EmotionEventMsg
from emotion_ros.core.config import EmotionConfig
from emotion_ros.core.emotion.events import EmotionEvent, EmotionEventDetector, NANOSECONDS
from emotion_ros.core.emotion.face_emotions import FaceEmotion
from emotion_ros.nodes.qos import EVENT_QOS
from rclpy.lifecycle import LifecycleNode
from std_msgs.msg import Header

# How often the node checks whether frames stopped (for LOST after event_lost_timeout), s.
EXPIRE_CHECK_PERIOD = 0.25


def to_event_msg(event: EmotionEvent, frame_id: str) -> EmotionEventMsg:
    """
    Return the emotion_msgs/EmotionEvent of a core event.

    :param event: the event; its stamp (integer nanoseconds) becomes the header stamp exactly.
    :param frame_id: the frame_id of the image it happened in.
    :returns: the message.
    """
    header = Header(frame_id=frame_id)
    header.stamp.sec, header.stamp.nanosec = divmod(event.stamp_ns, NANOSECONDS)
    return EmotionEventMsg(header=header, event=event.kind,
                           face_id=event.face_id, previous_label=event.previous_label,
                           label=event.label, confidence=event.confidence,
                           previous_duration=event.previous_duration, reliable=event.reliable)


class EmotionEventOutput:
    """Publish appeared / changed / lost events of the classified faces on emotion_events."""

    def __init__(self, node: LifecycleNode, config: EmotionConfig) -> None:
        """
        Create the publisher and the timer that loses faces once frames stop.

        :param node: the classifier node (a lifecycle node: events go out only while active).
        :param config: its settings (event_hysteresis, event_lost_timeout).
        """
        self._node = node
        self._publisher = node.create_lifecycle_publisher(EmotionEventMsg, 'emotion_events',
                                                          EVENT_QOS)
        self._detector = EmotionEventDetector(config.event_hysteresis, config.event_lost_timeout)
        self._frame_id = ''
        self._timer = node.create_timer(EXPIRE_CHECK_PERIOD, self._expire)

    def destroy(self) -> None:
        """Destroy the publisher and the timer (the node is being cleaned up)."""
        self._node.destroy_timer(self._timer)
        self._node.destroy_lifecycle_publisher(self._publisher)

    def frame(self, header: Header, results: Sequence[FaceEmotion]) -> None:
        """
        Take in one classified frame; publish what happened in it.

        :param header: the image's header.
        :param results: the frame's per-face results.
        """
        self._frame_id = header.frame_id
        stamp_ns = header.stamp.sec * NANOSECONDS + header.stamp.nanosec
        self._publish(self._detector.update(stamp_ns, results, time.monotonic()))

    def _expire(self) -> None:
        self._publish(self._detector.expire(time.monotonic()))

    def _publish(self, events: Sequence[EmotionEvent]) -> None:
        for event in events:
            self._publisher.publish(to_event_msg(event, self._frame_id))
