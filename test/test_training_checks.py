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

"""The TFLite check's tolerance for near-ties and the resume state's early-stop flag."""

import json

from emotion_ros.training import progress, tflite_export
import numpy as np
import pytest


class FakeModel:
    """A stand-in for a Keras model: ``predict`` returns fixed probabilities."""

    def __init__(self, probs):
        self.probs = np.asarray(probs, np.float32)
        self.stop_training = False

    def predict(self, inputs, batch_size=None, verbose=0):
        return self.probs


def _check(monkeypatch, keras_probs, lite_probs):
    monkeypatch.setattr(tflite_export, 'tflite_predict',
                        lambda path, inputs: np.asarray(lite_probs, np.float32))
    inputs = np.zeros((len(keras_probs), 2, 2, 1), np.float32)
    return tflite_export.verify_tflite(FakeModel(keras_probs), 'm.tflite', inputs)


def test_a_near_tie_may_flip(monkeypatch):
    # Row 0 is a tie within the tolerance: its top class may differ; row 1 is decisive.
    keras_probs = [[0.50002, 0.49998, 0.0], [0.7, 0.2, 0.1]]
    lite_probs = [[0.49998, 0.50002, 0.0], [0.70001, 0.19999, 0.1]]
    result = _check(monkeypatch, keras_probs, lite_probs)
    assert result['argmax_agreement'] == 0.5 and result['near_ties'] == 1 and result['n'] == 2
    assert result['max_abs_diff'] == pytest.approx(4e-5, abs=1e-6)


def test_a_decisive_flip_or_a_large_difference_fails(monkeypatch):
    keras_probs = [[0.6, 0.4, 0.0]]
    with pytest.raises(tflite_export.TFLiteExportError, match='differ from Keras'):
        _check(monkeypatch, keras_probs, [[0.4, 0.6, 0.0]])
    with pytest.raises(tflite_export.TFLiteExportError, match='differ from Keras'):
        _check(monkeypatch, keras_probs, [[0.599, 0.401, 0.0]])


def test_state_records_an_early_stop(tmp_path):
    callback = progress.make_state_callback(tmp_path)
    model = FakeModel([[1.0]])
    callback.set_model(model)
    callback.on_epoch_end(0, {'val_accuracy': 0.25})
    callback.on_epoch_end(1, {'val_accuracy': 0.5})
    state = json.loads((tmp_path / progress.STATE_FILE).read_text())
    assert state == {'epoch': 2, 'best': 0.5, 'stopped_early': False}
    callback.on_train_end()
    assert progress.read_state(tmp_path)['stopped_early'] is False
    model.stop_training = True  # what EarlyStopping sets
    callback.on_train_end()
    assert progress.read_state(tmp_path) == {'epoch': 2, 'best': 0.5, 'stopped_early': True}
