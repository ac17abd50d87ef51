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
train.py under distribution strategies and mixed precision, on a small real-face fixture.

MirroredStrategy runs over two logical CPU devices and MultiWorkerMirroredStrategy over two
worker processes on 127.0.0.1 (ports free at run time: both distros' suites run at once). Each
run must give the model structure and card of a run without a strategy, and a model that the
classifier node loads through its own loading path (``resolve_model_path`` then
``EmotionClassifier.load``). Strategies are set up before TensorFlow starts, so those runs are
subprocesses; the baseline and the mixed-precision run train in this process.
"""

import json
import os
from pathlib import Path
import shutil
import socket
import subprocess
import sys
import time

from emotion_ros.core.model.classifier import EmotionClassifier
from emotion_ros.core.model.model_card import load_card
from emotion_ros.nodes.emotion_classifier_node import resolve_model_path
import numpy as np
import pytest
import training_fixtures as fixtures

train = fixtures.load_script('train')

pytestmark = pytest.mark.slow  # each run trains a model (10-40 s on 2 cores)

COMMON = ['--arch', 'small', '--epochs', '1', '--batch-size', '16', '--seed', '3']
WORKER_TIMEOUT = 240  # seconds for one subprocess run (2 busy cores, both distros at once)
# Sets up two logical CPU devices before anything else in TensorFlow, then runs train.py once
# per JSON argument list given.
MIRRORED_RUNNER = """
import json, sys
import tensorflow as tf
cpu = tf.config.list_physical_devices('CPU')[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
sys.path.insert(0, sys.argv[1])
import training_fixtures
train = training_fixtures.load_script('train')
for argv in sys.argv[2:]:
    status = train.main(json.loads(argv))
    if status:
        sys.exit(status)
"""


def _env(tmp: Path, **extra) -> dict:
    """Return the environment of a subprocess: this checkout first on the path, its own TMPDIR."""
    env = dict(os.environ, TMPDIR=str(tmp), TF_CPP_MIN_LOG_LEVEL='2', **extra)
    env['PYTHONPATH'] = os.pathsep.join([str(fixtures.REPO_ROOT), env.get('PYTHONPATH', '')])
    return env


def _free_ports(count: int) -> list:
    """Return ports free on 127.0.0.1 now (held open together, so they differ)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(('127.0.0.1', 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _structure(run: Path) -> str:
    """Return the saved model's architecture as JSON (no weights)."""
    import keras

    model = keras.models.load_model(str(run / 'model.keras'), compile=False)
    return json.dumps(model.get_config(), sort_keys=True)


def _card_without_measures(run: Path) -> dict:
    """Return the card without what differs between runs (metrics, run name)."""
    card = load_card(run / 'model.card.json').to_dict()
    card.pop('metrics')
    card.pop('source')
    return card


def _node_loads(path: Path) -> np.ndarray:
    """Load a model as the classifier node does and classify real faces."""
    classifier = EmotionClassifier.load(resolve_model_path(str(path)))
    faces, _, _ = fixtures.real_faces()
    probs = classifier.classify_crops(faces[:6])
    assert probs.shape == (6, 7)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-3)
    return probs


@pytest.fixture(scope='module')
def data(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp('distribution') / 'data'
    fixtures.write_train_test(root)
    return root


@pytest.fixture(scope='module')
def baseline(data) -> Path:
    run = data.parent / 'baseline'
    assert train.main(['--data', str(data), *COMMON, '--strategy', 'none',
                       '--run-dir', str(run)]) == 0
    return run


def test_mirrored_over_two_cpus_trains_resumes_and_the_node_loads_it(data, baseline, tmp_path):
    run = tmp_path / 'mirrored'
    first = ['--data', str(data), *COMMON, '--strategy', 'mirrored', '--run-dir', str(run)]
    again = ['--resume', str(run), '--epochs', '2']  # the strategy comes from config.json
    result = subprocess.run(
        [sys.executable, '-c', MIRRORED_RUNNER, str(fixtures.REPO_ROOT / 'test'),
         json.dumps(first), json.dumps(again)],
        env=_env(tmp_path), capture_output=True, text=True, timeout=WORKER_TIMEOUT)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count('MirroredStrategy, 2 replicas in sync over 1 worker(s)') == 2
    assert f'resuming {run} after epoch 1' in result.stdout
    metrics = json.loads((run / 'metrics.json').read_text())
    assert metrics['distribution'] == {'strategy': 'mirrored', 'kind': 'MirroredStrategy',
                                       'replicas': 2, 'workers': 1}
    assert metrics['epochs'] == 2 and json.loads((run / 'state.json').read_text())['epoch'] == 2
    assert _structure(run) == _structure(baseline)
    card, expected = _card_without_measures(run), _card_without_measures(baseline)
    # The resume extended the run to 2 epochs: the card says so, the rest is the baseline's.
    assert card['training']['epochs'] == 2 and card['description'].endswith('for 2 epochs')
    expected['training']['epochs'] = 2
    expected['description'] = card['description']
    assert card == expected
    _node_loads(run / 'model.keras')


def _run_two_workers(data: Path, run: Path, scratch: Path) -> list:
    """
    Run train.py as two workers on free loopback ports; return (status, output) of each.

    When one worker fails the other would wait for it until the timeout: it is stopped then.
    """
    ports = _free_ports(2)
    cluster = {'worker': [f'127.0.0.1:{port}' for port in ports]}
    workers, logs = [], []
    for index in range(2):
        tf_config = json.dumps({'cluster': cluster, 'task': {'type': 'worker', 'index': index}})
        (scratch / f'tmp{index}').mkdir(exist_ok=True)
        logs.append(scratch / f'worker{index}.log')
        with logs[-1].open('w') as log:
            workers.append(subprocess.Popen(
                [sys.executable, str(fixtures.REPO_ROOT / 'training' / 'train.py'), '--data',
                 str(data), *COMMON, '--strategy', 'multiworker', '--run-dir', str(run)],
                env=_env(scratch / f'tmp{index}', TF_CONFIG=tf_config), stdout=log,
                stderr=subprocess.STDOUT))
    deadline = time.monotonic() + WORKER_TIMEOUT
    try:
        while any(w.poll() is None for w in workers) and time.monotonic() < deadline:
            if any(w.poll() not in (None, 0) for w in workers):
                break
            time.sleep(0.2)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
            worker.wait()
    return [(worker.returncode, log.read_text()) for worker, log in zip(workers, logs)]


def test_two_workers_on_loopback_give_one_run_directory(data, baseline, tmp_path):
    run = tmp_path / 'multiworker'
    results = _run_two_workers(data, run, tmp_path)
    if any('already in use' in output for _, output in results):
        # Another process took a port between our probe and the worker's bind: once more.
        shutil.rmtree(run, ignore_errors=True)
        results = _run_two_workers(data, run, tmp_path)
    outputs = [output for _, output in results]
    for status, output in results:
        assert status == 0, output[-3000:]
        assert '2 replicas in sync over 2 worker(s)' in output
    assert 'this process is the chief' in outputs[0]
    assert 'worker done; the chief writes the run directory' in outputs[1]
    # One run directory, written by the chief only; the other worker's scratch is gone.
    assert sorted(p.name for p in run.parent.iterdir() if p.name.startswith('multi')) == [
        'multiworker']
    assert not list((tmp_path / 'tmp1').iterdir())
    metrics = json.loads((run / 'metrics.json').read_text())
    assert metrics['distribution']['workers'] == 2 and metrics['epochs'] == 1
    assert _structure(run) == _structure(baseline)
    assert _card_without_measures(run) == _card_without_measures(baseline)
    _node_loads(run / 'model.keras')


def test_mixed_precision_trains_and_the_node_loads_a_float32_model(data, baseline, tmp_path,
                                                                   capsys):
    import keras
    import tensorflow as tf

    run = tmp_path / 'mixed'
    assert train.main(['--data', str(data), *COMMON, '--mixed-precision', '--strategy', 'none',
                       '--run-dir', str(run)]) == 0
    assert keras.mixed_precision.global_policy().name == 'float32'  # reset after the run
    metrics = json.loads((run / 'metrics.json').read_text())
    assert metrics['dtype_policy'] == 'mixed_float16'
    without_gpu = 'mixed-precision without a GPU' in capsys.readouterr().out
    assert without_gpu == (not tf.config.list_logical_devices('GPU'))
    last = keras.models.load_model(str(run / 'last.keras'), compile=False)
    assert last.get_layer('stage1a_conv').dtype_policy.name == 'mixed_float16'
    assert last.get_layer('emotion').dtype_policy.name == 'float32'  # float32 outputs
    # The deployed model computes in float32 with the trained weights: same as no strategy.
    assert _structure(run) == _structure(baseline)
    card = load_card(run / 'model.card.json')
    assert card.extra['training']['mixed_precision'] is True
    keras_probs = _node_loads(run / 'model.keras')
    assert np.isfinite(keras_probs).all()


def test_multiworker_without_tf_config_is_one_message(data, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv('TF_CONFIG', raising=False)
    assert train.main(['--data', str(data), '--strategy', 'multiworker', '--run-dir',
                       str(tmp_path / 'run')]) == 2
    err = capsys.readouterr().err
    assert 'train.py: error: --strategy multiworker needs the TF_CONFIG' in err
    assert not (tmp_path / 'run').exists()
