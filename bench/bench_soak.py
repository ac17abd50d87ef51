#!/usr/bin/env python3
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
Soak the live pipeline: the three nodes for N minutes at 30 Hz; memory and latency must stay flat.

Per scenario (one face, five faces: the looping 640x480 folders of ``harness.sources``) the
camera, face tracker and classifier run as separate processes with ``config/emotion.yaml``
(the commands of ``emotion_run``) on an isolated ``ROS_DOMAIN_ID``. From the first
``EmotionArray`` on, this process samples every node's RSS and CPU from /proc every 15 s, and
records every minute the rate of ``emotions`` and the end-to-end latency (image stamp to arrival
here) median and p95. It prints the tables and exits 1 when any node's RSS grows more than 5 MB
after the first minute, or the last minute's p95 is more than 20% above the first minute's
(also when a node dies). Every node is stopped on every exit path (Ctrl-C, SIGTERM, SIGHUP, an
error); the nodes also get SIGINT if this process is killed (``setpriv --pdeathsig``).

Run (after ``source scripts/env.sh``):
``python bench/bench_soak.py [--minutes 10] [--scenario both] [--json out/soak.json]``.
"""

import argparse
from dataclasses import dataclass, field
from pathlib import Path
import shutil
import signal
import sys
import tempfile
import time
from typing import Any, Optional

from harness.graph import NodeGraph, PARAMS_FILE, pick_domain_id, START_TIMEOUT
from harness.processes import BenchError, stop_on_signals
from harness.report import finish_report, fmt, machine_info, parse_node_env, summary
from harness.report import warn_if_stale
from harness.sampling import sample_processes
from harness.sources import prepare_sources, Scenario, SCENARIOS

DEFAULT_MINUTES = 10  # soak length per scenario, min
MINUTE = 60.0  # one latency bucket, s
SAMPLE_PERIOD = 15.0  # RSS and CPU sampling period, s
RSS_GROWTH_LIMIT = 5.0  # allowed RSS growth of a node after the first minute, MB
P95_GROWTH_LIMIT = 0.20  # allowed rise of the last minute's p95 over the first minute's
IMAGE_SUBSCRIBERS = 2  # image_raw subscribers the camera waits for: tracker and classifier


@dataclass
class MinuteBucket:
    """The EmotionArrays that arrived in one minute: latencies (ms) and faces per array."""

    latencies: list[float] = field(default_factory=list)
    faces: int = 0


def make_listener(context: Any, start: list[float], buckets: list[MinuteBucket]) -> Any:
    """
    Build the node that files each EmotionArray's latency in its minute.

    Only ``emotions`` is subscribed (not ``image_raw``), so the bench adds no image traffic.

    :param context: the rclpy context of the run.
    :param start: one-item list holding the soak's start (wall-clock s), 0 until the first
        array arrives.
    :param buckets: one bucket per minute, filled in place.
    :returns: the node; its ``arrived`` counts every array.
    """
    from emotion_msgs.msg import EmotionArray
    from rclpy.node import Node

    from emotion_ros.nodes.qos import RESULT_QOS

    class Listener(Node):
        """Record stamp-to-arrival latency per minute."""

        def __init__(self) -> None:
            super().__init__('bench_soak', context=context)
            self.arrived = 0
            self.create_subscription(EmotionArray, 'emotions', self._on_emotions, RESULT_QOS)

        def _on_emotions(self, msg: EmotionArray) -> None:
            now = time.time_ns()
            self.arrived += 1
            if not start[0]:
                start[0] = now / 1e9
            minute = int((now / 1e9 - start[0]) // MINUTE)
            if minute < len(buckets):
                stamp = msg.header.stamp.sec * 1_000_000_000 + msg.header.stamp.nanosec
                buckets[minute].latencies.append((now - stamp) / 1e6)
                buckets[minute].faces += len(msg.emotions)

    return Listener()


def run_soak(scenario: Scenario, folder: Path, workdir: Path, minutes: int,
             domain_id: int, node_env: dict[str, str]) -> dict[str, Any]:
    """
    Start the three nodes, soak for ``minutes``, stop everything.

    :param scenario: what to run (faces in view, camera rate).
    :param folder: the image folder the camera replays.
    :param workdir: folder for logs.
    :param minutes: soak length after the first EmotionArray, min.
    :param domain_id: ROS_DOMAIN_ID of this run.
    :param node_env: extra environment variables for the nodes.
    :returns: the RSS/CPU samples and the per-minute latency buckets.
    :raises harness.processes.BenchError: when a node dies or no EmotionArray arrives in time.
    """
    from emotion_ros.graph import NodeSpec
    from emotion_ros.tools.runner import node_command

    specs = [
        NodeSpec('camera_node', 'camera', {'source': str(folder), 'loop': True,
                                           'framerate': float(scenario.framerate),
                                           'wait_for_subscribers': IMAGE_SUBSCRIBERS}),
        NodeSpec('face_tracker_node', 'face_tracker'),
        NodeSpec('emotion_classifier_node', 'emotion_classifier'),
    ]
    logs = workdir / 'logs' / scenario.source
    start = [0.0]
    buckets = [MinuteBucket() for _ in range(minutes)]
    samples: list[dict[str, Any]] = []
    with NodeGraph.isolated(logs, domain_id, node_env) as graph:
        graph.add_ros_node(make_listener(graph.context, start, buckets))
        for spec in specs:
            graph.start(spec.name, node_command(spec, str(PARAMS_FILE), autostart=True))
        graph.wait_for(lambda: bool(start[0]),
                       f'no EmotionArray within {START_TIMEOUT:.0f} s; logs in {logs}')
        print(f'[soak] {scenario.name}: first EmotionArray; soaking {minutes} min '
              f'(domain {domain_id})', flush=True)
        cpu_before: dict[str, Optional[float]] = {}
        clock = {'next': start[0], 'last': 0.0}

        def sample_when_due() -> None:
            now = time.time()
            if now < clock['next']:
                return
            sample = sample_processes(graph.nodes, cpu_before,
                                      now - clock['last'] if clock['last'] else 0.0)
            sample['t'] = now - start[0]
            samples.append(sample)
            clock['last'], clock['next'] = now, clock['next'] + SAMPLE_PERIOD
            rss = ', '.join(f'{k} {fmt(v, 1)}' for k, v in sample['rss_mb'].items())
            print(f'[soak] t={sample["t"]:5.0f} s  RSS MB: {rss}', flush=True)

        graph.run_until(start[0] + minutes * MINUTE, sample_when_due)
        sample_when_due()
    return {'samples': samples, 'buckets': buckets, 'stop': graph.stopped,
            'domain_id': domain_id, 'nodes': [spec.name for spec in specs]}


def analyse(raw: dict[str, Any]) -> dict[str, Any]:
    """
    Turn one soak's records into per-minute figures and the verdicts.

    :param raw: the result of :func:`run_soak`.
    :returns: ``minutes`` rows, ``samples``, ``rss_growth_mb`` per node (last sample minus the
        sample at the end of the first minute), the p95 rise, and ``failures`` (empty: passed).
    """
    minutes = []
    for index, bucket in enumerate(raw['buckets']):
        spread = summary(bucket.latencies)
        count = len(bucket.latencies)
        minutes.append({'minute': index + 1, 'emotions_hz': count / MINUTE,
                        'faces_per_array': bucket.faces / count if count else None,
                        'median_ms': spread['median'], 'p95_ms': spread['p95']})
    samples = raw['samples']
    failures = []
    after_first = [s for s in samples if s['t'] >= MINUTE - 1.0]
    growth: dict[str, Optional[float]] = {}
    for name in raw['nodes']:
        series = [s['rss_mb'][name] for s in after_first if s['rss_mb'][name] is not None]
        growth[name] = series[-1] - series[0] if len(series) >= 2 else None
        if growth[name] is not None and growth[name] > RSS_GROWTH_LIMIT:
            failures.append(f'{name} RSS grew {growth[name]:.1f} MB after the first minute '
                            f'(limit {RSS_GROWTH_LIMIT:.0f} MB)')
    first, last = minutes[0]['p95_ms'], minutes[-1]['p95_ms']
    rise = None
    if first and last is not None and len(minutes) >= 2:
        rise = last / first - 1.0
        if rise > P95_GROWTH_LIMIT:
            failures.append(f'last minute p95 {last:.1f} ms is {100 * rise:.0f}% above the '
                            f"first minute's {first:.1f} ms (limit "
                            f'{100 * P95_GROWTH_LIMIT:.0f}%)')
    if any(m['p95_ms'] is None for m in minutes):
        failures.append('a minute without any EmotionArray')
    return {'minutes': minutes, 'samples': samples, 'rss_growth_mb': growth,
            'p95_rise': rise, 'failures': failures, 'stop': raw['stop'],
            'domain_id': raw['domain_id']}


def print_report(name: str, result: dict[str, Any]) -> None:
    """Print one scenario's tables and verdicts."""
    print(f'\n=== soak: {name} ===')
    print('\n| minute | emotions Hz | faces/array | end to end median ms | p95 ms |')
    print('|-------:|------------:|------------:|---------------------:|-------:|')
    for row in result['minutes']:
        print(f'| {row["minute"]:>6} | {fmt(row["emotions_hz"]):>11} | '
              f'{fmt(row["faces_per_array"], 2):>11} | {fmt(row["median_ms"]):>20} | '
              f'{fmt(row["p95_ms"]):>6} |')
    names = list(result['rss_growth_mb'])
    header = ' | '.join(f'{n} RSS MB | CPU %' for n in names)
    print(f'\n| t s | {header} |')
    print('|----:|' + ''.join(f'{"-" * (len(n) + 8)}:|------:|' for n in names))
    for sample in result['samples']:
        cells = ' | '.join(f'{fmt(sample["rss_mb"][n]):>{len(n) + 7}} | '
                           f'{fmt(sample["cpu_percent"][n], 0):>5}' for n in names)
        print(f'| {sample["t"]:>3.0f} | {cells} |')
    growth = ', '.join(f'{n} {fmt(g, 1)} MB' for n, g in result['rss_growth_mb'].items())
    print(f'\nRSS growth after the first minute: {growth} (limit {RSS_GROWTH_LIMIT:.0f} MB)')
    rise = result['p95_rise']
    print(f'p95 last minute vs first: {"-" if rise is None else f"{100 * rise:+.0f}%"} '
          f'(limit +{100 * P95_GROWTH_LIMIT:.0f}%)')
    verdict = 'PASS' if not result['failures'] else 'FAIL: ' + '; '.join(result['failures'])
    print(f'verdict: {verdict}')
    print(f'node exit codes: {result["stop"]["exit_codes"]}', flush=True)


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument('--minutes', type=int, default=DEFAULT_MINUTES,
                        help='soak length per scenario after the first EmotionArray, min '
                        '(default %(default)s; the checks need at least 2)')
    parser.add_argument('--scenario', choices=('one', 'five', 'both'), default='both',
                        help='faces in view')
    parser.add_argument('--json', type=Path, default=None, help='also write the figures here')
    parser.add_argument('--domain-id', type=int, default=None,
                        help='ROS_DOMAIN_ID (default: a random one in 215..232)')
    parser.add_argument('--node-env', action='append', default=[], metavar='NAME=VALUE',
                        help='extra environment variable for the nodes (repeatable)')
    parser.add_argument('--keep-logs', action='store_true',
                        help='keep the scratch folder (frames, node logs) and print its path')
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    """
    Soak the selected scenarios and print the figures.

    :param argv: command-line arguments (default ``sys.argv[1:]``).
    :returns: 0 when every scenario passed, 1 when one failed, 2 for bad options, 130 when
        interrupted.
    """
    options = build_parser().parse_args(argv)
    if options.minutes < 1:
        print('--minutes must be at least 1', file=sys.stderr)
        return 2
    node_env = parse_node_env(options.node_env)
    if node_env is None:
        print('--node-env takes NAME=VALUE', file=sys.stderr)
        return 2
    if options.minutes < 2:
        print('[soak] note: with 1 minute there is nothing after the first minute to compare',
              flush=True)
    scenarios = {'one': ['one'], 'five': ['five'], 'both': ['one', 'five']}[options.scenario]
    stop_on_signals(signal.SIGTERM, signal.SIGHUP)
    warn_if_stale('soak')
    report: dict[str, Any] = {'machine_start': machine_info(), 'minutes':
                              options.minutes, 'scenarios': {}}
    workdir = Path(tempfile.mkdtemp(prefix='bench_soak_'))
    code = 0
    try:
        folders = prepare_sources(workdir)
        for key in scenarios:
            scenario = SCENARIOS[key]
            domain_id = pick_domain_id(options.domain_id)
            try:
                raw = run_soak(scenario, folders[key], workdir, options.minutes, domain_id,
                               node_env)
            except BenchError as error:
                print(f'[soak] {scenario.name}: {error}', file=sys.stderr)
                report['scenarios'][scenario.name] = {'error': str(error)}
                code = 1
                continue
            result = analyse(raw)
            print_report(scenario.name, result)
            report['scenarios'][scenario.name] = result
            if result['failures']:
                code = 1
    except KeyboardInterrupt:
        print('\n[soak] interrupted; all nodes stopped', file=sys.stderr)
        code = 130
    finally:
        if options.keep_logs:
            print(f'[soak] frames and node logs kept in {workdir}')
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    finish_report(report, options.json, 'soak')
    return code


if __name__ == '__main__':
    sys.exit(main())
