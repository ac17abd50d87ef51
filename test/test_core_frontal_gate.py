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

"""The frontal gate: a turned head keeps its track's last trusted estimate (real faces, model)."""

import math
from pathlib import Path

import cv2
from emotion_ros.core.config import EmotionConfig
from emotion_ros.core.emotion.face_emotions import FaceEmotionEstimator, to_annotations
from emotion_ros.core.emotion.smoothing import ProbabilitySmoother
from emotion_ros.core.emotion.trust import as_pose, GATE_OFF_DEG, is_frontal, looks_at_camera
from emotion_ros.core.faces.detection import make_detector
from emotion_ros.core.faces.head_pose import estimate_head_pose, HeadPose, UNKNOWN_POSE
from emotion_ros.core.model.classifier import EmotionClassifier
import numpy as np
import pytest

ASSETS = Path(__file__).resolve().parent.parent / 'assets'
MODEL = ASSETS / 'models' / 'fer_mini_xception.tflite'
FRONTAL = 'single_face.jpg'
TURNED = '45-m7-di-ph.jpg'


def test_gate_and_attention_on_angles() -> None:
    assert is_frontal(HeadPose(24.0, 50.0, 80.0), 25.0)
    assert not is_frontal(HeadPose(-26.0, 0.0, 0.0), 25.0)
    assert is_frontal(HeadPose(-90.0, 0.0, 0.0), GATE_OFF_DEG), '180 turns the gate off'
    assert is_frontal(UNKNOWN_POSE, 25.0), 'no pose (Haar, frontal only): trusted'
    assert looks_at_camera(HeadPose(10.0, -20.0, 45.0), 15.0, 25.0)
    assert not looks_at_camera(HeadPose(16.0, 0.0, 0.0), 15.0, 25.0)
    assert not looks_at_camera(HeadPose(0.0, 26.0, 0.0), 15.0, 25.0)
    assert not looks_at_camera(UNKNOWN_POSE, 15.0, 25.0), 'unknown: not looking'
    assert as_pose((1, 2, 3)) == HeadPose(1.0, 2.0, 3.0)
    assert not as_pose(None).known and not as_pose('ab').known


@pytest.fixture(scope='module')
def classifier() -> EmotionClassifier:
    if not MODEL.exists():
        pytest.skip('run scripts/fetch_assets.py to fetch the model and the stills')
    return EmotionClassifier.load(MODEL)


@pytest.fixture(scope='module')
def faces() -> dict:
    """Return image, box, keypoints and measured pose of the frontal and the turned face."""
    detector = make_detector()
    out = {}
    for name in (FRONTAL, TURNED):
        image = cv2.imread(str(ASSETS / 'media' / name))
        face = max(detector.detect(image), key=lambda d: d.w * d.h)
        pose = estimate_head_pose(face.keypoints, image.shape[1], image.shape[0])
        out[name] = (image, (face.x, face.y, face.w, face.h), face.keypoints, pose)
    assert abs(out[FRONTAL][3].yaw) < 10.0 and out[TURNED][3].yaw < -25.0
    return out


def _face(faces: dict, name: str, face_id: int = 1):
    image, box, keypoints, pose = faces[name]
    return image, [(face_id, box, keypoints, tuple(pose))]


def _views(classifier, face) -> np.ndarray:
    from emotion_ros.core.emotion.preprocessing import face_views

    image, box, _, _ = face
    return face_views(image, box, EmotionConfig.crop_margins, EmotionConfig.mirror,
                      classifier.input_spec, None)


def _raw(classifier, face) -> np.ndarray:
    return classifier.predict(_views(classifier, face)).mean(axis=0)


def test_a_turned_head_keeps_the_last_trusted_estimate(classifier, faces) -> None:
    estimator = FaceEmotionEstimator(classifier, ProbabilitySmoother(0.5))
    smoother = ProbabilitySmoother(0.5)
    for stamp in (10.0, 10.1):
        [result], _ = estimator.estimate(*_face(faces, FRONTAL), stamp=stamp)
        assert result.reliable and result.held_for == 0.0 and result.looking_at_camera
        expected = smoother.update(1, _raw(classifier, faces[FRONTAL]))
        np.testing.assert_allclose(result.probabilities, expected, atol=1e-5)
    trusted = result
    for stamp in (10.2, 10.6):
        [held], _ = estimator.estimate(*_face(faces, TURNED), stamp=stamp)
        assert not held.reliable and not held.looking_at_camera
        assert held.held_for == pytest.approx(stamp - 10.1)
        np.testing.assert_array_equal(held.probabilities, trusted.probabilities)
        assert held.label == trusted.label
        assert held.pose.yaw < -25.0
    [back], _ = estimator.estimate(*_face(faces, FRONTAL), stamp=10.7)
    assert back.reliable and back.held_for == 0.0
    # Smoothing resumes from the held state, not from the turned frames.
    expected = smoother.update(1, _raw(classifier, faces[FRONTAL]))
    np.testing.assert_allclose(back.probabilities, expected, atol=1e-5)
    assert [a.held for a in to_annotations([trusted, held, back])] == [False, True, False]


