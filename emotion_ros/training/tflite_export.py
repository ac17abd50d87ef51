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
TFLite exports of a trained Keras model, checked against the Keras predictions.

The float32 export (``--tflite``) must match Keras to rounding error; :func:`verify_tflite`
measures that on real inputs and the argmax agreement (:func:`compare_predictions`, shared with
the ONNX export). The full-integer export (``--tflite-int8``: int8 weights, activations, input
and output, calibrated on training faces) cannot match to rounding error: :func:`check_int8`
reports its top-class agreement and accuracy beside the float model's, and its size.
"""

import contextlib
import io
from pathlib import Path
from typing import Callable, Dict, Optional, Type
import warnings

import numpy as np

MAX_PROB_DIFF = 1e-4  # largest |tflite - keras| probability difference accepted
VERIFY_BATCH = 32  # faces per TFLite invocation while verifying
CALIBRATION_FACES = 200  # training faces fed to the int8 converter's calibration (at most)


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


def export_tflite_int8(model, path: Path, calibration: np.ndarray, seed: int = 0) -> Path:
    """
    Convert a Keras model to a full-integer ``.tflite`` file (int8 input, output and ops).

    The converter measures the activation ranges on up to :data:`CALIBRATION_FACES` faces
    drawn (seeded) from ``calibration``; the input and output quantisation parameters are in
    the file, where the node's TFLite backend reads them.

    :param model: a built ``keras.Model``.
    :param path: output file.
    :param calibration: (N, H, W, C) float32 preprocessed training faces (N >= 1).
    :param seed: seed of the draw.
    :returns: the path written.
    :raises TFLiteExportError: when there are no faces or the conversion fails.
    """
    import tensorflow as tf

    if not len(calibration):
        raise TFLiteExportError('int8 TFLite export: no training faces to calibrate on')
    order = np.random.default_rng(seed).permutation(len(calibration))[:CALIBRATION_FACES]

    def representative():
        for index in order:
            yield [np.ascontiguousarray(calibration[index:index + 1], np.float32)]

    try:
        converter = tf.lite.TFLiteConverter.from_keras_model(model)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = representative
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
        # It warns that the float input has no statistics: the int8 input replaces it.
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter('ignore', UserWarning)
            flatbuffer = converter.convert()
    except Exception as error:  # the converter raises many unrelated types
        raise TFLiteExportError(f'int8 TFLite conversion failed: {error}') from error
    path = Path(path)
    path.write_bytes(flatbuffer)
    return path


def _quantisation(detail: dict) -> Optional[tuple]:
    """Return (scale, zero point) of an int8/uint8 tensor, None for a float one."""
    if np.dtype(detail['dtype']) not in (np.dtype(np.int8), np.dtype(np.uint8)):
        return None
    scale, zero_point = detail['quantization']
    return (float(scale), int(zero_point)) if scale else None


def tflite_predict(path: Path, inputs: np.ndarray) -> np.ndarray:
    """
    Run a ``.tflite`` model (float or full-integer) on a batch with ai-edge-litert.

    :param path: the ``.tflite`` file.
    :param inputs: (N, H, W, C) float32; quantised here when the model takes integers.
    :returns: (N, K) float32 outputs (dequantised).
    """
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(path))
    detail = interpreter.get_input_details()[0]
    input_quant = _quantisation(detail)
    outputs = []
    for start in range(0, len(inputs), VERIFY_BATCH):
        batch = np.ascontiguousarray(inputs[start:start + VERIFY_BATCH], np.float32)
        if input_quant is not None:
            info = np.iinfo(detail['dtype'])
            batch = np.clip(np.round(batch / input_quant[0]) + input_quant[1], info.min,
                            info.max).astype(detail['dtype'])
        interpreter.resize_tensor_input(detail['index'], list(batch.shape))
        interpreter.allocate_tensors()
        interpreter.set_tensor(detail['index'], batch)
        interpreter.invoke()
        output = interpreter.get_output_details()[0]
        values = interpreter.get_tensor(output['index']).astype(np.float32)
        output_quant = _quantisation(output)
        if output_quant is not None:
            values = (values - output_quant[1]) * np.float32(output_quant[0])
        outputs.append(values)
    return np.concatenate(outputs).astype(np.float32)


def compare_predictions(keras_probs: np.ndarray, probs: np.ndarray, what: str,
                        error: Type[Exception] = TFLiteExportError) -> Dict[str, float]:
    """
    Check that an export gives the Keras probabilities, and the same top class.

    The probabilities must agree within MAX_PROB_DIFF everywhere. The predicted classes must
    agree wherever Keras is decisive, i.e. its top-2 probability gap exceeds MAX_PROB_DIFF; a
    near-tie may legitimately flip within the rounding error.

    :param keras_probs: (N, K) Keras outputs.
    :param probs: (N, K) the export's outputs on the same inputs.
    :param what: the export, for the message (e.g. its path and kind).
    :param error: the exception class to raise.
    :returns: ``{'max_abs_diff', 'argmax_agreement', 'near_ties', 'n'}``; the agreement is
        over all inputs, ``near_ties`` counts the inputs exempt from it.
    :raises error: when the predictions differ by more than MAX_PROB_DIFF or a decisive
        predicted class differs.
    """
    max_diff = float(np.abs(keras_probs - probs).max())
    same = keras_probs.argmax(1) == probs.argmax(1)
    top2 = np.sort(keras_probs, axis=1)[:, -2:]
    decisive = (top2[:, 1] - top2[:, 0]) > MAX_PROB_DIFF
    result = {'max_abs_diff': max_diff, 'argmax_agreement': float(np.mean(same)),
              'near_ties': int((~decisive).sum()), 'n': int(len(keras_probs))}
    if not np.isfinite(max_diff) or max_diff > MAX_PROB_DIFF or not same[decisive].all():
        raise error(f'{what} predictions differ from Keras: {result}')
    return result


def check_int8(model, path: Path, inputs: np.ndarray, labels: np.ndarray,
               predict: Callable[[Path, np.ndarray], np.ndarray] = tflite_predict
               ) -> Dict[str, float]:
    """
    Measure a full-integer export against the Keras model on labelled inputs (never raises).

    :param model: the Keras model.
    :param path: its int8 ``.tflite`` export.
    :param inputs: (N, H, W, C) float32 model inputs (N >= 1).
    :param labels: (N,) true class indices.
    :param predict: runs the ``.tflite`` file on the inputs.
    :returns: ``{'argmax_agreement', 'accuracy', 'float_accuracy', 'max_abs_diff',
        'size_bytes', 'n'}``.
    """
    keras_probs = np.asarray(model.predict(inputs, batch_size=VERIFY_BATCH, verbose=0))
    probs = predict(path, inputs)
    return {'argmax_agreement': float(np.mean(keras_probs.argmax(1) == probs.argmax(1))),
            'accuracy': float(np.mean(probs.argmax(1) == labels)),
            'float_accuracy': float(np.mean(keras_probs.argmax(1) == labels)),
            'max_abs_diff': float(np.abs(keras_probs - probs).max()),
            'size_bytes': Path(path).stat().st_size, 'n': int(len(inputs))}


def verify_tflite(model, path: Path, inputs: np.ndarray) -> Dict[str, float]:
    """
    Compare the float TFLite model with the Keras model on the same inputs.

    :param model: the Keras model.
    :param path: its ``.tflite`` export.
    :param inputs: (N, H, W, C) float32 model inputs (N >= 1).
    :returns: what :func:`compare_predictions` returns.
    :raises TFLiteExportError: as :func:`compare_predictions`.
    """
    keras_probs = np.asarray(model.predict(inputs, batch_size=VERIFY_BATCH, verbose=0))
    return compare_predictions(keras_probs, tflite_predict(path, inputs), f'{path}: TFLite')
