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

"""Core results to messages, as the nodes publish them (no ROS graph needed)."""

import json
import math

import numpy as np
import pytest

pytestmark = pytest.mark.ros  # needs the built emotion_msgs


def test_track_to_face_clips_and_marks_coasting() -> None:
    """Boxes clipped to the image; a track the detector missed has confidence 0; gone ones drop."""
    from emotion_ros.core.faces.tracking import Track
    from emotion_ros.nodes.face_tracker_node import track_to_face

    inside = track_to_face(Track(4, 10.4, 20.6, 50.0, 60.0, 0.9, 5, 0), 640, 480)
    assert inside.id == 4 and inside.detection_confidence == pytest.approx(0.9)
    assert (inside.roi.x_offset, inside.roi.y_offset, inside.roi.width, inside.roi.height) == \
        (10, 21, 50, 60)
    edge = track_to_face(Track(5, 600.0, -10.0, 80.0, 50.0, 0.8, 5, 2, misses=2), 640, 480)
    assert (edge.roi.x_offset, edge.roi.y_offset, edge.roi.width, edge.roi.height) == \
        (600, 0, 40, 40)
    assert edge.detection_confidence == 0.0 and edge.frames_since_detection == 2
    # A frame the detector skipped (detection_interval): predicted, but not a miss.
    skipped = track_to_face(Track(7, 10.0, 20.0, 50.0, 60.0, 0.9, 5, 1, misses=0), 640, 480)
    assert skipped.detection_confidence == pytest.approx(0.9)
    assert skipped.frames_since_detection == 1
    assert track_to_face(Track(6, 700.0, 10.0, 50.0, 50.0, 0.8, 5, 1), 640, 480) is None


def test_emotion_message_fields() -> None:
    """A classified face becomes an Emotion with integer roi and every probability."""
    from emotion_ros.core.emotion.face_emotions import FaceEmotion
    from emotion_ros.nodes.emotion_classifier_node import to_emotion_msg

    probabilities = np.array([0.05, 0.0, 0.05, 0.7, 0.1, 0.0, 0.1], np.float32)
    msg = to_emotion_msg(FaceEmotion(3, (10.6, 20.2, 30.0, 40.0), 'happy', 0.7, probabilities,
                                     valence=0.52, arousal=0.38))
    assert (msg.face_id, msg.label) == (3, 'happy')
    assert msg.confidence == pytest.approx(0.7)
    assert (msg.valence, msg.arousal) == pytest.approx((0.52, 0.38))
    assert (msg.roi.x_offset, msg.roi.y_offset, msg.roi.width, msg.roi.height) == \
        (11, 20, 30, 40)
    assert list(msg.probabilities) == pytest.approx(probabilities.tolist())
    assert msg.reliable and msg.held_for == 0.0 and not msg.looking_at_camera
    held = to_emotion_msg(FaceEmotion(3, (0.0, 0.0, 9.0, 9.0), 'sad', 0.4, probabilities,
                                      reliable=False, held_for=1.5, looking_at_camera=True))
    assert not held.reliable and held.held_for == pytest.approx(1.5) and held.looking_at_camera


def test_echo_jsonl_carries_valence_and_arousal() -> None:
    """emotion_echo --jsonl prints valence and arousal per face; NaN (no table point) is null."""
    from emotion_msgs.msg import Emotion, EmotionArray
    from emotion_ros.tools.echo import to_json

    msg = EmotionArray(emotions=[Emotion(face_id=1, label='happy', valence=0.8123456,
                                         arousal=0.5),
                                 Emotion(face_id=2, label='calm', valence=math.nan,
                                         arousal=math.nan)])
    faces = json.loads(to_json(msg))['emotions']
    assert (faces[0]['valence'], faces[0]['arousal']) == (pytest.approx(0.8123), 0.5)
    assert faces[1]['valence'] is None and faces[1]['arousal'] is None


