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
A node's health on /diagnostics: the ROS side of :mod:`emotion_ros.core.health.stage_stats`.

A node creates one :class:`NodeDiagnostics` and feeds it::

    self._diagnostics = NodeDiagnostics(self, counters=lambda: {...})
    started = self._diagnostics.received()             # a frame arrived
    self._diagnostics.error('bad_image')               # it could not be used
    self._diagnostics.published(msg.header.stamp, started)  # its result went out

Once every ``diagnostics_period`` s it publishes one ``diagnostic_msgs/DiagnosticArray`` on
``/diagnostics`` (absolute, like ``diagnostic_updater``) holding one status named after the
node, with the level from :func:`~emotion_ros.core.health.diagnostic_report.assess`.
"""

from collections.abc import Callable, Mapping
import time
from typing import Any, Optional

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from emotion_ros.core.config import DiagnosticsConfig
from emotion_ros.core.health.diagnostic_report import assess
from emotion_ros.core.health.diagnostic_report import to_key_values
from emotion_ros.core.health.stage_stats import OK, StageStats, WARN
from emotion_ros.nodes.parameters import declare_config
from rclpy.node import Node
from rclpy.qos import QoSProfile
from rclpy.time import Time

DIAGNOSTICS_TOPIC = '/diagnostics'
DIAGNOSTICS_QOS = QoSProfile(depth=10)

# A source of totals: drop counts by kind, or other counters by name.
Totals = Callable[[], Mapping[str, int]]


class NodeDiagnostics:
    """Collect a node's stage statistics and publish them on /diagnostics periodically."""

    def __init__(self, node: Node, dropped: Optional[Totals] = None,
                 counters: Optional[Totals] = None, hardware_id: str = '',
                 state: Optional[Callable[[], str]] = None,
                 waiting: Optional[Callable[[], Optional[str]]] = None) -> None:
        """
        Declare the ``diagnostics_*`` parameters, the publisher and the timer.

        :param node: the node reporting.
        :param dropped: returns running totals of frames dropped elsewhere, by kind (e.g. a
            pairer's evictions); polled at every report.
        :param counters: returns other totals to report as they are (e.g. log lines
            suppressed); polled at every report.
        :param hardware_id: the status's hardware_id (e.g. the camera device).
        :param state: returns the node's lifecycle state ('active', 'inactive', ...): reported
            as a value; a node that is not active is reported OK with its state as message.
        :param waiting: returns what an active node has waited for too long (its output
            subscribers, see :class:`~emotion_ros.nodes.when_matched.WhenMatched`), or None:
            reported as a WARN with that text as message.
        """
        (self.config,) = declare_config(node, DiagnosticsConfig)
        self._node = node
        self._stats = StageStats(self.config.diagnostics_window)
        self._dropped = dropped
        self._counters = counters
        self._name = node.get_fully_qualified_name().lstrip('/')
        self._hardware_id = hardware_id
        self._state = state
        self._waiting = waiting
        self._publisher = node.create_publisher(DiagnosticArray, DIAGNOSTICS_TOPIC,
                                                DIAGNOSTICS_QOS)
        self._timer = node.create_timer(self.config.diagnostics_period, self.publish)

    def destroy(self) -> None:
        """Destroy the timer and the publisher (the node is being cleaned up)."""
        self._node.destroy_timer(self._timer)
        self._node.destroy_publisher(self._publisher)

    def received(self) -> float:
        """
        Count one input frame.

        :returns: the start time of the stage's work, to pass to :meth:`published`.
        """
        self._stats.record_input()
        return time.perf_counter()

    def published(self, stamp: Any, started: Optional[float] = None) -> None:
        """
        Count one output.

        :param stamp: the header stamp of the image the output comes from.
        :param started: the stage's start (from :meth:`received`); None: no stage time.
        """
        now = time.perf_counter()
        clock = self._node.get_clock()
        age = clock.now() - Time.from_msg(stamp, clock_type=clock.clock_type)
        self._stats.record_output(latency=age.nanoseconds / 1e9,
                                  stage=None if started is None else now - started)

    def error(self, kind: str) -> None:
        """Count one error of ``kind`` (a short identifier such as ``'bad_image'``)."""
        self._stats.record_error(kind)

    def dropped(self, kind: str, count: int = 1) -> None:
        """Count ``count`` frames dropped for reason ``kind``."""
        self._stats.record_dropped(kind, count)

    def publish(self) -> None:
        """Publish the current status (called by the timer)."""
        if self._dropped is not None:
            self._stats.update_dropped(self._dropped())
        snapshot = self._stats.snapshot(self._counters() if self._counters else None)
        level, message = assess(snapshot, self.config)
        values = [KeyValue(key=key, value=value) for key, value in to_key_values(snapshot)]
        if self._state is not None:
            state = self._state()
            values.insert(0, KeyValue(key='lifecycle state', value=state))
            if state != 'active':
                # Not running by request: no input is expected, so nothing is wrong.
                level, message = OK, state
        waiting = self._waiting() if self._waiting is not None else None
        if waiting is not None and (self._state is None or self._state() == 'active'):
            values.append(KeyValue(key='waiting', value=waiting))
            level, message = max(level, WARN), waiting
        status = DiagnosticStatus(
            level=bytes([level]), name=self._name, message=message,
            hardware_id=self._hardware_id, values=values)
        array = DiagnosticArray(status=[status])
        array.header.stamp = self._node.get_clock().now().to_msg()
        self._publisher.publish(array)
