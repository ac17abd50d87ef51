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

"""Node parameters declared from the core stage configs (emotion_ros.core.config)."""

from collections.abc import Callable, Sequence

from emotion_ros.core.config_fields import SETTABLE_UNCONFIGURED_NOTE, SettingInfo, StageConfig
from emotion_ros.nodes.managed_node import ManagedNode
from rcl_interfaces.msg import FloatingPointRange, IntegerRange, ParameterDescriptor
from rcl_interfaces.msg import SetParametersResult
from rclpy.node import Node
from rclpy.parameter import Parameter

# The one lifecycle state in which a settable_unconfigured parameter takes a new value.
UNCONFIGURED = 'unconfigured'


def _descriptor(info: SettingInfo, settable: bool) -> ParameterDescriptor:
    """
    Describe one setting to ROS tools (``ros2 param describe``, rqt).

    Float settings are dynamically typed so that ``smoothing:=0`` (an integer on the command
    line and in YAML) is accepted; the setting's own check then types and bounds the value.

    :param info: the setting.
    :param settable: the node takes new values while unconfigured (else read-only).
    """
    description = info.description
    if settable:
        description = f'{description}; {SETTABLE_UNCONFIGURED_NOTE}'
    descriptor = ParameterDescriptor(description=description, read_only=not settable,
                                     dynamic_typing=info.kind is float)
    low, high = info.spec.low, info.spec.high
    if low is not None and high is not None and not info.is_tuple:
        if info.kind is float:
            descriptor.floating_point_range = [
                FloatingPointRange(from_value=float(low), to_value=float(high))]
        elif info.kind is int:
            descriptor.integer_range = [IntegerRange(from_value=int(low), to_value=int(high))]
    return descriptor


def _unconfigured_only(node: ManagedNode, names: frozenset[str]
                       ) -> Callable[[Sequence[Parameter]], SetParametersResult]:
    """
    Return a set-parameters callback that refuses ``names`` unless ``node`` is unconfigured.

    The node reads them at configure: a value set while it is inactive or active would be
    shown by ``ros2 param get`` but not used.
    """
    def refuse_unless_unconfigured(parameters: Sequence[Parameter]) -> SetParametersResult:
        state = node.state_label
        for parameter in parameters:
            if parameter.name in names and state != UNCONFIGURED:
                return SetParametersResult(successful=False, reason=(
                    f'{parameter.name} can be set only while the node is {UNCONFIGURED} '
                    f'(it is {state}): deactivate and clean it up first, then configure'))
        return SetParametersResult(successful=True)
    return refuse_unless_unconfigured


def declare_config(node: Node, *config_classes: type[StageConfig]) -> list[StageConfig]:
    """
    Declare the settings of ``config_classes`` as parameters and build the configs.

    The parameters are read at configure, so a bad value given with ``-p`` or a params file
    fails the configure with a message naming the parameter and the reason. They are read-only,
    except on a managed node those marked ``settable_unconfigured`` (``model``), which take a
    new value only while the node is unconfigured (after a cleanup, before the next configure).
    A configure that runs again (after a failure or a cleanup) declares only what is not
    declared yet, and reads the current values.

    :param node: the node.
    :param config_classes: the stage configs whose settings the node takes.
    :returns: one validated config per class, in order.
    :raises rclpy.exceptions.InvalidParameterValueException: a value fails its check.
    """
    infos: dict[str, SettingInfo] = {}
    for config_class in config_classes:
        infos.update({info.name: info for info in config_class.settings()})
    missing = [info for info in infos.values() if not node.has_parameter(info.name)]
    settable = frozenset(name for name, info in infos.items()
                         if info.spec.settable_unconfigured and isinstance(node, ManagedNode))

    def validate(parameters: Sequence[Parameter]) -> SetParametersResult:
        for parameter in parameters:
            info = infos.get(parameter.name)
            reason = info.problem(parameter.value) if info is not None else None
            if reason is not None:
                return SetParametersResult(
                    successful=False,
                    reason=f'{parameter.name}={parameter.value!r} refused: {reason}')
        return SetParametersResult(successful=True)

    if missing:
        node.add_on_set_parameters_callback(validate)
        try:
            for info in missing:
                default = list(info.default) if info.is_tuple else info.default
                node.declare_parameter(info.name, default,
                                       _descriptor(info, info.name in settable))
        except Exception:
            node.remove_on_set_parameters_callback(validate)
            raise
        if settable:
            # Added once every parameter is declared: declaring one runs these callbacks too,
            # and that happens while the node is configuring.
            node.add_on_set_parameters_callback(_unconfigured_only(node, settable))
    values = {name: node.get_parameter(name).value for name in infos}
    return [config_class.from_values(values) for config_class in config_classes]
