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
Model runtimes, chosen by the model file's suffix: the registry :data:`BACKENDS`.

A backend is built from ``(path, card)``, checks the model against the card (one input, one
output, the card's input size and class count) and raises :class:`ModelLoadError` naming the
file when it cannot. It has ``name`` (shown in logs), ``output_scale`` (quantisation step of
the outputs, None for float) and ``run(batch)``: float32 ``(N, H, W, C)`` preprocessed faces
in, ``(N, K)`` raw outputs out (probabilities or logits; the classifier tells them apart).
Each runtime is imported only when a model of its kind is loaded.

* ``.keras`` / ``.h5`` / ``.hdf5``: ``keras.models.load_model(path, compile=False)``, called
  through one ``tf.function`` with a ``(None, H, W, C)`` input signature, so it is traced once
  for every batch size (``model.predict`` costs about 77 ms per call here; this 2.5 ms).
* ``.tflite``: the ``ai_edge_litert`` interpreter, one interpreter per batch size (cached), with
  int8/uint8 input/output quantisation honoured when the model has it.
* ``.onnx``: an ``onnxruntime`` CPU session. Channels-last ``(N, H, W, C)`` and channels-first
  ``(N, C, H, W)`` inputs are both accepted (FER+ and PyTorch exports are channels-first); a
  model with a fixed batch of 1 is run one face at a time.

Adding a format is one class with this interface and one line in :data:`BACKENDS`.
"""

from collections import OrderedDict
from pathlib import Path
from typing import Any, Sequence

from emotion_ros.core.model.model_card import ModelCard
import numpy as np

# Largest batch handed to one TFLite invocation; bigger inputs are run in chunks (faces).
TFLITE_MAX_BATCH = 32
# TFLite interpreters kept, one per batch size, least recently used evicted (interpreters).
TFLITE_CACHE_SIZE = 8
# onnxruntime threads per session: the node shares 2 cores with the camera and the detector,
# and a 58k-weight model gains nothing from more (threads).
ONNX_THREADS = 1
# The only ONNX input element type accepted (preprocessing makes float32).
ONNX_INPUT_TYPE = 'tensor(float)'


class ModelLoadError(RuntimeError):
    """A model or its card cannot be loaded or does not match (the message names the file)."""


def _shape_text(shape: Sequence[Any]) -> str:
    return '(' + ', '.join('None' if d is None or d == -1 else str(int(d)) for d in shape) + ')'


def _check_io_shapes(path: Path, input_shape: Sequence[Any], output_shape: Sequence[Any],
                     card: ModelCard) -> None:
    """Compare a model's input/output shapes (batch axis first) with its card."""
    expected = card.input.shape
    dims = tuple(None if d is None or d == -1 else int(d) for d in input_shape)
    if len(dims) != 4 or any(have is not None and have != want
                             for have, want in zip(dims[1:], expected)):
        raise ModelLoadError(
            f'{path}: model input shape {_shape_text(input_shape)} does not match the card '
            f'input (None, {expected[0]}, {expected[1]}, {expected[2]})')
    outs = tuple(None if d is None or d == -1 else int(d) for d in output_shape)
    if len(outs) != 2 or outs[1] != card.num_classes:
        raise ModelLoadError(
            f'{path}: model output shape {_shape_text(output_shape)} does not match the '
            f'{card.num_classes} labels of the card {list(card.labels)}')


class KerasBackend:
    """A Keras model behind one ``tf.function`` traced for any batch size."""

    name = 'keras'

    def __init__(self, path: Path, card: ModelCard) -> None:
        try:
            import keras
            import tensorflow as tf
        except ImportError as exc:
            raise ModelLoadError(
                f'{path}: TensorFlow/Keras is needed for {path.suffix} models: {exc}') from exc
        try:
            model = keras.models.load_model(str(path), compile=False)
        except Exception as exc:  # noqa: B902 - h5py/zip/keras raise many kinds
            raise ModelLoadError(
                f'{path}: not a loadable Keras model ({type(exc).__name__}: {exc})') from exc
        if len(model.inputs) != 1 or len(model.outputs) != 1:
            raise ModelLoadError(f'{path}: expected one input and one output, model has '
                                 f'{len(model.inputs)} inputs and {len(model.outputs)} outputs')
        _check_io_shapes(path, tuple(model.inputs[0].shape), tuple(model.outputs[0].shape),
                         card)
        spec = tf.TensorSpec(shape=(None,) + card.input.shape, dtype=tf.float32)
        # A fixed input signature: traced once, whatever the batch size.
        self._model = model
        self._function = tf.function(lambda x: model(x, training=False),
                                     input_signature=[spec])
        self.output_scale: float | None = None

    def run(self, batch: np.ndarray) -> np.ndarray:
        return np.asarray(self._function(batch), dtype=np.float32)


class TfliteBackend:
    """A LiteRT interpreter per batch size over one in-memory flatbuffer."""

    name = 'tflite'

    def __init__(self, path: Path, card: ModelCard) -> None:
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as exc:
            raise ModelLoadError(
                f'{path}: the ai-edge-litert package is needed for .tflite models: {exc}'
            ) from exc
        self._interpreter_class = Interpreter
        try:
            self._content = path.read_bytes()
            interpreter = Interpreter(model_content=self._content)
            interpreter.allocate_tensors()
        except Exception as exc:  # noqa: B902 - the flatbuffer verifier raises ValueError etc.
            raise ModelLoadError(
                f'{path}: not a loadable TFLite model ({type(exc).__name__}: {exc})') from exc
        inputs = interpreter.get_input_details()
        outputs = interpreter.get_output_details()
        if len(inputs) != 1 or len(outputs) != 1:
            raise ModelLoadError(f'{path}: expected one input and one output, model has '
                                 f'{len(inputs)} inputs and {len(outputs)} outputs')
        _check_io_shapes(path, tuple(inputs[0]['shape_signature']),
                         tuple(outputs[0]['shape_signature']), card)
        self._input_shape = card.input.shape
        self._input_dtype = np.dtype(inputs[0]['dtype'])
        self._input_quant = self._quantization(inputs[0])
        self._output_quant = self._quantization(outputs[0])
        self.output_scale = None if self._output_quant is None else self._output_quant[0]
        self._resizable = True
        self._cache: OrderedDict[int, Any] = OrderedDict()
        if int(inputs[0]['shape'][0]) == 1:
            self._cache[1] = interpreter

    @staticmethod
    def _quantization(detail: dict[str, Any]) -> tuple[float, int] | None:
        # (scale, zero_point) of an int8/uint8 tensor; None for float tensors.
        if np.dtype(detail['dtype']) not in (np.dtype(np.int8), np.dtype(np.uint8)):
            return None
        scale, zero_point = detail['quantization']
        if scale == 0.0:
            return None
        return float(scale), int(zero_point)

    def _interpreter(self, batch_size: int) -> Any:
        interpreter = self._cache.get(batch_size)
        if interpreter is not None:
            self._cache.move_to_end(batch_size)
            return interpreter
        interpreter = self._interpreter_class(model_content=self._content)
        index = interpreter.get_input_details()[0]['index']
        # Not strict: converted Keras models often declare a fixed batch of 1 (fer's does).
        interpreter.resize_tensor_input(index, [batch_size, *self._input_shape], strict=False)
        interpreter.allocate_tensors()
        self._cache[batch_size] = interpreter
        while len(self._cache) > TFLITE_CACHE_SIZE:
            self._cache.popitem(last=False)
        return interpreter

    def _quantize_input(self, batch: np.ndarray) -> np.ndarray:
        if self._input_quant is None:
            return batch.astype(self._input_dtype, copy=False)
        scale, zero_point = self._input_quant
        info = np.iinfo(self._input_dtype)
        quantized = np.round(batch / scale) + zero_point
        return np.clip(quantized, info.min, info.max).astype(self._input_dtype)

    def _invoke(self, batch: np.ndarray) -> np.ndarray:
        interpreter = self._interpreter(batch.shape[0])
        interpreter.set_tensor(interpreter.get_input_details()[0]['index'],
                               self._quantize_input(batch))
        interpreter.invoke()
        out = interpreter.get_tensor(interpreter.get_output_details()[0]['index'])
        if self._output_quant is not None:
            scale, zero_point = self._output_quant
            return (out.astype(np.float32) - zero_point) * np.float32(scale)
        return out.astype(np.float32, copy=True)

    def run(self, batch: np.ndarray) -> np.ndarray:
        results = []
        step = TFLITE_MAX_BATCH if self._resizable else 1
        for start in range(0, batch.shape[0], step):
            chunk = batch[start:start + step]
            if chunk.shape[0] > 1 and self._resizable:
                try:
                    results.append(self._invoke(chunk))
                    continue
                except (RuntimeError, ValueError):
                    # Some graphs (fixed reshapes) cannot take a batch axis > 1: go one by one.
                    self._resizable = False
            results.extend(self._invoke(chunk[i:i + 1]) for i in range(chunk.shape[0]))
        return np.concatenate(results, axis=0)


class OnnxBackend:
    """An onnxruntime CPU session; channels-first inputs are transposed from the core's NHWC."""

    name = 'onnx'

    def __init__(self, path: Path, card: ModelCard) -> None:
        try:
            import onnxruntime
        except ImportError as exc:
            raise ModelLoadError(
                f'{path}: the onnxruntime package is needed for .onnx models: {exc}') from exc
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = ONNX_THREADS
        options.inter_op_num_threads = ONNX_THREADS
        options.log_severity_level = 3  # errors only: they become ModelLoadError below
        try:
            session = onnxruntime.InferenceSession(str(path), sess_options=options,
                                                   providers=['CPUExecutionProvider'])
        except Exception as exc:  # noqa: B902 - onnxruntime raises its own pybind11 kinds
            raise ModelLoadError(
                f'{path}: not a loadable ONNX model ({type(exc).__name__}: {exc})') from exc
        inputs, outputs = session.get_inputs(), session.get_outputs()
        if len(inputs) != 1 or len(outputs) != 1:
            raise ModelLoadError(f'{path}: expected one input and one output, model has '
                                 f'{len(inputs)} inputs and {len(outputs)} outputs')
        if inputs[0].type != ONNX_INPUT_TYPE:
            raise ModelLoadError(f'{path}: input {inputs[0].name!r} is {inputs[0].type}; '
                                 f'only {ONNX_INPUT_TYPE} inputs are supported')
        dims = tuple(_onnx_dim(d) for d in inputs[0].shape)
        height, width, channels = card.input.shape
        self._channels_first = (len(dims) == 4 and not _dims_match(dims[1:], card.input.shape)
                                and _dims_match(dims[1:], (channels, height, width)))
        as_nhwc = (dims[0], *dims[2:], dims[1]) if self._channels_first else dims
        _check_io_shapes(path, as_nhwc, tuple(_onnx_dim(d) for d in outputs[0].shape), card)
        self._session = session
        self._input_name = inputs[0].name
        # A model exported with a fixed batch of 1 (the ONNX model zoo's FER+) runs per face.
        self._one_at_a_time = dims[0] == 1
        self.output_scale: float | None = None

    def _invoke(self, batch: np.ndarray) -> np.ndarray:
        out = self._session.run(None, {self._input_name: batch})[0]
        return np.asarray(out, dtype=np.float32).reshape(batch.shape[0], -1)

    def run(self, batch: np.ndarray) -> np.ndarray:
        if self._channels_first:
            batch = np.ascontiguousarray(batch.transpose(0, 3, 1, 2))
        if not self._one_at_a_time:
            return self._invoke(batch)
        return np.concatenate([self._invoke(batch[i:i + 1]) for i in range(batch.shape[0])])


def _onnx_dim(dim: Any) -> int | None:
    # onnxruntime gives an int for a fixed axis, a string or None for a symbolic one.
    return int(dim) if isinstance(dim, (int, np.integer)) and dim > 0 else None


def _dims_match(have: Sequence[int | None], want: Sequence[int]) -> bool:
    return len(have) == len(want) and all(h is None or h == w for h, w in zip(have, want))


# Model file suffix (lower case) -> backend class. Adding a format: one class, one line here.
BACKENDS: dict[str, type] = {
    '.keras': KerasBackend,
    '.h5': KerasBackend,
    '.hdf5': KerasBackend,
    '.tflite': TfliteBackend,
    '.onnx': OnnxBackend,
}
