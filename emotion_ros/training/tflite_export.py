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
TFLite export of a trained Keras model, checked against the Keras predictions.

The export is float32 (no quantisation), so the TFLite probabilities must match Keras to
rounding error; :func:`verify_tflite` measures that on real inputs and the argmax agreement.
"""

import contextlib
import io
from pathlib import Path
from typing import Dict

import numpy as np

MAX_PROB_DIFF = 1e-4  # largest |tflite - keras| probability difference accepted
VERIFY_BATCH = 32  # faces per TFLite invocation while verifying


class TFLiteExportError(RuntimeError):
    """The TFLite model could not be written or disagrees with the Keras model."""


def export_tflite(model, path: Path) -> Path:
    """
    Convert a Keras model to a float32 ``.tflite`` file.

    :param model: a built ``keras.Model``.
    :param path: output file.
    :returns: the path written.
    :raises TFLiteExportError: when the conversion fails.
    """
    import tensorflow as tf

    try:
        # The converter prints the SavedModel signature to stdout; keep the console clean.
        with contextlib.redirect_stdout(io.StringIO()):
            flatbuffer = tf.lite.TFLiteConverter.from_keras_model(model).convert()
    except Exception as error:  # the converter raises many unrelated types
        raise TFLiteExportError(f'TFLite conversion failed: {error}') from error
    path = Path(path)
    path.write_bytes(flatbuffer)
    return path


def tflite_predict(path: Path, inputs: np.ndarray) -> np.ndarray:
    """
    Run a ``.tflite`` model on a batch with ai-edge-litert.

    :param path: the ``.tflite`` file.
    :param inputs: (N, H, W, C) float32.
    :returns: (N, K) float32 outputs.
    """
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(path))
    detail = interpreter.get_input_details()[0]
    outputs = []
    for start in range(0, len(inputs), VERIFY_BATCH):
        batch = np.ascontiguousarray(inputs[start:start + VERIFY_BATCH], np.float32)
        interpreter.resize_tensor_input(detail['index'], list(batch.shape))
        interpreter.allocate_tensors()
        interpreter.set_tensor(detail['index'], batch)
        interpreter.invoke()
        outputs.append(interpreter.get_tensor(interpreter.get_output_details()[0]['index']))
    return np.concatenate(outputs).astype(np.float32)


def verify_tflite(model, path: Path, inputs: np.ndarray) -> Dict[str, float]:
    """
    Compare the TFLite model with the Keras model on the same inputs.

    The probabilities must agree within MAX_PROB_DIFF everywhere. The predicted classes must
    agree wherever Keras is decisive, i.e. its top-2 probability gap exceeds MAX_PROB_DIFF; a
    near-tie may legitimately flip within the rounding error.

    :param model: the Keras model.
    :param path: its ``.tflite`` export.
    :param inputs: (N, H, W, C) float32 model inputs (N >= 1).
    :returns: ``{'max_abs_diff', 'argmax_agreement', 'near_ties', 'n'}``; the agreement is
        over all inputs, ``near_ties`` counts the inputs exempt from it.
    :raises TFLiteExportError: when the predictions differ by more than MAX_PROB_DIFF or a
        decisive predicted class differs.
    """
    keras_probs = np.asarray(model.predict(inputs, batch_size=VERIFY_BATCH, verbose=0))
    lite_probs = tflite_predict(path, inputs)
    max_diff = float(np.abs(keras_probs - lite_probs).max())
    same = keras_probs.argmax(1) == lite_probs.argmax(1)
    top2 = np.sort(keras_probs, axis=1)[:, -2:]
    decisive = (top2[:, 1] - top2[:, 0]) > MAX_PROB_DIFF
    result = {'max_abs_diff': max_diff, 'argmax_agreement': float(np.mean(same)),
              'near_ties': int((~decisive).sum()), 'n': int(len(inputs))}
    if not np.isfinite(max_diff) or max_diff > MAX_PROB_DIFF or not same[decisive].all():
        raise TFLiteExportError(f'{path}: TFLite predictions differ from Keras: {result}')
    return result
