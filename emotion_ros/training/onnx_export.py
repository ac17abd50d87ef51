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
ONNX export of a trained Keras model (``--onnx``), checked with onnxruntime against Keras.

The exporter is Keras 3's own ``model.export(format='onnx')``, which converts the model's
``tf.function`` with ``tf2onnx`` (pinned in requirements.txt; Keras patches its numpy 2
incompatibilities). The file keeps the Keras input layout (N, H, W, C) and a symbolic batch
axis; the node's ONNX backend loads it with the run's ``model.card.json`` (same stem).
"""

import contextlib
import io
from pathlib import Path
from typing import Dict
import warnings

from emotion_ros.training.tflite_export import compare_predictions, VERIFY_BATCH
import numpy as np

ONNX_OPSET = 13  # opset of the written graph: read by onnxruntime 1.x and TensorRT 8 and later


class OnnxExportError(RuntimeError):
    """The ONNX model could not be written or disagrees with the Keras model."""


def export_onnx(model, path: Path) -> Path:
    """
    Convert a Keras model to ``.onnx``.

    :param model: a built ``keras.Model`` (one input).
    :param path: output file.
    :returns: the path written.
    :raises OnnxExportError: when tf2onnx is missing or the conversion fails.
    """
    path = Path(path)
    try:
        import tf2onnx  # noqa: F401 - Keras imports it lazily; fail early with its name
    except ImportError as error:
        raise OnnxExportError(f'ONNX export needs tf2onnx ({error}); run scripts/setup.sh '
                              'or pip install -r requirements.txt') from error
    # Keras refuses to export a model that was never called (a freshly loaded one).
    shape = (1,) + tuple(model.inputs[0].shape[1:])
    model(np.zeros(shape, np.float32), training=False)
    try:
        # tf2onnx logs every rewrite and numpy warns about its use of np.object.
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter('ignore')
            model.export(str(path), format='onnx', verbose=False, opset_version=ONNX_OPSET)
    except Exception as error:  # tf2onnx raises many unrelated types
        path.unlink(missing_ok=True)
        raise OnnxExportError(f'ONNX conversion failed: {type(error).__name__}: {error}') \
            from error
    return path


def onnx_predict(path: Path, inputs: np.ndarray) -> np.ndarray:
    """
    Run a ``.onnx`` model on a batch with onnxruntime (CPU).

    :param path: the ``.onnx`` file.
    :param inputs: (N, H, W, C) float32.
    :returns: (N, K) float32 outputs.
    """
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=['CPUExecutionProvider'])
    name = session.get_inputs()[0].name
    outputs = [session.run(None, {name: np.ascontiguousarray(
        inputs[start:start + VERIFY_BATCH], np.float32)})[0]
        for start in range(0, len(inputs), VERIFY_BATCH)]
    return np.concatenate(outputs).astype(np.float32)


def verify_onnx(model, path: Path, inputs: np.ndarray) -> Dict[str, float]:
    """
    Compare the ONNX model with the Keras model on the same inputs (e.g. the test split).

    :param model: the Keras model.
    :param path: its ``.onnx`` export.
    :param inputs: (N, H, W, C) float32 model inputs (N >= 1).
    :returns: ``{'max_abs_diff', 'argmax_agreement', 'near_ties', 'n'}``.
    :raises OnnxExportError: when the probabilities or a decisive top class differ.
    """
    keras_probs = np.asarray(model.predict(inputs, batch_size=VERIFY_BATCH, verbose=0))
    return compare_predictions(keras_probs, onnx_predict(path, inputs), f'{path}: ONNX',
                               OnnxExportError)
