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
Health statistics of one pipeline stage over a time window (ROS-free).

A node feeds a :class:`StageStats` as frames arrive (:meth:`StageStats.record_input`), as it
publishes (:meth:`StageStats.record_output` with the latency from the image stamp and the time
of its own stage), and when a frame is dropped or an error happens. :meth:`StageStats.snapshot`
summarises the last ``window`` seconds (rates, median and p95) and the totals since start;
:func:`emotion_ros.core.health.diagnostic_report.assess` turns a snapshot into OK / WARN /
ERROR with the reasons, against the thresholds of a
:class:`~emotion_ros.core.config.DiagnosticsConfig`. Memory is bounded: a window keeps at
most :data:`MAX_EVENTS` events and the counters at most :data:`MAX_KINDS` kinds.
"""

from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
import math
import time
from typing import Optional

from emotion_ros.core.health.proc_stats import rss_bytes

# Levels, with the values of diagnostic_msgs/DiagnosticStatus.
OK = 0
WARN = 1
ERROR = 2
STALE = 3
LEVEL_NAMES = {OK: 'OK', WARN: 'WARN', ERROR: 'ERROR', STALE: 'STALE'}

DEFAULT_WINDOW = 5.0  # statistics window, s
MAX_EVENTS = 4096  # events kept per window (5 s at up to 800 Hz), events
MAX_KINDS = 16  # error or drop kinds counted by name; later kinds are counted as OTHER_KIND
OTHER_KIND = 'other'


class BoundedCounter:
    """Counts per kind, at most ``max_kinds`` kinds (then under :data:`OTHER_KIND`)."""

    def __init__(self, max_kinds: int = MAX_KINDS) -> None:
        """:param max_kinds: distinct kinds counted by name, >= 1."""
        self._max_kinds = max(int(max_kinds), 1)
        self._counts: dict[str, int] = {}

    def add(self, kind: str, count: int = 1) -> None:
        """Add ``count`` to ``kind``."""
        if kind not in self._counts and len(self._counts) >= self._max_kinds:
            kind = OTHER_KIND
        self._counts[kind] = self._counts.get(kind, 0) + count

    def as_dict(self) -> dict[str, int]:
        """Return a copy of the counts, by kind."""
        return dict(self._counts)


class EventWindow:
    """Times (and optional values) of the events of the last ``window`` seconds, bounded."""

    def __init__(self, window: float, max_events: int = MAX_EVENTS) -> None:
        """
        Create an empty window.

        :param window: how far back events are kept, s (> 0).
        :param max_events: the most events kept; the oldest go first.
        :raises ValueError: for a window that is not positive.
        """
        if not window > 0.0:
            raise ValueError(f'window must be > 0 s, got {window!r}')
        self.window = float(window)
        self._events: deque[tuple[float, float, int]] = deque(maxlen=max_events)

    def add(self, now: float, value: float = math.nan, count: int = 1) -> None:
        """
        Record ``count`` events at time ``now`` (s, monotonic), with an optional value.

        :param now: the time, s (monotonic, never decreasing between calls).
        :param value: the event's value (e.g. a latency), NaN for none.
        :param count: how many events this entry stands for.
        """
        self._events.append((now, value, count))
        self._trim(now)

    def _trim(self, now: float) -> None:
        while self._events and self._events[0][0] <= now - self.window:
            self._events.popleft()

    def count(self, now: float) -> int:
        """Return how many events happened in the window ending at ``now``."""
        self._trim(now)
        return sum(entry[2] for entry in self._events)

    def rate(self, now: float, since: float) -> float:
        """
        Return the event rate over the window ending at ``now``.

        :param now: the end of the window, s.
        :param since: when counting started, s: a younger window is shorter.
        :returns: events per second (0 when the window has no length yet).
        """
        count = self.count(now)
        span = min(self.window, now - since)
        if len(self._events) == self._events.maxlen:
            # Full: older events of the window were dropped, so measure over what is kept.
            span = min(span, now - self._events[0][0])
        return count / span if span > 0.0 else 0.0

    def values(self, now: float) -> list[float]:
        """Return the values of the events in the window (events without one are left out)."""
        self._trim(now)
        return [entry[1] for entry in self._events if not math.isnan(entry[1])]


@dataclass(frozen=True)
class Spread:
    """Median and 95th percentile of a sample (None when empty)."""

    median: Optional[float] = None
    p95: Optional[float] = None

    @classmethod
    def of(cls, values: list[float]) -> 'Spread':
        """
        Summarise ``values`` (linear interpolation between order statistics, as numpy).

        :param values: the sample.
        :returns: its median and p95.
        """
        if not values:
            return cls()
        data = sorted(values)

        def quantile(q: float) -> float:
            position = q * (len(data) - 1)
            low = math.floor(position)
            high = min(low + 1, len(data) - 1)
            return data[low] + (data[high] - data[low]) * (position - low)

        return cls(quantile(0.5), quantile(0.95))


@dataclass(frozen=True)
class StageSnapshot:
    """
    What a stage did over the last window, and since it started.

    :param uptime: seconds since the statistics started.
    :param input_hz: inputs per second over the window.
    :param output_hz: outputs per second over the window.
    :param latency_ms: image stamp to publish, over the window, ms.
    :param stage_ms: time of the stage's own work per output, over the window, ms.
    :param frames_in: inputs since start.
    :param frames_out: outputs since start.
    :param idle: seconds since the last input (None: none yet).
    :param errors: errors since start, by kind.
    :param dropped: frames dropped or evicted since start, by kind.
    :param recent_errors: errors in the window.
    :param recent_dropped: frames dropped in the window.
    :param recent_inputs: inputs in the window.
    :param counters: other totals the node reports (e.g. log lines suppressed).
    :param rss: resident memory of the process, bytes (None: unknown).
    """

    uptime: float
    input_hz: float
    output_hz: float
    latency_ms: Spread
    stage_ms: Spread
    frames_in: int
    frames_out: int
    idle: Optional[float]
    errors: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    recent_errors: int = 0
    recent_dropped: int = 0
    recent_inputs: int = 0
    counters: dict[str, int] = field(default_factory=dict)
    rss: Optional[int] = None


class StageStats:
    """Rates, latency and stage-time percentiles, drops and errors of one stage."""

    def __init__(self, window: float = DEFAULT_WINDOW,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """
        Start counting now.

        :param window: seconds the rates and percentiles cover (> 0).
        :param clock: monotonic time source, s (a test may pass its own).
        """
        self._clock = clock
        self._start = clock()
        self._inputs = EventWindow(window)
        self._outputs = EventWindow(window)
        self._latency = EventWindow(window)
        self._stage = EventWindow(window)
        self._recent_errors = EventWindow(window)
        self._recent_dropped = EventWindow(window)
        self._errors = BoundedCounter()
        self._dropped = BoundedCounter()
        self._drop_totals: dict[str, int] = {}
        self._frames_in = 0
        self._frames_out = 0
        self._last_input: Optional[float] = None

    def record_input(self) -> None:
        """Count one input frame (a captured frame, or a received message)."""
        now = self._clock()
        self._inputs.add(now)
        self._frames_in += 1
        self._last_input = now

    def record_output(self, latency: Optional[float] = None,
                      stage: Optional[float] = None) -> None:
        """
        Count one published output.

        :param latency: image stamp to this publish, s (None: unknown).
        :param stage: time of this stage's own work for the output, s (None: unknown).
        """
        now = self._clock()
        self._outputs.add(now)
        self._frames_out += 1
        if latency is not None:
            self._latency.add(now, latency * 1e3)
        if stage is not None:
            self._stage.add(now, stage * 1e3)

    def record_error(self, kind: str) -> None:
        """Count one error of ``kind`` (e.g. ``'bad_image'``)."""
        self._errors.add(kind)
        self._recent_errors.add(self._clock())

    def record_dropped(self, kind: str, count: int = 1) -> None:
        """Count ``count`` frames dropped for reason ``kind`` (e.g. ``'evicted_images'``)."""
        if count > 0:
            self._dropped.add(kind, count)
            self._recent_dropped.add(self._clock(), count=count)

    def update_dropped(self, totals: Mapping[str, int]) -> None:
        """
        Take drop totals counted elsewhere (e.g. a pairer's evictions), recording the increase.

        :param totals: the running totals, by kind, since that counter started; every kind
            is reported from the first call on, also while it is 0.
        """
        for kind, total in totals.items():
            increase = total - self._drop_totals.get(kind, 0)
            self._drop_totals[kind] = total
            if increase > 0:
                self.record_dropped(kind, increase)
            else:
                self._dropped.add(kind, 0)  # reported from the start, as 0

    def snapshot(self, counters: Optional[Mapping[str, int]] = None,
                 rss: Optional[int] = None) -> StageSnapshot:
        """
        Summarise the window ending now.

        :param counters: other totals to report as they are.
        :param rss: resident memory to report, bytes (default: this process's).
        :returns: the snapshot.
        """
        now = self._clock()
        return StageSnapshot(
            uptime=now - self._start,
            input_hz=self._inputs.rate(now, self._start),
            output_hz=self._outputs.rate(now, self._start),
            latency_ms=Spread.of(self._latency.values(now)),
            stage_ms=Spread.of(self._stage.values(now)),
            frames_in=self._frames_in, frames_out=self._frames_out,
            idle=None if self._last_input is None else now - self._last_input,
            errors=self._errors.as_dict(), dropped=self._dropped.as_dict(),
            recent_errors=self._recent_errors.count(now),
            recent_dropped=self._recent_dropped.count(now),
            recent_inputs=self._inputs.count(now),
            counters=dict(counters or {}),
            rss=rss_bytes() if rss is None else rss)
