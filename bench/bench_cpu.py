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
CPU per node as a user sees it: ``emotion_run`` on the looping single_face.mp4, steady state.

The nodes of ``emotion_run --source assets/media/single_face.mp4`` (``emotion_ros.graph``'s
pipeline with ``config/emotion.yaml``, the camera with ``loop: true``, so the 72-frame clip
plays on at its own 30 fps) run as separate processes on an isolated ``ROS_DOMAIN_ID``. This
process subscribes only to ``emotions`` (no image traffic of its own). After the first
``EmotionArray`` and a warm-up, it reads every node's CPU time from /proc at the start and end
of the window and prints each node's CPU in % of one core (and RSS), their sum, the rate of
``emotions``, the end-to-end latency (image stamp to arrival here) and the load average before
and after.

With ``--before`` it first runs the same graph with the per-frame work of the earlier defaults
(:data:`BEFORE_PARAMETERS`: the detector on every frame, every view of every face on every
frame) and prints both tables and the ratio of the totals.

With ``--detector-before`` it first runs the graph with the tracker's full-range BlazeFace model
alone (:data:`DETECTOR_BEFORE_PARAMETERS`, the default before the multi-scale set-up), then the
defaults, and prints the tracker's extra CPU.

With ``--ros4hri`` it first runs the graph as is, then again with the classifier's ``ros4hri``
on (:data:`ROS4HRI_PARAMETERS`; nobody subscribes to the per-face crops or landmarks), and prints
the classifier's extra CPU: what the REP-155 output costs per camera (doc/ros4hri.md). The nodes
need hri_msgs: here ``source install-test/setup.bash`` (the test stand-ins) first.

With ``--hostile-faces N`` it then plays a foreign publisher: one image (the camera's
single_face.jpg) and a ``FaceArray`` of N boxes with the same, unused stamp, and reports
whether the classifier answered that frame (and with how many emotions) and the rate of the
real frames' emotions in the :data:`HOSTILE_WINDOW` seconds after it.

