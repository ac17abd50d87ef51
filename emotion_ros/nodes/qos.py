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

"""QoS profiles shared by the nodes."""

from rclpy.qos import HistoryPolicy, qos_profile_sensor_data, QoSProfile, ReliabilityPolicy

# Keep only the newest frame: under overload a subscriber drops stale images instead of
# queueing them, so latency cannot grow (sensor-data QoS otherwise keeps 5).
LATEST_IMAGE_QOS = QoSProfile(
    history=HistoryPolicy.KEEP_LAST, depth=1,
    reliability=qos_profile_sensor_data.reliability,
    durability=qos_profile_sensor_data.durability)

# Images the classifier must hold until the matching faces arrive: a few frames deep.
PAIRED_IMAGE_QOS = QoSProfile(
    history=HistoryPolicy.KEEP_LAST, depth=5,
    reliability=qos_profile_sensor_data.reliability,
    durability=qos_profile_sensor_data.durability)

# Results (faces, emotions): reliable, depth 10.
RESULT_QOS = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=10,
                        reliability=ReliabilityPolicy.RELIABLE)

# Emotion events: rare but each one matters (a behaviour may wait for it), so reliable and deep
# enough for a burst (every face lost at once).
EVENT_QOS = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=50,
                       reliability=ReliabilityPolicy.RELIABLE)


def publisher_qos(reliability: str, depth: int = 1) -> QoSProfile:
    """
    Build a publisher profile from a reliability string.

    A reliable publisher serves both reliable and best-effort subscribers.

    :param reliability: ``'reliable'`` or ``'best_effort'``.
    :param depth: history depth, messages.
    :returns: the profile.
    """
    policy = (ReliabilityPolicy.RELIABLE if reliability == 'reliable'
              else ReliabilityPolicy.BEST_EFFORT)
    return QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=depth, reliability=policy)


def replace_depth(profile: QoSProfile, depth: int) -> QoSProfile:
    """Return a copy of ``profile`` keeping the last ``depth`` messages."""
    return QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=depth,
                      reliability=profile.reliability, durability=profile.durability)
