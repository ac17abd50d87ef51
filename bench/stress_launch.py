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
Launch the pipeline under ros2 launch many times, with the CPU loaded, and check every run.

Each run (its own ROS_DOMAIN_ID and ROS_HOME) starts one ``emotion_echo --jsonl`` per camera
and one ``emotion_diagnostics``, then the launch file (``scripts/ros2_launch.py``: what
``ros2 launch emotion_ros emotion.launch.py`` does) on the 72-frame one-face clip, two cameras
(``cameras:=left,right``) or one, with ``listeners:=1``: each camera starts only once its echo
hears its classifier (the diagnostics printer does not subscribe to emotions). The launch ends
by itself once every clip has played; then the listeners get SIGINT. Per run: the nodes that
reached active (their activation log line), the frames each camera's emotions got, launch's
exit code, escalations to SIGTERM/SIGKILL, tracebacks, every process's stop time, processes
still alive after their stop (killed and counted), and lines saying the DDS teardown hung.
Every wait is bounded: a launch that has not ended after ``--run-timeout`` gets SIGINT (as
Ctrl-C) and the run counts as failed.
``--load-procs`` busy loops (default one per core) run beside the whole time.

Needs launch and launch_ros importable (not on PyPI: see doc/launch_stress.md)::

    PYTHONPATH=/work/launch_site:$PYTHONPATH python bench/stress_launch.py --runs 100
    python bench/stress_launch.py --runs 20 --launch-file /tmp/before.launch.py
    python bench/stress_launch.py --one-camera --runs 10 --load-procs 0
    python bench/stress_launch.py --runs 20 --listeners 0   # echoes not waited for

Prints a markdown table and the failing runs' details; exits 1 if any run failed.
"""

import argparse
from dataclasses import dataclass, field
import importlib.util
import os
from pathlib import Path
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Optional

from emotion_ros.tools.runner import executable_path
from harness.launch_run import active_nodes, alive, command_name, descendants, first_signal
from harness.launch_run import kill_all, launch_log, log_time, marked_lines, message_stamps
from harness.launch_run import process_ends
from harness.processes import child_env, NodeProcess, REPO_ROOT, stop_all, stop_on_signals
from harness.report import finish_report, machine_info, warn_if_stale

CLIP = REPO_ROOT / 'assets' / 'media' / 'single_face.mp4'
CLIP_FRAMES = 72  # frames in the clip, frames
MIN_FRAMES = 70  # a camera's emotions must get at least this many of them, frames
LAUNCHER = REPO_ROOT / 'scripts' / 'ros2_launch.py'
# Domain ids of the runs, in turn (tests: 1..100, stress_shutdown: 120..199, benches: 214..232).
DOMAINS = range(200, 214)
# Head start of the listeners before the launch (they must hear the first frame), s.
LISTENER_HEAD_START = 2.0
RUN_TIMEOUT = 90.0  # a launch still running this long after its start gets SIGINT, s
# Wait after a stop (SIGINT, or launch's exit for what it started) before SIGKILL, s.
KILL_AFTER = 15.0
# launch escalates SIGINT -> SIGTERM -> SIGKILL in 5 s + 5 s: it gets that and this margin, s.
LAUNCH_STOP_BOUND = 20.0
POLL = 0.1  # period of the /proc polls, s
TRACEBACK_MARKS = ('Traceback (most recent call last)', 'Exception ignored in')
ESCALATION_MARK = "escalating to '"
WATCHDOG_MARK = 'DDS teardown hung'
# A paced file's camera that heard no answer for its timeout and played on (replay_pacing.py).
PLAYED_ON_MARK = "playing on at the file's rate"
BUSY_LOOP = 'try:\n    while True:\n        pass\nexcept KeyboardInterrupt:\n    pass'


@dataclass
class RunResult:
    """What one launch run did."""

    run: int
    domain: int
    expected_nodes: int
    active: set[str] = field(default_factory=set)
    frames: dict[str, int] = field(default_factory=dict)
    # Per camera: its first emotions' stamp minus the camera's first frame's, s (None: no
    # emotions); above a frame period the first frames were lost (e.g. discovery still going).
    first_late: dict[str, Optional[float]] = field(default_factory=dict)
    launch_code: Optional[int] = None
    timed_out: bool = False
    escalations: int = 0
    played_on: int = 0
    tracebacks: dict[str, int] = field(default_factory=dict)
    watchdog: dict[str, int] = field(default_factory=dict)
    stop_times: dict[str, float] = field(default_factory=dict)
    alive_after_stop: list[str] = field(default_factory=list)
    bad_exits: dict[str, Optional[int]] = field(default_factory=dict)  # not the watchdog's
    duration: float = 0.0
    loadavg: float = 0.0
    logs: Optional[Path] = None

    @property
    def all_active(self) -> bool:
        """Return whether every launched node logged its activation."""
        return len(self.active) >= self.expected_nodes

    @property
    def frames_ok(self) -> bool:
        """Return whether every camera's emotions got at least MIN_FRAMES frames."""
        return all(count >= MIN_FRAMES for count in self.frames.values())

    @property
    def failed(self) -> bool:
        """Return whether the run failed any criterion."""
        return (not self.all_active or not self.frames_ok or self.launch_code != 0
                or self.timed_out or bool(self.escalations or self.tracebacks
                                          or self.alive_after_stop or self.bad_exits))

    def describe(self, cameras: list[str]) -> str:
        """Return one line on what went wrong."""
        expected = {f'{c}.{n}'.lstrip('.') for c in cameras
                    for n in ('camera', 'face_tracker', 'emotion_classifier')}
        parts = [f'run {self.run} (domain {self.domain}, {self.duration:.0f} s)']
        if not self.all_active:
            parts.append(f'never active: {", ".join(sorted(expected - self.active))}')
        frames = []
        for camera, count in self.frames.items():
            late = self.first_late.get(camera)
            frames.append(f'{camera or "/"} {count}' + (
                '' if late is None else f' (first {late:.2f} s after the first frame)'))
        parts.append('frames ' + ', '.join(frames))
        if self.timed_out:
            parts.append(f'launch still running after {RUN_TIMEOUT:.0f} s: SIGINT sent')
        parts.append(f'launch exit code {self.launch_code}')
        for label, counts in (('tracebacks', self.tracebacks), ('watchdog', self.watchdog),
                              ('exit codes', self.bad_exits)):
            if counts:
                parts.append(f'{label} {counts}')
        if self.escalations:
            parts.append(f'escalations {self.escalations}')
        if self.played_on:
            parts.append(f'played on unanswered {self.played_on}')
        if self.alive_after_stop:
            parts.append(f'alive after stop: {", ".join(self.alive_after_stop)}')
        if self.logs:
            parts.append(f'logs {self.logs}')
        return '; '.join(parts)


