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

"""The shared classification stage on real faces with the real default model."""

from pathlib import Path

import cv2
from emotion_ros.core.config import EmotionConfig
from emotion_ros.core.emotion.alignment import roll_degrees
from emotion_ros.core.emotion.face_emotions import FaceEmotionEstimator, to_annotations
from emotion_ros.core.emotion.preprocessing import crop_face, face_views, preprocess_faces
from emotion_ros.core.emotion.smoothing import ProbabilitySmoother
from emotion_ros.core.faces.detection import make_detector
from emotion_ros.core.model.classifier import EmotionClassifier
from emotion_ros.core.model.labels import FER2013_LABELS
import numpy as np
import pytest

ASSETS = Path(__file__).resolve().parent.parent / 'assets'
MODEL = ASSETS / 'models' / 'fer_mini_xception.tflite'


@pytest.fixture(scope='module')
def classifier() -> EmotionClassifier:
    """Load the bundled model once."""
    return EmotionClassifier.load(MODEL)


@pytest.fixture(scope='module')
def group() -> tuple[np.ndarray, list]:
    """Return the five-face photo and the default detector's boxes."""
    image = cv2.imread(str(ASSETS / 'media' / 'multi_face.jpg'))
    boxes = [(d.x, d.y, d.w, d.h) for d in make_detector().detect(image)]
    assert len(boxes) == 5
    return image, boxes


def test_every_face_classified_in_order(classifier, group) -> None:
    """Five faces in, five results out, ids and boxes kept, probabilities valid."""
    image, boxes = group
    estimator = FaceEmotionEstimator(classifier, ProbabilitySmoother(0.0))
    faces = list(zip(range(10, 15), boxes))
    results, problems = estimator.estimate(image, faces)
    assert not problems
    assert [r.face_id for r in results] == [10, 11, 12, 13, 14]
    assert [r.box for r in results] == [tuple(map(float, b)) for b in boxes]
    for result in results:
        assert result.probabilities.shape == (7,)
        assert result.probabilities.sum() == pytest.approx(1.0, abs=1e-3)
        assert result.label == FER2013_LABELS[int(result.probabilities.argmax())]
        assert result.confidence == pytest.approx(result.probabilities.max())
    # The same faces one at a time give the same answers as the batch.
    single = [estimator.estimate(image, [face])[0][0].label for face in faces]
    assert single == [r.label for r in results]
    assert [a.face_id for a in to_annotations(results)] == [10, 11, 12, 13, 14]


def test_box_outside_is_reported_not_fatal(classifier, group) -> None:
    """A box off the image is skipped with a message naming the face; the rest is answered."""
    image, boxes = group
    estimator = FaceEmotionEstimator(classifier, ProbabilitySmoother(0.0))
    results, problems = estimator.estimate(image, [(1, (9000, 9000, 50, 50)), (2, boxes[0])])
    assert [r.face_id for r in results] == [2]
    assert len(problems) == 1 and problems[0].text.startswith('face 1 skipped')


def test_smoothing_follows_tracks_and_forgets_them(classifier, group) -> None:
    """With smoothing, a track's probabilities move gradually; a vanished track is forgotten."""
    image, boxes = group
    smoother = ProbabilitySmoother(0.5)
    estimator = FaceEmotionEstimator(classifier, smoother)
    first = estimator.estimate(image, [(1, boxes[0])])[0][0].probabilities
    # The same track id now sees a different face: the output is halfway between the two.
    raw_other = FaceEmotionEstimator(classifier, ProbabilitySmoother(0.0)).estimate(
        image, [(1, boxes[1])])[0][0].probabilities
    mixed = estimator.estimate(image, [(1, boxes[1])])[0][0].probabilities
    np.testing.assert_allclose(mixed, 0.5 * first + 0.5 * raw_other, atol=1e-5)
    estimator.estimate(image, [(2, boxes[2])])
    assert smoother.track_ids == frozenset({2})
    estimator.forget_absent([])
    assert not smoother.track_ids


def test_no_faces_no_work(classifier) -> None:
    """An empty frame returns nothing and no problems."""
    estimator = FaceEmotionEstimator(classifier, ProbabilitySmoother(0.0))
    assert estimator.estimate(np.zeros((10, 10, 3), np.uint8), []) == ([], [])
    with pytest.raises(ValueError):
        FaceEmotionEstimator(classifier, ProbabilitySmoother(0.0), (0.1, -1.0))


