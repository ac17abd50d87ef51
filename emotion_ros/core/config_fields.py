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
Typed, described and validated settings: the mechanism behind every stage's config.

A stage config is a frozen dataclass deriving from :class:`StageConfig` whose fields are made
with :func:`setting`, which records the default, a description (with units) and the valid range
or choices. Building the dataclass validates every field; the node parameters, the command-line
scripts and the benches all read the same fields, so a default or a range has one home.

Whole numbers are accepted where a float is declared (``smoothing: 0``), and lists where a tuple
is declared, because that is how ROS parameters and YAML spell them.
"""

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
import math
import typing
from typing import Any, Optional

_METADATA_KEY = 'emotion_ros.setting'
# What ``ros2 param describe`` adds to the description of a setting that a node takes while it
# is unconfigured (Setting.settable_unconfigured).
SETTABLE_UNCONFIGURED_NOTE = 'settable only while the node is unconfigured'


@dataclass(frozen=True)
class Setting:
    """
    What a setting means and which values it takes.

    :param description: what it means, with units.
    :param low: smallest valid value (numbers, or each item of a tuple), or None.
    :param high: largest valid value, or None.
    :param low_open: ``low`` itself is invalid (``> low``).
    :param high_open: ``high`` itself is invalid (``< high``).
    :param choices: the only valid strings, or empty for any.
    :param non_empty: refuse an empty string or an empty tuple.
    :param settable_unconfigured: a node takes a new value while it is unconfigured (read at
        the next configure, e.g. a model swap); every other setting is read-only once declared.
    """

    description: str
    low: Optional[float] = None
    high: Optional[float] = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] = ()
    non_empty: bool = False
    settable_unconfigured: bool = False


def setting(default: Any, description: str, *, low: Optional[float] = None,
            high: Optional[float] = None, low_open: bool = False, high_open: bool = False,
            choices: tuple[str, ...] = (), non_empty: bool = False,
            settable_unconfigured: bool = False) -> Any:
    """
    Declare one field of a stage config.

    :param default: the default value; its field annotation gives the type.
    :param description: what it means, with units and what special values do.
    :param low: see :class:`Setting`.
    :param high: see :class:`Setting`.
    :param low_open: see :class:`Setting`.
    :param high_open: see :class:`Setting`.
    :param choices: see :class:`Setting`.
    :param non_empty: see :class:`Setting`.
    :param settable_unconfigured: see :class:`Setting`.
    :returns: a dataclass field carrying the :class:`Setting`.
    """
    spec = Setting(description, low, high, low_open, high_open, tuple(choices), non_empty,
                   settable_unconfigured)
    return field(default=default, metadata={_METADATA_KEY: spec})


@dataclass(frozen=True)
class SettingInfo:
    """
    One field of a stage config, as the node parameter tables and scripts see it.

    :param name: the field (and node parameter) name.
    :param default: the default value.
    :param kind: ``bool``, ``int``, ``float`` or ``str``; for a tuple, the item type.
    :param is_tuple: the value is a tuple of ``kind``.
    :param spec: description and valid values.
    """

    name: str
    default: Any
    kind: type
    is_tuple: bool
    spec: Setting

    @property
    def description(self) -> str:
        """Return the description, with the choices when there are some."""
        if self.spec.choices:
            return f'{self.spec.description} (one of: {", ".join(self.spec.choices)})'
        return self.spec.description

    def coerce(self, value: Any) -> Any:
        """
        Return ``value`` in this setting's type, or raise if it has another type.

        Whole numbers become floats for a float setting; lists become tuples.

        :param value: the value as given (parameter, YAML, keyword argument).
        :returns: the value, typed.
        :raises TypeError: when the value has another type.
        """
        if self.is_tuple:
            if isinstance(value, (str, bytes)) or not hasattr(value, '__iter__'):
                raise TypeError(f'must be a list of {self.kind.__name__}')
            return tuple(self._coerce_item(item) for item in value)
        return self._coerce_item(value)

    def _coerce_item(self, value: Any) -> Any:
        is_bool = isinstance(value, bool)
        if self.kind is bool and is_bool:
            return value
        if self.kind is int and isinstance(value, int) and not is_bool:
            return value
        if self.kind is float and isinstance(value, (int, float)) and not is_bool:
            return float(value)
        if self.kind is str and isinstance(value, str):
            return value
        raise TypeError(f'must be {"a list of " if self.is_tuple else "a "}{self.kind.__name__}'
                        f', got {type(value).__name__}')

    def problem(self, value: Any) -> Optional[str]:
        """
        Say why ``value`` is invalid for this setting.

        :param value: the value as given.
        :returns: None when valid, else the reason.
        """
        try:
            value = self.coerce(value)
        except TypeError as error:
            return str(error)
        items = value if self.is_tuple else (value,)
        if self.spec.non_empty and not (items if self.is_tuple else str(value).strip()):
            return 'must not be empty'
        for item in items:
            reason = self._item_problem(item)
            if reason is not None:
                return reason
        return None

    def _item_problem(self, item: Any) -> Optional[str]:
        spec = self.spec
        if spec.choices and item not in spec.choices:
            return f'must be one of {", ".join(spec.choices)}'
        if self.kind not in (int, float):
            return None
        if not math.isfinite(item):
            return 'must be a finite number'
        if spec.low is not None and (item < spec.low or (spec.low_open and item == spec.low)):
            return f'must be {">" if spec.low_open else ">="} {spec.low:g}'
        if spec.high is not None and (item > spec.high or (spec.high_open and item == spec.high)):
            return f'must be {"<" if spec.high_open else "<="} {spec.high:g}'
        return None


def _field_kind(annotation: Any) -> tuple[type, bool]:
    """Return ``(item type, is_tuple)`` for a field annotation such as ``tuple[float, ...]``."""
    if typing.get_origin(annotation) is tuple:
        return typing.get_args(annotation)[0], True
    return annotation, False


class StageConfig:
    """
    Base of the frozen stage-config dataclasses: validates and types every field when built.

    :raises ValueError: from the constructor, naming the field, the value and the reason.
    """

    def __post_init__(self) -> None:
        """Type and validate every setting (whole numbers to floats, lists to tuples)."""
        for info in self.settings():
            value = getattr(self, info.name)
            reason = info.problem(value)
            if reason is not None:
                raise ValueError(f'{info.name}={value!r} refused: {reason}')
            object.__setattr__(self, info.name, info.coerce(value))

    @classmethod
    def settings(cls) -> tuple[SettingInfo, ...]:
        """Return the settings of this config, in declaration order."""
        hints = typing.get_type_hints(cls)
        infos = []
        for item in fields(cls):
            spec = item.metadata.get(_METADATA_KEY)
            if spec is None:
                continue
            kind, is_tuple = _field_kind(hints[item.name])
            infos.append(SettingInfo(item.name, item.default, kind, is_tuple, spec))
        return tuple(infos)

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> 'StageConfig':
        """
        Build the config from a mapping that may hold other stages' values too.

        :param values: values by name; names that are not settings of this config are ignored,
            missing ones take their defaults.
        :returns: the validated config.
        :raises ValueError: for an invalid value.
        """
        names = {info.name for info in cls.settings()}
        return cls(**{name: value for name, value in values.items() if name in names})


def add_arguments(parser: argparse.ArgumentParser, config_class: type[StageConfig],
                  names: Sequence[str]) -> None:
    """
    Add command-line options for some settings, with their defaults and descriptions.

    ``smoothing`` becomes ``--smoothing``; a tuple setting takes several values.

    :param parser: the script's parser.
    :param config_class: the stage config.
    :param names: the settings to expose.
    """
    infos = {info.name: info for info in config_class.settings()}
    for name in names:
        info = infos[name]
        option = '--' + name.replace('_', '-')
        if info.kind is bool:
            parser.add_argument(option, action=argparse.BooleanOptionalAction,
                                default=info.default, help=info.description)
        else:
            parser.add_argument(option, type=info.kind, default=info.default,
                                nargs='+' if info.is_tuple else None,
                                help=f'{info.description} (default: {info.default})')


def config_from_arguments(config_class: type[StageConfig],
                          arguments: argparse.Namespace) -> StageConfig:
    """
    Build a stage config from parsed options (see :func:`add_arguments`).

    :param config_class: the stage config.
    :param arguments: the parsed options; settings without an option keep their defaults.
    :returns: the validated config.
    :raises ValueError: for an invalid value.
    """
    return config_class.from_values(vars(arguments))
