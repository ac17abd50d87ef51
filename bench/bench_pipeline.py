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
Benchmark the live pipeline: the three real nodes as processes over real DDS, end to end.

For each scenario the camera node replays 640x480 frames (``single_face.mp4`` letterboxed:
one face; ``multi_face.jpg`` letterboxed: five faces) from an image folder at 30 Hz, looping;
the face tracker and the classifier (default ``.tflite`` model) run as separate processes
with ``config/emotion.yaml``, an isolated ``ROS_DOMAIN_ID`` and localhost discovery. This
process subscribes to ``image_raw`` (sensor-data QoS, like the tracker), ``faces`` and
``emotions`` and records, per message, receipt time minus header stamp (the camera stamps at
capture with the system clock; all processes share the machine's clock).

It reports per scenario: the rate of ``emotions`` over the steady-state window, the fraction
of frames that got an ``EmotionArray``, faces per array (and arrays whose count differs from
the faces in view), latency stamp->image_raw (transport), stamp->faces and stamp->emotions
(end to end) as median and p95, end to end over the first and last 10 s (latency must not
grow), CPU use per node, and per-stage costs measured in this process on the same frames with
the core (capture, detect+track, classify). ``--overload`` also runs the one-face frames at
60 Hz to show that stale frames are dropped and latency stays flat.

Run (after ``source scripts/env.sh``):
``python bench/bench_pipeline.py [--duration 60] [--scenario both] [--overload] [--json F]``.
"""

import argparse
from collections import Counter
from pathlib import Path
import shutil
import sys
import tempfile
import time
from typing import Any, Optional

from harness.graph import load_params, NodeGraph, PARAMS_FILE, pick_domain_id, START_TIMEOUT
from harness.processes import BenchError, stop_on_signals
from harness.report import finish_report, fmt, machine_info, parse_node_env, summary
from harness.report import warn_if_stale
from harness.sources import prepare_sources, Scenario, SCENARIOS
from harness.stamps import EDGE_WINDOW, make_recorder, stamp_figures, window_records

OVERLOAD_RATE = 60.0  # folder replay rate of the overload scenario, Hz
DEFAULT_DURATION = 60.0  # measured time per scenario after the first EmotionArray, s
DEFAULT_WARMUP = 5.0  # start of each run left out of the statistics, s
IMAGE_SUBSCRIBERS = 3  # image_raw subscribers the camera waits for: tracker, classifier, bench
STAGE_FRAMES = 300  # frames timed per in-process stage measurement
STAGE_WARMUP = 10  # untimed frames before the in-process stage measurement
FLAT_TOLERANCE = 5.0  # last-10-s median may exceed the first-10-s median by this much, ms
# The pipeline's target with one face in view: emotions rate (Hz), end-to-end median and p95 (ms).
SPEC_ONE_FACE = {'rate': 27.0, 'median': 40.0, 'p95': 80.0}
OVERLOAD = Scenario('overload: one face @60 Hz', 'one', OVERLOAD_RATE, 1)


# ---------------------------------------------------------------- in-process stages

def measure_stages(folder: Path, framerate: float, params: dict[str, Any],
                   frames: int = STAGE_FRAMES) -> dict[str, Any]:
    """
    Time each stage of the pipeline in this process, with the core, on the scenario's frames.

    The objects are built as the nodes build them (same parameters, same model). Message
    conversion is included in 'to message' (camera side) and 'detect+track' starts from the
    decoded message, as in the tracker node.

    :param folder: the prepared image folder.
    :param framerate: replay rate given to the source, Hz (does not pace ``read``).
    :param params: the package parameters.
    :param frames: timed frames.
    :returns: per stage a :func:`summary` in ms, and the faces found per frame.
    """
    from std_msgs.msg import Header

    from emotion_ros.conversions import bgr_to_imgmsg, imgmsg_to_bgr
    from emotion_ros.core.model.classifier import EmotionClassifier
    from emotion_ros.core.config import DetectorConfig, EmotionConfig, TrackerConfig
    from emotion_ros.core.faces.detection import make_detector
    from emotion_ros.core.emotion.face_emotions import FaceEmotionEstimator
    from emotion_ros.core.frames.sources import open_source
    from emotion_ros.core.faces.tracking import SortTracker
    from emotion_ros.nodes.emotion_classifier_node import resolve_model_path
    from emotion_ros.nodes.face_tracker_node import track_to_face

    # The same stage configs as the nodes, from the same parameter values.
    detector = make_detector(DetectorConfig.from_values(params))
    tracker = SortTracker.from_config(TrackerConfig.from_values(params))
    emotion_config = EmotionConfig.from_values(params)
    classifier = EmotionClassifier.load(resolve_model_path(emotion_config.model))
    classifier.warm_up()
    estimator = FaceEmotionEstimator.from_config(classifier, emotion_config)
    times: dict[str, list[float]] = {'capture': [], 'to message': [], 'detect+track': [],
                                     'classify': []}
    face_counts: Counter = Counter()
    source = open_source(str(folder), fps=framerate, loop=True)
    try:
        for index in range(STAGE_WARMUP + frames):
            t0 = time.perf_counter()
            frame = source.read()
            t1 = time.perf_counter()
            msg = bgr_to_imgmsg(frame, Header())
            t2 = time.perf_counter()
            bgr = imgmsg_to_bgr(msg)
            tracks = tracker.update(detector.detect(bgr))
            height, width = bgr.shape[:2]
            faces = [f for f in (track_to_face(t, width, height) for t in tracks)
                     if f.roi.width and f.roi.height]
            t3 = time.perf_counter()
            boxes = [(f.id, (f.roi.x_offset, f.roi.y_offset, f.roi.width, f.roi.height))
                     for f in faces]
            if boxes:
                estimator.estimate(bgr, boxes)
            t4 = time.perf_counter()
            if index < STAGE_WARMUP:
                continue
            times['capture'].append((t1 - t0) * 1e3)
            times['to message'].append((t2 - t1) * 1e3)
            times['detect+track'].append((t3 - t2) * 1e3)
            if boxes:
                times['classify'].append((t4 - t3) * 1e3)
            face_counts[len(faces)] += 1
    finally:
        source.close()
    result: dict[str, Any] = {name: summary(values) for name, values in times.items()}
    result['faces_per_frame'] = {str(k): v for k, v in sorted(face_counts.items())}
    result['backend'] = classifier.backend
    return result


# ---------------------------------------------------------------- the ROS run

def run_pipeline(scenario: Scenario, folder: Path, workdir: Path, duration: float,
                 warmup: float, domain_id: int,
                 node_env: Optional[dict[str, str]] = None) -> dict[str, Any]:
    """
    Start the three nodes, record the topics for ``duration`` s, stop everything.

    :param scenario: what to run.
    :param folder: the image folder the camera replays.
    :param workdir: folder for logs.
    :param duration: measured time after the first EmotionArray, s.
    :param warmup: start of the measured time left out of the statistics, s.
    :param domain_id: ROS_DOMAIN_ID of this run.
    :param node_env: extra environment variables for the nodes.
    :returns: the raw records and process figures.
    :raises BenchError: when a node dies or no EmotionArray arrives in time.
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
    logs = workdir / 'logs' / scenario.source / f'{scenario.framerate:.0f}hz'
    with NodeGraph.isolated(logs, domain_id, node_env) as graph:
        recorder = graph.add_ros_node(make_recorder(graph.context))
        for spec in specs:
            graph.start(spec.name, node_command(spec, str(PARAMS_FILE), autostart=True))
        took = graph.wait_for(lambda: bool(recorder.emotions),
                              f'no EmotionArray within {START_TIMEOUT:.0f} s; logs in {logs}')
        first = time.time()
        print(f'[bench] {scenario.name}: first EmotionArray {took:.1f} s '
              f'after start; measuring {duration:.0f} s (domain {domain_id})', flush=True)
        window_start, end = first + warmup, first + duration
        measured = graph.measure(window_start, end)
    return {**window_records(recorder, window_start, end), 'first': first,
            'cpu_percent': measured['cpu_percent'], 'threads': measured['threads'],
            'stop': graph.stopped, 'domain_id': domain_id, 'logs': str(logs)}


# ---------------------------------------------------------------- report

def print_report(name: str, result: dict[str, Any], spec: Optional[dict[str, float]]) -> None:
    """
    Print one scenario's figures as tables.

    :param name: the scenario name.
    :param result: ``stamp_figures`` output plus ``stages``, ``cpu_percent``, ``threads``.
    :param spec: the targets to compare with, or None.
    """
    lat = result['latency_ms']
    e2e = lat['end to end (stamp->emotions)']
    print(f'\n=== {name} ===')
    print(f'steady window {result["window_s"]:.1f} s; image_raw {result["camera_rate_hz"]:.1f} '
          f'Hz, faces {result["faces_rate_hz"]:.1f} Hz, emotions '
          f'{result["emotions_rate_hz"]:.1f} Hz')
    print(f'frames {result["frames"]}: with FaceArray {100 * result["frames_with_faces"]:.1f}%,'
          f' with EmotionArray {100 * result["frames_with_emotions"]:.1f}% (not seen by the '
          f'bench image subscriber: {100 * result["frames_missed_by_bench_image_sub"]:.1f}%)')
    print(f'faces per EmotionArray {result["faces_per_emotion_array"]}; arrays with != '
          f'{result["expected_faces"]} faces: {result["arrays_with_wrong_face_count"]}')
    trend = result['end_to_end_trend_ms_per_min']
    print(f'end-to-end latency trend: {fmt(trend, 2)} ms per minute')
    print('\n| latency                            |     n | median ms |    p95 ms |    max ms |')
    print('|------------------------------------|------:|----------:|----------:|----------:|')
    for label, s in lat.items():
        print(f'| {label:<34} | {s["n"]:>5} | {fmt(s["median"]):>9} | {fmt(s["p95"]):>9} | '
              f'{fmt(s["max"]):>9} |')
    stages = result.get('stages')
    if stages:
        print('\n| stage (in-process, core)           |     n | median ms |    p95 ms |')
        print('|------------------------------------|------:|----------:|----------:|')
        rows = [('capture (source.read)', stages['capture']),
                ('to message (bgr_to_imgmsg)', stages['to message']),
                ('detect+track', stages['detect+track']),
                (f'classify ({stages["backend"]}, all faces)', stages['classify']),
                ('transport (ROS, stamp->image_raw)', lat['transport (stamp->image_raw)']),
                ('end to end (ROS, stamp->emotions)', e2e)]
        for label, s in rows:
            print(f'| {label:<34} | {s["n"]:>5} | {fmt(s["median"], 2):>9} | '
                  f'{fmt(s["p95"], 2):>9} |')
        print(f'in-process faces per frame: {stages["faces_per_frame"]}')
    cpu = ', '.join(f'{k} {fmt(v, 0)}%' for k, v in result['cpu_percent'].items())
    threads = ', '.join(f'{k} {v}' for k, v in result['threads'].items())
    print(f'CPU (100% = one core): {cpu}; threads: {threads}')
    if spec is not None:
        checks = [('emotions rate >= %.0f Hz' % spec['rate'],
                   result['emotions_rate_hz'] >= spec['rate']),
                  ('median <= %.0f ms' % spec['median'],
                   e2e['median'] is not None and e2e['median'] <= spec['median']),
                  ('p95 <= %.0f ms' % spec['p95'],
                   e2e['p95'] is not None and e2e['p95'] <= spec['p95'])]
        verdicts = [f'{text}: {"ok" if ok else "FAIL"}' for text, ok in checks]
        print('spec: ' + '; '.join(verdicts))
    edges = [s for k, s in lat.items() if k.startswith('end to end, ')]
    if all(s['median'] is not None for s in edges):
        growth = edges[1]['median'] - edges[0]['median']
        verdict = 'flat' if growth <= FLAT_TOLERANCE else 'GROWING'
        print(f'latency first vs last window: median {edges[0]["median"]:.1f} -> '
              f'{edges[1]["median"]:.1f} ms ({verdict}), p95 {edges[0]["p95"]:.1f} -> '
              f'{edges[1]["p95"]:.1f} ms')
    print(f'node exit codes: {result["stop"]["exit_codes"]}', flush=True)


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument('--duration', type=float, default=DEFAULT_DURATION,
                        help='measured seconds per scenario after the first EmotionArray '
                        '(default %(default)s)')
    parser.add_argument('--warmup', type=float, default=DEFAULT_WARMUP,
                        help='first seconds of each run left out of the statistics '
                        '(default %(default)s)')
    parser.add_argument('--scenario', choices=('one', 'five', 'both', 'none'), default='both',
                        help='faces in view (none: only --overload)')
    parser.add_argument('--overload', action='store_true',
                        help=f'also run the one-face frames at {OVERLOAD_RATE:.0f} Hz')
    parser.add_argument('--json', type=Path, default=None, help='also write the figures here')
    parser.add_argument('--stage-frames', type=int, default=STAGE_FRAMES,
                        help='frames timed in-process per stage (default %(default)s; 0: skip)')
    parser.add_argument('--domain-id', type=int, default=None,
                        help='ROS_DOMAIN_ID (default: a random one in 215..232)')
    parser.add_argument('--node-env', action='append', default=[], metavar='NAME=VALUE',
                        help='extra environment variable for the nodes (repeatable), e.g. '
                        'OMP_NUM_THREADS=1 to compare a fix without editing a node')
    parser.add_argument('--keep-logs', action='store_true',
                        help='keep the scratch folder (frames, node logs) and print its path')
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    """
    Run the selected scenarios and print (and optionally save) the figures.

    :param argv: command-line arguments (default ``sys.argv[1:]``).
    :returns: the process exit code: 0, 1 when a run failed, 130 on Ctrl-C.
    """
    options = build_parser().parse_args(argv)
    if options.duration <= options.warmup:
        print('--duration must exceed --warmup', file=sys.stderr)
        return 2
    scenarios = {'one': [SCENARIOS['one']], 'five': [SCENARIOS['five']],
                 'both': [SCENARIOS['one'], SCENARIOS['five']], 'none': []}[options.scenario]
    if options.overload:
        scenarios.append(OVERLOAD)
    if not scenarios:
        print('nothing to run: --scenario none without --overload', file=sys.stderr)
        return 2
    node_env = parse_node_env(options.node_env)
    if node_env is None:
        print('--node-env takes NAME=VALUE', file=sys.stderr)
        return 2
    stop_on_signals()
    warn_if_stale()
    report: dict[str, Any] = {'machine_start': machine_info(), 'options': {
        'duration_s': options.duration, 'warmup_s': options.warmup,
        'scenarios': [s.name for s in scenarios], 'node_env': node_env}, 'scenarios': {}}
    if (options.duration - options.warmup) < 2 * EDGE_WINDOW:
        print(f'[bench] note: the steady window ({options.duration - options.warmup:.0f} s) is '
              f'under 2 x {EDGE_WINDOW:.0f} s, so the first and last windows overlap',
              flush=True)
    workdir = Path(tempfile.mkdtemp(prefix='bench_pipeline_'))
    code = 0
    try:
        folders = prepare_sources(workdir)
        params = load_params()
        for scenario in scenarios:
            domain_id = pick_domain_id(options.domain_id)
            try:
                raw = run_pipeline(scenario, folders[scenario.source], workdir,
                                   options.duration, options.warmup, domain_id,
                                   node_env)
            except BenchError as error:
                print(f'[bench] {scenario.name}: {error}', file=sys.stderr)
                report['scenarios'][scenario.name] = {'error': str(error)}
                code = 1
                continue
            result = stamp_figures(raw, scenario.expected_faces)
            result.update({k: raw[k] for k in ('cpu_percent', 'threads', 'stop', 'domain_id')})
            result['camera_framerate_hz'] = scenario.framerate
            if options.stage_frames > 0:
                result['stages'] = measure_stages(folders[scenario.source], scenario.framerate,
                                                  params, options.stage_frames)
            spec = SPEC_ONE_FACE if scenario is SCENARIOS['one'] else None
            print_report(scenario.name, result, spec)
            report['scenarios'][scenario.name] = result
    except KeyboardInterrupt:
        print('\n[bench] interrupted; all nodes stopped', file=sys.stderr)
        code = 130
    finally:
        if options.keep_logs:
            print(f'[bench] frames and node logs kept in {workdir}')
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    finish_report(report, options.json)
    return code


if __name__ == '__main__':
    sys.exit(main())
