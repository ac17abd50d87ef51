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
Inference: one face per call through ``tf.function`` (as the classifier does) and through the
float TFLite export with ai-edge-litert; median ms over the calls. Pixel values are random:
only shapes matter for speed. Keep the step counts small: the seed CNN trains at about
4.5 images/s on 2 cores (14 s per batch of 64).

    python bench/bench_training.py [--arch seed small] [--seed-steps 3] [--steps 20]
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
SEED_INFERENCE_CALLS = 10  # fewer for the 45 ms/face seed CNN


def _ensure_importable() -> None:
    """Add the repository root to ``sys.path`` when ``emotion_ros`` is not importable."""
    try:
        import emotion_ros  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(REPO_ROOT))


def bench_training(arch: str, steps: int, seed: int = 0) -> Dict[str, float]:
    """
    Time training steps of one architecture.

    :param arch: architecture name.
    :param steps: measured steps (after WARMUP_STEPS).
    :param seed: random seed.
    :returns: ``{'step_ms', 'images_per_second', 'steps'}`` (medians).
    """
    import keras

    from emotion_ros.core.model.model_card import InputSpec
    from emotion_ros.training.architectures import build_model, compile_model, INPUT_SHAPE
    from emotion_ros.training.pipeline import make_augmenter, make_dataset, prepare_inputs

    keras.utils.set_random_seed(seed)
    total = (steps + WARMUP_STEPS) * BATCH_SIZE
    rng = np.random.default_rng(seed)
    faces = rng.integers(0, 256, (total, 48, 48), dtype=np.uint8)
    labels = rng.integers(0, 7, total)
    inputs = prepare_inputs(faces, InputSpec(48, 48, 1, 'unit'))
    data = make_dataset(inputs, labels, BATCH_SIZE, True, seed, make_augmenter(seed))
    model = build_model(arch, INPUT_SHAPE, 7)
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
    args = parser.parse_args(argv)
    _ensure_importable()
    for arch in args.arch:
        steps = args.seed_steps if arch == 'seed' else args.steps
        calls = SEED_INFERENCE_CALLS if arch == 'seed' else INFERENCE_CALLS
        row = {'arch': arch, 'batch_size': BATCH_SIZE}
        row.update(bench_inference(arch, calls))
        row.update(bench_training(arch, steps))
        print(json.dumps(row), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
