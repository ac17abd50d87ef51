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
Benchmark several cameras on one machine: whole pipelines per camera vs one shared classifier.

For 1, 2 and 4 cameras (namespaces cam1..camN), each camera node replays the one-face frames of
``harness.sources`` (640x480, 30 Hz, looping). Two layouts:

- ``pipelines``: what ``emotion_run --cameras`` and ``cameras:=`` start (``graph.pipeline``):
  camera, tracker and classifier processes per camera;
- ``shared``: camera and tracker per camera, one classifier process serving every camera
  (``bench/shared_classifier.py``: one classifier node per namespace in one executor).

Per camera it reports the emotions rate, end-to-end latency (stamp -> emotions) median and p95,
the share of frames with an EmotionArray, and CPU (camera + tracker + classifier; a shared
classifier's CPU divided by the cameras). It also times, in-process, classifying N faces one by
one against one batch of N: the most that batching faces across cameras could save.

Run (after ``source scripts/env.sh``):
``python bench/bench_cameras.py [--cameras 1 2 4] [--layouts pipelines shared] [--duration 30]``.
"""

import argparse
from dataclasses import replace
from pathlib import Path
import shutil
import sys
import tempfile
import time
from typing import Any, Optional

from harness.graph import load_params, NodeGraph, PARAMS_FILE, pick_domain_id, START_TIMEOUT
from harness.processes import BenchError, stop_on_signals
from harness.report import finish_report, fmt, machine_info, summary, warn_if_stale
from harness.sources import MEDIA, prepare_sources
from harness.stamps import make_recorder, stamp_figures, window_records

BENCH_DIR = Path(__file__).resolve().parent
SHARED_CLASSIFIER = BENCH_DIR / 'shared_classifier.py'
LAYOUTS = ('pipelines', 'shared')
CAMERA_RATE = 30.0  # replay rate of every camera, Hz
DEFAULT_DURATION = 30.0  # measured time per run after every camera's first EmotionArray, s
DEFAULT_WARMUP = 5.0  # start of each run left out of the statistics, s
BATCH_REPEATS = 300  # in-process inference repetitions per batch size
# The target for several cameras: 2 cameras, each at least 29 Hz of emotions, p95 <= 50 ms.
SPEC = {'cameras': 2, 'rate': 29.0, 'p95': 50.0}


def camera_specs(count: int, folder: Path, layout: str) -> list[Any]:
    """
    Return the nodes of ``count`` cameras, as the runner builds them, replaying ``folder``.

    :param count: cameras.
    :param folder: the one-face frame folder.
    :param layout: 'pipelines' or 'shared' (then without the per-camera classifiers).
    :returns: the graph's NodeSpecs (camera overrides: loop, 30 Hz, no start delay).
    """
    from emotion_ros.graph import pipeline

    cameras = ','.join(f'cam{i + 1}' for i in range(count))
    specs = []
    for spec in pipeline({'cameras': cameras, 'source': str(folder)}):
        if spec.executable == 'camera_node':
            spec = replace(spec, parameters={**spec.parameters, 'loop': True,
                                             'framerate': CAMERA_RATE, 'start_delay': 0.0})
        elif spec.executable == 'emotion_classifier_node' and layout == 'shared':
            continue
        specs.append(spec)
    return specs


def run_cameras(count: int, layout: str, folder: Path, workdir: Path, duration: float,
                warmup: float, domain_id: int) -> dict[str, Any]:
    """
    Start the cameras' nodes, record every camera's topics, stop everything.

    :returns: per camera the raw records (``harness.stamps.stamp_figures`` input), CPU per
        process.
    :raises BenchError: when a node dies or a camera gets no EmotionArray in time.
    """
    from emotion_ros.tools.runner import node_command

    specs = camera_specs(count, folder, layout)
    namespaces = sorted({spec.namespace for spec in specs})
    logs = workdir / 'logs' / f'{layout}_{count}'
    with NodeGraph.isolated(logs, domain_id) as graph:
        recorders = {namespace: graph.add_ros_node(
            make_recorder(graph.context, namespace, pixels=False)) for namespace in namespaces}
        for spec in specs:
            graph.start(spec.full_name, node_command(spec, str(PARAMS_FILE), autostart=True))
        if layout == 'shared':
            graph.start('shared_classifier', [sys.executable, str(SHARED_CLASSIFIER),
                                              *namespaces, '--ros-args', '--params-file',
                                              str(PARAMS_FILE), '-p', 'autostart:=true'])
        took = graph.wait_for(lambda: all(r.emotions for r in recorders.values()),
                              f'a camera got no EmotionArray in {START_TIMEOUT:.0f} s; '
                              f'logs in {logs}')
        first = time.time()
        print(f'[bench] {layout}, {count} camera(s): all emotions flowing '
              f'{took:.1f} s after start; measuring {duration:.0f} s '
              f'(domain {domain_id})', flush=True)
        window_start, end = first + warmup, first + duration
        cpu = graph.measure(window_start, end)['cpu_percent']
    raw = {ns: window_records(r, window_start, end) for ns, r in recorders.items()}
    return {'raw': raw, 'cpu_percent': cpu, 'stop': graph.stopped}


def camera_figures(run: dict[str, Any], layout: str) -> dict[str, Any]:
    """
    Reduce a run to per-camera figures.

    :param run: the result of :func:`run_cameras`.
    :param layout: the run's layout.
    :returns: per camera namespace: rate, latency, coverage and CPU; plus totals.
    """
    cpu = run['cpu_percent']
    count = len(run['raw'])
    shared = cpu.get('shared_classifier') if layout == 'shared' else None
    cameras = {}
    for namespace, raw in sorted(run['raw'].items()):
        result = stamp_figures(raw, expected_faces=1)
        name = namespace.lstrip('/')
        processes = [cpu.get(f'{name}/{node}') for node in
                     ('camera', 'face_tracker', 'emotion_classifier')]
        if shared is not None:
            processes.append(shared / count)
        known = [value for value in processes if value is not None]
        cameras[namespace] = {
            'emotions_rate_hz': result['emotions_rate_hz'],
            'camera_rate_hz': result['camera_rate_hz'],
            'frames_with_emotions': result['frames_with_emotions'],
            'end_to_end_ms': result['latency_ms']['end to end (stamp->emotions)'],
            'cpu_percent': sum(known) if known else None,
        }
    nodes_cpu = [v for k, v in cpu.items() if k != 'bench (this process)' and v is not None]
    return {'cameras': cameras, 'cpu_percent_all_nodes': sum(nodes_cpu),
            'cpu_percent': cpu, 'stop': run['stop']}


def batching_bound(faces: int, repeats: int = BATCH_REPEATS) -> dict[str, float]:
    """
    Time classifying ``faces`` crops one call each against one batched call (the real model).

    :param faces: faces per frame set (one per camera).
    :param repeats: timed repetitions.
    :returns: median ms of both, and what batching saves per frame set.
    """
    import cv2
    import numpy as np

    from emotion_ros.core.model.classifier import EmotionClassifier
    from emotion_ros.core.config import EmotionConfig
    from emotion_ros.nodes.emotion_classifier_node import resolve_model_path

    config = EmotionConfig.from_values(load_params())
    classifier = EmotionClassifier.load(resolve_model_path(config.model))
    image = cv2.imread(str(MEDIA / 'single_face.jpg'), cv2.IMREAD_COLOR)
    if image is None:
        raise BenchError('cannot read single_face.jpg: run scripts/fetch_assets.py')
    height, width = image.shape[:2]
    crop = np.ascontiguousarray(image[height // 4:3 * height // 4, width // 4:3 * width // 4])
    classifier.warm_up(1)
    classifier.warm_up(faces)
    one, batch = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(faces):
            classifier.classify_crops([crop])
        t1 = time.perf_counter()
        classifier.classify_crops([crop] * faces)
        t2 = time.perf_counter()
        one.append((t1 - t0) * 1e3)
        batch.append((t2 - t1) * 1e3)
    separate, together = summary(one)['median'], summary(batch)['median']
    return {'faces': faces, 'separate_ms': separate, 'batched_ms': together,
            'saved_ms': separate - together, 'backend': classifier.backend}


def print_table(results: dict[str, Any]) -> None:
    """Print one row per camera of every run, then the totals."""
    print('\n| layout    | cameras | camera | emotions Hz | with emotions | e2e median ms | '
          'e2e p95 ms | CPU % per camera |')
    print('|-----------|--------:|--------|------------:|--------------:|--------------:|'
          '-----------:|-----------------:|')
    for key, result in results.items():
        if 'error' in result:
            print(f'| {key:<21} | error: {result["error"][:60]} |')
            continue
        for namespace, cam in result['cameras'].items():
            e2e = cam['end_to_end_ms']
            print(f'| {result["layout"]:<9} | {result["count"]:>7} | {namespace:<6} | '
                  f'{cam["emotions_rate_hz"]:>11.1f} | {100 * cam["frames_with_emotions"]:>12.1f}'
                  f'% | {fmt(e2e["median"]):>13} | {fmt(e2e["p95"]):>10} | '
                  f'{fmt(cam["cpu_percent"], 0):>16} |')
    print('\nCPU of all nodes (100% = one core): ' + ', '.join(
        f'{k} {v["cpu_percent_all_nodes"]:.0f}%' for k, v in results.items() if 'error' not in v))


def check_spec(results: dict[str, Any]) -> Optional[str]:
    """Return the verdict on the target for 2 cameras (None when not run)."""
    lines = []
    for key, result in results.items():
        if result.get('count') != SPEC['cameras'] or 'error' in result:
            continue
        ok = all(c['emotions_rate_hz'] >= SPEC['rate'] and c['end_to_end_ms']['p95'] is not None
                 and c['end_to_end_ms']['p95'] <= SPEC['p95'] for c in result['cameras'].values())
        lines.append(f'{key}: {"ok" if ok else "FAIL"}')
    if not lines:
        return None
    return (f'spec ({SPEC["cameras"]} cameras >= {SPEC["rate"]:.0f} Hz each, p95 <= '
            f'{SPEC["p95"]:.0f} ms): ' + '; '.join(lines))


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument('--cameras', type=int, nargs='+', default=[1, 2, 4],
                        help='camera counts to run (default: 1 2 4)')
    parser.add_argument('--layouts', nargs='+', choices=LAYOUTS, default=list(LAYOUTS),
                        help='layouts to compare (default: both)')
    parser.add_argument('--duration', type=float, default=DEFAULT_DURATION,
                        help='measured seconds per run (default %(default)s)')
    parser.add_argument('--warmup', type=float, default=DEFAULT_WARMUP,
                        help='first seconds left out of the statistics (default %(default)s)')
    parser.add_argument('--json', type=Path, default=None, help='also write the figures here')
    parser.add_argument('--domain-id', type=int, default=None,
                        help='ROS_DOMAIN_ID (default: a random one in 215..232)')
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    """
    Run every layout for every camera count and print the comparison.

    :returns: 0, 1 when a run failed, 2 for bad options, 130 on Ctrl-C.
    """
    options = build_parser().parse_args(argv)
    if options.duration <= options.warmup or min(options.cameras) < 1:
        print('--duration must exceed --warmup and camera counts be >= 1', file=sys.stderr)
        return 2
    stop_on_signals()
    warn_if_stale()
    report: dict[str, Any] = {'machine_start': machine_info(), 'runs': {}, 'batching': []}
    workdir = Path(tempfile.mkdtemp(prefix='bench_cameras_'))
    code = 0
    try:
        folder = prepare_sources(workdir)['one']
        for count in options.cameras:
            for layout in options.layouts:
                key = f'{layout} x{count}'
                domain_id = pick_domain_id(options.domain_id)
                try:
                    run = run_cameras(count, layout, folder, workdir, options.duration,
                                      options.warmup, domain_id)
                except BenchError as error:
                    print(f'[bench] {key}: {error}', file=sys.stderr)
                    report['runs'][key] = {'error': str(error)}
                    code = 1
                    continue
                report['runs'][key] = {'layout': layout, 'count': count,
                                       **camera_figures(run, layout)}
        for faces in sorted({c for c in options.cameras if c > 1}):
            report['batching'].append(batching_bound(faces))
    except KeyboardInterrupt:
        print('\n[bench] interrupted; all nodes stopped', file=sys.stderr)
        code = 130
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print_table(report['runs'])
    for bound in report['batching']:
        print(f'batching bound ({bound["backend"]}): {bound["faces"]} faces one call each '
              f'{bound["separate_ms"]:.2f} ms, one batch {bound["batched_ms"]:.2f} ms: saves '
              f'{bound["saved_ms"]:.2f} ms per frame set')
    verdict = check_spec(report['runs'])
    if verdict:
        print(verdict)
    finish_report(report, options.json)
    return code


if __name__ == '__main__':
    sys.exit(main())
