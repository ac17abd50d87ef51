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
A stage snapshot as diagnostic key/value pairs, and those pairs as one status line (ROS-free).

The nodes publish :func:`to_key_values` in a ``diagnostic_msgs/DiagnosticStatus``; the
``emotion_diagnostics`` console script prints :func:`status_line` of what it receives. Both
use the key names below, so they cannot drift.
"""

from collections.abc import Mapping
from typing import Optional

from emotion_ros.core.proc_stats import MIB
from emotion_ros.core.stage_stats import LEVEL_NAMES, StageSnapshot

KEY_INPUT_HZ = 'input rate (Hz)'
KEY_OUTPUT_HZ = 'output rate (Hz)'
KEY_LATENCY_MEDIAN = 'latency median (ms)'
KEY_LATENCY_P95 = 'latency p95 (ms)'
KEY_STAGE_MEDIAN = 'stage median (ms)'
KEY_STAGE_P95 = 'stage p95 (ms)'
KEY_FRAMES_IN = 'frames in'
KEY_FRAMES_OUT = 'frames out'
KEY_IDLE = 'since last input (s)'
KEY_RSS = 'RSS (MB)'
KEY_UPTIME = 'uptime (s)'
DROPPED_PREFIX = 'dropped: '
ERRORS_PREFIX = 'errors: '
COUNTER_PREFIX = 'count: '
NO_VALUE = '-'


def _number(value: Optional[float], digits: int = 1) -> str:
    return NO_VALUE if value is None else f'{value:.{digits}f}'


def to_key_values(snapshot: StageSnapshot) -> list[tuple[str, str]]:
    """
    Return the snapshot as ordered ``(key, value)`` string pairs.

    :param snapshot: the stage's statistics.
    :returns: rates, latency and stage percentiles, totals, idle time, RSS, then one pair per
        drop kind, error kind and extra counter.
    """
    pairs = [
        (KEY_INPUT_HZ, _number(snapshot.input_hz)),
        (KEY_OUTPUT_HZ, _number(snapshot.output_hz)),
        (KEY_LATENCY_MEDIAN, _number(snapshot.latency_ms.median, 2)),
        (KEY_LATENCY_P95, _number(snapshot.latency_ms.p95, 2)),
        (KEY_STAGE_MEDIAN, _number(snapshot.stage_ms.median, 2)),
        (KEY_STAGE_P95, _number(snapshot.stage_ms.p95, 2)),
        (KEY_FRAMES_IN, str(snapshot.frames_in)),
        (KEY_FRAMES_OUT, str(snapshot.frames_out)),
        (KEY_IDLE, _number(snapshot.idle)),
        (KEY_RSS, _number(None if snapshot.rss is None else snapshot.rss / MIB)),
        (KEY_UPTIME, _number(snapshot.uptime, 0)),
    ]
    pairs += [(DROPPED_PREFIX + kind, str(n)) for kind, n in sorted(snapshot.dropped.items())]
    pairs += [(ERRORS_PREFIX + kind, str(n)) for kind, n in sorted(snapshot.errors.items())]
    pairs += [(COUNTER_PREFIX + name, str(n)) for name, n in sorted(snapshot.counters.items())]
    return pairs


def _total(values: Mapping[str, str], prefix: str) -> int:
    total = 0
    for key, value in values.items():
        if key.startswith(prefix):
            try:
                total += int(value)
            except ValueError:
                pass
    return total


def status_line(name: str, level: int, message: str, values: Mapping[str, str],
                name_width: int = 20) -> str:
    """
    Format one node's status as a single line.

    :param name: the status name (the node).
    :param level: the level (0 OK, 1 WARN, 2 ERROR, 3 STALE).
    :param message: the status message.
    :param values: its key/value pairs (as published); missing keys print as ``-``.
    :param name_width: column width of the name, characters.
    :returns: e.g. ``face_tracker  OK    in 30.0 Hz out 30.0 Hz latency 11.2/14.9 ms
        stage 9.6/12.1 ms dropped 0 errors 0 rss 152.3 MB  ok``.
    """
    def get(key: str) -> str:
        return values.get(key, NO_VALUE)

    return (f'{name:<{name_width}} {LEVEL_NAMES.get(level, str(level)):<5} '
            f'in {get(KEY_INPUT_HZ)} Hz out {get(KEY_OUTPUT_HZ)} Hz '
            f'latency {get(KEY_LATENCY_MEDIAN)}/{get(KEY_LATENCY_P95)} ms '
            f'stage {get(KEY_STAGE_MEDIAN)}/{get(KEY_STAGE_P95)} ms '
            f'dropped {_total(values, DROPPED_PREFIX)} errors {_total(values, ERRORS_PREFIX)} '
            f'rss {get(KEY_RSS)} MB  {message}')