def test_skipped_face_keeps_its_history(classifier, group) -> None:
    """A present track whose box is off the image this frame is skipped, not forgotten."""
    image, boxes = group
    smoother = ProbabilitySmoother(0.5)
    estimator = FaceEmotionEstimator(classifier, smoother)
    estimator.estimate(image, [(1, boxes[0]), (2, boxes[1])])
    estimator.estimate(image, [(1, (9000, 9000, 50, 50)), (2, boxes[1])])
    assert smoother.track_ids == frozenset({1, 2})


def test_views_are_averaged_in_one_batch(classifier, group) -> None:
    """Each face's probabilities are the mean over its crops and their mirror images."""
    image, boxes = group
    margins = (0.0, 0.1, 0.2)
    estimator = FaceEmotionEstimator(classifier, ProbabilitySmoother(0.0), margins, True)
    assert estimator.views_per_face == 6
    results, _ = estimator.estimate(image, list(enumerate(boxes)))
    for (index, box), result in zip(enumerate(boxes), results):
        crops = [crop_face(image, box, m) for m in margins]
        crops += [crop[:, ::-1] for crop in crops]  # the mirror images, flipped as pixels
        expected = classifier.classify_crops(crops).mean(axis=0)
        np.testing.assert_allclose(result.probabilities, expected, atol=1e-5)
        assert result.probabilities.sum() == pytest.approx(1.0, abs=1e-4)


def test_one_margin_without_mirror_is_a_single_crop(classifier, group) -> None:
    """``crop_margins=[m]`` and ``mirror=False`` give exactly the former single-crop estimate."""
    image, boxes = group
    estimator = FaceEmotionEstimator(classifier, ProbabilitySmoother(0.0), [0.2], mirror=False)
    assert estimator.views_per_face == 1
    results, _ = estimator.estimate(image, list(enumerate(boxes)))
    single = classifier.classify_crops([crop_face(image, box, 0.2) for box in boxes])
    np.testing.assert_allclose(np.stack([r.probabilities for r in results]), single, atol=1e-6)


def test_mirror_view_is_the_flipped_crop_preprocessed(classifier, group) -> None:
    """Flipping after preprocessing equals preprocessing the flipped crop, bit for bit."""
    image, boxes = group
    spec = classifier.input_spec
    for box in boxes:
        views = face_views(image, box, (0.0, 0.13), True, spec)
        crops = [crop_face(image, box, m) for m in (0.0, 0.13)]
        expected = preprocess_faces(crops + [c[:, ::-1] for c in crops], spec)
        np.testing.assert_array_equal(views, expected)


@pytest.mark.parametrize('margins', [(), (0.1, -0.1), (float('nan'),), 'abc', 0.2])
def test_bad_crop_margins_are_refused(classifier, margins) -> None:
    """Empty, negative, non-finite or non-list margins are refused with the reason."""
    with pytest.raises(ValueError, match='crop margins'):
        FaceEmotionEstimator(classifier, ProbabilitySmoother(0.0), margins)


def test_defaults_are_the_config(classifier) -> None:
    """The estimator's defaults and from_config are the emotion stage config's."""
    assert FaceEmotionEstimator(classifier, ProbabilitySmoother(0.0)).views_per_face == \
        len(EmotionConfig.crop_margins) * (2 if EmotionConfig.mirror else 1)
    built = FaceEmotionEstimator.from_config(
        classifier, EmotionConfig(crop_margins=(0.1, 0.3), mirror=False))
    assert built.views_per_face == 2


def test_align_roll_leaves_faces_without_keypoints_alone(classifier, group) -> None:
    """Haar-like faces (no keypoints, or none given) get the same answer with align_roll."""
    image, boxes = group
    plain = FaceEmotionEstimator(classifier, ProbabilitySmoother(0.0))
    aligning = FaceEmotionEstimator(classifier, ProbabilitySmoother(0.0), align_roll=True)
    expected = plain.estimate(image, list(enumerate(boxes)))[0]
    for faces in (list(enumerate(boxes)), [(i, b, ()) for i, b in enumerate(boxes)],
                  [(i, b, None) for i, b in enumerate(boxes)]):
        results, problems = aligning.estimate(image, faces)
        assert not problems
        for got, want in zip(results, expected, strict=True):
            np.testing.assert_array_equal(got.probabilities, want.probabilities)


