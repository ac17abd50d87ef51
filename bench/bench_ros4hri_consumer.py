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
The classifier as a ROS4HRI consumer (faces_from ros4hri): accuracy, rate, crops lost.

Accuracy: every labelled face (bench/labelled_faces.py) is found by the package's detector and
cut as hri_face_detect cuts it (128x128, aspect kept, zero-padded,
``rep155.letterbox_crop``); the crop is classified as the consumer does (the face inside the
padding, ``rep155_input.content_box``, through the shared estimator), beside the same face
classified from its whole image as our own pipeline does.

Rate: the classifier runs alone (``faces_from ros4hri``, pinned to one core with taskset);
this process (on another core) plays a REP-155 detector: ``/humans/faces/tracked`` and one
128x128 crop per face at ``--rate`` Hz, for 1 and 5 faces, ``--rounds`` times with fresh ids.
Per face it counts the crops sent before the first expression came back (lost while the
per-id subscription is discovered) and, after that, the share of crops answered and the time
from a crop's publication to its expression's arrival; the classifier's CPU is read from
/proc. ``--busy`` also runs a busy loop on the classifier's core (it then has half of it).

    python bench/bench_ros4hri_consumer.py [--faces 1 5] [--seconds 10] [--rounds 3]
        [--part accuracy|rate|all] [--busy] [--json out.json]
"""

import argparse
import os
from pathlib import Path
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any, Optional

from harness.graph import NodeGraph
from harness.processes import REPO_ROOT
from harness.report import finish_report, fmt, machine_info, summary
from harness.sampling import cpu_percent
from labelled_faces import iter_labelled

MODEL = REPO_ROOT / 'assets' / 'models' / 'fer_mini_xception.tflite'
FACES = '/humans/faces'
# Cores: the classifier on the first, this process (the detector stand-in) on the second.
CLASSIFIER_CORE = 0
PLAYER_CORE = 1
# Wait after a round for the classifier to drop its faces, s; one crop's answer at most, s.
BETWEEN_ROUNDS = 1.5
ANSWER_WAIT = 2.0
START_TIMEOUT = 120.0  # model load and the first match, s


def hri_crops() -> list[tuple[Any, Any, tuple, str, str]]:
    """Return ``(frame, crop, box, label, source)`` for every labelled face found."""
    from emotion_ros.core.config import DetectorConfig
    from emotion_ros.core.faces.detection import make_detector
    from emotion_ros.core.faces.rep155 import letterbox_crop

    detector = make_detector(DetectorConfig(), MODEL.parent)
    faces = []
    for frame, label, source, _ in iter_labelled():
        found = detector.detect(frame)
        if not found:
            faces.append((frame, None, None, label, source))
            continue
        d = max(found, key=lambda d: d.w * d.h)
        box = (d.x, d.y, d.w, d.h)
        faces.append((frame, letterbox_crop(frame, box), box, label, source))
    return faces


def accuracy(faces: list) -> dict[str, Any]:
    """Accuracy on the hri-style crops and on the whole images, overall and per source."""
    from emotion_ros.core.emotion.face_emotions import FaceEmotionEstimator
    from emotion_ros.core.emotion.smoothing import ProbabilitySmoother
    from emotion_ros.core.faces.rep155_input import content_box
    from emotion_ros.core.model.classifier import EmotionClassifier

    classifier = EmotionClassifier.load(MODEL)
    # The node's defaults (margins, gate), smoothing off: each face on its own.
    estimator = FaceEmotionEstimator(classifier, ProbabilitySmoother(0.0))
    figures: dict[str, Any] = {}
    for way in ('crop', 'frame'):
        right: dict[str, list[bool]] = {}
        for frame, crop, box, label, source in faces:
            if crop is None:
                ok = False
            else:
                image, where = (crop, content_box(crop)) if way == 'crop' else (frame, box)
                ok = estimator.estimate(image, [(0, where)])[0][0].label == label
            right.setdefault(source, []).append(ok)
        every = [ok for oks in right.values() for ok in oks]
        figures[way] = {'accuracy': sum(every) / len(every), 'correct': sum(every),
                        'faces': len(every),
                        'by_source': {s: [sum(v), len(v)] for s, v in right.items()}}
    return figures


class Player:
    """A REP-155 face detector stand-in: an id list and a crop per face per tick."""

    def __init__(self, graph: NodeGraph, crops: list) -> None:
        """Create the list publisher; faces come per round."""
        from hri_msgs.msg import IdsList
        from rclpy.node import Node
        from rclpy.qos import QoSProfile, ReliabilityPolicy

        self.node = graph.add_ros_node(Node('ros4hri_player', context=graph.context))
        self.qos = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE)
        self.tracked = self.node.create_publisher(IdsList, f'{FACES}/tracked', self.qos)
        self.crops = crops
        self.stamp_ns = 1_000_000_000
        self.faces: dict[str, dict[str, Any]] = {}

    def add(self, face_id: str) -> None:
        """Start a face: its crop publisher and its expression reader."""
        from hri_msgs.msg import Expression
        from rclpy.qos import QoSProfile, ReliabilityPolicy
        from sensor_msgs.msg import Image

        answered: dict[int, float] = {}
        self.faces[face_id] = {
            'pub': self.node.create_publisher(Image, f'{FACES}/{face_id}/cropped', self.qos),
            'sub': self.node.create_subscription(
                Expression, f'{FACES}/{face_id}/expression',
                lambda m: answered.setdefault(m.header.stamp.sec * 10**9 + m.header.stamp.nanosec,
                                              time.monotonic()),
                QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE)),
            'sent': {}, 'answered': answered, 'appeared': time.monotonic(),
            'crop': self.crops[len(self.faces) % len(self.crops)]}

    def tick(self) -> None:
        """Publish the list and one crop per face (each with its own stamp)."""
        from emotion_ros.conversions import bgr_to_imgmsg
        from hri_msgs.msg import IdsList

        self.tracked.publish(IdsList(ids=list(self.faces)))
        for face in self.faces.values():
            self.stamp_ns += 1_000_000
            msg = bgr_to_imgmsg(face['crop'])
            msg.header.stamp.sec, msg.header.stamp.nanosec = divmod(self.stamp_ns, 10**9)
            face['sent'][self.stamp_ns] = time.monotonic()
            face['pub'].publish(msg)

    def clear(self) -> None:
        """End the round's faces: an empty list, then their topics go."""
        from hri_msgs.msg import IdsList

        self.tracked.publish(IdsList(ids=[]))
        for face in self.faces.values():
            self.node.destroy_publisher(face['pub'])
            self.node.destroy_subscription(face['sub'])
        self.faces = {}


