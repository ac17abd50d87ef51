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
Label stability and accuracy of the emotion estimate: one crop against averaged views.

Faces: every face the default detector (built from the package's config through
``make_detector``) finds in the real media of ``assets/media``: each video frame by frame, the
stills and the group photo. Every estimate goes through the shared ``FaceEmotionEstimator``
with smoothing off, so each frame is judged on its own.

For each estimate (one crop at margin 0.2, the former default; the package defaults,
``EmotionConfig``; margins 0, 0.1, 0.2 with their mirrors; each of these also with
``align_roll``, marked ``+align``: the face turned so that its eyes are level before the crops
are cut; more with ``--sweep``) it prints one table row:

* **stable**: the fraction of faces whose label is the same under all three perturbations
  below, then each one alone: every margin + 0.05; every margin - 0.05 (floored at 0); the
  frame mirrored left-right (boxes mirrored with it);
* **video flips**: label changes between consecutive frames of a video (a face in both), per
  100 frames;
* **stills**: correct labels on the labelled stills of ``test/data/stills.csv`` (largest face);
* **turned stills**: correct labels on the labelled stills turned by each angle of ``TURNS``
  about their centre (re-detected; largest face), then how many of those labels equal the
  upright still's: how much the estimate depends on the head's roll, which ``align_roll``
  should remove;
* **ms/face**: mean wall time of ``estimate`` per face over the run (crop, preprocess, model,
  mean); then median and p95 wall ms of one ``estimate`` call on a frame with 1 face
  (``single_face.jpg``) and with 5 faces (``multi_face.jpg``), and in brackets the CPU ms of
  this process per call, which other processes on a shared machine disturb less.