Run (after ``source scripts/env.sh``):
``python bench/bench_cpu.py [--duration 30] [--warmup 10] [--before | --ros4hri]
[--json out/cpu.json]``.
Exit code 0, 1 when a node died or no EmotionArray came, 130 when interrupted.
"""

import argparse
from pathlib import Path
import random
import signal
import sys
import tempfile
import time
from typing import Any, Optional

from harness.graph import DOMAIN_IDS, NodeGraph, PARAMS_FILE, START_TIMEOUT
from harness.processes import BenchError, stop_on_signals
from harness.report import finish_report, fmt, machine_info, summary, warn_if_stale
from harness.sources import MEDIA, ONE_FACE_VIDEO

DEFAULT_DURATION = 30.0  # measured steady-state window, s
DEFAULT_WARMUP = 10.0  # time after the first EmotionArray left out, s
MEDIA_VIDEO = ONE_FACE_VIDEO  # 640x360, 30 fps, one face
HOSTILE_IMAGE = MEDIA / 'single_face.jpg'  # the image paired with the hostile faces
HOSTILE_WINDOW = 4.0  # emotions rate measured after the hostile FaceArray (default), s
# The hostile pair is stamped this far ahead of the wall clock (the camera's stamps), so that
# no real pair, whose key is older, evicts it while it waits for its partner (s).
HOSTILE_STAMP_AHEAD = 2.0
HOSTILE_LEAD = 0.5  # the hostile faces are sent this long before their image, s
# Per executable, the parameters that give the per-frame work of the defaults before the
# detection interval and the views taking turns (--before).
BEFORE_PARAMETERS = {'face_tracker_node': {'detection_interval': 1},
                     'emotion_classifier_node': {'views_per_frame': 0}}

# The tracker with the full-range BlazeFace model alone, the default detector before the
# multi-scale set-up (--detector-before).
DETECTOR_BEFORE_PARAMETERS = {'face_tracker_node': {'blazeface_model': 'full'}}
TRACKER = 'face_tracker'
# The classifier with its ROS4HRI (REP-155) output on (--ros4hri).
ROS4HRI_PARAMETERS = {'emotion_classifier_node': {'ros4hri': True}}
CLASSIFIER = 'emotion_classifier'


def hostile_pair(count: int, stamp_ns: int) -> tuple[Any, Any]:
    """
    Build a real image and a FaceArray of ``count`` boxes with the same stamp.

    :param count: boxes in the FaceArray (all inside the image, sizes varied, six keypoints).
    :param stamp_ns: their stamp, ns since the epoch.
    :returns: ``(image, faces)`` messages.
    """
    import cv2
    from emotion_msgs.msg import Face, FaceArray
    from geometry_msgs.msg import Point
    from sensor_msgs.msg import RegionOfInterest

    from emotion_ros.conversions import bgr_to_imgmsg

    bgr = cv2.imread(str(HOSTILE_IMAGE))
    image = bgr_to_imgmsg(bgr)
    image.header.stamp.sec, image.header.stamp.nanosec = divmod(stamp_ns, 1_000_000_000)
    image.header.frame_id = 'camera'
    height, width = bgr.shape[:2]
    rng = random.Random(14)
    faces = []
    for index in range(count):
        size = rng.randint(20, min(width, height) // 2)
        x, y = rng.randint(0, width - size), rng.randint(0, height - size)
        points = [Point(x=float(x + size * fx), y=float(y + size * fy), z=0.0)
                  for fx, fy in ((0.3, 0.4), (0.7, 0.4), (0.5, 0.6), (0.5, 0.8), (0.0, 0.5),
                                 (1.0, 0.5))]
        faces.append(Face(id=index + 1, roi=RegionOfInterest(x_offset=x, y_offset=y,
                                                             width=size, height=size),
                          detection_confidence=0.9, keypoints=points))
    return image, FaceArray(header=image.header, faces=faces)


def make_listener(context: Any, arrivals: list[tuple[float, float, int]]) -> Any:
    """
    Build the node that records each EmotionArray: arrival (s), latency (ms), faces.

    It also has the publishers of the hostile pair (``image_pub``, ``faces_pub``); answers
    to the hostile stamp go to its ``hostile`` list, not to ``arrivals``.

    :param context: the rclpy context of the run.
    :param arrivals: filled in place.
    :returns: the node.
    """
    from emotion_msgs.msg import EmotionArray, FaceArray
    from rclpy.node import Node
    from sensor_msgs.msg import Image

    from emotion_ros.nodes.qos import RESULT_QOS

    class Listener(Node):
        """Record stamp-to-arrival latency of every EmotionArray."""

        def __init__(self) -> None:
            super().__init__('bench_cpu', context=context)
            self.hostile: list[tuple[float, int]] = []
            self.hostile_stamp = -1  # ns
            self.image_pub = self.create_publisher(Image, 'image_raw', RESULT_QOS)
            self.faces_pub = self.create_publisher(FaceArray, 'faces', RESULT_QOS)
            self.create_subscription(EmotionArray, 'emotions', self._on_emotions, RESULT_QOS)

        def _on_emotions(self, msg: EmotionArray) -> None:
            now = time.time_ns()
            stamp = msg.header.stamp.sec * 1_000_000_000 + msg.header.stamp.nanosec
            if stamp == self.hostile_stamp:
                self.hostile.append((now / 1e9, len(msg.emotions)))
                return
            arrivals.append((now / 1e9, (now - stamp) / 1e6, len(msg.emotions)))

    return Listener()


def node_specs(overrides: Optional[dict[str, dict[str, Any]]] = None) -> list[Any]:
    """
    Return ``emotion_run``'s nodes for the looping single_face.mp4.

    :param overrides: per executable, parameters to set on top of the defaults.
    :returns: the node specs.
    """
    from emotion_ros.graph import pipeline as graph_pipeline

    specs = graph_pipeline({'source': str(MEDIA_VIDEO)})
    for spec in specs:
        if spec.executable == 'camera_node':
            spec.parameters['loop'] = True
        spec.parameters.update((overrides or {}).get(spec.executable, {}))
    return specs


def run(workdir: Path, duration: float, warmup: float, domain_id: int,
        node_env: dict[str, str], hostile_faces: int = 0,
        hostile_window: float = HOSTILE_WINDOW,
        overrides: Optional[dict[str, dict[str, Any]]] = None) -> dict[str, Any]:
    """
    Start the nodes, measure CPU over the steady window, stop everything.

    :param workdir: folder for logs.
    :param duration: the measured window, s.
    :param warmup: time after the first EmotionArray before the window, s.
    :param domain_id: ROS_DOMAIN_ID of this run.
    :param node_env: extra environment variables for the nodes.
    :param hostile_faces: after the window, send one paired FaceArray with this many boxes
        (0: none).
    :param hostile_window: how long the rate is measured after it, s.
    :param overrides: per executable, parameters on top of the defaults.
    :returns: CPU % per node, rates and latencies (and the hostile frame's figures).
    :raises harness.processes.BenchError: when a node dies or no EmotionArray arrives in time.
    """
    from emotion_ros.core.health.proc_stats import rss_bytes
    from emotion_ros.tools.runner import node_command

    arrivals: list[tuple[float, float, int]] = []
    with NodeGraph.isolated(workdir / 'logs', domain_id, node_env) as graph:
        listener = graph.add_ros_node(make_listener(graph.context, arrivals))
        for spec in node_specs(overrides):
            graph.start(spec.name, node_command(spec, str(PARAMS_FILE), autostart=True))
        graph.wait_for(lambda: bool(arrivals), f'no EmotionArray within {START_TIMEOUT:.0f} s; '
                       f'logs in {graph.logs}')
        graph.run_until(time.time() + warmup)
        before = graph.cpu_seconds()
        window_start = time.time()
        graph.run_until(window_start + duration)
        window_end = time.time()
        after = graph.cpu_seconds()
        rss = {node.name: rss_bytes(node.pid) for node in graph.nodes}
        hostile = None
        if hostile_faces:
            listener.hostile_stamp = time.time_ns() + int(HOSTILE_STAMP_AHEAD * 1e9)
            image, faces = hostile_pair(hostile_faces, listener.hostile_stamp)
            # The faces first: the tracker also reads this image, and its own FaceArray for it
            # must find the image already paired with these faces.
            listener.faces_pub.publish(faces)
            graph.run_until(time.time() + HOSTILE_LEAD)
            listener.image_pub.publish(image)
            sent = time.time()
            graph.run_until(sent + hostile_window)
            real = [a for a in arrivals if sent <= a[0] < sent + hostile_window]
            hostile = {'faces_sent': hostile_faces,
                       'answered_after_s': (listener.hostile[0][0] - sent
                                            if listener.hostile else None),
                       'emotions_in_answer': (listener.hostile[0][1]
                                              if listener.hostile else None),
                       'emotions_hz_after': len(real) / hostile_window,
                       'window_s': hostile_window}
    stopped = graph.stopped
    elapsed = window_end - window_start
    cpu = {name: (None if before[name] is None or after[name] is None
                  else 100.0 * (after[name] - before[name]) / elapsed) for name in before}
    inside = [a for a in arrivals if window_start <= a[0] < window_end]
    spread = summary([a[1] for a in inside])
    return {'cpu_percent': cpu, 'rss_mb': {name: None if value is None else value / 2 ** 20
                                           for name, value in rss.items()},
            'cpu_total': sum(v for v in cpu.values() if v is not None),
            'window_s': elapsed, 'emotions_hz': len(inside) / elapsed,
            'faces_per_array': (sum(a[2] for a in inside) / len(inside)) if inside else None,
            'e2e_median_ms': spread['median'], 'e2e_p95_ms': spread['p95'],
            'stop': stopped, 'domain_id': domain_id, 'hostile': hostile}


def print_report(result: dict[str, Any], load_before: str, load_after: str) -> None:
    """Print the CPU table and the rates."""
    print('\n| node | CPU % of one core | RSS MB at the end |')
    print('|------|------------------:|------------------:|')
    for name, value in result['cpu_percent'].items():
        print(f'| {name} | {fmt(value)} | {fmt(result["rss_mb"][name])} |')
    print(f'| all three | {fmt(result["cpu_total"])} | |')
    print(f'\nwindow {result["window_s"]:.1f} s: emotions {fmt(result["emotions_hz"])} Hz, '
          f'{fmt(result["faces_per_array"], 2)} faces/array, end to end median '
          f'{fmt(result["e2e_median_ms"])} ms, p95 {fmt(result["e2e_p95_ms"])} ms')
    hostile = result.get('hostile')
    if hostile:
        print(f'hostile FaceArray of {hostile["faces_sent"]} boxes: answered after '
              f'{fmt(hostile["answered_after_s"], 3)} s with '
              f'{hostile["emotions_in_answer"]} emotions; real emotions in the '
              f'{hostile["window_s"]:.0f} s after it: {fmt(hostile["emotions_hz_after"])} Hz')
    print(f'load average before: {load_before}; after: {load_after}')
    print(f'node exit codes: {result["stop"]["exit_codes"]}', flush=True)


def _load_text(machine: dict[str, Any]) -> str:
    return ' '.join(f'{value:.2f}' for value in machine['loadavg_1_5_15'])


def env_item(text: str) -> tuple[str, str]:
    """
    Parse one ``--node-env`` value.

    :param text: ``NAME=VALUE``.
    :returns: ``(NAME, VALUE)``.
    :raises argparse.ArgumentTypeError: without ``=`` or without a name.
    """
    name, equals, value = text.partition('=')
    if not equals or not name:
        raise argparse.ArgumentTypeError(f'{text!r}: --node-env takes NAME=VALUE')
    return name, value


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument('--duration', type=float, default=DEFAULT_DURATION,
                        help='measured window, s (default %(default)s)')
    parser.add_argument('--warmup', type=float, default=DEFAULT_WARMUP,
                        help='time after the first EmotionArray left out, s '
                        '(default %(default)s)')
    parser.add_argument('--hostile-faces', type=int, default=0, metavar='N',
                        help='after the window, send a paired FaceArray of N boxes and '
                        'measure the classifier after it (0: off)')
    parser.add_argument('--hostile-window', type=float, default=HOSTILE_WINDOW,
                        help='seconds measured after the hostile FaceArray '
                        '(default %(default)s)')
    parser.add_argument('--before', action='store_true',
                        help='first run the earlier per-frame work (detector on every frame, '
                        'every view every frame) and compare')
    parser.add_argument('--detector-before', action='store_true',
                        help='first run the tracker with the full-range model alone (the '
                        'default before the multi-scale set-up) and print its extra CPU')
    parser.add_argument('--ros4hri', action='store_true',
                        help="then run with the classifier's ros4hri on and print its extra CPU "
                        '(needs hri_msgs)')
    parser.add_argument('--json', type=Path, default=None, help='also write the figures here')
    parser.add_argument('--domain-id', type=int, default=None,
                        help='ROS_DOMAIN_ID (default: a random one in 215..232)')
    parser.add_argument('--node-env', action='append', default=[], metavar='NAME=VALUE',
                        type=env_item,
                        help='extra environment variable for the nodes (repeatable)')
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    """
    Run the measurement and print the figures.

    :param argv: command-line arguments (default ``sys.argv[1:]``).
    :returns: 0 on success, 1 when the run failed, 2 for bad options, 130 when interrupted.
    """
    options = build_parser().parse_args(argv)
    node_env = dict(options.node_env)
    stop_on_signals(signal.SIGTERM, signal.SIGHUP)
    warn_if_stale('cpu')
    report: dict[str, Any] = {'machine_start': machine_info()}
    load_before = _load_text(report['machine_start'])
    code = 0
    domain_id = options.domain_id or random.choice(DOMAIN_IDS)
    with tempfile.TemporaryDirectory(prefix='bench_cpu_') as workdir:
        try:
            before = (BEFORE_PARAMETERS if options.before
                      else DETECTOR_BEFORE_PARAMETERS if options.detector_before else None)
            if before:
                print(f'[cpu] before: {before}', flush=True)
                report['before'] = run(Path(workdir) / 'before', options.duration,
                                       options.warmup, domain_id, node_env, overrides=before)
                load_after = _load_text(machine_info())
                print_report(report['before'], load_before, load_after)
                load_before = load_after
                print('[cpu] after: the defaults', flush=True)
            result = run(Path(workdir), options.duration, options.warmup, domain_id, node_env,
                         options.hostile_faces, options.hostile_window)
            print_report(result, load_before, _load_text(machine_info()))
            report['result'] = result
            if options.before:
                print(f'all three, defaults / before: '
                      f'{result["cpu_total"] / report["before"]["cpu_total"]:.2f}')
            if options.detector_before:
                extra = (result['cpu_percent'][TRACKER]
                         - report['before']['cpu_percent'][TRACKER])
                report['detector_extra_cpu_percent'] = extra
                print(f'{TRACKER} multiscale minus full range alone: {extra:+.1f} % of a core')
            if options.ros4hri:
                print(f'[cpu] ros4hri: {ROS4HRI_PARAMETERS}', flush=True)
                load_before = _load_text(machine_info())
                report['ros4hri'] = run(Path(workdir) / 'ros4hri', options.duration,
                                        options.warmup, domain_id, node_env,
                                        overrides=ROS4HRI_PARAMETERS)
                print_report(report['ros4hri'], load_before, _load_text(machine_info()))
                extra = (report['ros4hri']['cpu_percent'][CLASSIFIER]
                         - result['cpu_percent'][CLASSIFIER])
                report['ros4hri_extra_cpu_percent'] = extra
                print(f'{CLASSIFIER} with ros4hri minus without: {extra:+.1f} % of a core')
        except BenchError as error:
            print(f'[cpu] {error}', file=sys.stderr)
            report['error'] = str(error)
            code = 1
        except KeyboardInterrupt:
            print('\n[cpu] interrupted; all nodes stopped', file=sys.stderr)
            code = 130
    finish_report(report, options.json, 'cpu')
    return code


if __name__ == '__main__':
    sys.exit(main())
