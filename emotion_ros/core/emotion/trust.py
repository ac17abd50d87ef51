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
When an emotion estimate can be trusted, and whether a face faces the camera, from head pose.

FER2013-trained models saw frontal faces only: on a head turned by 45 degrees the bundled model
is confidently wrong (``45-m7-di-ph.jpg``, disgust, reads sad). :func:`is_frontal` is the gate
the estimator applies before a frame's probabilities may enter a track's smoothing
(:mod:`emotion_ros.core.emotion.face_emotions`); :func:`looks_at_camera` is a cheap attention cue.
Both read the head pose of :mod:`emotion_ros.core.faces.head_pose` (degrees, against the line of
sight). Both are head orientation, not gaze: the eyes may look elsewhere.
"""

import math
from typing import Optional, Sequence

from emotion_ros.core.faces.head_pose import HeadPose, UNKNOWN_POSE

# A max_yaw_deg of this many degrees or more never holds an estimate.
GATE_OFF_DEG = 180.0


def as_pose(value: Optional[Sequence[float]]) -> HeadPose:
    """
    Return a :class:`HeadPose` from ``(yaw, pitch, roll)`` degrees, or the unknown pose.

    :param value: three numbers (NaN allowed), a HeadPose, or None.
    :returns: the pose; :data:`UNKNOWN_POSE` for None or anything that is not three numbers.
    """
    if value is None:
        return UNKNOWN_POSE
    try:
        yaw, pitch, roll = (float(v) for v in value)
    except (TypeError, ValueError):
        return UNKNOWN_POSE
    return HeadPose(yaw, pitch, roll)


def is_frontal(pose: HeadPose, max_yaw_deg: float) -> bool:
    """
    Say whether a face is frontal enough for its emotion estimate to be trusted.

    :param pose: the head pose, degrees; an unknown yaw (a detector without keypoints, such
        as Haar, which finds frontal faces only) counts as frontal.
    :param max_yaw_deg: largest trusted ``|yaw|``, degrees; :data:`GATE_OFF_DEG` or more: always.
    :returns: True when ``|yaw| <= max_yaw_deg`` or the yaw is unknown.
    """
    if max_yaw_deg >= GATE_OFF_DEG or not math.isfinite(pose.yaw):
        return True
    return abs(pose.yaw) <= max_yaw_deg


def looks_at_camera(pose: HeadPose, max_yaw_deg: float, max_pitch_deg: float) -> bool:
    """
    Say whether the head faces the camera (head orientation, not gaze).

    :param pose: the head pose, degrees.
    :param max_yaw_deg: largest ``|yaw|`` that still faces the camera, degrees.
    :param max_pitch_deg: largest ``|pitch|``, degrees.
    :returns: True when both angles are known and within their limits; False when unknown.
    """
    if not (math.isfinite(pose.yaw) and math.isfinite(pose.pitch)):
        return False
    return abs(pose.yaw) <= max_yaw_deg and abs(pose.pitch) <= max_pitch_deg