def face_figures(face: dict[str, Any]) -> dict[str, Any]:
    """Crops lost at appearance, the share answered after the first answer, latency (ms)."""
    sent, answered = face['sent'], face['answered']
    if not answered:
        return {'lost_at_start': len(sent), 'first_answer_s': None, 'answered_after': None}
    first = min(answered)
    after = [stamp for stamp in sent if stamp >= first]
    return {'lost_at_start': sum(1 for stamp in sent if stamp < first),
            'first_answer_s': answered[first] - face['appeared'],
            'answered_after': sum(1 for s in after if s in answered) / len(after),
            'crops_after': len(after),
            'latency_ms': [1000.0 * (answered[s] - sent[s]) for s in after if s in answered]}


def rate_run(graph: NodeGraph, player: Player, count: int, seconds: float, rate: float,
             round_index: int) -> dict[str, Any]:
    """Play ``count`` fresh faces for ``seconds``; return per-face figures and the CPU."""
    for index in range(count):
        player.add(f'r{round_index}f{index}n{count}')
    before = graph.cpu_seconds()['emotion_classifier']
    started = time.monotonic()
    next_tick = started
    while time.monotonic() - started < seconds:
        player.tick()
        next_tick += 1.0 / rate
        while time.monotonic() < next_tick:
            graph.wait(max(0.0, min(0.005, next_tick - time.monotonic())))
        graph.check_alive()
    elapsed = time.monotonic() - started
    cpu = cpu_percent(before, graph.cpu_seconds()['emotion_classifier'], elapsed)
    end = time.monotonic() + ANSWER_WAIT
    while time.monotonic() < end:
        graph.wait(0.02)
    faces = [face_figures(face) for face in player.faces.values()]
    answered = sum(len(f['answered']) for f in player.faces.values())
    player.clear()
    end = time.monotonic() + BETWEEN_ROUNDS
    while time.monotonic() < end:
        player.tick()  # no faces: an empty list
        graph.wait(0.1)
    return {'faces': faces, 'cpu_percent': cpu,
            'expressions_per_s': answered / elapsed}


