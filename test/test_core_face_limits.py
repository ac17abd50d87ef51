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

"""One frame's cost is bounded: impossible faces refused, at most max_faces classified."""

from pathlib import Path
import random

import cv2
from emotion_ros.core.config import FaceLimitConfig
from emotion_ros.core.emotion.face_emotions import FaceEmotionEstimator
from emotion_ros.core.emotion.smoothing import ProbabilitySmoother
from emotion_ros.core.faces import face_limits
from emotion_ros.core.faces.detection import Detection, make_detector
from emotion_ros.core.faces.face_limits import box_problem, keypoint_problem, largest_first
from emotion_ros.core.faces.face_limits import strongest
from emotion_ros.core.faces.tracking import SortTracker
from emotion_ros.core.model.classifier import EmotionClassifier
import numpy as np
import pytest

ASSETS = Path(__file__).resolve().parent.parent / 'assets'
MODEL = ASSETS / 'models' / 'fer_mini_xception.tflite'
HOSTILE_FACES = 3000  # boxes in a foreign FaceArray that once stalled the classifier
NAN = float('nan')
INF = float('inf')


class CountingClassifier:
    """The real classifier, with a record of how many crops each call classified."""

    def __init__(self, classifier: EmotionClassifier) -> None:
        self._classifier = classifier
        self.batches: list[int] = []

    def __getattr__(self, name: str):
        return getattr(self._classifier, name)

    def predict(self, batch: np.ndarray) -> np.ndarray:
        self.batches.append(len(batch))
        return self._classifier.predict(batch)


@pytest.fixture(scope='module')
def classifier() -> EmotionClassifier:
    """Load the bundled model once."""
    return EmotionClassifier.load(MODEL)


@pytest.fixture(scope='module')
def photo() -> tuple[np.ndarray, tuple[float, float, float, float], list]:
    """Return the one-face still, its BlazeFace box and keypoints."""
    image = cv2.imread(str(ASSETS / 'media' / 'single_face.jpg'))
    (face,) = make_detector().detect(image)
    return image, (face.x, face.y, face.w, face.h), list(face.keypoints)