def test_a_track_never_trusted_reports_its_own_frame(classifier, faces) -> None:
    """The 45-degree still alone: unreliable, held_for NaN, the frame's own probabilities."""
    estimator = FaceEmotionEstimator(classifier, ProbabilitySmoother(0.5))
    [result], _ = estimator.estimate(*_face(faces, TURNED), stamp=1.0)
    assert not result.reliable and math.isnan(result.held_for)
    np.testing.assert_allclose(result.probabilities, _raw(classifier, faces[TURNED]),
                               atol=1e-5)
    # Nothing entered the smoothing: a frontal frame next starts the track afresh.
    [frontal], _ = estimator.estimate(*_face(faces, FRONTAL), stamp=1.1)
    np.testing.assert_allclose(frontal.probabilities, _raw(classifier, faces[FRONTAL]),
                               atol=1e-5)


def test_a_track_that_left_is_not_held_when_it_comes_back(classifier, faces) -> None:
    estimator = FaceEmotionEstimator(classifier, ProbabilitySmoother(0.5))
    estimator.estimate(*_face(faces, FRONTAL), stamp=1.0)
    estimator.forget_absent([])
    [result], _ = estimator.estimate(*_face(faces, TURNED), stamp=2.0)
    assert not result.reliable and math.isnan(result.held_for)


def test_without_a_pose_or_with_the_gate_off_every_face_is_trusted(classifier, faces) -> None:
    image, box, keypoints, _ = faces[TURNED]
    estimator = FaceEmotionEstimator(classifier, ProbabilitySmoother(0.0))
    for face in ((1, box), (2, box, keypoints), (3, box, keypoints, (math.nan,) * 3)):
        [result], _ = estimator.estimate(image, [face])
        assert result.reliable and not result.looking_at_camera, face
    ungated = FaceEmotionEstimator.from_config(
        classifier, EmotionConfig(smoothing=0.0, max_yaw_deg=GATE_OFF_DEG))
    [result], _ = ungated.estimate(*_face(faces, TURNED))
    assert result.reliable


def test_the_gate_follows_max_yaw_deg(classifier, faces) -> None:
    yaw = abs(faces[TURNED][3].yaw)
    for limit, reliable in ((yaw - 1.0, False), (yaw + 1.0, True)):
        estimator = FaceEmotionEstimator.from_config(classifier,
                                                     EmotionConfig(max_yaw_deg=limit))
        [result], _ = estimator.estimate(*_face(faces, TURNED))
        assert result.reliable is reliable, limit


def _scaled(faces: dict, scale: float):
    """Return the frontal still scaled by ``scale``, with its face box and pose scaled too."""
    image, box, keypoints, pose = faces[FRONTAL]
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    points = [(x * scale, y * scale) for x, y in keypoints]
    return small, [(1, tuple(v * scale for v in box), points, tuple(pose))]


def test_a_face_below_min_face_height_is_held_like_a_turned_head(classifier, faces) -> None:
    """Large: trusted; then small: its last trusted estimate; small from the start: none."""
    image, box, _, _ = faces[FRONTAL]
    limit = box[3] * 0.5  # the frontal still's face, halved, falls below it
    config = EmotionConfig(min_face_height=int(limit))
    estimator = FaceEmotionEstimator.from_config(classifier, config)
    large, = estimator.estimate(*_scaled(faces, 1.0), stamp=0.0)[0]
    small, = estimator.estimate(*_scaled(faces, 0.4), stamp=0.5)[0]
    assert large.reliable and not small.reliable
    assert small.held_for == pytest.approx(0.5)
    np.testing.assert_allclose(small.probabilities, large.probabilities)
    assert to_annotations([small])[0].held, 'the annotated image shows it as held'
    fresh = FaceEmotionEstimator.from_config(classifier, config)
    never, = fresh.estimate(*_scaled(faces, 0.4), stamp=0.0)[0]
    assert not never.reliable and math.isnan(never.held_for)
    off = FaceEmotionEstimator.from_config(classifier, EmotionConfig(min_face_height=0))
    assert off.estimate(*_scaled(faces, 0.4), stamp=0.0)[0][0].reliable