def _stop_timed(processes: list[NodeProcess], result: RunResult) -> None:
    """SIGINT every process at once; time each exit; kill and count what outlives KILL_AFTER."""
    sent = time.monotonic()
    for process in processes:
        if process.alive():
            process.process.send_signal(signal.SIGINT)
    for process in processes:
        try:
            code = process.process.wait(max(sent + KILL_AFTER - time.monotonic(), 0.1))
            result.stop_times[process.name] = time.monotonic() - sent
            if code != 0:
                result.bad_exits[process.name] = code
        except subprocess.TimeoutExpired:
            process.process.kill()
            process.process.wait()
            result.alive_after_stop.append(process.name)
        process.close()


def _launch_and_wait(launch: NodeProcess, seen: dict[int, str], result: RunResult,
                     run_timeout: float) -> Optional[float]:
    """
    Wait for the launch to end by itself, noting its processes; stop it after ``run_timeout``.

    :returns: the wall time of the bench's SIGINT to launch, or None when it ended by itself.
    """
    started = time.monotonic()
    while launch.alive() and time.monotonic() - started < run_timeout:
        for pid in descendants(launch.pid):
            if pid not in seen:
                seen[pid] = command_name(pid)
        time.sleep(POLL)
    interrupted = None
    if launch.alive():
        result.timed_out = True
        interrupted = time.time()
        launch.process.send_signal(signal.SIGINT)
        try:
            launch.process.wait(LAUNCH_STOP_BOUND)
        except subprocess.TimeoutExpired:
            for pid in kill_all(descendants(launch.pid)):
                result.alive_after_stop.append(f'{seen.get(pid, "?")} (pid {pid})')
            launch.process.kill()
            result.alive_after_stop.append('launch')
    result.launch_code = launch.process.wait()
    return interrupted


