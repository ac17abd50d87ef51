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

"""Test peer: publish one fully populated EmotionArray as soon as a subscriber matches."""

import sys

from emotion_msgs.msg import Emotion, EmotionArray
import rclpy
from rclpy.node import Node
from sensor_msgs.msg import RegionOfInterest

# How long to wait for the test's subscriber to match, then to leave (s).
MATCH_TIMEOUT = 60.0
LINGER_TIMEOUT = 20.0


def sample_message() -> EmotionArray:
    """Return the message the test expects, every field set to a non-default value."""
    message = EmotionArray()
    message.header.stamp.sec = 1700000000
    message.header.stamp.nanosec = 123456789
    message.header.frame_id = 'camera_optical_frame'
    message.classes = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral']
    message.model_name = 'fer2013_mini_xception'
    for face_id, label in ((3, Emotion.HAPPY), (7, Emotion.SURPRISE)):
        emotion = Emotion()
        emotion.face_id = face_id
        emotion.roi = RegionOfInterest(x_offset=10 * face_id, y_offset=20, height=64, width=48,
                                       do_rectify=False)
        emotion.label = label
        emotion.probabilities = [0.0, 0.0, 0.0, 0.75, 0.0, 0.25, 0.0]
        emotion.confidence = max(emotion.probabilities)
        message.emotions.append(emotion)
    return message


def main() -> int:
    """Publish once after the match; exit 0 when the subscriber leaves, 1 on time-out."""
    rclpy.init()
    node = Node('emotion_array_publisher')
    publisher = node.create_publisher(EmotionArray, 'emotions', 10)
    try:
        if not _wait(node, lambda: publisher.get_subscription_count() > 0, MATCH_TIMEOUT):
            print('no subscriber matched', file=sys.stderr)
            return 1
        publisher.publish(sample_message())
        _wait(node, lambda: publisher.get_subscription_count() == 0, LINGER_TIMEOUT)
        return 0
    finally:
        node.destroy_node()
        rclpy.try_shutdown()


def _wait(node: Node, predicate, timeout: float) -> bool:
    clock = node.get_clock()
    start = clock.now()
    while (clock.now() - start).nanoseconds < timeout * 1e9:
        if predicate():
            return True
        rclpy.spin_once(node, timeout_sec=0.05)
    return False


if __name__ == '__main__':
    sys.exit(main())