Before the table it prints how rolled the faces are: the median, 90th percentile and largest
absolute angle of the eye line (BlazeFace's eye keypoints) over all faces, i.e. how much there
was for ``align_roll`` to correct.

Run: ``TF_CPP_MIN_LOG_LEVEL=2 python bench/bench_accuracy.py [--sweep] [--json out.json]``.
"""

import argparse
import csv
from dataclasses import dataclass, field
from pathlib import Path
import statistics
import sys
import time

from harness.report import finish_report, machine_info

REPO_ROOT = Path(__file__).resolve().parent.parent
MEDIA = REPO_ROOT / 'assets' / 'media'
MODEL = REPO_ROOT / 'assets' / 'models' / 'fer_mini_xception.tflite'
STILLS_CSV = REPO_ROOT / 'test' / 'data' / 'stills.csv'
VIDEO_SUFFIXES = ('.mp4', '.mov', '.avi')
STILL_SUFFIXES = ('.jpg', '.jpeg', '.png')
SHIFT = 0.05  # margin perturbation, fraction of the box per side
SINGLE = ((0.2,), False, False)  # the former default: one crop at margin 0.2, no mirror
# Three margins and their mirrors (6 views): a heavier average to set the defaults against.
THREE_MARGINS = ((0.0, 0.1, 0.2), True, False)
# Margin sets tried by --sweep (each with and without the mirror).
SWEEP_MARGINS = ((0.05,), (0.1,), (0.15,), (0.2,), (0.0, 0.15), (0.0, 0.2), (0.05, 0.15),
                 (0.05, 0.2), (0.1, 0.2), (0.0, 0.1, 0.2), (0.1, 0.2, 0.3), (0.05, 0.15, 0.25),
                 (0.0, 0.15, 0.3), (0.0, 0.1, 0.2, 0.3))
TIMED_CALLS = 200  # estimate() calls timed on the 1-face and 5-face frames
WARM_UP_CALLS = 10  # untimed calls before them
ONE_FACE = 'single_face.jpg'  # frames for the cost with 1 and 5 faces
FIVE_FACES = 'multi_face.jpg'
PERTURBATIONS = ('plus', 'minus', 'mirror')
# Angles the labelled stills are turned by for the turned-stills column, degrees.
TURNS = (-30.0, -20.0, -10.0, -5.0, 5.0, 10.0, 20.0, 30.0)


@dataclass
class Tally:
    """What one estimate configuration did over all the media."""

    faces: int = 0
    stable: int = 0
    unchanged: dict = field(default_factory=lambda: dict.fromkeys(PERTURBATIONS, 0))
    flips: int = 0
    frame_pairs: int = 0
    stills_correct: int = 0
    stills: int = 0
    turned_correct: int = 0
    turned_as_upright: int = 0
    turned: int = 0
    seconds: float = 0.0
    by_media: dict = field(default_factory=dict)  # name -> [faces, stable]


def _name(margins: tuple, mirror: bool, align: bool) -> str:
    return (','.join(f'{m:g}' for m in margins) + (' +mirror' if mirror else '')
            + (' +align' if align else ''))


def _detector():
    """Build the package's default face detector from its stage config, as the tracker node."""
    from emotion_ros.core.config import DetectorConfig
    from emotion_ros.core.faces.detection import make_detector

    config = DetectorConfig()
    print(f'detector: {config}')
    return make_detector(config)


def _media() -> list[Path]:
    """Return the real media files: videos and stills."""
    files = sorted(p for p in MEDIA.iterdir() if p.suffix.lower() in VIDEO_SUFFIXES
                   + STILL_SUFFIXES)
    if not files:
        raise SystemExit(f'bench: no media in {MEDIA}: run scripts/fetch_assets.py')
    return files


def _frames(path: Path):
    """Yield the BGR frames of a video, or the one image of a still."""
    import cv2

    if path.suffix.lower() in STILL_SUFFIXES:
        image = cv2.imread(str(path))
        if image is None:
            raise SystemExit(f'bench: cannot read {path}')
        yield image
        return
    capture = cv2.VideoCapture(str(path))
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                return
            yield frame
    finally:
        capture.release()


class Candidate:
    """One estimate configuration and its three perturbed twins."""

    def __init__(self, classifier, margins: tuple, mirror: bool, align: bool) -> None:
        from emotion_ros.core.emotion.face_emotions import FaceEmotionEstimator
        from emotion_ros.core.emotion.smoothing import ProbabilitySmoother

        def make(values):
            return FaceEmotionEstimator(classifier, ProbabilitySmoother(0.0), values, mirror,
                                        align)

        self.name = _name(margins, mirror, align)
        self.base = make(margins)
        self.plus = make(tuple(m + SHIFT for m in margins))
        self.minus = make(tuple(max(m - SHIFT, 0.0) for m in margins))
        self.tally = Tally()
        self.previous: list[str] = []

    def labels(self, frame, faces) -> list[str]:
        """Label the faces of a frame (timed) and count stability; returns the labels."""
        start = time.perf_counter()
        base = [r.label for r in self.base.estimate(frame, faces)[0]]
        self.tally.seconds += time.perf_counter() - start
        width = frame.shape[1]
        mirrored = [(i, (width - x - w, y, w, h), [(width - px, py) for px, py in points])
                    for i, (x, y, w, h), points in faces]
        others = {'plus': [r.label for r in self.plus.estimate(frame, faces)[0]],
                  'minus': [r.label for r in self.minus.estimate(frame, faces)[0]],
                  'mirror': [r.label for r in self.base.estimate(frame[:, ::-1], mirrored)[0]]}
        for index, label in enumerate(base):
            same = {key: labels[index] == label for key, labels in others.items()}
            for key, ok in same.items():
                self.tally.unchanged[key] += ok
            self.tally.stable += all(same.values())
        self.tally.faces += len(base)
        return base

    def count_media(self, name: str, faces: int, stable_before: int) -> None:
        """Add one media file's faces and stable faces to the per-media figures."""
        entry = self.tally.by_media.setdefault(name, [0, 0])
        entry[0] += faces
        entry[1] += self.tally.stable - stable_before


def _time_estimate(estimator, frame, faces) -> tuple[float, float, float]:
    """
    Time one ``estimate`` call on a frame.

    :returns: median and p95 wall ms, and the mean CPU ms of this process per call (less
        sensitive than wall time to other processes on a shared machine).
    """
    for _ in range(WARM_UP_CALLS):
        estimator.estimate(frame, faces)
    times = []
    cpu_start = time.process_time()
    for _ in range(TIMED_CALLS):
        start = time.perf_counter()
        estimator.estimate(frame, faces)
        times.append((time.perf_counter() - start) * 1000.0)
    cpu = (time.process_time() - cpu_start) * 1000.0 / TIMED_CALLS
    times.sort()
    return statistics.median(times), times[int(round(0.95 * (len(times) - 1)))], cpu


def _turned_stills(detector, candidates: list[Candidate], expected: dict) -> None:
    """Label each labelled still upright and turned by every angle of TURNS; count."""
    import cv2

    for name, label in expected.items():
        image = cv2.imread(str(MEDIA / name))
        if image is None:
            raise SystemExit(f'bench: cannot read {MEDIA / name}')
        height, width = image.shape[:2]
        upright = {}
        for angle in (0.0,) + TURNS:
            matrix = cv2.getRotationMatrix2D((width / 2.0, height / 2.0), angle, 1.0)
            turned = cv2.warpAffine(image, matrix, (width, height),
                                    borderMode=cv2.BORDER_REPLICATE)
            detections = detector.detect(turned)
            if not detections:
                print(f'bench: no face in {name} turned by {angle:g} degrees')
                continue
            face = max(detections, key=lambda d: d.w * d.h)
            faces = [(0, (face.x, face.y, face.w, face.h), face.keypoints)]
            for candidate in candidates:
                results = candidate.base.estimate(turned, faces)[0]
                if not results:
                    continue
                if angle == 0.0:
                    upright[candidate.name] = results[0].label
                    continue
                candidate.tally.turned += 1
                candidate.tally.turned_correct += results[0].label == label
                candidate.tally.turned_as_upright += \
                    results[0].label == upright.get(candidate.name)


def run(configs: list[tuple]) -> tuple[list[Candidate], dict, list[float]]:
    """
    Go through every face of the media with every configuration.

    :returns: the candidates with their tallies, their costs, and the roll of every face with
        eye keypoints (degrees).
    """
    from emotion_ros.core.emotion.alignment import roll_degrees
    from emotion_ros.core.model.classifier import EmotionClassifier

    classifier = EmotionClassifier.load(MODEL)
    detector = _detector()
    candidates = [Candidate(classifier, *config) for config in configs]
    rolls = []
    with STILLS_CSV.open(newline='') as handle:
        expected = {row['image']: row['expected_label'] for row in csv.DictReader(handle)}
    cost_frames = {}
    for path in _media():
        for candidate in candidates:
            candidate.previous = []
        marks = [(c.tally.faces, c.tally.stable) for c in candidates]
        for frame in _frames(path):
            detections = detector.detect(frame)
            if path.name in expected and detections:
                # The largest face, as predict.py.
                detections = [max(detections, key=lambda d: d.w * d.h)]
            faces = [(i, (d.x, d.y, d.w, d.h), d.keypoints) for i, d in enumerate(detections)]
            rolls += [r for r in (roll_degrees(d.keypoints) for d in detections) if r is not None]
            if path.name in (ONE_FACE, FIVE_FACES):
                cost_frames[path.name] = (frame, faces)
            for candidate in candidates:
                labels = candidate.labels(frame, faces)
                if path.name in expected and labels:
                    candidate.tally.stills += 1
                    candidate.tally.stills_correct += labels[0] == expected[path.name]
                if len(labels) == 1 and len(candidate.previous) == 1:
                    candidate.tally.frame_pairs += 1
                    candidate.tally.flips += labels[0] != candidate.previous[0]
                candidate.previous = labels
        for candidate, (faces, stable) in zip(candidates, marks):
            candidate.count_media(path.name, candidate.tally.faces - faces, stable)
    _turned_stills(detector, candidates, expected)
    costs = {}
    for candidate in candidates:
        costs[candidate.name] = {
            count: _time_estimate(candidate.base, *cost_frames[name])
            for count, name in ((1, ONE_FACE), (5, FIVE_FACES)) if name in cost_frames}
    return candidates, costs, rolls


def _report(candidates: list[Candidate], costs: dict, rolls: list[float]) -> dict:
    """Print the tables; return the figures for --json."""
    sizes = sorted(abs(r) for r in rolls)
    roll = ({'faces': len(sizes), 'median': statistics.median(sizes),
             'p90': sizes[int(round(0.9 * (len(sizes) - 1)))], 'max': sizes[-1]}
            if sizes else {'faces': 0})
    if sizes:
        print(f'|roll| of the {roll["faces"]} faces with eye keypoints, degrees: median '
              f'{roll["median"]:.1f}, p90 {roll["p90"]:.1f}, max {roll["max"]:.1f}\n')
    print('| estimate | views | faces | stable | +0.05 | -0.05 | mirror | video flips /100 '
          '| stills | turned stills (= upright) | ms/face | 1 face ms med/p95 (cpu) '
          '| 5 faces ms med/p95 (cpu) |')
    print('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|')
    out = {'roll_degrees': roll}
    for c in candidates:
        t = c.tally
        share = {key: t.unchanged[key] / max(t.faces, 1) for key in PERTURBATIONS}
        flips = 100.0 * t.flips / max(t.frame_pairs, 1)
        per_face = 1000.0 * t.seconds / max(t.faces, 1)
        cost = costs[c.name]
        cells = ' | '.join(f'{cost[n][0]:.2f} / {cost[n][1]:.2f} ({cost[n][2]:.2f})'
                           if n in cost else '-' for n in (1, 5))
        stable = t.stable / max(t.faces, 1)
        print(f'| {c.name} | {c.base.views_per_face} | {t.faces} | {stable:.3f}'
              f' | {share["plus"]:.3f} | {share["minus"]:.3f} | {share["mirror"]:.3f} | '
              f'{flips:.1f} | {t.stills_correct}/{t.stills} | {t.turned_correct}/{t.turned} '
              f'({t.turned_as_upright}) | {per_face:.2f} | {cells} |')
        out[c.name] = {'views': c.base.views_per_face, 'faces': t.faces,
                       'stable': t.stable / max(t.faces, 1), 'unchanged': share,
                       'video_flips_per_100': flips, 'stills_correct': t.stills_correct,
                       'stills': t.stills, 'turned_stills_correct': t.turned_correct,
                       'turned_stills_as_upright': t.turned_as_upright,
                       'turned_stills': t.turned, 'ms_per_face': per_face,
                       'cost_ms': {str(n): list(v) for n, v in cost.items()},
                       'stable_by_media': {k: v[1] / max(v[0], 1)
                                           for k, v in t.by_media.items()},
                       'faces_by_media': {k: v[0] for k, v in t.by_media.items()}}
    names = list(candidates[0].tally.by_media)
    print('\nstable fraction per media file (faces):')
    counts = [candidates[0].tally.by_media[n][0] for n in names]
    print('| estimate | ' + ' | '.join(f'{n} ({k})' for n, k in zip(names, counts)) + ' |')
    print('|---|' + '--:|' * len(names))
    for c in candidates:
        cells = [f'{stable / faces:.3f}' if faces else '-'
                 for faces, stable in (c.tally.by_media[n] for n in names)]
        print(f'| {c.name} | ' + ' | '.join(cells) + ' |')
    return out


def main(argv: list[str] | None = None) -> int:
    """
    Run the benchmark.

    :param argv: command-line arguments (default ``sys.argv[1:]``).
    :returns: the process exit code.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('--sweep', action='store_true',
                        help='also try the margin sets of SWEEP_MARGINS, with and without '
                             'the mirror')
    parser.add_argument('--json', metavar='OUT.json', help='also write the figures as JSON')
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO_ROOT))
    from emotion_ros.core.config import EmotionConfig

    plain = [SINGLE, (EmotionConfig.crop_margins, EmotionConfig.mirror, False), THREE_MARGINS]
    configs = list(dict.fromkeys((margins, mirror, align) for margins, mirror, _ in plain
                                 for align in (False, True)))
    if args.sweep:
        configs += [(m, mirror, False) for m in SWEEP_MARGINS for mirror in (False, True)
                    if (m, mirror, False) not in configs]
    machine = machine_info()
    print(f'load average {" ".join(f"{v:.2f}" for v in machine["loadavg_1_5_15"])}; '
          f'model {MODEL.name}; media {MEDIA}')
    candidates, costs, rolls = run(configs)
    figures = {'machine_start': machine, **_report(candidates, costs, rolls)}
    finish_report(figures, Path(args.json) if args.json else None, 'accuracy')
    return 0


if __name__ == '__main__':
    sys.exit(main())