def run_once(run: int, domain: int, cameras: list[str], launch_file: Optional[str],
             run_timeout: float, keep: Path, wait_for: int = 1) -> RunResult:
    """
    Start the listeners, then the launch; wait for its end; stop the listeners; read logs.

    :param wait_for: the launch's ``listeners`` argument (outside subscribers of emotions).
    """
    tmp = Path(tempfile.mkdtemp(prefix=f'stress_launch_{run}_'))
    ros_home = tmp / 'ros_home'
    env = child_env(domain, ros_home)
    result = RunResult(run, domain, 3 * len(cameras))
    echoes = [NodeProcess(f'echo{camera and "_" + camera}',
                          [str(executable_path('emotion_echo')), '--jsonl', '--ros-args', '-r',
                           f'__ns:=/{camera}'], env, tmp / f'echo_{camera or "root"}.log')
              for camera in cameras]
    listeners = echoes + [NodeProcess('diagnostics', [str(executable_path('emotion_diagnostics'))],
                                      env, tmp / 'diagnostics.log')]
    started = time.monotonic()
    launch = None
    seen: dict[int, str] = {}
    try:
        time.sleep(LISTENER_HEAD_START)
        source = ','.join([str(CLIP)] * len(cameras))
        args = [f'source:={source}', f'listeners:={wait_for}'] + (
            [f'cameras:={",".join(cameras)}'] if cameras[0] else [])
        launch = NodeProcess('launch', [sys.executable, str(LAUNCHER)]
                             + (['--launch-file', launch_file] if launch_file else []) + args,
                             env, tmp / 'launch.log')
        interrupted = _launch_and_wait(launch, seen, result, run_timeout)
        ended = time.time()
        # What launch started must end with it: wait, then kill and count what is left.
        deadline = time.monotonic() + KILL_AFTER
        while any(alive(pid) for pid in seen) and time.monotonic() < deadline:
            time.sleep(POLL)
        for pid in kill_all(seen):
            result.alive_after_stop.append(f'{seen[pid]} (pid {pid})')
        _stop_timed(listeners, result)
    finally:
        # Interrupted half-way (Ctrl-C): leave nothing running.
        for process in listeners + ([launch] if launch else []):
            if process.alive():
                kill_all(descendants(process.pid))
                process.process.kill()
                process.process.wait()
            process.close()
        kill_all(seen)
    result.duration = time.monotonic() - started
    result.loadavg = os.getloadavg()[0]
    _read_logs(result, tmp, ros_home, cameras, interrupted, ended)
    if result.failed:
        result.logs = keep / tmp.name
        shutil.move(str(tmp), result.logs)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def _read_logs(result: RunResult, tmp: Path, ros_home: Path, cameras: list[str],
               interrupted: Optional[float], ended: float) -> None:
    """Fill in what the logs say: activations, frames, stops, tracebacks, escalations."""
    screen = (tmp / 'launch.log').read_text(errors='replace')
    own_log = launch_log(ros_home)
    result.active = active_nodes(screen)
    for camera in cameras:
        stamps = message_stamps((tmp / f'echo_{camera or "root"}.log').read_text(
            errors='replace'))
        result.frames[camera] = len(stamps)
        # The camera logs 'publishing' right after its first frame (stamped just before).
        first_frame = log_time(screen, f'{camera}.camera'.lstrip('.'), 'publishing ')
        result.first_late[camera] = stamps[0] - first_frame \
            if stamps and first_frame is not None else None
    result.escalations = screen.count(ESCALATION_MARK)
    result.played_on = screen.count(PLAYED_ON_MARK)
    texts = {'launch': screen, **{path.stem: path.read_text(errors='replace')
                                  for path in tmp.glob('*.log') if path.name != 'launch.log'}}
    for name, text in texts.items():
        for mark, counts in ((TRACEBACK_MARKS, result.tracebacks),
                             ((WATCHDOG_MARK,), result.watchdog)):
            for process, count in marked_lines(text, mark, name).items():
                counts[process] = counts.get(process, 0) + count
    for end in process_ends(own_log).values():
        if end.stop_time is not None:
            result.stop_times[end.name] = end.stop_time
        if end.exit_code != 0:
            result.bad_exits[end.name] = end.exit_code
    # launch's stop: from its first signal to a process (or the bench's SIGINT) to its exit.
    starts = [t for t in (first_signal(own_log), interrupted) if t is not None]
    if starts:
        result.stop_times['launch'] = ended - min(starts)
    if result.launch_code != 0:
        result.bad_exits['launch'] = result.launch_code
    # A process the teardown deadline ended exits -9 by design: counted as a watchdog exit.
    for name in result.watchdog:
        result.bad_exits.pop(name, None)


def _kind(name: str) -> str:
    """Return what a process of the run is: 'launch', 'node' (launched) or 'listener'."""
    if name == 'launch':
        return name
    return 'listener' if name.startswith(('echo', 'diagnostics')) else 'node'


