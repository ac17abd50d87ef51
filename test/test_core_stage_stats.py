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

"""Stage statistics, levels, key/value report and /proc readings, without ROS."""

import os
import subprocess
import sys

from emotion_ros.core.config import DiagnosticsConfig
from emotion_ros.core.health.diagnostic_report import assess
from emotion_ros.core.health.diagnostic_report import (KEY_INPUT_HZ, KEY_OUTPUT_HZ, KEY_RSS,
                                                       KEY_STAGE_P95, status_line, to_key_values)
from emotion_ros.core.health.proc_stats import cpu_seconds, MIB, rss_bytes
from emotion_ros.core.health.stage_stats import BoundedCounter, ERROR, EventWindow, OK, OTHER_KIND
from emotion_ros.core.health.stage_stats import Spread, StageStats, WARN
import numpy as np
import pytest

FRAME = 1.0 / 30.0  # one frame at 30 Hz, s


class FakeClock:
    """A monotonic clock the test advances by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def run_frames(stats: StageStats, clock: FakeClock, frames: int, latency: float = 0.012,
               stage: float = 0.008, publish: bool = True) -> None:
    """Feed ``frames`` inputs at 30 Hz, each published with the given latency and stage time."""
    for _ in range(frames):
        clock.now += FRAME
        stats.record_input()
        if publish:
            stats.record_output(latency=latency, stage=stage)


def test_rates_follow_the_window() -> None:
    clock = FakeClock()
    stats = StageStats(window=5.0, clock=clock)
    run_frames(stats, clock, 300)  # 10 s at 30 Hz
    snap = stats.snapshot(rss=1)
    assert snap.input_hz == pytest.approx(30.0, abs=0.5)
    assert snap.output_hz == pytest.approx(30.0, abs=0.5)
    assert snap.frames_in == snap.frames_out == 300
    assert snap.recent_inputs == pytest.approx(150, abs=1)
    # Outputs stop, inputs go on: the output rate falls to 0 once the window has passed.
    run_frames(stats, clock, 180, publish=False)
    snap = stats.snapshot(rss=1)
    assert snap.input_hz == pytest.approx(30.0, abs=0.5)
    assert snap.output_hz == 0.0
    assert snap.frames_out == 300


def test_a_young_window_is_not_diluted() -> None:
    clock = FakeClock()
    stats = StageStats(window=5.0, clock=clock)
    run_frames(stats, clock, 30)  # the first second only
    assert stats.snapshot(rss=1).input_hz == pytest.approx(30.0, abs=1.0)


def test_a_full_window_measures_what_it_kept() -> None:
    window = EventWindow(5.0, max_events=100)
    for index in range(1000):  # 1000 Hz for 1 s: the deque keeps the last 100
        window.add(index / 1000.0)
    assert window.rate(0.999, since=0.0) == pytest.approx(1000.0, rel=0.02)


def test_percentiles_match_numpy() -> None:
    rng = np.random.default_rng(7)
    values = list(rng.exponential(10.0, size=501))
    spread = Spread.of(values)
    assert spread.median == pytest.approx(np.median(values))
    assert spread.p95 == pytest.approx(np.percentile(values, 95))
    assert Spread.of([]) == Spread(None, None)


def test_latency_and_stage_in_ms_over_the_window() -> None:
    clock = FakeClock()
    stats = StageStats(window=5.0, clock=clock)
    run_frames(stats, clock, 200, latency=0.050, stage=0.030)
    run_frames(stats, clock, 200, latency=0.012, stage=0.008)  # the slow part leaves the window
    snap = stats.snapshot(rss=1)
    assert snap.latency_ms.median == pytest.approx(12.0)
    assert snap.stage_ms.p95 == pytest.approx(8.0)


def test_counters_are_bounded() -> None:
    counter = BoundedCounter(max_kinds=3)
    for index in range(1000):
        counter.add(f'kind {index}')
    counts = counter.as_dict()
    assert len(counts) == 4
    assert counts[OTHER_KIND] == 997


def test_drop_totals_from_elsewhere_count_their_increase() -> None:
    clock = FakeClock()
    stats = StageStats(window=5.0, clock=clock)
    stats.update_dropped({'evicted_images': 0})
    assert stats.snapshot(rss=1).dropped == {'evicted_images': 0}
    stats.update_dropped({'evicted_images': 3})
    stats.update_dropped({'evicted_images': 5})
    snap = stats.snapshot(rss=1)
    assert snap.dropped == {'evicted_images': 5}
    assert snap.recent_dropped == 5
    clock.now += 6.0
    stats.update_dropped({'evicted_images': 5})
    assert stats.snapshot(rss=1).recent_dropped == 0


def test_a_healthy_stage_is_ok() -> None:
    clock = FakeClock()
    stats = StageStats(window=5.0, clock=clock)
    run_frames(stats, clock, 300)
    assert assess(stats.snapshot(rss=1), DiagnosticsConfig()) == (OK, 'ok')


def test_stage_time_above_its_limits_warns_then_errors() -> None:
    clock = FakeClock()
    stats = StageStats(window=5.0, clock=clock)
    run_frames(stats, clock, 300, stage=0.040)
    level, message = assess(stats.snapshot(rss=1),
                            DiagnosticsConfig(diagnostics_stage_warn_ms=30.0))
    assert level == WARN
    assert 'stage p95 40.0 ms > 30 ms' in message
    level, message = assess(stats.snapshot(rss=1),
                            DiagnosticsConfig(diagnostics_stage_warn_ms=10.0,
                                              diagnostics_stage_error_ms=35.0))
    assert level == ERROR
    # A limit of 0 is off.
    limits_off = DiagnosticsConfig(diagnostics_stage_warn_ms=0.0, diagnostics_stage_error_ms=0.0)
    level, _ = assess(stats.snapshot(rss=1), limits_off)
    assert level == OK


def test_latency_above_its_limit_warns() -> None:
    clock = FakeClock()
    stats = StageStats(window=5.0, clock=clock)
    run_frames(stats, clock, 300, latency=0.150)
    level, message = assess(stats.snapshot(rss=1), DiagnosticsConfig())
    assert level == WARN
    assert message.startswith('latency p95 150.0 ms')


def test_errors_warn_and_every_frame_failing_is_an_error() -> None:
    clock = FakeClock()
    stats = StageStats(window=5.0, clock=clock)
    run_frames(stats, clock, 100)
    stats.record_error('bad_image')
    level, message = assess(stats.snapshot(rss=1), DiagnosticsConfig())
    assert (level, message) == (WARN, '1 errors in 5 s')
    # A camera that cannot be opened: errors and no frames at all.
    unavailable = StageStats(window=5.0, clock=clock)
    unavailable.record_error('camera_unavailable')
    assert assess(unavailable.snapshot(rss=1), DiagnosticsConfig())[0] == ERROR
    for _ in range(200):
        clock.now += FRAME
        stats.record_input()
        stats.record_error('bad_image')
    level, message = assess(stats.snapshot(rss=1), DiagnosticsConfig())
    assert level == ERROR
    assert 'no output' in message
    assert stats.snapshot(rss=1).errors == {'bad_image': 201}


def test_many_drops_warn() -> None:
    clock = FakeClock()
    stats = StageStats(window=5.0, clock=clock)
    run_frames(stats, clock, 150)
    stats.record_dropped('evicted_images', 10)
    assert assess(stats.snapshot(rss=1), DiagnosticsConfig())[0] == OK
    stats.record_dropped('evicted_images', 60)
    level, message = assess(stats.snapshot(rss=1), DiagnosticsConfig())
    assert (level, message) == (WARN, '70 frames dropped in 5 s')


def test_no_input_warns_after_the_idle_limit() -> None:
    clock = FakeClock()
    stats = StageStats(window=5.0, clock=clock)
    clock.now += 2.0
    assert assess(stats.snapshot(rss=1), DiagnosticsConfig())[0] == OK
    clock.now += 4.0
    assert assess(stats.snapshot(rss=1), DiagnosticsConfig()) == (WARN, 'no input yet')
    run_frames(stats, clock, 30)
    assert assess(stats.snapshot(rss=1), DiagnosticsConfig())[0] == OK
    clock.now += 7.0
    assert assess(stats.snapshot(rss=1), DiagnosticsConfig()) == (WARN, 'no input for 7 s')


def test_worst_reason_first() -> None:
    clock = FakeClock()
    stats = StageStats(window=5.0, clock=clock)
    run_frames(stats, clock, 300, latency=0.150, stage=0.300)
    level, message = assess(stats.snapshot(rss=1), DiagnosticsConfig())
    assert level == ERROR
    assert message.split('; ')[0].startswith('stage p95 300.0 ms > 200 ms')
    assert 'latency p95 150.0 ms > 100 ms' in message


def test_thresholds_are_validated() -> None:
    with pytest.raises(ValueError, match='diagnostics_period'):
        DiagnosticsConfig(diagnostics_period=0.0)
    assert DiagnosticsConfig(diagnostics_stage_warn_ms=5).diagnostics_stage_warn_ms == 5.0


def test_report_and_status_line() -> None:
    clock = FakeClock()
    stats = StageStats(window=5.0, clock=clock)
    run_frames(stats, clock, 300, stage=0.0096)
    stats.record_error('bad_image')
    stats.record_dropped('evicted_images', 4)
    snap = stats.snapshot(counters={'log lines suppressed': 2}, rss=152 * MIB)
    values = dict(to_key_values(snap))
    assert float(values[KEY_INPUT_HZ]) == pytest.approx(30.0, abs=0.5)
    assert values[KEY_STAGE_P95] == '9.60'
    assert values[KEY_RSS] == '152.0'
    assert values['errors: bad_image'] == '1'
    assert values['dropped: evicted_images'] == '4'
    assert values['count: log lines suppressed'] == '2'
    line = status_line('face_tracker', WARN, '1 errors in 5 s', values)
    assert line.startswith('face_tracker')
    assert ' WARN ' in line
    assert f'in {values[KEY_INPUT_HZ]} Hz out {values[KEY_OUTPUT_HZ]} Hz' in line
    assert 'stage 9.60/9.60 ms' in line
    assert 'dropped 4 errors 1 rss 152.0 MB' in line
    assert line.endswith('1 errors in 5 s')
    # A status without values (another package's) still prints, with '-' for what is missing.
    assert 'in - Hz out - Hz' in status_line('other', OK, 'ok', {})


def test_proc_readings_of_a_real_process() -> None:
    own = rss_bytes()
    assert own is not None and own > 10 * MIB
    before = rss_bytes()
    block = bytearray(64 * MIB)
    block[::4096] = b'\x01' * len(block[::4096])  # touch every page so it is resident
    assert rss_bytes() - before > 50 * MIB
    del block
    child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'])
    try:
        assert rss_bytes(child.pid) > 0
        assert cpu_seconds(child.pid) >= 0.0
        assert cpu_seconds() > 0.0
    finally:
        child.kill()
        child.wait()
    assert rss_bytes(child.pid) is None
    assert cpu_seconds(child.pid) is None
    assert rss_bytes(os.getpid()) > 0
