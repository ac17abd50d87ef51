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
Stop every program of the package at random moments, many times, with the CPU loaded.

Each case starts real processes, waits a random time drawn from the case's window, sends a stop
(SIGINT, SIGTERM or SIGHUP, drawn at random; some cases send two, or SIGKILL the runner), and
records, for every process of the case: its exit code, the time from the signal to its exit,
whether its output holds a traceback, and whether it had to be killed (still running 15 s after
the signal). A second pipeline (emotion_run on the looping one-face video, its own domain) loads
the CPU for the whole run unless ``--no-load``.

    python bench/stress_shutdown.py                 # every case 25 times (about 25 minutes)
    python bench/stress_shutdown.py --runs 3 --cases camera_retrying,run_active
    python bench/stress_shutdown.py --launch         # also under ros2 launch (needs launch_ros)
    python bench/stress_shutdown.py --runs 2 --no-load --domain 7   # the CI version (a test)

Prints one row per case: runs, clean exits (every process exit 0, no traceback), worst stop
time (s), tracebacks, kills, and processes ended by the DDS teardown deadline (see
emotion_ros/teardown_deadline.py: bounded, so counted as clean, but reported). Exits 1 when
any run was not clean.
"""

import argparse
from dataclasses import dataclass, field
import os
from pathlib import Path
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from typing import Callable, Optional

from emotion_ros.teardown_deadline import FAKE_HANG_VARIABLE, HUNG_MARK
from emotion_ros.teardown_deadline import WATCHDOG_EXIT_STATUS
from emotion_ros.tools.runner import executable_path
from emotion_ros.tools.supervisor import prepare_child, stop_signals_blocked
from harness.launch_run import alive, descendants

REPO_ROOT = Path(__file__).resolve().parent.parent
MEDIA = REPO_ROOT / 'assets' / 'media'
PARAMS = REPO_ROOT / 'config' / 'emotion.yaml'
# A process still running this long after its stop signal is killed and counted (s).
KILL_AFTER = 15.0
# Domain ids of the runs (outside the tests' 1..100 and the benches' 215..232).
DOMAINS = range(120, 200)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# What marks a traceback or a failing destructor in a process's output.
TRACEBACK_MARKS = ('Traceback (most recent call last)', 'Exception ignored in')
# Bound on a process's start until its first line blocks the stop signals (s).
START_BOUND = 60.0


@dataclass
class Case:
    """One stop scenario: what to start, when to stop it, how."""

    name: str
    start: Callable[[Path, int], list[subprocess.Popen]]
    window: tuple[float, float]
    signals: int = 1
    # The window counts from the moment the first process blocked its stop signals (started
    # plainly, as ros2 launch does, a process meets a stop in the bare interpreter before that:
    # the case 'interpreter_start_blocked' covers that moment as emotion_run starts its nodes).
    from_first_line: bool = True
    kill_first: bool = False  # SIGKILL the first process (the runner): its children must stop
    # The stop signals drawn from (ros2 launch is stopped with Ctrl-C: it escalates itself).
    stop_signals: tuple[int, ...] = STOP_SIGNALS
    # ros2 launch: its nodes' ends are read from its log (launch_ros's own errors apart).
    launched_nodes: int = 0
    # Every process hangs in its DDS teardown on purpose (fault injection): each must be ended
    # by the teardown deadline (exit -9, its one line) instead of exiting 0.
    hang_teardown: bool = False
    # (log file, text): the window counts from when that log holds the text (e.g. a node is
    # active, past the imports in which a stop exits at once with nothing to tear down).
    ready_mark: tuple[str, str] = ('', '')


@dataclass
class Tally:
    """The results of one case."""

    runs: int = 0
    clean: int = 0
    worst: float = 0.0
    tracebacks: int = 0
    kills: int = 0
    watchdog: int = 0
    failures: list[str] = field(default_factory=list)


def _env(domain: int, home: Path, hang: bool = False) -> dict[str, str]:
    env = {**os.environ, 'ROS_DOMAIN_ID': str(domain), 'ROS_HOME': str(home),
           'ROS_AUTOMATIC_DISCOVERY_RANGE': 'LOCALHOST', 'PYTHONUNBUFFERED': '1'}
    env.pop(FAKE_HANG_VARIABLE, None)
    if hang:
        env[FAKE_HANG_VARIABLE] = '1'
    return env


def _popen(cmd: list[str], log: Path, domain: int, blocked: bool = False,
           hang: bool = False) -> subprocess.Popen:
    """
    Start ``cmd`` in its own session, output to ``log``.

    Its stop signals are set to their defaults (a bench started in the background inherits an
    ignored SIGINT), or blocked as emotion_run starts its nodes. ``hang``: its DDS teardown
    hangs (fault injection, see emotion_ros.teardown_deadline).
    """
    preexec = prepare_child(os.getpid(), block_sigint=blocked)
    with open(log, 'w') as out:
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                   env=_env(domain, log.parent / 'ros', hang),
                                   start_new_session=True, preexec_fn=preexec)
    process.log_name = log.name  # where its teardown-deadline line would be
    return process


def _node(executable: str, log: Path, domain: int, namespace: str = '', hang: bool = False,
          **params) -> subprocess.Popen:
    cmd = [str(executable_path(executable)), '--ros-args', '--params-file', str(PARAMS)]
    if namespace:
        cmd += ['-r', f'__ns:=/{namespace}']
    for name, value in params.items():
        text = ('true' if value else 'false') if isinstance(value, bool) else value
        cmd += ['-p', f'{name}:={text}']
    return _popen(cmd, log, domain, hang=hang)


def _listener(program: str, log: Path, domain: int, namespace: str = '',
              hang: bool = False) -> subprocess.Popen:
    """Start emotion_echo or emotion_diagnostics (in ``namespace``)."""
    cmd = [str(executable_path(program))]
    if namespace:
        cmd += ['--ros-args', '-r', f'__ns:=/{namespace}']
    return _popen(cmd, log, domain, hang=hang)


def _graph_and_listeners(tmp: Path, domain: int) -> list[subprocess.Popen]:
    """
    Two cameras' graphs (5 faces, 10 Hz, all active) and their listeners, stopped at once.

    The whole graph going away at once makes every process's DDS teardown meet the others'
    (the Fast DDS participant-listener deadlock was seen in an emotion_echo this way).
    """
    processes = [_listener('emotion_diagnostics', tmp / 'diagnostics.log', domain)]
    for side in ('left', 'right'):
        processes += [
            _listener('emotion_echo', tmp / f'{side}_echo.log', domain, side),
            _node('camera_node', tmp / f'{side}_camera.log', domain, side, autostart=True,
                  source=str(MEDIA / 'multi_face.jpg'), loop=True, framerate=10.0),
            _node('face_tracker_node', tmp / f'{side}_tracker.log', domain, side,
                  autostart=True),
            _node('emotion_classifier_node', tmp / f'{side}_classifier.log', domain, side,
                  autostart=True)]
    return processes


def _hung_teardowns(tmp: Path, domain: int) -> list[subprocess.Popen]:
    """Start a listener and an active node whose DDS teardowns hang (fault injection)."""
    return [_listener('emotion_echo', tmp / 'echo.log', domain, hang=True),
            _node('face_tracker_node', tmp / 'tracker.log', domain, hang=True, autostart=True)]


def _five_faces_pipeline(tmp: Path, domain: int) -> list[subprocess.Popen]:
    """Camera (multi_face.jpg at 30 Hz, looping), tracker and classifier, all active."""
    return [
        _node('camera_node', tmp / 'camera.log', domain, autostart=True,
              source=str(MEDIA / 'multi_face.jpg'), loop=True, framerate=30.0),
        _node('face_tracker_node', tmp / 'tracker.log', domain, autostart=True),
        _node('emotion_classifier_node', tmp / 'classifier.log', domain, autostart=True),
    ]


def _runner(tmp: Path, domain: int, *extra: str) -> list[subprocess.Popen]:
    params = tmp / 'loop.yaml'
    params.write_text(PARAMS.read_text().replace('loop: false', 'loop: true'))
    return [_popen([str(executable_path('emotion_run')), '--params-file', str(params),
                    '--source', str(MEDIA / 'multi_face.jpg'), *extra], tmp / 'run.log', domain)]


def _launch(tmp: Path, domain: int) -> list[subprocess.Popen]:
    params = tmp / 'loop.yaml'
    params.write_text(PARAMS.read_text().replace('loop: false', 'loop: true'))
    script = REPO_ROOT / 'scripts' / 'ros2_launch.py'
    return [_popen([sys.executable, str(script), f'source:={MEDIA / "multi_face.jpg"}',
                    f'params_file:={params}'], tmp / 'launch.log', domain)]


def _fifo(tmp: Path) -> str:
    path = tmp / 'blocked.mp4'
    os.mkfifo(path)  # opening it for reading blocks until a writer comes: none will
    return str(path)


def cases(with_launch: bool) -> list[Case]:
    """Return every case of the stress run."""
    late = (0.0, 0.6)
    found = [
        Case('camera_importing', lambda t, d: [_node('camera_node', t / 'n.log', d)], late),
        Case('tracker_importing', lambda t, d: [_node('face_tracker_node', t / 'n.log', d)],
             late),
        Case('classifier_importing',
             lambda t, d: [_node('emotion_classifier_node', t / 'n.log', d)], late),
        Case('interpreter_start_blocked', lambda t, d: [_popen(
            [str(executable_path('emotion_classifier_node'))], t / 'n.log', d, blocked=True)],
            (0.0, 0.15), from_first_line=False),
        Case('classifier_configuring', lambda t, d: [_node(
            'emotion_classifier_node', t / 'n.log', d, autostart=True)], (0.4, 2.5)),
        Case('nodes_idle_unconfigured', lambda t, d: [
            _node(name, t / f'{name}.log', d) for name in
            ('camera_node', 'face_tracker_node', 'emotion_classifier_node')], (2.5, 4.0)),
        Case('nodes_active_5_faces', _five_faces_pipeline, (5.0, 8.0)),
        Case('nodes_active_twice', _five_faces_pipeline, (5.0, 8.0), signals=2),
        Case('camera_retrying', lambda t, d: [_node(
            'camera_node', t / 'n.log', d, autostart=True, video_device='/dev/video99',
            reconnect_interval=0.3)], (1.0, 3.0)),
        Case('camera_blocked_open', lambda t, d: [_node(
            'camera_node', t / 'n.log', d, autostart=True, source=_fifo(t))], (1.0, 3.0)),
        Case('run_any_moment', _runner, (0.0, 6.0)),
        Case('run_twice', _runner, (3.0, 6.0), signals=2),
        Case('run_killed', lambda t, d: _runner(t, d, '--echo'), (4.0, 7.0), kill_first=True),
        Case('echo_any_moment', lambda t, d: [_popen(
            [str(executable_path('emotion_echo'))], t / 'n.log', d)], (0.0, 2.5)),
        Case('recorder_any_moment', lambda t, d: [_popen(
            [str(executable_path('image_recorder')), str(t / 'frames')], t / 'n.log', d)],
            (0.0, 2.5)),
        Case('graph_and_listeners_at_once', _graph_and_listeners, (8.0, 12.0)),
        Case('teardown_hangs', _hung_teardowns, (0.5, 2.0), hang_teardown=True,
             ready_mark=('tracker.log', 'tracking faces')),
    ]
    if with_launch:
        found.append(Case('launch_any_moment', _launch, (0.0, 8.0),
                          stop_signals=(signal.SIGINT,), launched_nodes=3))
    return found


def _read(path: Path) -> str:
    """Return a log's text so far ('' before it exists)."""
    try:
        return path.read_text(errors='replace')
    except OSError:
        return ''


