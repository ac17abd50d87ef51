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

"""REP-155 mappings without ROS: ids, regions, landmarks, expressions, crops."""

import random
import re

import cv2
from emotion_ros.core.faces import rep155
from emotion_ros.core.model.labels import FER2013_LABELS
import numpy as np
import pytest

# A topic name token starting with a letter (REP-155's face ids).
ID_PATTERN = re.compile(r'^[a-z][a-z0-9_]*$')


def test_ids_are_short_tokens_kept_per_track_and_never_reused() -> None:
    """An id per track, stable while it lives; a new track never gets an old id."""
    ids = rep155.FaceIds(random.Random(1))
    first = ids.id_for(1)
    assert ID_PATTERN.match(first) and len(first) == rep155.ID_LENGTH
    assert ids.id_for(1) == first
    second = ids.id_for(2)
    assert second != first
    assert ids.retain([2]) == [first]
    assert ids.active == {2: second}
    many = rep155.FaceIds(random.Random(0))
    assert len({many.id_for(track) for track in range(1000)}) == 1000


def test_two_instances_share_no_id() -> None:
    """Two cameras (or a restarted node) draw their ids independently."""
    a = {rep155.FaceIds().id_for(t) for t in range(200)}
    b = {rep155.FaceIds().id_for(t) for t in range(200)}
    assert not a & b


def test_roi_is_normalised_and_clipped() -> None:
    """Pixels divided by the image size; a box over the edge is clipped to [0, 1]."""
    assert rep155.normalised_roi((64, 36, 128, 72), 640, 360) == pytest.approx(
        (0.1, 0.1, 0.3, 0.3))
    assert rep155.normalised_roi((-10, 300, 100, 100), 640, 360) == pytest.approx(
        (0.0, 300 / 360, 90 / 640, 1.0))
    with pytest.raises(ValueError):
        rep155.normalised_roi((0, 0, 1, 1), 0, 10)


def test_landmarks_only_where_the_layout_means_the_same_point() -> None:
    """Eyes -> pupils 68/69, nose tip -> 30; mouth and ears place nothing."""
    keypoints = [(100, 50), (140, 50), (120, 70), (120, 90), (80, 60), (700, 60)]
    points = rep155.landmarks_70(keypoints, 640, 360, 0.9)
    assert len(points) == rep155.LANDMARK_COUNT
    assert points[68] == pytest.approx((100 / 640, 50 / 360, 0.9))
    assert points[69] == pytest.approx((140 / 640, 50 / 360, 0.9))
    assert points[30] == pytest.approx((120 / 640, 70 / 360, 0.9))
    placed = [i for i, p in enumerate(points) if p[2] > 0]
    assert placed == [30, 68, 69]
    assert rep155.landmarks_70([], 640, 360, 0.9) == [(0.0, 0.0, 0.0)] * 70
    outside = rep155.landmarks_70([(-5, 10), (650, 10), (float('nan'), 1)], 640, 360, 0.9)
    assert outside[68] == (0.0, 10 / 360, 0.0) and outside[69][2] == 0.0
    assert outside[30] == (0.0, 0.0, 0.0)


def test_expression_table_maps_every_class_to_a_listed_name() -> None:
    """FER2013 and FER+ (contempt) map to listed names; a card table overrides; gaps fail."""
    table = rep155.expression_table(FER2013_LABELS, {})
    assert table == {'angry': 'angry', 'disgust': 'disgusted', 'fear': 'scared',
                     'happy': 'happy', 'sad': 'sad', 'surprise': 'surprised',
                     'neutral': 'neutral'}
    ferplus = rep155.expression_table(('neutral', 'happiness', 'contempt'), {})
    assert ferplus['contempt'] == 'disgusted'
    assert set(ferplus.values()) <= set(rep155.REP155_EXPRESSIONS)
    custom = rep155.expression_table(
        ('contempt', 'bored'), {rep155.EXPRESSION_CARD_FIELD: {'contempt': 'annoyed',
                                                               'bored': 'bored'}})
    assert custom == {'contempt': 'annoyed', 'bored': 'bored'}
    with pytest.raises(ValueError, match='pride'):
        rep155.expression_table(('happy', 'pride'), {})
    with pytest.raises(ValueError, match='joy'):
        rep155.expression_table(('happy',), {rep155.EXPRESSION_CARD_FIELD: {'happy': 'joy'}})


def test_crop_is_128_square_aspect_kept_and_zero_padded() -> None:
    """A wide box fills the width; the rows above and below are black."""
    frame = np.full((360, 640, 3), 200, np.uint8)
    crop = rep155.letterbox_crop(frame, (100, 100, 200, 100))
    assert crop.shape == (128, 128, 3) and crop.dtype == np.uint8
    assert (crop[:30] == 0).all() and (crop[-30:] == 0).all()
    assert (crop[40:88] == 200).all()
    tall = rep155.letterbox_crop(frame, (0, 0, 50, 100))
    assert (tall[:, :30] == 0).all() and (tall[:, 40:88] == 200).all()
    # A box over the frame's edge is clipped, not padded with the outside.
    assert rep155.letterbox_crop(frame, (600, 300, 100, 100)).shape == (128, 128, 3)


