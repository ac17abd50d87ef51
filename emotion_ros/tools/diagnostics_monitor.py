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

"""emotion_diagnostics: print /diagnostics as one status line per node, once per period."""

import argparse
from dataclasses import dataclass
import sys
import time
from typing import Optional, TextIO

from diagnostic_msgs.msg import DiagnosticArray
from emotion_ros.core.health.diagnostic_report import status_line
from emotion_ros.core.health.stage_stats import STALE
from emotion_ros.nodes.diagnostics import DIAGNOSTICS_QOS, DIAGNOSTICS_TOPIC
from emotion_ros.nodes.node_main import run_node
from rclpy.node import Node
from rclpy.utilities import remove_ros_args

DEFAULT_PERIOD = 1.0  # time between two printed reports, s
DEFAULT_STALE = 3.0  # a node silent for this long is shown as STALE, s


@dataclass
class LastStatus:
    """The newest status of one name, and when it arrived (monotonic s)."""

    level: int
    message: str
    values: dict[str, str]
    received: float


class DiagnosticsMonitor(Node):
    """Keep the newest status per name and print them all once per period."""

    def __init__(self, period: float, stale: float, count: int, out: TextIO) -> None:
        super().__init__('emotion_diagnostics')
        self._stale, self._count, self._out = stale, count, out
        self.latest: dict[str, LastStatus] = {}
        self.reports = 0
        self.create_subscription(DiagnosticArray, DIAGNOSTICS_TOPIC, self._on_array,
                                 DIAGNOSTICS_QOS)
        self.create_timer(period, self._report)

    @property
    def finished(self) -> bool:
        """Return whether the requested number of reports were printed."""
        return 0 < self._count <= self.reports

    def _on_array(self, msg: DiagnosticArray) -> None:
        now = time.monotonic()
        for status in msg.status:
            level = status.level[0] if isinstance(status.level, bytes) else int(status.level)
            self.latest[status.name] = LastStatus(
                level, status.message, {kv.key: kv.value for kv in status.values}, now)

    def _report(self) -> None:
        if not self.latest:
            return
        now = time.monotonic()
        width = max(len(name) for name in self.latest)
        for name in sorted(self.latest):
            last = self.latest[name]
            age = now - last.received
            level, message = last.level, last.message
            if age > self._stale:
                level, message = STALE, f'no report for {age:.0f} s'
            print(status_line(name, level, message, last.values, width), file=self._out,
                  flush=True)
        self.reports += 1


def main(args: Optional[list[str]] = None) -> None:
    """Print status lines until Ctrl-C or --count reports."""
    argv = remove_ros_args(args if args is not None else sys.argv)[1:]
    parser = argparse.ArgumentParser(prog='emotion_diagnostics',
                                     description=__doc__.splitlines()[0])
    parser.add_argument('--period', type=float, default=DEFAULT_PERIOD,
                        help='seconds between reports (default %(default)s)')
    parser.add_argument('--stale', type=float, default=DEFAULT_STALE,
                        help='show a node silent this long as STALE, s (default %(default)s)')
    parser.add_argument('--count', type=int, default=0,
                        help='exit after N reports (0: never)')
    options = parser.parse_args(argv)
    if options.period <= 0.0:
        parser.error('--period must be > 0')
    sys.exit(run_node(lambda: DiagnosticsMonitor(options.period, options.stale, options.count,
                                                 sys.stdout), args))
