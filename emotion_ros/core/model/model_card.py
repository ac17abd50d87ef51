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
Model cards: the JSON file that says what a model expects and what it outputs.

The card sits next to the model as ``<stem>.card.json``; one card serves ``x.keras``,
``x.hdf5`` and ``x.tflite``. Layout (``card_version`` 1)::

    {
      "card_version": 1,
      "name": "fer2013_mini_xception",
      "description": "...",
      "labels": ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"],
      "input": {"height": 64, "width": 64, "channels": 1, "normalisation": "symmetric"},
      "architecture": "mini_xception",
      "dataset": "FER2013",
      "split": "...",
      "source": "...",
      "license": "...",
      "metrics": {"accuracy": 0.66, "macro_f1": 0.6, "...": "..."},
      "valence_arousal": {"method": "category_mapping", "source": "...",
                          "coordinates": {"angry": [-0.51, 0.59], "...": [0.0, 0.0]}}
    }

Required: ``card_version``, ``name``, ``labels``, ``input``. Every other top-level field is
optional; fields other than ``source``, ``license`` and ``metrics`` are kept in
``ModelCard.extra`` and written back unchanged by :func:`save_card`. ``valence_arousal``, when
present, needs a point per label (:mod:`emotion_ros.core.model.valence_arousal`); a card
without it gets the default table.
"""

from dataclasses import dataclass, field
import json
import math
import os
from pathlib import Path
import tempfile
from typing import Any, Mapping, Sequence

from emotion_ros.core.model.valence_arousal import CARD_FIELD, DEFAULT_TABLE, \
    ValenceArousalError, ValenceArousalTable
import numpy as np

# The only card layout this code reads and writes.
CARD_VERSION = 1
SUPPORTED_CARD_VERSIONS: tuple[int, ...] = (CARD_VERSION,)
# File name suffix of a card: ``<model stem>.card.json``.
CARD_SUFFIX = '.card.json'
# Permissions of a written card (rw-r--r--): nodes may run as another user than training.
CARD_FILE_MODE = 0o644
# 'unit': x / 255 in [0, 1]; 'symmetric': (x / 255 - 0.5) * 2 in [-1, 1]; 'none': x as is,
# in [0, 255] (FER+ and other models that scale inside the graph); x in [0, 255].
NORMALISATIONS: tuple[str, ...] = ('unit', 'symmetric', 'none')
# Image channels a model may take: 1 = grey, 3 = BGR.
CHANNEL_CHOICES: tuple[int, ...] = (1, 3)
# Optional top-level fields that must be strings when present.
_OPTIONAL_STRING_FIELDS: tuple[str, ...] = (
    'description', 'architecture', 'dataset', 'split', 'source', 'license')
# Metrics that are fractions in [0, 1] when present.
_FRACTION_METRICS: tuple[str, ...] = ('accuracy', 'macro_f1')
# Fields ModelCard holds in named attributes (the rest of the JSON goes to ``extra``).
_NAMED_FIELDS: tuple[str, ...] = (
    'card_version', 'name', 'labels', 'input', 'source', 'license', 'metrics')


class ModelCardError(ValueError):
    """A model card is missing, unreadable or has an invalid field (the message says which)."""


def _error(where: str, field_name: str, problem: str) -> ModelCardError:
    return ModelCardError(f'{where}: field {field_name!r} {problem}')


def _check_positive_int(value: Any, where: str, field_name: str) -> int:
    # bool is an int subclass; 64.0 is refused so a typo cannot hide a float size.
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise _error(where, field_name, f'must be a positive integer, got {value!r}')
    if value <= 0:
        raise _error(where, field_name, f'must be a positive integer, got {value!r}')
    return int(value)


def _check_channels(value: Any, where: str, field_name: str) -> int:
    channels = _check_positive_int(value, where, field_name)
    if channels not in CHANNEL_CHOICES:
        raise _error(where, field_name, f'must be one of {CHANNEL_CHOICES}, got {value!r}')
    return channels


def _check_normalisation(value: Any, where: str, field_name: str) -> str:
    if value not in NORMALISATIONS or not isinstance(value, str):
        raise _error(where, field_name, f'must be one of {NORMALISATIONS}, got {value!r}')
    return value


def _check_labels(value: Any, where: str, field_name: str = 'labels') -> tuple[str, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise _error(where, field_name, f'must be a list of strings, got {value!r}')
    if len(value) == 0:
        raise _error(where, field_name, 'must not be empty')
    for index, label in enumerate(value):
        if not isinstance(label, str) or not label.strip():
            raise _error(where, field_name,
                         f'item {index} must be a non-empty string, got {label!r}')
    duplicates = sorted({label for label in value if list(value).count(label) > 1})
    if duplicates:
        raise _error(where, field_name, f'has duplicate labels {duplicates}')
    return tuple(value)


def _check_string(value: Any, where: str, field_name: str, allow_empty: bool = True) -> str:
    if not isinstance(value, str):
        raise _error(where, field_name, f'must be a string, got {value!r}')
    if not allow_empty and not value.strip():
        raise _error(where, field_name, 'must be a non-empty string')
    return value


def _check_metrics(value: Any, where: str, field_name: str = 'metrics') -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise _error(where, field_name, f'must be an object, got {value!r}')
    metrics: dict[str, Any] = {}
    for key, item in value.items():
        name = f'{field_name}.{key}'
        if not isinstance(key, str):
            raise _error(where, name, 'has a non-string key')
        number = isinstance(item, (int, float, np.integer, np.floating))
        if number and not isinstance(item, bool) and not math.isfinite(float(item)):
            raise _error(where, name, f'must be finite, got {item!r}')
        if key in _FRACTION_METRICS:
            if isinstance(item, bool) or not number or not 0.0 <= float(item) <= 1.0:
                raise _error(where, name, f'must be a number in [0, 1], got {item!r}')
        metrics[key] = item
    return metrics


def _check_valence_arousal(data: Mapping, labels: Sequence[str], where: str) -> None:
    if CARD_FIELD in data:
        try:
            ValenceArousalTable.from_dict(data[CARD_FIELD], labels)
        except ValenceArousalError as exc:
            raise _error(where, CARD_FIELD, str(exc)) from None


@dataclass(frozen=True)
class InputSpec:
    """
    What a model takes: ``(height, width, channels)`` pixels and how they are scaled.

    ``channels`` is 1 (grey) or 3 (BGR, the core's colour order); ``normalisation`` is
    ``'unit'`` (x / 255), ``'symmetric'`` ((x / 255 - 0.5) * 2) or ``'none'`` (x, 0..255).
    """

    height: int
    width: int
    channels: int
    normalisation: str

    def __post_init__(self) -> None:
        """
        Validate every field.

        :raises ModelCardError: naming the invalid field.
        """
        _check_positive_int(self.height, 'InputSpec', 'height')
        _check_positive_int(self.width, 'InputSpec', 'width')
        _check_channels(self.channels, 'InputSpec', 'channels')
        _check_normalisation(self.normalisation, 'InputSpec', 'normalisation')

    @property
    def shape(self) -> tuple[int, int, int]:
        """
        Return one model input's shape, without the batch axis.

        :returns: ``(height, width, channels)``.
        """
        return (self.height, self.width, self.channels)

    def to_dict(self) -> dict[str, Any]:
        """
        Return the card's ``input`` object.

        :returns: ``{'height', 'width', 'channels', 'normalisation'}``.
        """
        return {'height': self.height, 'width': self.width, 'channels': self.channels,
                'normalisation': self.normalisation}


@dataclass(frozen=True)
class ModelCard:
    """
    A model card: labels, input spec, provenance and metrics.

    ``extra`` holds the other top-level fields (description, architecture, dataset, split,
    and anything else) and is written back unchanged by :func:`save_card`.
    """

    name: str
    labels: tuple[str, ...]
    input: InputSpec  # noqa: A003 - the card's field name
    source: str = ''
    license: str = ''  # noqa: A003 - the card's field name
    metrics: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """
        Validate every field and store ``labels`` as a tuple.

        :raises ModelCardError: naming the invalid field.
        """
        _check_string(self.name, 'ModelCard', 'name', allow_empty=False)
        object.__setattr__(self, 'labels', _check_labels(self.labels, 'ModelCard'))
        if not isinstance(self.input, InputSpec):
            raise _error('ModelCard', 'input', f'must be an InputSpec, got {self.input!r}')
        _check_string(self.source, 'ModelCard', 'source')
        _check_string(self.license, 'ModelCard', 'license')
        object.__setattr__(self, 'metrics', _check_metrics(self.metrics, 'ModelCard'))
        if not isinstance(self.extra, Mapping):
            raise _error('ModelCard', 'extra', f'must be a dict, got {self.extra!r}')
        clash = sorted(set(self.extra) & set(_NAMED_FIELDS))
        if clash:
            raise _error('ModelCard', 'extra', f'must not repeat the named fields {clash}')
        object.__setattr__(self, 'extra', dict(self.extra))
        _check_valence_arousal(self.extra, self.labels, 'ModelCard')

    @property
    def valence_arousal(self) -> ValenceArousalTable:
        """
        Return the table that places this model's classes on the valence-arousal plane.

        :returns: the card's ``valence_arousal`` table, or the default one when it has none.
        """
        if CARD_FIELD in self.extra:
            return ValenceArousalTable.from_dict(self.extra[CARD_FIELD], self.labels)
        return DEFAULT_TABLE

    @property
    def num_classes(self) -> int:
        """
        Return the number of output classes.

        :returns: ``len(labels)``.
        """
        return len(self.labels)

    def to_dict(self) -> dict[str, Any]:
        """
        Return the card as the JSON object :func:`save_card` writes.

        :returns: a dict with ``card_version`` first, then the fields in the documented order.
        """
        data: dict[str, Any] = {'card_version': CARD_VERSION, 'name': self.name}
        if 'description' in self.extra:
            data['description'] = self.extra['description']
        data['labels'] = list(self.labels)
        data['input'] = self.input.to_dict()
        for key, value in self.extra.items():
            if key != 'description':
                data[key] = value
        data['source'] = self.source
        data['license'] = self.license
        data['metrics'] = dict(self.metrics)
        return data

    @classmethod
    def from_dict(cls, data: Any, where: str = '<dict>') -> 'ModelCard':
        """
        Build a card from its JSON object, validating every field.

        :param data: the parsed JSON object.
        :param where: what to name in error messages (the card's file path).
        :returns: the card.
        :raises ModelCardError: naming ``where`` and the invalid field.
        """
        if not isinstance(data, Mapping):
            raise ModelCardError(
                f'{where}: a model card must be a JSON object, got {type(data).__name__}')
        if 'card_version' not in data:
            raise _error(where, 'card_version', 'is missing')
        version = data['card_version']
        if not isinstance(version, int) or isinstance(version, bool) \
                or version not in SUPPORTED_CARD_VERSIONS:
            raise _error(where, 'card_version',
                         f'{version!r} is not supported '
                         f'(this code reads {SUPPORTED_CARD_VERSIONS})')
        for required in ('name', 'labels', 'input'):
            if required not in data:
                raise _error(where, required, 'is missing')
        name = _check_string(data['name'], where, 'name', allow_empty=False)
        labels = _check_labels(data['labels'], where)
        spec = data['input']
        if not isinstance(spec, Mapping):
            raise _error(where, 'input', f'must be an object, got {spec!r}')
        for key in ('height', 'width', 'channels', 'normalisation'):
            if key not in spec:
                raise _error(where, f'input.{key}', 'is missing')
        unknown = sorted(set(spec) - {'height', 'width', 'channels', 'normalisation'})
        if unknown:
            raise _error(where, 'input', f'has unknown keys {unknown}')
        input_spec = InputSpec(
            height=_check_positive_int(spec['height'], where, 'input.height'),
            width=_check_positive_int(spec['width'], where, 'input.width'),
            channels=_check_channels(spec['channels'], where, 'input.channels'),
            normalisation=_check_normalisation(
                spec['normalisation'], where, 'input.normalisation'))
        for key in _OPTIONAL_STRING_FIELDS:
            if key in data:
                _check_string(data[key], where, key)
        metrics = _check_metrics(data.get('metrics', {}), where)
        _check_valence_arousal(data, labels, where)
        extra = {key: value for key, value in data.items() if key not in _NAMED_FIELDS}
        return cls(name=name, labels=labels, input=input_spec, source=data.get('source', ''),
                   license=data.get('license', ''), metrics=metrics, extra=extra)


def card_path_for(model_path: str | os.PathLike) -> Path:
    """
    Return the card path of a model: ``<dir>/<stem>.card.json``.

    :param model_path: e.g. ``models/x.tflite`` (``x.keras`` and ``x.hdf5`` give the same card).
    :returns: e.g. ``models/x.card.json``.
    """
    path = Path(model_path)
    return path.with_name(path.stem + CARD_SUFFIX)


def load_card(path: str | os.PathLike) -> ModelCard:
    """
    Read and validate a model card.

    :param path: the ``.card.json`` file.
    :returns: the card.
    :raises ModelCardError: if the file is missing, unreadable, not JSON, or a field is invalid;
        the message names the file and the field.
    """
    card_path = Path(path)
    try:
        text = card_path.read_text(encoding='utf-8')
    except FileNotFoundError:
        raise ModelCardError(f'{card_path}: model card not found') from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelCardError(f'{card_path}: cannot read model card: {exc}') from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelCardError(f'{card_path}: not valid JSON: {exc}') from exc
    return ModelCard.from_dict(data, where=str(card_path))


def save_card(card: ModelCard, path: str | os.PathLike) -> Path:
    """
    Write a card as indented JSON (atomically: a temporary file, then a rename).

    :param card: the card to write.
    :param path: the target ``.card.json`` file; its folder must exist.
    :returns: the path written.
    :raises ModelCardError: if ``card`` is not a ModelCard or holds values JSON cannot store.
    """
    if not isinstance(card, ModelCard):
        raise ModelCardError(f'{path}: expected a ModelCard, got {type(card).__name__}')
    target = Path(path)
    try:
        text = json.dumps(card.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) + '\n'
    except (TypeError, ValueError) as exc:
        raise ModelCardError(f'{target}: card cannot be written as JSON: {exc}') from exc
    handle, tmp_name = tempfile.mkstemp(prefix=target.name, suffix='.part', dir=target.parent)
    try:
        # mkstemp creates the file 0600; a card must be as readable as its model.
        os.fchmod(handle, CARD_FILE_MODE)
        with os.fdopen(handle, 'w', encoding='utf-8') as tmp:
            tmp.write(text)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target
