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
import shutil
import subprocess
import sys

from emotion_ros.core.model.classifier import EmotionClassifier
from emotion_ros.core.model.labels import FER2013_LABELS
from emotion_ros.core.model.model_card import load_card
from emotion_ros.training import tflite_export, trainer
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
def data_info(tmp_path_factory):
    root = tmp_path_factory.mktemp('e2e')
    return root / 'data', fixtures.write_train_test(root / 'data')


@pytest.fixture(scope='module')
def run_dir(data_info):
    data, _ = data_info
    run = data.parent / 'run'
    status = train.main(['--data', str(data), '--arch', 'small', '--epochs', '2',
                         '--batch-size', '16', '--seed', '7', '--class-weights', '--tflite',
                         '--run-dir', str(run)])
    assert status == 0
    return run


def _history_epochs(run: Path):
    with (run / 'history.csv').open() as stream:
        return [int(row['epoch']) for row in csv.DictReader(stream)]


def test_run_directory_has_every_artefact(run_dir, data_info):
    _, info = data_info
    for name in ARTEFACTS:
        assert (run_dir / name).is_file() and (run_dir / name).stat().st_size > 0, name
    assert not (run_dir / 'best.keras').exists()  # the checkpoint writes model.keras itself
    assert _history_epochs(run_dir) == [0, 1]
    metrics = json.loads((run_dir / 'metrics.json').read_text())
    assert metrics['evaluated_on'] == 'test' and metrics['n'] == metrics['test_faces'] > 0
    # test/ is fixed by the layout; validation is 10% of the readable train/ faces.
    assert metrics['test_faces'] == info['test']
    assert metrics['train_faces'] + metrics['validation_faces'] == info['train']
    assert metrics['validation_faces'] == pytest.approx(0.1 * info['train'], abs=1)
    assert sum(map(sum, metrics['confusion_matrix'])) == info['test']
    problems = metrics['data_problems']
    assert problems['problem_count'] == 2
    assert problems['unreadable_images'] == [f'{info["unreadable"]}: cannot be decoded as an '
                                             'image']
    assert problems['unknown_classes'] == [f'{info["unknown"]} (1 images skipped)']
    assert metrics['tflite_check']['argmax_agreement'] == 1.0
    assert metrics['tflite_check']['n'] == info['test']
    report = (run_dir / 'classification_report.txt').read_text()
    assert 'precision' in report
    assert report.startswith(f'evaluated on the test set ({info["test"]} faces)')


def test_card_describes_the_model(run_dir):
    card = load_card(run_dir / 'model.card.json')
    assert card.labels == FER2013_LABELS
    assert card.input.shape == (48, 48, 1) and card.input.normalisation == 'unit'
    assert card.extra['architecture'] == 'small'
    assert card.extra['dataset'].endswith('data')
    metrics = json.loads((run_dir / 'metrics.json').read_text())
    assert card.extra['split'] == metrics['split'] == (
        'layout train_test_folders; test: fixed by the layout; '
        'validation: stratified split, 10% of the rest')
    assert card.metrics['n'] == metrics['n'] and card.metrics['evaluated_on'] == 'test'
    assert card.extra['training']['parameters'] > 0
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
    assert keras_clf.labels == FER2013_LABELS
    probs = keras_clf.classify_crops(faces[:8])
    assert probs.shape == (8, 7)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-4)
    np.testing.assert_allclose(lite_clf.classify_crops(faces[:8]), probs, atol=1e-4)


def test_resume_continues_from_the_checkpoint(run_dir, capsys):
    assert train.main(['--resume', str(run_dir), '--epochs', '3']) == 0
    assert _history_epochs(run_dir) == [0, 1, 2]
    state = json.loads((run_dir / 'state.json').read_text())
    assert state['epoch'] == 3 and state['stopped_early'] is False
    assert json.loads((run_dir / 'config.json').read_text())['epochs'] == 3
    assert 'resuming' in capsys.readouterr().out