def test_aligned_crop_levels_the_eyes() -> None:
    """A face drawn rolled by 20 degrees comes out with its eye marks on one row."""
    frame = np.zeros((300, 300, 3), np.uint8)
    centre, angle = np.array([150.0, 150.0]), np.radians(20.0)
    offsets = np.array([[-40.0, 0.0], [40.0, 0.0]])
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    eyes = centre + offsets @ rotation.T
    for x, y in eyes:
        cv2.circle(frame, (int(round(x)), int(round(y))), 6, (255, 255, 255), -1)
    box = (75, 75, 150, 150)
    aligned = rep155.aligned_crop(frame, box, [tuple(e) for e in eyes])
    assert aligned.shape == (128, 128, 3)
    grey = aligned[:, :, 0] > 128
    left, right = grey[:, :64], grey[:, 64:]
    rows = [np.nonzero(half.any(axis=1))[0].mean() for half in (left, right)]
    assert abs(rows[0] - rows[1]) < 2.0
    plain = rep155.letterbox_crop(frame, box)
    plain_rows = [np.nonzero((plain[:, :64, 0] > 128).any(axis=1))[0].mean(),
                  np.nonzero((plain[:, 64:, 0] > 128).any(axis=1))[0].mean()]
    assert abs(plain_rows[0] - plain_rows[1]) > 10.0
    # Without eyes, the aligned crop is the plain one.
    assert np.array_equal(rep155.aligned_crop(frame, box, []), plain)


def test_union_keeps_each_cameras_faces_until_that_camera_drops_them() -> None:
    """A list from one camera never removes another's face; a silent camera times out."""
    union = rep155.TrackedUnion(timeout=1.0)
    assert union.update('/cam1', ['abcde'], 0.0) == ['abcde']
    assert union.update('/cam2', ['fghij'], 0.1) == ['abcde', 'fghij']
    assert union.update('/cam2', [], 0.2) == ['abcde']
    assert union.update('/cam1', ['abcde', 'klmno'], 0.3) == ['abcde', 'klmno']
    assert not union.expire(1.0)
    assert union.expire(1.5) and union.ids() == []
    with pytest.raises(ValueError):
        rep155.TrackedUnion(0.0)


def _rotation(q) -> np.ndarray:
    x, y, z, w = q
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                     [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                     [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])


@pytest.mark.parametrize('angles', [(0, 0, 0), (30, -10, 5), (-60, 20, -15), (170, 0, 0)])
def test_quaternion_round_trip(angles) -> None:
    """The quaternion of a rotation gives the rotation back (also near 180 degrees)."""
    from emotion_ros.core.faces.head_pose import HeadPose, rotation_from_angles
    rotation = rotation_from_angles(HeadPose(*angles))
    q = rep155.quaternion(rotation)
    assert sum(c * c for c in q) == pytest.approx(1.0) and q[3] >= 0.0
    np.testing.assert_allclose(_rotation(q), rotation, atol=1e-9)


def test_face_frames_of_a_known_head() -> None:
    """A head 0.8 m ahead turned 20 degrees: its frames follow REP-155's axes."""
    from emotion_ros.core.faces.head_pose import default_camera_matrix, FACE_MODEL, fit_head
    from emotion_ros.core.faces.head_pose import HeadPose, rotation_from_angles
    width, height = 640, 480
    matrix = np.array([[500.0, 0, 320], [0, 500.0, 240], [0, 0, 1]])
    rotation = rotation_from_angles(HeadPose(20.0, 0.0, 0.0))
    translation = np.array([50.0, -20.0, 800.0])
    projected, _ = cv2.projectPoints(FACE_MODEL, cv2.Rodrigues(rotation)[0], translation,
                                     matrix, None)
    fit = fit_head(projected.reshape(-1, 2), width, height, matrix)
    assert fit.reprojection_error < 0.01
    origin, face_q, gaze_q = rep155.face_frames(fit)
    np.testing.assert_allclose(origin, translation / 1000.0, atol=1e-4)
    face, gaze = _rotation(face_q), _rotation(gaze_q)
    # Face x (out of the face) points back towards the camera, turned 20 degrees to the
    # person's left (the image's right: +x); face z points up (-y in the image).
    forward = face[:, 0]
    assert forward[2] < -0.9 and forward[0] > 0.3
    assert face[:, 2][1] < -0.99
    np.testing.assert_allclose(gaze[:, 2], forward, atol=1e-9)
    np.testing.assert_allclose(gaze[:, 1], -face[:, 2], atol=1e-9)
    # The default camera (focal = width) reads the same keypoints farther away.
    far = fit_head(projected.reshape(-1, 2), width, height, default_camera_matrix(width, height))
    assert far.translation[2] > 1000.0
