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
Emotion classification of face crops with a Keras or TFLite model and its card.

* ``.keras`` / ``.h5`` / ``.hdf5``: ``keras.models.load_model(path, compile=False)``, called
  through one ``tf.function`` with a ``(None, H, W, C)`` input signature, so it is traced once
  for every batch size (``model.predict`` costs about 77 ms per call here; this 2.5 ms).
* ``.tflite``: the ``ai_edge_litert`` interpreter, one interpreter per batch size (cached), with
  int8/uint8 input/output quantisation honoured when the model has it.

TensorFlow and LiteRT are imported only when a model of that kind is loaded. Outputs are always
probabilities: a model that outputs logits (rows not summing to 1 on a probe batch at load time)
gets a softmax. The classifier is not thread-safe: use one per thread or guard it with a lock.
"""

from collections import OrderedDict
import os
from pathlib import Path
from typing import Any, Sequence

from emotion_ros.core.model_card import card_path_for, InputSpec, load_card, ModelCard, \
    ModelCardError
from emotion_ros.core.preprocessing import preprocess_faces
import numpy as np

# File suffixes per backend (lower case).
KERAS_SUFFIXES: tuple[str, ...] = ('.keras', '.h5', '.hdf5')
TFLITE_SUFFIXES: tuple[str, ...] = ('.tflite',)
SUPPORTED_SUFFIXES: tuple[str, ...] = KERAS_SUFFIXES + TFLITE_SUFFIXES
# Largest batch handed to one TFLite invocation; bigger inputs are run in chunks (faces).
TFLITE_MAX_BATCH = 32
# TFLite interpreters kept, one per batch size, least recently used evicted (interpreters).
TFLITE_CACHE_SIZE = 8
# A float output row is already a probability vector if it sums to 1 within this (absolute).
PROBABILITY_SUM_TOLERANCE = 1e-3
# Faces in the probe batch run at load time (softmax detection and tracing).
_PROBE_BATCH = 2
# Seed of the probe batch, so loading is deterministic.
_PROBE_SEED = 20260101


class ModelLoadError(RuntimeError):
    """A model or its card cannot be loaded or does not match (the message names the file)."""


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


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


class _KerasBackend:
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
        self._function = tf.function(lambda x: model(x, training=False),
                                     input_signature=[spec])
        self.output_scale: float | None = None

    def run(self, batch: np.ndarray) -> np.ndarray:
        return np.asarray(self._function(batch), dtype=np.float32)


class _TfliteBackend:
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


class EmotionClassifier:
    """
    Classify preprocessed faces or raw face crops into the labels of a model card.

    Build it with :meth:`load`. ``predict`` takes a batch already preprocessed for
    ``input_spec``; ``classify_crops`` takes BGR/grey crops and preprocesses them with
    :func:`~emotion_ros.core.preprocessing.preprocess_faces`.
    """

    def __init__(self, backend: Any, card: ModelCard, model_path: Path) -> None:
        """
        Wrap a loaded backend; use :meth:`load` instead of calling this directly.

        :param backend: an object with ``name``, ``output_scale`` (quantisation step of the
            output, None if float) and ``run(batch)``.
        :param card: the model's card.
        :param model_path: the model file.
        """
        self._backend = backend
        self._card = card
        self._model_path = model_path
        self._outputs_logits = False

    @classmethod
    def load(cls, model_path: str | os.PathLike,
             card_path: str | os.PathLike | None = None) -> 'EmotionClassifier':
        """
        Load a model and its card and check that they match.

        :param model_path: a ``.keras``, ``.h5``, ``.hdf5`` or ``.tflite`` file.
        :param card_path: the card; default ``<stem>.card.json`` next to the model.
        :returns: a ready classifier (already traced/allocated for batch sizes 1 and 2).
        :raises ModelLoadError: if the model or card is missing, unreadable or corrupt, the
            extension is unsupported, or the model's input shape or number of outputs does not
            match the card. The message names the file and what is wrong.
        """
        path = Path(model_path)
        suffix = path.suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            raise ModelLoadError(f'{path}: unsupported model file extension {path.suffix!r}; '
                                 f'expected one of {SUPPORTED_SUFFIXES}')
        if not path.exists():
            raise ModelLoadError(f'{path}: model file not found')
        if not path.is_file():
            raise ModelLoadError(f'{path}: not a regular file')
        card_file = Path(card_path) if card_path is not None else card_path_for(path)
        if not card_file.exists():
            raise ModelLoadError(f'{path}: model card {card_file} not found (every model needs '
                                 'a <stem>.card.json next to it, or pass card_path)')
        try:
            card = load_card(card_file)
        except ModelCardError as exc:
            raise ModelLoadError(f'{path}: invalid model card: {exc}') from exc
        backend_class = _KerasBackend if suffix in KERAS_SUFFIXES else _TfliteBackend
        classifier = cls(backend_class(path, card), card, path)
        classifier._probe()
        return classifier

    def _probe(self) -> None:
        """Run a seeded random batch: traces the model and detects logit outputs."""
        rng = np.random.default_rng(_PROBE_SEED)
        spec = self.input_spec
        pixels = rng.integers(0, 256, size=(_PROBE_BATCH,) + spec.shape, dtype=np.uint8)
        batch = preprocess_faces(pixels, spec)
        try:
            raw = self._backend.run(batch)
        except Exception as exc:  # noqa: B902 - any backend failure means the model is unusable
            raise ModelLoadError(f'{self._model_path}: model fails on a probe batch '
                                 f'({type(exc).__name__}: {exc})') from exc
        if raw.shape != (_PROBE_BATCH, self._card.num_classes) or not np.all(np.isfinite(raw)):
            raise ModelLoadError(f'{self._model_path}: model returned {raw.shape} or non-finite '
                                 f'values on a probe batch')
        tolerance = PROBABILITY_SUM_TOLERANCE
        if self._backend.output_scale is not None:
            # Each of the K dequantised outputs is off by up to half a quantisation step.
            tolerance = max(tolerance, self._card.num_classes * self._backend.output_scale)
        sums = raw.sum(axis=1)
        self._outputs_logits = bool(np.any(raw < 0.0) or np.any(np.abs(sums - 1.0) > tolerance))

    @property
    def card(self) -> ModelCard:
        """
        Return the model card.

        :returns: the card loaded with the model.
        """
        return self._card

    @property
    def labels(self) -> tuple[str, ...]:
        """
        Return the class names in output order.

        :returns: ``card.labels``.
        """
        return self._card.labels

    @property
    def input_spec(self) -> InputSpec:
        """
        Return what ``predict`` expects.

        :returns: ``card.input``.
        """
        return self._card.input

    @property
    def model_path(self) -> Path:
        """
        Return the model file.

        :returns: the path given to :meth:`load`.
        """
        return self._model_path

    @property
    def backend(self) -> str:
        """
        Return which runtime executes the model.

        :returns: ``'keras'`` or ``'tflite'``.
        """
        return self._backend.name

    @property
    def outputs_logits(self) -> bool:
        """
        Tell whether the model outputs logits (a softmax is applied by :meth:`predict`).

        :returns: True if a softmax is applied to the raw outputs.
        """
        return self._outputs_logits

    def predict(self, batch: np.ndarray) -> np.ndarray:
        """
        Class probabilities of a preprocessed batch.

        :param batch: float32 ``(N, H, W, C)`` as made by ``preprocess_faces(.., input_spec)``.
        :returns: float32 ``(N, K)`` probabilities, rows summing to 1; ``(0, K)`` for N = 0.
        :raises ValueError: if ``batch`` does not have the card's input shape.
        """
        array = np.asarray(batch)
        if array.ndim != 4 or array.shape[1:] != self.input_spec.shape:
            height, width, channels = self.input_spec.shape
            raise ValueError(f'expected a batch of shape (N, {height}, {width}, {channels}), '
                             f'got {array.shape}')
        if array.shape[0] == 0:
            return np.zeros((0, self._card.num_classes), dtype=np.float32)
        raw = self._backend.run(np.ascontiguousarray(array, dtype=np.float32))
        if self._outputs_logits:
            return _softmax(raw.astype(np.float32))
        if self._backend.output_scale is not None:
            clipped = np.clip(raw, 0.0, None)
            return clipped / np.maximum(clipped.sum(axis=1, keepdims=True), 1e-12)
        return raw

    def classify_crops(self, crops: np.ndarray | Sequence[np.ndarray]) -> np.ndarray:
        """
        Preprocess face crops and return their class probabilities.

        :param crops: face images as accepted by ``preprocess_faces`` (e.g. a list of BGR
            crops from ``crop_face``).
        :returns: float32 ``(N, K)`` probabilities; ``(0, K)`` for no crops.
        """
        return self.predict(preprocess_faces(crops, self.input_spec))

    def warm_up(self, batch_size: int = 1) -> None:
        """
        Run one dummy batch so the first real call is not slowed by set-up.

        :param batch_size: faces in the dummy batch (>= 1).
        :raises ValueError: if ``batch_size`` < 1.
        """
        if batch_size < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        self.predict(np.zeros((batch_size,) + self.input_spec.shape, dtype=np.float32))
