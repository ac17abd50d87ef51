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

"""End to end: train.py on a small real-face fixture, predict.py on the run, then load it."""

import csv
import json
from pathlib import Path
import subprocess
import sys

from emotion_ros.core.classifier import EmotionClassifier
from emotion_ros.core.model_card import load_card
import numpy as np
import pytest
import training_fixtures as fixtures

TRAINING = fixtures.REPO_ROOT / 'training'
predict = fixtures.load_script('predict')
train = fixtures.load_script('train')

pytestmark = pytest.mark.slow  # trains a model (about 30 s on 2 cores)

ARTEFACTS = ('model.keras', 'model.card.json', 'history.csv', 'curves.png',
             'confusion_matrix.png', 'classification_report.txt', 'metrics.json',
             'config.json', 'last.keras', 'state.json', 'model.tflite')


@pytest.fixture(scope='module')
def run_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp('e2e')
    fixtures.write_train_test(root / 'data')
    run = root / 'run'
    status = train.main(['--data', str(root / 'data'), '--arch', 'small', '--epochs', '2',
                         '--batch-size', '16', '--seed', '7', '--class-weights', '--tflite',
                         '--run-dir', str(run)])
    assert status == 0
    return run


def _history_epochs(run: Path):
    with (run / 'history.csv').open() as stream:
        return [int(row['epoch']) for row in csv.DictReader(stream)]


def test_run_directory_has_every_artefact(run_dir):
    for name in ARTEFACTS:
        assert (run_dir / name).is_file() and (run_dir / name).stat().st_size > 0, name
    assert _history_epochs(run_dir) == [0, 1]
    metrics = json.loads((run_dir / 'metrics.json').read_text())
    assert metrics['evaluated_on'] == 'test' and metrics['n'] == metrics['test_faces'] > 0
    assert metrics['data_problems']['problem_count'] == 2
    assert metrics['tflite_check']['argmax_agreement'] == 1.0
    assert 'precision' in (run_dir / 'classification_report.txt').read_text()


def test_card_describes_the_model(run_dir):
    card = load_card(run_dir / 'model.card.json')
    assert card.labels == fixtures.LABELS
    assert card.input.shape == (48, 48, 1) and card.input.normalisation == 'unit'
    assert card.extra['architecture'] == 'small'
    assert 'split' in card.extra and card.extra['dataset'].endswith('data')
    metrics = json.loads((run_dir / 'metrics.json').read_text())
    assert card.metrics['accuracy'] == pytest.approx(metrics['accuracy'])
    assert card.metrics['macro_f1'] == pytest.approx(metrics['macro_f1'])


def test_predict_json_matches_training_metrics(run_dir, tmp_path):
    out = tmp_path / 'eval.json'
    assert predict.main(['--model', str(run_dir / 'model.keras'), '--data',
                         str(run_dir.parent / 'data'), '--json', str(out)]) == 0
    result = json.loads(out.read_text())
    assert set(result) == {'accuracy', 'macro_f1', 'n', 'per_class', 'confusion_matrix',
                           'classes'}
    metrics = json.loads((run_dir / 'metrics.json').read_text())
    assert result['n'] == metrics['n']
    assert result['accuracy'] == pytest.approx(metrics['accuracy'])
    assert np.asarray(result['confusion_matrix']).sum() == result['n']
    assert out.with_suffix('.confusion.png').is_file()


def test_classifier_core_loads_keras_and_tflite(run_dir):
    faces, _, _ = fixtures.real_faces()
    keras_clf = EmotionClassifier.load(run_dir / 'model.keras')
    lite_clf = EmotionClassifier.load(run_dir / 'model.tflite')
    assert keras_clf.labels == fixtures.LABELS
    probs = keras_clf.classify_crops(faces[:8])
    assert probs.shape == (8, 7)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-4)
    np.testing.assert_allclose(lite_clf.classify_crops(faces[:8]), probs, atol=1e-4)


def test_resume_continues_from_the_checkpoint(run_dir):
    assert train.main(['--resume', str(run_dir), '--epochs', '3']) == 0
    assert _history_epochs(run_dir) == [0, 1, 2]
    assert json.loads((run_dir / 'state.json').read_text())['epoch'] == 3
    assert json.loads((run_dir / 'config.json').read_text())['epochs'] == 3


def test_errors_are_one_message_and_non_zero(tmp_path):
    command = [sys.executable, str(TRAINING / 'train.py'), '--data',
               str(tmp_path / 'missing.csv'), '--run-dir', str(tmp_path / 'run')]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert 'missing.csv: no such file' in result.stderr
    assert 'Traceback' not in result.stderr
    assert not (tmp_path / 'run').exists()
    (tmp_path / 'empty' / 'happy').mkdir(parents=True)
    assert train.main(['--data', str(tmp_path / 'empty'), '--run-dir',
                       str(tmp_path / 'r')]) == 2
    assert train.main(['--resume', str(tmp_path)]) == 2
    assert predict.main(['--model', str(tmp_path / 'none.keras'), '--data',
                         str(tmp_path)]) == 2
