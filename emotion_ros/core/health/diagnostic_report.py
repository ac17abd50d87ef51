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
A stage snapshot's level, its diagnostic key/value pairs, and those pairs as one status line.

:func:`assess` grades a snapshot OK / WARN / ERROR against the thresholds of a
:class:`~emotion_ros.core.config.DiagnosticsConfig` (the policy; the statistics are
:mod:`emotion_ros.core.health.stage_stats`). ROS-free.

The nodes publish :func:`to_key_values` in a ``diagnostic_msgs/DiagnosticStatus``; the
``emotion_diagnostics`` console script prints :func:`status_line` of what it receives. Both
use the key names below, so they cannot drift.
"""

from collections.abc import Mapping
from typing import Optional

from emotion_ros.core.config import DiagnosticsConfig
from emotion_ros.core.health.proc_stats import MIB
from emotion_ros.core.health.stage_stats import ERROR, LEVEL_NAMES, OK, Spread, StageSnapshot, WARN

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


def _over(spread: Spread, warn: float, error: float, what: str) -> tuple[int, Optional[str]]:
    """Grade a p95 against two limits (a limit of 0 is off); :returns: level and reason."""
    if spread.p95 is None:
        return OK, None
    if error > 0.0 and spread.p95 > error:
        return ERROR, f'{what} p95 {spread.p95:.1f} ms > {error:g} ms'
    if warn > 0.0 and spread.p95 > warn:
        return WARN, f'{what} p95 {spread.p95:.1f} ms > {warn:g} ms'
    return OK, None


def assess(snapshot: StageSnapshot, config: DiagnosticsConfig) -> tuple[int, str]:
    """
    Decide a stage's level from its snapshot.

    ERROR: the stage-time or latency p95 is above its error limit, or errors happen while
    nothing is published. WARN: a p95 above its warn limit, errors in the window, more than
    ``diagnostics_drop_warn_fraction`` of the window's inputs dropped, or no input for
    ``diagnostics_idle_warn`` s. A limit of 0 is off.

    :param snapshot: the stage's statistics.
    :param config: the thresholds.
    :returns: the level (:data:`OK`, :data:`WARN` or :data:`ERROR`) and a short message: the
        reasons, worst first, or ``'ok'``.
    """
    graded = [
        _over(snapshot.stage_ms, config.diagnostics_stage_warn_ms,
              config.diagnostics_stage_error_ms, 'stage'),
        _over(snapshot.latency_ms, config.diagnostics_latency_warn_ms,
              config.diagnostics_latency_error_ms, 'latency'),
    ]
    if snapshot.recent_errors:
        # Errors and nothing published: the stage is not working at all (every frame bad,
        # or a camera that cannot be opened).
        failing = snapshot.output_hz == 0.0
        graded.append((ERROR if failing else WARN,
                       f'{snapshot.recent_errors} errors in {config.diagnostics_window:g} s'
                       + (', no output' if failing else '')))
    if snapshot.recent_dropped and config.diagnostics_drop_warn_fraction > 0.0:
        fraction = snapshot.recent_dropped / max(snapshot.recent_inputs, 1)
        if fraction > config.diagnostics_drop_warn_fraction:
            graded.append((WARN, f'{snapshot.recent_dropped} frames dropped in '
                                 f'{config.diagnostics_window:g} s'))
    idle_limit = config.diagnostics_idle_warn
    if idle_limit > 0.0:
        idle = snapshot.uptime if snapshot.idle is None else snapshot.idle
        if idle > idle_limit:
            graded.append((WARN, 'no input yet' if snapshot.idle is None
                           else f'no input for {idle:.0f} s'))
    reasons = sorted((item for item in graded if item[1] is not None), key=lambda g: -g[0])
    if not reasons:
        return OK, 'ok'
    return reasons[0][0], '; '.join(reason for _, reason in reasons)