def _random_boxes(count: int, width: int, height: int, seed: int = 14) -> list:
    rng = random.Random(seed)
    boxes = []
    for _ in range(count):
        size = rng.randint(10, min(width, height) // 2)
        boxes.append((rng.randint(0, width - size), rng.randint(0, height - size), size, size))
    return boxes


@pytest.mark.parametrize('box, kind', [
    ((NAN, 10, 50, 50), face_limits.NON_FINITE_BOX),
    ((10, 10, INF, 50), face_limits.NON_FINITE_BOX),
    ((10, 10, 0, 50), face_limits.EMPTY_BOX),
    ((10, 10, 50, -5), face_limits.EMPTY_BOX),
    ((640, 10, 50, 50), face_limits.BOX_OUTSIDE),
    ((10, 480, 50, 50), face_limits.BOX_OUTSIDE),
    ((-50, 10, 50, 50), face_limits.BOX_OUTSIDE),
    ((10, -60, 50, 50), face_limits.BOX_OUTSIDE),
    (('a', 10, 50, 50), face_limits.NON_FINITE_BOX),
])
def test_impossible_boxes_are_named(box, kind) -> None:
    """Each impossible box gets its own kind, and a reason that quotes it."""
    problem = box_problem(box, 640, 480)
    assert problem is not None and problem[0] == kind


def test_boxes_that_touch_the_image_are_kept() -> None:
    """A box partly outside still has pixels to crop; it is not refused."""
    assert box_problem((-20, -20, 50, 50), 640, 480) is None
    assert box_problem((600, 450, 100, 100), 640, 480) is None
    assert box_problem((0.5, 0.5, 1, 1), 640, 480) is None


@pytest.mark.parametrize('points, kind', [
    ([(1.0, 2.0)] * 7, face_limits.TOO_MANY_KEYPOINTS),
    ([(1.0, 2.0), (NAN, 3.0)], face_limits.NON_FINITE_KEYPOINT),
    ([(1.0, -INF)], face_limits.NON_FINITE_KEYPOINT),
    ([(1.0, 2.0, 3.0)], face_limits.NON_FINITE_KEYPOINT),
    ([None], face_limits.NON_FINITE_KEYPOINT),
])
def test_impossible_keypoints_are_named(points, kind) -> None:
    """More points than BlazeFace's six, or a point that is not two finite numbers."""
    problem = keypoint_problem(points)
    assert problem is not None and problem[0] == kind


def test_real_keypoints_pass(photo) -> None:
    """Real points pass: BlazeFace's six (an ear may lie off the image) and no points are fine."""
    assert face_limits.MAX_KEYPOINTS == 6
    assert keypoint_problem(photo[2]) is None and len(photo[2]) == 6
    assert keypoint_problem([(-3.0, 5000.0)] * 6) is None
    assert keypoint_problem([]) is None


def test_largest_first_keeps_the_biggest_in_input_order() -> None:
    """The classifier's choice: the largest boxes, reported in input order; ties: earlier."""
    boxes = [(0, 0, 10, 10), (0, 0, 30, 30), (0, 0, 20, 20), (0, 0, 30, 30), (0, 0, 5, 5)]
    assert largest_first(boxes, 2) == [1, 3]
    assert largest_first(boxes, 3) == [1, 2, 3]
    assert largest_first(boxes, 10) == [0, 1, 2, 3, 4]
    assert largest_first([(0, 0, 10, 10)] * 4, 2) == [0, 1]


def test_strongest_keeps_the_most_confident_in_input_order() -> None:
    """The tracker's choice: the highest scores, in input order; ties: earlier."""
    assert strongest([0.7, 0.9, 0.6, 0.95, 0.9], 3) == [1, 3, 4]
    assert strongest([0.5, 0.5, 0.5], 2) == [0, 1]
    assert strongest([0.5], 20) == [0]


def test_max_faces_range_has_one_home(classifier) -> None:
    """0 faces per frame is refused by the config, the estimator and the tracker alike."""
    assert FaceLimitConfig().max_faces == 20
    with pytest.raises(ValueError, match='max_faces'):
        FaceLimitConfig(max_faces=0)
    with pytest.raises(ValueError, match='max_faces'):
        FaceEmotionEstimator(classifier, ProbabilitySmoother(0.0), max_faces=0)
    with pytest.raises(ValueError, match='max_faces'):
        SortTracker(max_faces=0)


def test_3000_boxes_cost_max_faces_crops(classifier, photo) -> None:
    """A foreign FaceArray of 3,000 boxes: exactly max_faces faces go through the model."""
    image, _, _ = photo
    height, width = image.shape[:2]
    boxes = _random_boxes(HOSTILE_FACES, width, height)
    counting = CountingClassifier(classifier)
    estimator = FaceEmotionEstimator(counting, ProbabilitySmoother(0.0), max_faces=20)
    results, problems = estimator.estimate(image, list(enumerate(boxes, start=1)))
    assert len(results) == 20
    assert counting.batches == [20 * estimator.views_per_face]
    # The 20 largest boxes, in input order.
    areas = sorted((w * h for _, _, w, h in boxes), reverse=True)
    assert sorted(r.box[2] * r.box[3] for r in results) == sorted(areas[:20])
    ids = [r.face_id for r in results]
    assert ids == sorted(ids)
    assert [p.kind for p in problems] == [face_limits.TOO_MANY_FACES]
    assert f'{HOSTILE_FACES} faces in one frame' in problems[0].text
    # A smaller limit costs less: the bound is the setting, not the input.
    small = CountingClassifier(classifier)
    FaceEmotionEstimator(small, ProbabilitySmoother(0.0), max_faces=3).estimate(
        image, list(enumerate(boxes, start=1)))
    assert small.batches == [3 * estimator.views_per_face]


def test_impossible_faces_take_no_slot(classifier, photo) -> None:
    """Refused faces are reported by kind and the real face is still classified."""
    image, box, points = photo
    counting = CountingClassifier(classifier)
    estimator = FaceEmotionEstimator(counting, ProbabilitySmoother(0.0), max_faces=1)
    huge_outside = (5000.0, 5000.0, 4000.0, 4000.0)  # larger than the real face
    faces = [
        (1, huge_outside, points),
        (2, (10.0, 10.0, 0.0, 40.0), points),
        (3, (NAN, 10.0, 40.0, 40.0), points),
        (4, box, points + [(1.0, 1.0)]),
        (5, box, [(NAN, 1.0)] + points[1:]),
        (6, box, points),
    ]
    results, problems = estimator.estimate(image, faces)
    assert [r.face_id for r in results] == [6]
    assert counting.batches == [estimator.views_per_face]
    assert [(p.kind, p.text.split(':')[0]) for p in problems] == [
        (face_limits.BOX_OUTSIDE, 'face 1 skipped'),
        (face_limits.EMPTY_BOX, 'face 2 skipped'),
        (face_limits.NON_FINITE_BOX, 'face 3 skipped'),
        (face_limits.TOO_MANY_KEYPOINTS, 'face 4 skipped'),
        (face_limits.NON_FINITE_KEYPOINT, 'face 5 skipped'),
    ]
    assert all(p.kind in face_limits.PROBLEM_KINDS for p in problems)


def test_tracker_uses_the_most_confident_detections() -> None:
    """3,000 detections in one frame start at most max_faces tracks, the most confident."""
    rng = random.Random(3)
    boxes = _random_boxes(HOSTILE_FACES, 640, 480)
    detections = [Detection(x, y, w, h, rng.uniform(0.5, 0.9)) for x, y, w, h in boxes]
    best = sorted(range(HOSTILE_FACES), key=lambda i: -detections[i].score)[:4]
    for i in best:
        detections[i] = Detection(*boxes[i], score=0.99)
    tracker = SortTracker(min_hits=1, max_faces=4)
    tracks = tracker.update(detections)
    assert len(tracks) == 4
    assert sorted(t.score for t in tracks) == [0.99] * 4
    # Non-finite detections take no slot.
    tracker = SortTracker(min_hits=1, max_faces=1)
    tracks = tracker.update([Detection(NAN, 0, 10, 10, 1.0), Detection(5, 5, 20, 20, 0.6)])
    assert [t.score for t in tracks] == [0.6]