def test_align_roll_uses_the_eye_keypoints(classifier) -> None:
    """On a turned face, align_roll classifies the levelled crops; off, keypoints are ignored."""
    image = cv2.imread(str(ASSETS / 'media' / 'single_face.jpg'))
    height, width = image.shape[:2]
    image = cv2.warpAffine(image, cv2.getRotationMatrix2D((width / 2, height / 2), 20.0, 1.0),
                           (width, height))
    face = max(make_detector().detect(image), key=lambda d: d.w * d.h)
    box = (face.x, face.y, face.w, face.h)
    config = EmotionConfig(smoothing=0.0, align_roll=True)
    aligning = FaceEmotionEstimator.from_config(classifier, config)
    got = aligning.estimate(image, [(1, box, face.keypoints)])[0][0].probabilities
    views = face_views(image, box, config.crop_margins, config.mirror, classifier.input_spec,
                       roll_degrees(face.keypoints))
    np.testing.assert_allclose(got, classifier.predict(views).mean(axis=0), atol=1e-6)
    plain = FaceEmotionEstimator(classifier, ProbabilitySmoother(0.0))
    ignored = plain.estimate(image, [(1, box, face.keypoints)])[0][0].probabilities
    np.testing.assert_array_equal(ignored, plain.estimate(image, [(1, box)])[0][0].probabilities)
    assert np.abs(got - ignored).max() > 1e-3


def test_face_views_makes_the_views_asked_for(classifier, group) -> None:
    """``which`` picks views of the full list, in the order asked, bit for bit."""
    image, boxes = group
    spec = classifier.input_spec
    every = face_views(image, boxes[0], (0.0, 0.2), True, spec)
    for which in ([0], [3], [2, 1], [1, 3, 0]):
        np.testing.assert_array_equal(
            face_views(image, boxes[0], (0.0, 0.2), True, spec, which=which), every[which])
    for bad in ([], [4], [-1]):
        with pytest.raises(ValueError, match='view'):
            face_views(image, boxes[0], (0.0, 0.2), True, spec, which=bad)


def test_views_take_turns_frame_by_frame(classifier, group) -> None:
    """views_per_frame 1: a new face gets all views, then one a frame in turn, smoothed."""
    image, boxes = group
    margins = (0.0, 0.2)
    crops = [crop_face(image, boxes[0], m) for m in margins]
    per_view = classifier.classify_crops(crops)
    estimator = FaceEmotionEstimator.from_config(classifier, EmotionConfig(
        crop_margins=margins, mirror=False, smoothing=0.5, views_per_frame=1))
    first = estimator.estimate(image, [(7, boxes[0])])[0][0].probabilities
    np.testing.assert_allclose(first, per_view.mean(axis=0), atol=1e-5)  # all views at once
    expected = per_view.mean(axis=0)
    for frame in range(4):
        expected = 0.5 * expected + 0.5 * per_view[frame % 2]  # view 0, 1, 0, 1
        got = estimator.estimate(image, [(7, boxes[0])])[0][0].probabilities
        np.testing.assert_allclose(got, expected, atol=1e-5)
    # A face new to the estimator (another id, or the same after it was gone) starts over.
    estimator.forget_absent([])
    again = estimator.estimate(image, [(7, boxes[0])])[0][0].probabilities
    np.testing.assert_allclose(again, per_view.mean(axis=0), atol=1e-5)


def test_views_per_frame_needs_smoothing_and_range(classifier) -> None:
    """Views never take turns without smoothing; a negative count is refused."""
    image = cv2.imread(str(ASSETS / 'media' / 'single_face.jpg'))
    box = max(((d.x, d.y, d.w, d.h) for d in make_detector().detect(image)),
              key=lambda b: b[2] * b[3])
    every = FaceEmotionEstimator(classifier, ProbabilitySmoother(0.0)).estimate(
        image, [(1, box)])[0][0].probabilities
    unsmoothed = FaceEmotionEstimator.from_config(
        classifier, EmotionConfig(smoothing=0.0, views_per_frame=1))
    for _ in range(3):  # the same track frame after frame: still every view each time
        got = unsmoothed.estimate(image, [(1, box)])[0][0].probabilities
        np.testing.assert_allclose(got, every, atol=1e-6)
    with pytest.raises(ValueError, match='views_per_frame'):
        FaceEmotionEstimator(classifier, ProbabilitySmoother(0.0), views_per_frame=-1)
