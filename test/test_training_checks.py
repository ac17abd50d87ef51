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

"""The TFLite check's near-ties, the resume state's early-stop flag, who is the chief."""

import json

from emotion_ros.training import distribution, progress, tflite_export
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


@pytest.mark.parametrize('task, chief', [
    ({'type': 'worker', 'index': 0}, True),  # no chief task: worker 0 writes the run
    ({'type': 'worker', 'index': 1}, False),
])
def test_worker_zero_is_the_chief_when_the_cluster_names_none(monkeypatch, task, chief):
    cluster = {'worker': ['127.0.0.1:1', '127.0.0.1:2']}
    monkeypatch.setenv('TF_CONFIG', json.dumps({'cluster': cluster, 'task': task}))
    assert distribution.is_chief_process('multiworker') is chief
    assert distribution._cluster_place(json.dumps({'cluster': cluster, 'task': task})) == (
        2, chief)


def test_a_chief_task_writes_the_run_and_worker_zero_does_not():
    cluster = {'chief': ['127.0.0.1:1'], 'worker': ['127.0.0.1:2']}
    place = distribution._cluster_place
    assert place(json.dumps({'cluster': cluster, 'task': {'type': 'chief', 'index': 0}})) == (
        2, True)
    assert place(json.dumps({'cluster': cluster, 'task': {'type': 'worker', 'index': 0}})) == (
        2, False)


def test_strategies_other_than_multiworker_are_always_chief(monkeypatch):
    monkeypatch.setenv('TF_CONFIG', 'not even json')
    for name in ('auto', 'mirrored', 'none'):
        assert distribution.is_chief_process(name)
    with pytest.raises(distribution.StrategyError, match='not a cluster and task'):
        distribution.is_chief_process('multiworker')
    monkeypatch.delenv('TF_CONFIG')
    with pytest.raises(distribution.StrategyError, match='needs the TF_CONFIG'):
        distribution.is_chief_process('multiworker')
    with pytest.raises(distribution.StrategyError, match='unknown strategy'):
        distribution.make_distribution('tpu')


def test_auto_without_several_gpus_is_the_default_strategy():
    import tensorflow as tf

    dist = distribution.make_distribution('auto')
    if len(tf.config.list_logical_devices('GPU')) < 2:
        assert dist.strategy is tf.distribute.get_strategy()
        assert (dist.replicas, dist.workers, dist.is_chief) == (1, 1, True)
    else:
        assert dist.kind == 'MirroredStrategy' and dist.replicas >= 2