def _last_lines(text: str, count: int = 3) -> str:
    """Return the last ``count`` lines of a log that are not Fast DDS transport noise."""
    lines = [line[:160] for line in text.splitlines() if line.strip() and 'RTPS' not in line]
    return ' / '.join(lines[-count:])


def _first_lines_ran(case: Case, processes: list[subprocess.Popen]) -> bool:
    """Tell whether the case's programs blocked their stop signals (launch: all its nodes)."""
    if case.launched_nodes:
        nodes = descendants(processes[0].pid)
        return len(nodes) >= case.launched_nodes and all(stop_signals_blocked(p) for p in nodes)
    return stop_signals_blocked(processes[0].pid)


def run_once(case: Case, domain: int,
             rng: random.Random) -> tuple[bool, float, bool, int, int, str]:
    """
    Run the case once.

    A process that the teardown deadline ended (exit -9 and its one line) is counted as such:
    bounded, not hung. In a ``hang_teardown`` case that is what every process must do.

    :returns: clean, stop time (s), traceback seen, processes killed, processes ended by the
        teardown deadline, a note on what failed.
    """
    tmp = Path(tempfile.mkdtemp(prefix=f'stress_{case.name}_'))
    processes: list[subprocess.Popen] = []
    try:
        processes = case.start(tmp, domain)
        deadline = time.monotonic() + START_BOUND
        while case.from_first_line and not _first_lines_ran(case, processes) and \
                time.monotonic() < deadline:
            time.sleep(0.002)
        log, mark = case.ready_mark
        while log and mark not in _read(tmp / log) and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(*case.window))
        watched = {p.pid: p for p in processes}
        sent = time.monotonic()
        if case.kill_first:
            # The runner dies at once: its nodes must notice (parent-death signal) and stop.
            orphans = descendants(processes[0].pid)
            processes[0].kill()
            processes[0].wait()
            targets = orphans
        else:
            targets = []
            for number in range(case.signals):
                if number:
                    time.sleep(0.05)
                signum = rng.choice(case.stop_signals)
                for process in processes:
                    if process.poll() is None:
                        process.send_signal(signum)
        codes: dict[int, Optional[int]] = {}
        stop_time = 0.0
        killed = 0
        deadline = sent + KILL_AFTER
        for pid, process in watched.items():
            if case.kill_first:
                continue
            try:
                codes[pid] = process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                for child in descendants(pid):
                    os.kill(child, signal.SIGKILL)
                process.kill()
                codes[pid] = process.wait()
                killed += 1
            stop_time = max(stop_time, time.monotonic() - sent)
        while targets and any(alive(p) for p in targets) and time.monotonic() < deadline:
            time.sleep(0.02)
        if targets:
            stop_time = time.monotonic() - sent
            for pid in targets:
                if alive(pid):
                    os.kill(pid, signal.SIGKILL)
                    killed += 1
        logs = {log.name: log.read_text(errors='replace') for log in tmp.glob('*.log')}
        text = '\n'.join(logs.values())
        if case.launched_nodes:
            # The nodes' own lines (launch_ros logs InvalidHandle errors of its own when a
            # Ctrl-C comes while its ChangeState calls still wait for a node's services).
            text = '\n'.join(line for line in text.splitlines()
                             if re.match(r'\[\w+_node-\d+\]', line) or 'process ' in line)
        traceback = any(mark in text for mark in TRACEBACK_MARKS)
        launch_escalated = text.count("escalating to 'SIGKILL'") + text.count(
            "escalating to 'SIGTERM'")
        # Ended by the teardown deadline: its exit status and its one line.
        ended = {pid for pid, process in watched.items()
                 if codes.get(pid) == WATCHDOG_EXIT_STATUS
                 and HUNG_MARK in logs.get(process.log_name, '')}
        watchdog = len(ended)
        expected = set(codes) if case.hang_teardown else set()
        bad_codes = {pid: code for pid, code in codes.items()
                     if (code != 0 and pid not in ended) or (pid in expected) != (pid in ended)}
        if case.launched_nodes:
            # The nodes' exits, as launch saw them; launch's own exit code is launch_ros's.
            finished = text.count('process has finished cleanly')
            bad_codes = {} if finished == case.launched_nodes else {'nodes clean': finished}
        clean = not bad_codes and not traceback and not killed and not launch_escalated
        note = '' if clean else f'codes {bad_codes}, killed {killed}: ' + ' | '.join(
            f'{name}: {_last_lines(body)}' for name, body in logs.items())
        return clean, stop_time, traceback, killed + launch_escalated, watchdog, note
    finally:
        # Interrupted half-way (Ctrl-C of the bench): leave nothing running.
        for process in processes:
            if process.poll() is None:
                for child in descendants(process.pid):
                    os.kill(child, signal.SIGKILL)
                process.kill()
                process.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def _load(domain: int) -> subprocess.Popen:
    """Start the background pipeline that loads the CPU (one face, 30 Hz, looping)."""
    tmp = Path(tempfile.mkdtemp(prefix='stress_load_'))
    params = tmp / 'loop.yaml'
    params.write_text(PARAMS.read_text().replace('loop: false', 'loop: true'))
    return _popen([str(executable_path('emotion_run')), '--params-file', str(params),
                   '--source', str(MEDIA / 'single_face.mp4')], tmp / 'load.log', domain)


