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

"""
train.py's ``--onnx`` and ``--tflite-int8`` exports on a small real-face fixture.

The ONNX file must give the Keras model's top class on every test face, and both files must load
through the classifier node's own path (``resolve_model_path`` then ``EmotionClassifier.load``)
with the cards the run wrote.
"""

import json
from pathlib import Path

from emotion_ros.core.model.classifier import EmotionClassifier
from emotion_ros.core.model.model_card import load_card
from emotion_ros.nodes.emotion_classifier_node import resolve_model_path
from emotion_ros.training import onnx_export
import numpy as np
import pytest
import training_fixtures as fixtures

train = fixtures.load_script('train')

pytestmark = pytest.mark.slow  # trains a model and converts it twice (about 30 s on 2 cores)


@pytest.fixture(scope='module')
def run(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp('exports')
    fixtures.write_train_test(root / 'data')
    run = root / 'run'
    assert train.main(['--data', str(root / 'data'), '--arch', 'small', '--epochs', '2',
                       '--batch-size', '16', '--seed', '11', '--strategy', 'none', '--onnx',
                       '--tflite-int8', '--run-dir', str(run)]) == 0
    return run


def test_onnx_gives_the_keras_top_class_on_the_test_split(run):
    check = json.loads((run / 'metrics.json').read_text())['onnx_check']
    assert check['n'] == json.loads((run / 'metrics.json').read_text())['test_faces']
    assert check['argmax_agreement'] == 1.0 and check['max_abs_diff'] < 1e-4
    faces, _, _ = fixtures.real_faces()
    keras_probs = EmotionClassifier.load(run / 'model.keras').classify_crops(faces)
    onnx_clf = EmotionClassifier.load(resolve_model_path(str(run / 'model.onnx')))
    assert onnx_clf.backend == 'onnx' and onnx_clf.card.labels == load_card(
        run / 'model.card.json').labels
    onnx_probs = onnx_clf.classify_crops(faces)
    np.testing.assert_allclose(onnx_probs, keras_probs, atol=1e-4)
    assert (onnx_probs.argmax(1) == keras_probs.argmax(1)).all()


def test_int8_tflite_is_full_integer_measured_and_loads_in_the_node(run):
    from ai_edge_litert.interpreter import Interpreter

    path = run / 'model_int8.tflite'
    interpreter = Interpreter(model_path=str(path))
    assert interpreter.get_input_details()[0]['dtype'] == np.int8
    assert interpreter.get_output_details()[0]['dtype'] == np.int8
    metrics = json.loads((run / 'metrics.json').read_text())
    check = metrics['tflite_int8_check']
    assert check['n'] == metrics['test_faces'] and check['size_bytes'] == path.stat().st_size
    assert check['float_accuracy'] == pytest.approx(metrics['accuracy'])
    # About a quarter of the float32 weights (147,959 parameters, 4 bytes each).
    assert check['size_bytes'] < 0.4 * 4 * 147_959
    card = load_card(run / 'model_int8.card.json')
    assert card.metrics['accuracy'] == pytest.approx(check['accuracy'])
    assert 'int8' in card.extra['quantisation']
    classifier = EmotionClassifier.load(resolve_model_path(str(path)))
    faces, _, _ = fixtures.real_faces()
    int8_probs = classifier.classify_crops(faces)
    keras_probs = EmotionClassifier.load(run / 'model.keras').classify_crops(faces)
    assert int8_probs.shape == keras_probs.shape
    # Quantised: close to the float model, not equal (one int8 step of a softmax is 1/256).
    assert np.abs(int8_probs - keras_probs).max() < 0.1


def test_a_failed_onnx_check_keeps_the_model(run, tmp_path, monkeypatch, capsys):
    def differ(model, path, inputs):
        raise onnx_export.OnnxExportError(f'{path}: ONNX predictions differ (simulated)')

    monkeypatch.setattr(onnx_export, 'verify_onnx', differ)
    other = tmp_path / 'run'
    assert train.main(['--data', str(run.parent / 'data'), '--arch', 'small', '--epochs', '1',
                       '--batch-size', '32', '--strategy', 'none', '--onnx', '--run-dir',
                       str(other)]) == 2
    err = capsys.readouterr().err
    assert 'train.py: error: ' in err and 'simulated' in err and 'model.onnx deleted' in err
    assert 'Traceback' not in err and not (other / 'model.onnx').exists()
    assert 'simulated' in json.loads((other / 'metrics.json').read_text())['onnx_check']['error']
    assert EmotionClassifier.load(other / 'model.keras').backend == 'keras'