def test_resume_warns_about_ignored_options_and_early_stop(run_dir, capsys):
    # Nothing left to train (3 of 3 epochs done): the run is only evaluated again.
    state = json.loads((run_dir / 'state.json').read_text())
    done = state['epoch']
    (run_dir / 'state.json').write_text(json.dumps(dict(state, stopped_early=True)))
    assert train.main(['--resume', str(run_dir), '--epochs', str(done), '--data', 'elsewhere',
                       '--lr', '0.5']) == 0
    captured = capsys.readouterr()
    assert '--data, --lr ignored with --resume' in captured.err
    assert f'resuming {run_dir} after epoch {done} (seed {7 + done})' in captured.out
    assert 'stopped early' in captured.out
    config = json.loads((run_dir / 'config.json').read_text())
    assert config['data'] != 'elsewhere' and config['lr'] != 0.5
    assert _history_epochs(run_dir) == list(range(done))


def test_failed_tflite_check_keeps_model_and_card(data_info, tmp_path, monkeypatch, capsys):
    def fail(model, path, inputs):
        raise tflite_export.TFLiteExportError(f'{path}: TFLite predictions differ (simulated)')

    monkeypatch.setattr(tflite_export, 'verify_tflite', fail)
    data, _ = data_info
    run = tmp_path / 'run'
    assert train.main(['--data', str(data), '--arch', 'small', '--epochs', '1',
                       '--batch-size', '32', '--tflite', '--run-dir', str(run)]) == 2
    err = capsys.readouterr().err
    assert 'train.py: error: ' in err and 'simulated' in err and 'Traceback' not in err
    assert 'model.tflite deleted' in err
    assert not (run / 'model.tflite').exists()
    metrics = json.loads((run / 'metrics.json').read_text())
    assert 'simulated' in metrics['tflite_check']['error']
    card = load_card(run / 'model.card.json')
    assert card.metrics['accuracy'] == pytest.approx(metrics['accuracy'])
    assert EmotionClassifier.load(run / 'model.keras').labels == FER2013_LABELS


def test_corrupt_resume_state_is_one_message(run_dir, tmp_path, capsys):
    broken = tmp_path / 'broken'
    broken.mkdir()
    for name in ('config.json', 'state.json'):
        shutil.copy(run_dir / name, broken / name)
    (broken / 'last.keras').write_bytes(b'PK\x03\x04 not a keras archive')
    assert train.main(['--resume', str(broken)]) == 2
    err = capsys.readouterr().err
    assert f'{broken / "last.keras"}: corrupt or unreadable checkpoint' in err
    assert 'Traceback' not in err and len(err.strip().splitlines()) == 1
    (broken / 'state.json').write_text('{"epoch": ')
    assert train.main(['--resume', str(broken)]) == 2
    assert f'{broken / "state.json"}: corrupt resume state' in capsys.readouterr().err
    (broken / 'config.json').write_text('[1, 2]')
    assert train.main(['--resume', str(broken)]) == 2
    assert f'{broken / "config.json"}: corrupt run configuration' in capsys.readouterr().err


def test_missing_dependency_is_one_message(tmp_path, monkeypatch, capsys):
    def missing(*args, **kwargs):
        raise ModuleNotFoundError("No module named 'tensorflow'")

    monkeypatch.setattr(trainer, 'run_training', missing)
    assert train.main(['--data', str(tmp_path), '--run-dir', str(tmp_path / 'r')]) == 2
    err = capsys.readouterr().err
    assert "train.py: error: a dependency is missing (No module named 'tensorflow')" in err
    assert 'Traceback' not in err


def test_malformed_csv_is_one_message(tmp_path, capsys):
    path = tmp_path / 'fer2013.csv'
    fixtures.write_fer_csv(path)
    lines = path.read_text().splitlines(keepends=True)
    lines[9] = lines[9].replace(',', ',"', 1)  # an unbalanced quote on line 10
    path.write_text(''.join(lines))
    assert train.main(['--data', str(path), '--run-dir', str(tmp_path / 'run')]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f'train.py: error: {path}:10: ') and 'Traceback' not in err
    assert not (tmp_path / 'run').exists()


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