def rates(counts: list[int], seconds: float, rounds: int, rate: float,
          crops: list) -> dict[str, Any]:
    """Start the classifier alone on one core and play each face count ``rounds`` times."""
    from emotion_ros.graph import NodeSpec
    from emotion_ros.tools.runner import node_command

    os.sched_setaffinity(0, {PLAYER_CORE})
    taskset = shutil.which('taskset')
    prefix = [taskset, '-c', str(CLASSIFIER_CORE)] if taskset else []
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix='bench_ros4hri_') as tmp:
        with NodeGraph.isolated(Path(tmp) / 'logs', 215) as graph:
            spec = NodeSpec('emotion_classifier_node', 'emotion_classifier',
                            {'faces_from': 'ros4hri', 'autostart': True})
            graph.start('emotion_classifier', prefix + node_command(
                spec, str(REPO_ROOT / 'config' / 'emotion.yaml')))
            player = Player(graph, crops)
            # The first face: it appears as soon as the classifier listens to the list (its
            # model loaded); its crops topic is then the first one the two processes match.
            graph.wait_for(lambda: player.tracked.get_subscription_count() > 0,
                           'the classifier never listened', START_TIMEOUT)
            player.add('first')
            graph.wait_for(lambda: (player.tick(), bool(player.faces['first']['answered']))[1],
                           'the classifier never answered', START_TIMEOUT, 1.0 / rate)
            figures['first_face'] = face_figures(player.faces['first'])
            player.clear()
            for count in counts:
                runs = [rate_run(graph, player, count, seconds, rate, r) for r in range(rounds)]
                faces = [f for run in runs for f in run['faces']]
                lost = [f['lost_at_start'] for f in faces]
                first = [f['first_answer_s'] for f in faces if f['first_answer_s'] is not None]
                after = [f['answered_after'] for f in faces if f['answered_after'] is not None]
                latency = summary([ms for f in faces for ms in f.get('latency_ms', [])])
                for f in faces:
                    f.pop('latency_ms', None)  # the summary is enough in the JSON
                figures[str(count)] = {
                    'rounds': runs, 'lost_at_start_median': statistics.median(lost),
                    'lost_at_start_max': max(lost),
                    'first_answer_s_median': statistics.median(first) if first else None,
                    'first_answer_s_max': max(first) if first else None,
                    'answered_after_min': min(after) if after else None,
                    'expressions_per_s': statistics.median(r['expressions_per_s'] for r in runs),
                    'cpu_percent': statistics.median(r['cpu_percent'] for r in runs),
                    'latency_ms': latency}
    return figures


def main(argv: Optional[list[str]] = None) -> int:
    """Measure and print; :returns: the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('--part', choices=('accuracy', 'rate', 'all'), default='all')
    parser.add_argument('--faces', type=int, nargs='+', default=[1, 5])
    parser.add_argument('--seconds', type=float, default=10.0, help='per round, s')
    parser.add_argument('--rounds', type=int, default=3, help='rounds per face count')
    parser.add_argument('--rate', type=float, default=30.0, help='crops per face per s')
    parser.add_argument('--busy', action='store_true',
                        help="a busy loop shares the classifier's core")
    parser.add_argument('--json', type=Path, default=None)
    options = parser.parse_args(argv)
    report: dict[str, Any] = {'machine_start': machine_info(),
                              'options': {k: str(v) for k, v in vars(options).items()}}
    faces = hri_crops()
    if options.part in ('accuracy', 'all'):
        report['accuracy'] = accuracy(faces)
        for way, figures in report['accuracy'].items():
            print(f'accuracy on {"hri-style crops" if way == "crop" else "whole images"}: '
                  f'{figures["correct"]}/{figures["faces"]} = {100 * figures["accuracy"]:.1f}%'
                  f'  {figures["by_source"]}')
    if options.part in ('rate', 'all'):
        crops = [crop for _, crop, _, _, _ in faces if crop is not None]
        busy = subprocess.Popen(['taskset', '-c', str(CLASSIFIER_CORE), sys.executable, '-c',
                                 'while True: pass']) if options.busy else None
        try:
            report['rate'] = rates(options.faces, options.seconds, options.rounds,
                                   options.rate, crops)
        finally:
            if busy is not None:
                busy.kill()
                busy.wait()
        print(f'\n{options.rate:g} Hz per face, {options.rounds} x {options.seconds:g} s, '
              f'classifier on core {CLASSIFIER_CORE}'
              f'{" shared with a busy loop" if options.busy else ""}')
        print('| faces | expressions/s | answered after the first (min) | crops lost at '
              'appearance (median, max) | first expression after (median, max), s | '
              'crop to expression median, p95, ms | classifier CPU % of a core |')
        print('|---|---|---|---|---|---|---|')
        for count, r in report['rate'].items():
            if count == 'first_face':
                continue
            print(f'| {count} | {fmt(r["expressions_per_s"])} | '
                  f'{fmt(100 * (r["answered_after_min"] or 0))}% | '
                  f'{r["lost_at_start_median"]:g}, {r["lost_at_start_max"]} | '
                  f'{fmt(r["first_answer_s_median"], 2)}, {fmt(r["first_answer_s_max"], 2)} | '
                  f'{fmt(r["latency_ms"]["median"])}, {fmt(r["latency_ms"]["p95"])} | '
                  f'{fmt(r["cpu_percent"])} |')
        first = report['rate']['first_face']
        print(f'first face after start: {first["lost_at_start"]} crops lost, first expression '
              f'after {fmt(first["first_answer_s"], 2)} s')
    finish_report(report, options.json, 'bench_ros4hri_consumer')
    return 0


if __name__ == '__main__':
    sys.exit(main())
