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
Emotion classification of face crops with a model file and its card.

The runtime is chosen by the file's suffix from the registry
:data:`emotion_ros.core.model.backends.BACKENDS` (``.keras``/``.h5``/``.hdf5`` Keras, ``.tflite``
LiteRT, ``.onnx`` onnxruntime), imported only when a model of that kind is loaded. Outputs
are always probabilities: a model that outputs logits (rows not summing to 1 on a probe batch at
load time) gets a softmax. The classifier is not thread-safe: use one per thread or guard it
with a lock.
"""

import os
from pathlib import Path
from typing import Any, Sequence

from emotion_ros.core.emotion.preprocessing import preprocess_faces
from emotion_ros.core.model.backends import BACKENDS, ModelLoadError
from emotion_ros.core.model.model_card import card_path_for, InputSpec, load_card, ModelCard, \
    ModelCardError
import numpy as np

# Every model file suffix a backend is registered for (lower case).
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(BACKENDS)
# A float output row is already a probability vector if it sums to 1 within this (absolute).
PROBABILITY_SUM_TOLERANCE = 1e-3
# Faces in the probe batch run at load time (softmax detection and tracing).
_PROBE_BATCH = 2
# Seed of the probe batch, so loading is deterministic.
_PROBE_SEED = 20260101


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


class EmotionClassifier:
    """
    Classify preprocessed faces or raw face crops into the labels of a model card.

    Build it with :meth:`load`. ``predict`` takes a batch already preprocessed for
    ``input_spec``; ``classify_crops`` takes BGR/grey crops and preprocesses them with
    :func:`~emotion_ros.core.emotion.preprocessing.preprocess_faces`.
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

        :param model_path: a file with a suffix in :data:`SUPPORTED_SUFFIXES`.
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
        classifier = cls(BACKENDS[suffix](path, card), card, path)
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

        :returns: the backend's name, e.g. ``'keras'``, ``'tflite'`` or ``'onnx'``.
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
