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

"""Another REP-155 detector's faces, without ROS: ids, crop checks, the face in a crop."""

from pathlib import Path

import cv2
from emotion_ros.core.emotion.face_emotions import FaceEmotionEstimator
from emotion_ros.core.emotion.smoothing import ProbabilitySmoother
from emotion_ros.core.faces.face_limits import TOO_MANY_FACES
from emotion_ros.core.faces.rep155 import letterbox, letterbox_crop
from emotion_ros.core.faces.rep155_input import BAD_FACE_ID, content_box, crop_problem
from emotion_ros.core.faces.rep155_input import CropWatch, id_problem, MAX_ID_LENGTH
from emotion_ros.core.faces.rep155_input import select_ids
from emotion_ros.core.model.classifier import EmotionClassifier
import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
MODEL = REPO_ROOT / 'assets' / 'models' / 'fer_mini_xception.tflite'
HAPPY = REPO_ROOT / 'assets' / 'media' / 'single_face.jpg'


@pytest.mark.parametrize('face_id', ['abcde', 'f1', 'Face_2', 'a' * MAX_ID_LENGTH])
def test_valid_ids(face_id: str) -> None:
    """Topic name tokens of REP-155's kind pass."""
    assert id_problem(face_id) is None


@pytest.mark.parametrize('face_id', ['', '1abc', '_ab', 'a/b', 'a b', 'a__b', 'é', 'a-b',
                                     'a' * (MAX_ID_LENGTH + 1), '~x', 'a{b}'])
def test_invalid_ids(face_id: str) -> None:
    """Anything that is not one topic name token is refused with its reason."""
    problem = id_problem(face_id)
    assert problem and 'face id' in problem
    assert len(problem) < 300, 'a long id is shortened in the message'


def test_select_ids_bounds_dedupes_and_reports() -> None:
    """Invalid ids are reported, duplicates kept once, at most max_faces examined."""
    kept, problems = select_ids(['ab', 'a/b', 'ab', 'cd'], 20)
    assert kept == ['ab', 'cd']
    assert [p.kind for p in problems] == [BAD_FACE_ID]
    many = [f'f{i}' for i in range(5000)]
    kept, problems = select_ids(many, 20)
    assert kept == many[:20]
    assert [p.kind for p in problems] == [TOO_MANY_FACES] and '5000' in problems[0].text


def test_crop_problem() -> None:
    """Only 128x128 is a REP-155 crop."""
    assert crop_problem(128, 128) is None
    assert '64x128' in crop_problem(64, 128)
    assert crop_problem(0, 0)


def test_content_box_finds_the_face_inside_the_padding() -> None:
    """A wide face fitted in the square: full width, the padded rows left out."""
    face = np.full((50, 100, 3), 90, np.uint8)
    crop = letterbox(face)
    x, y, w, h = content_box(crop)
    assert (x, w) == (0, 128) and h == pytest.approx(64, abs=1) and y == pytest.approx(32, 1)
    assert content_box(np.zeros((128, 128, 3), np.uint8)) == (0, 0, 128, 128)
    assert content_box(np.full((128, 128), 7, np.uint8)) == (0, 0, 128, 128)


def test_crop_watch_reports_each_silent_id_once() -> None:
    """An id without a crop within the timeout is reported once; a crop or leaving clears it."""
    watch = CropWatch(2.0)
    watch.appeared('a', 0.0)
    watch.appeared('b', 0.0)
    watch.appeared('c', 0.0)
    watch.crop('b')
    watch.gone('c')
    assert watch.overdue(1.0) == []
    assert watch.overdue(2.5) == ['a']
    assert watch.overdue(9.0) == []
    with pytest.raises(ValueError):
        CropWatch(0.0)


def test_a_happy_crop_is_happy_with_the_frame_pipeline() -> None:
    """The crop of a real smiling face, cut as hri_face_detect cuts it, classifies as happy."""
    from emotion_ros.core.config import DetectorConfig
    from emotion_ros.core.faces.detection import make_detector

    frame = cv2.imread(str(HAPPY))
    detections = make_detector(DetectorConfig(), MODEL.parent).detect(frame)
    d = max(detections, key=lambda d: d.w * d.h)
    crop = letterbox_crop(frame, (d.x, d.y, d.w, d.h))
    assert crop.shape == (128, 128, 3)
    classifier = EmotionClassifier.load(MODEL)
    estimator = FaceEmotionEstimator(classifier, ProbabilitySmoother(0.5))
    results, problems = estimator.estimate(crop, [('abc', content_box(crop))], 1.0,
                                           forget_absent=False)
    assert not problems and results[0].label == 'happy' and results[0].valence > 0.3
    # A second face's crop does not make the estimator forget the first one's smoothing.
    estimator.estimate(crop, [('xyz', content_box(crop))], 1.1, forget_absent=False)
    smoother = estimator._smoother
    assert smoother.peek('abc') is not None and smoother.peek('xyz') is not None
    estimator.forget_absent(['xyz'])
    assert smoother.peek('abc') is None
