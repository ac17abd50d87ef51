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

"""Declared, described and validated node parameters."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
import math
from typing import Any, Optional

from rcl_interfaces.msg import FloatingPointRange, IntegerRange, ParameterDescriptor
from rcl_interfaces.msg import SetParametersResult
from rclpy.node import Node
from rclpy.parameter import Parameter

# A check returns None when the value is acceptable, else the reason it is refused.
Check = Callable[[Any], Optional[str]]


@dataclass(frozen=True)
class ParamSpec:
    """
    One parameter: name, default, description and an optional validity check.

    :param name: parameter name.
    :param default: default value; its type is the parameter's type.
    :param description: what it means, with units.
    :param check: returns None for a valid value, else the reason it is refused.
    :param float_range: ``(low, high)`` shown to tools such as rqt (also enforced by rclpy).
    :param int_range: ``(low, high)`` for integer parameters.
    """

    name: str
    default: Any
    description: str
    check: Optional[Check] = None
    float_range: Optional[tuple[float, float]] = None
    int_range: Optional[tuple[int, int]] = None


def one_of(*choices: str) -> Check:
    """Return a check accepting only ``choices``."""
    def check(value: Any) -> Optional[str]:
        return None if value in choices else f'must be one of {", ".join(choices)}'
    return check


def at_least(low: float, *, strict: bool = False) -> Check:
    """Return a check accepting finite numbers >= ``low`` (> when ``strict``)."""
    def check(value: Any) -> Optional[str]:
        if not math.isfinite(value):
            return 'must be a finite number'
        if value < low or (strict and value == low):
            return f'must be {">" if strict else ">="} {low}'
        return None
    return check


def not_empty(value: Any) -> Optional[str]:
    """Refuse an empty string."""
    return None if str(value).strip() else 'must not be empty'


def _descriptor(spec: ParamSpec) -> ParameterDescriptor:
    descriptor = ParameterDescriptor(description=spec.description, read_only=True)
    if spec.float_range is not None:
        descriptor.floating_point_range = [
            FloatingPointRange(from_value=spec.float_range[0], to_value=spec.float_range[1])]
    if spec.int_range is not None:
        descriptor.integer_range = [
            IntegerRange(from_value=spec.int_range[0], to_value=spec.int_range[1])]
    return descriptor


def declare_parameters(node: Node, specs: Sequence[ParamSpec]) -> dict[str, Any]:
    """
    Declare read-only ``specs`` on ``node``, refusing invalid values with a reason.

    The parameters are read once at start-up (they are read-only), so a bad value given with
    ``-p`` or a params file stops the node with a message naming the parameter and the reason.

    :param node: the node.
    :param specs: the parameters.
    :returns: the values by name.
    :raises rclpy.exceptions.InvalidParameterValueException: a value fails its check.
    :raises rclpy.exceptions.InvalidParameterTypeException: a value has the wrong type.
    """
    checks = {spec.name: spec.check for spec in specs if spec.check is not None}

    def validate(parameters: list[Parameter]) -> SetParametersResult:
        for parameter in parameters:
            check = checks.get(parameter.name)
            reason = check(parameter.value) if check is not None else None
            if reason is not None:
                return SetParametersResult(
                    successful=False,
                    reason=f'{parameter.name}={parameter.value!r} refused: {reason}')
        return SetParametersResult(successful=True)

    node.add_on_set_parameters_callback(validate)
    for spec in specs:
        node.declare_parameter(spec.name, spec.default, _descriptor(spec))
    return {spec.name: node.get_parameter(spec.name).value for spec in specs}