def test_track_keypoints_become_points_in_pixels() -> None:
    """Keypoints go into Face.keypoints as (x, y, 0) in order; none gives an empty list."""
    from emotion_ros.core.faces.tracking import Track
    from emotion_ros.nodes.face_tracker_node import track_to_face

    points = tuple((100.0 + i, 200.5 + i) for i in range(6))
    face = track_to_face(Track(1, 90.0, 190.0, 40.0, 40.0, 0.9, 3, 0, points), 640, 480)
    assert [(p.x, p.y, p.z) for p in face.keypoints] == [(x, y, 0.0) for x, y in points]
    bare = track_to_face(Track(2, 90.0, 190.0, 40.0, 40.0, 1.0, 3, 0), 640, 480)
    assert list(bare.keypoints) == []
    assert all(math.isnan(v) for v in (bare.yaw, bare.pitch, bare.roll)), 'no keypoints: NaN'


def test_face_keypoints_reach_the_estimator_as_pixel_pairs() -> None:
    """The classifier node passes id, roi and Face.keypoints as (x, y) pairs, in order."""
    from emotion_msgs.msg import Face
    from emotion_ros.nodes.emotion_classifier_node import to_face_input
    from geometry_msgs.msg import Point
    from sensor_msgs.msg import RegionOfInterest

    points = [(100.0 + i, 200.5 + i) for i in range(6)]
    face = Face(id=7, roi=RegionOfInterest(x_offset=90, y_offset=190, width=40, height=50),
                keypoints=[Point(x=x, y=y, z=0.0) for x, y in points])
    face.yaw, face.pitch, face.roll = -40.0, 5.0, 2.5
    assert to_face_input(face) == (7, (90, 190, 40, 50), points, (-40.0, 5.0, 2.5))
    assert to_face_input(Face(id=8))[2] == []


def test_core_events_become_event_messages_with_the_exact_stamp() -> None:
    """An event message carries the frame's stamp to the nanosecond, kind and labels as given."""
    from emotion_msgs.msg import EmotionEvent as EmotionEventMsg
    from emotion_ros.core.emotion import events
    from emotion_ros.nodes.emotion_events import to_event_msg
    from emotion_ros.tools.echo import event_to_json, format_event

    assert (events.APPEARED, events.CHANGED, events.LOST) == (
        EmotionEventMsg.APPEARED, EmotionEventMsg.CHANGED, EmotionEventMsg.LOST)
    event = events.EmotionEvent(events.CHANGED, 3, 1_700_000_000_123_456_789, 'neutral',
                                'happy', 0.87, 1.25, True)
    msg = to_event_msg(event, 'camera')
    assert (msg.header.stamp.sec, msg.header.stamp.nanosec) == (1_700_000_000, 123_456_789)
    assert msg.header.frame_id == 'camera'
    assert (msg.event, msg.face_id, msg.previous_label, msg.label) == (
        EmotionEventMsg.CHANGED, 3, 'neutral', 'happy')
    assert msg.confidence == pytest.approx(0.87) and msg.previous_duration == 1.25
    assert msg.reliable
    assert format_event(msg) == \
        '1700000000.123456789 id=3 changed neutral->happy 0.87 (neutral 1.25 s)'
    assert '"event": "changed"' in event_to_json(msg, '/cam1')
    lost = to_event_msg(events.EmotionEvent(events.LOST, 3, 5, 'happy', '', 0.0, 2.0, False),
                        'camera')
    assert format_event(lost, '/cam1') == '/cam1 0.000000005 id=3 lost happy (2.00 s) not frontal'


def test_camera_info_is_built_once_per_size_and_restamped() -> None:
    """The camera reuses its CameraInfo while the size holds; a new size gets a new one."""
    from emotion_ros.nodes.camera_node import camera_info_for
    from std_msgs.msg import Header

    first = camera_info_for(None, None, Header(frame_id='cam'), 640, 480)
    assert (first.width, first.height, first.k[0], first.p[0]) == (640, 480, 0.0, 0.0)
    header = Header(frame_id='cam')
    header.stamp.sec = 7
    again = camera_info_for(first, None, header, 640, 480)
    assert again is first and again.header.stamp.sec == 7
    resized = camera_info_for(again, None, header, 320, 240)
    assert resized is not first and (resized.width, resized.height) == (320, 240)
    assert resized.header.stamp.sec == 7