def main() -> None:
    """Run the cases and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('--runs', type=int, default=25, help='runs per case')
    parser.add_argument('--cases', default='', help='comma-separated case names (default all)')
    parser.add_argument('--launch', action='store_true',
                        help='also stop ros2 launch (needs launch and launch_ros importable)')
    parser.add_argument('--no-load', action='store_true', help='no background pipeline')
    parser.add_argument('--seed', type=int, default=12, help='seed of the random moments')
    parser.add_argument('--domain', type=int, default=None,
                        help='one ROS_DOMAIN_ID for every run (default: a new one per run from '
                        f'{DOMAINS.start}..{DOMAINS.stop - 2}, the load on {DOMAINS.stop - 1})')
    options = parser.parse_args()
    rng = random.Random(options.seed)
    chosen = cases(options.launch)
    if options.cases:
        wanted = set(options.cases.split(','))
        chosen = [case for case in chosen if case.name in wanted]
    load = None if options.no_load else _load(DOMAINS[-1])
    tallies: dict[str, Tally] = {}
    started = time.monotonic()
    try:
        domains = iter(range(DOMAINS.start, DOMAINS.stop - 1))
        for run in range(options.runs):
            for case in chosen:
                try:
                    domain = next(domains) if options.domain is None else options.domain
                except StopIteration:
                    domains = iter(range(DOMAINS.start, DOMAINS.stop - 1))
                    domain = next(domains)
                clean, stop_time, traceback, killed, watchdog, note = run_once(case, domain,
                                                                               rng)
                tally = tallies.setdefault(case.name, Tally())
                tally.runs += 1
                tally.clean += clean
                tally.worst = max(tally.worst, stop_time)
                tally.tracebacks += traceback
                tally.kills += killed
                tally.watchdog += watchdog
                if note:
                    tally.failures.append(note)
                    print(f'[stress] {case.name} run {run + 1}: {note}', file=sys.stderr)
            print(f'[stress] round {run + 1}/{options.runs} done after '
                  f'{time.monotonic() - started:.0f} s', file=sys.stderr, flush=True)
    finally:
        if load is not None:
            load.send_signal(signal.SIGINT)
            load.wait(KILL_AFTER)
    print(f'ROS_DISTRO={os.environ.get("ROS_DISTRO", "?")}, runs per case {options.runs}, '
          f'background load: {"none" if load is None else "a second pipeline"}, load average '
          f'{" ".join(open("/proc/loadavg").read().split()[:3])} on {os.cpu_count()} cores')
    print('| case | runs | clean exits | worst stop (s) | tracebacks | kills | '
          'teardown deadline exits |')
    print('|---|---|---|---|---|---|---|')
    for name, tally in tallies.items():
        print(f'| {name} | {tally.runs} | {tally.clean} | {tally.worst:.2f} | '
              f'{tally.tracebacks} | {tally.kills} | {tally.watchdog} |')
    sys.exit(0 if all(t.clean == t.runs for t in tallies.values()) else 1)


if __name__ == '__main__':
    main()