def _table(results: list[RunResult], cameras: list[str]) -> str:
    both = 'both cameras' if len(cameras) == 2 else 'every camera' if len(cameras) > 1 \
        else 'the camera'

    def worst(kind: str) -> str:
        times = [t for r in results for name, t in r.stop_times.items() if _kind(name) == kind]
        return f'{max(times):.2f}' if times else '-'

    rows = [
        ('runs', len(results)),
        ('all nodes active', sum(r.all_active for r in results)),
        (f'{both} >= {MIN_FRAMES} of {CLIP_FRAMES} frames', sum(r.frames_ok for r in results)),
        (f'cameras with all {CLIP_FRAMES} frames',
         f'{sum(n == CLIP_FRAMES for r in results for n in r.frames.values())} of '
         f'{sum(len(r.frames) for r in results)}'),
        ('paced cameras that played on unanswered', sum(r.played_on for r in results)),
        ('launch ended by itself, exit 0',
         sum(not r.timed_out and r.launch_code == 0 for r in results)),
        ('escalations', sum(r.escalations for r in results)),
        ('tracebacks (processes)', sum(len(r.tracebacks) for r in results)),
        ('non-zero exits (processes)', sum(len(r.bad_exits) for r in results)),
        ('worst stop time (s): launch / its nodes / listeners',
         ' / '.join(worst(kind) for kind in ('launch', 'node', 'listener'))),
        ('alive after stop (killed)', sum(len(r.alive_after_stop) for r in results)),
        ('teardown-watchdog exits', sum(len(r.watchdog) for r in results)),
        ('failed runs', sum(r.failed for r in results)),
    ]
    return '\n'.join(['| | |', '|---|---|'] + [f'| {name} | {value} |' for name, value in rows])


def main() -> None:
    """Run the launches and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('--runs', type=int, default=100, help='launches (default %(default)s)')
    parser.add_argument('--one-camera', action='store_true',
                        help='one camera in the global namespace (default: cameras:=left,right)')
    parser.add_argument('--launch-file', help='another launch file (default: the installed one)')
    parser.add_argument('--listeners', type=int, default=1,
                        help="the launch's listeners argument: subscribers of each camera's "
                        'emotions its classifier waits for (the echo: %(default)s; 0: none, '
                        'as before it existed)')
    parser.add_argument('--load-procs', type=int, default=os.cpu_count() or 1,
                        help='busy loops beside the runs (default one per core: %(default)s)')
    parser.add_argument('--run-timeout', type=float, default=RUN_TIMEOUT,
                        help='SIGINT a launch still running after this, s (default %(default)s)')
    parser.add_argument('--keep-logs', type=Path,
                        default=Path(tempfile.gettempdir()) / 'stress_launch_failed',
                        help="where the failing runs' logs are kept (default %(default)s)")
    parser.add_argument('--json', type=Path, help='also write the figures here')
    options = parser.parse_args()
    if importlib.util.find_spec('launch_ros') is None:
        sys.exit('stress_launch: launch_ros is not importable: put launch and launch_ros on '
                 'PYTHONPATH (doc/launch_stress.md)')
    # Also gives the children a default SIGINT (started with '&', the bench ignores it).
    stop_on_signals()
    warn_if_stale('stress_launch')
    options.keep_logs.mkdir(parents=True, exist_ok=True)
    cameras = [''] if options.one_camera else ['left', 'right']
    load_dir = Path(tempfile.mkdtemp(prefix='stress_launch_load_'))
    load = [NodeProcess(f'busy{i}', [sys.executable, '-c', BUSY_LOOP], dict(os.environ),
                        load_dir / f'busy{i}.log') for i in range(options.load_procs)]
    report = {'machine_start': machine_info(), 'options': {
        k: str(v) for k, v in vars(options).items()}}
    results: list[RunResult] = []
    started = time.monotonic()
    try:
        for run in range(1, options.runs + 1):
            result = run_once(run, DOMAINS[(run - 1) % len(DOMAINS)], cameras,
                              options.launch_file, options.run_timeout, options.keep_logs,
                              options.listeners)
            results.append(result)
            state = 'FAILED: ' + result.describe(cameras) if result.failed else 'ok'
            print(f'[stress_launch] run {run}/{options.runs} after '
                  f'{time.monotonic() - started:.0f} s: {state}', file=sys.stderr, flush=True)
    finally:
        stop_all(load)
        shutil.rmtree(load_dir, ignore_errors=True)
    loads = [r.loadavg for r in results] or [0.0]
    print(f'\nROS_DISTRO={os.environ.get("ROS_DISTRO", "?")}, launch file '
          f'{options.launch_file or "installed"}, {len(cameras)} camera(s), listeners:='
          f'{options.listeners}, '
          f'{options.load_procs} busy loop(s) on {os.cpu_count()} cores; 1-min load average at '
          f'the ends of the runs: median {statistics.median(loads):.2f}, '
          f'{min(loads):.2f}..{max(loads):.2f}\n')
    print(_table(results, cameras))
    failed = [r for r in results if r.failed]
    if failed:
        print('\nFailing runs:')
        for result in failed:
            print(f'- {result.describe(cameras)}')
    report['runs'] = [{**{k: v for k, v in vars(r).items() if k not in ('active', 'logs')},
                       'active': sorted(r.active), 'logs': str(r.logs or ''),
                       'failed': r.failed} for r in results]
    finish_report(report, options.json, 'stress_launch')
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
