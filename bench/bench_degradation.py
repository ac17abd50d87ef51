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
Emotion accuracy on the labelled real faces against exposure, blur, JPEG, noise and face size.

Each labelled face (cut around its default-detector box on its own photo, as
``bench_scale.load_faces`` does) is degraded one way at a time, then goes through what the
node does: the default detector on the degraded image, the largest box that overlaps the face
(IoU >= 0.5), the default views, smoothing off. Per condition: faces found, accuracy of the
found faces with its Wilson 95% interval, and the conditions where accuracy falls more than
``DROP_POINTS`` below the undegraded figure. Two cheap per-face signals, mean brightness and
Laplacian sharpness in the box, are tested as predictors of a wrong label on the degraded
faces (ROC AUC; 0.5 is no better than chance), to tell whether a gate on them would help.

    python bench/bench_degradation.py --plot doc/img/degradation.png --json runs/degr.json
    python bench/bench_degradation.py --every 4     # a quarter of the faces (quick look)
"""

import argparse
import json
import math
from pathlib import Path
import sys
import time
from typing import Optional, Sequence

from bench_scale import best_match, load_faces, make_classify, MODEL
import cv2
from harness.report import machine_info
import numpy as np

SEED = 29  # noise draws
# Accuracy this many points below the undegraded figure marks where the estimate stops holding.
DROP_POINTS = 10.0
# Each condition's levels, the first being "no change".
LEVELS = {
    # Multiplies the pixel values (then clipped): under- and overexposure.
    'exposure gain': (1.0, 0.12, 0.25, 0.5, 0.75, 1.5, 2.0, 3.0),
    # Length of a horizontal motion-blur kernel, as a fraction of the face box height.
    'motion blur (box fraction)': (0.0, 0.03, 0.06, 0.1, 0.15, 0.25),
    # JPEG quality of the whole face image.
    'JPEG quality': (100, 60, 40, 25, 15, 10, 5),
    # Standard deviation of Gaussian sensor noise, 8-bit levels.
    'noise sigma': (0.0, 5.0, 10.0, 20.0, 30.0, 45.0),
    # Face box height after rescaling the face image, pixels (0: as it is).
    'face height (px)': (0, 160, 96, 64, 48, 40, 32, 28, 24),
}
WILSON_Z = 1.96  # 95% interval


def degrade(image: np.ndarray, box: Sequence[float], condition: str, level: float,
            rng: np.random.Generator) -> tuple[np.ndarray, tuple[float, ...]]:
    """Return the image degraded one way, and the face box in it."""
    if condition == 'exposure gain':
        return np.clip(image.astype(np.float32) * level, 0, 255).astype(np.uint8), tuple(box)
    if condition == 'motion blur (box fraction)':
        length = int(round(level * box[3]))
        if length < 2:
            return image, tuple(box)
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2, :] = 1.0 / length
        return cv2.filter2D(image, -1, kernel), tuple(box)
    if condition == 'JPEG quality':
        ok, data = cv2.imencode('.jpg', image, [cv2.IMWRITE_JPEG_QUALITY, int(level)])
        return cv2.imdecode(data, cv2.IMREAD_COLOR), tuple(box)
    if condition == 'noise sigma':
        noisy = image.astype(np.float32) + rng.normal(0.0, level, image.shape)
        return np.clip(noisy, 0, 255).astype(np.uint8), tuple(box)
    if condition == 'face height (px)':
        if not level:
            return image, tuple(box)
        scale = level / box[3]
        small = cv2.resize(image, None, fx=scale, fy=scale,
                           interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        # On a grey canvas, so the detector sees the face with room around it, as in a frame.
        canvas = np.full((max(small.shape[0], 96) + 64, max(small.shape[1], 96) + 64, 3), 110,
                         np.uint8)
        canvas[32:32 + small.shape[0], 32:32 + small.shape[1]] = small
        return canvas, tuple(v * scale + (32 if i < 2 else 0) for i, v in enumerate(box))
    raise ValueError(f'unknown condition {condition!r}')


def signals(image: np.ndarray, box: Sequence[float]) -> tuple[float, float]:
    """Return the face box's mean brightness (0-255) and Laplacian variance (sharpness)."""
    x, y, w, h = (int(round(v)) for v in box)
    grey = cv2.cvtColor(image[max(y, 0):y + h, max(x, 0):x + w], cv2.COLOR_BGR2GRAY)
    if grey.size == 0:
        return math.nan, math.nan
    return float(grey.mean()), float(cv2.Laplacian(grey, cv2.CV_64F).var())


def wilson(correct: int, total: int) -> tuple[float, float]:
    """Return the Wilson 95% interval of a proportion, in percent."""
    if total == 0:
        return math.nan, math.nan
    p = correct / total
    centre = (p + WILSON_Z ** 2 / (2 * total)) / (1 + WILSON_Z ** 2 / total)
    half = WILSON_Z * math.sqrt(p * (1 - p) / total + WILSON_Z ** 2 / (4 * total ** 2)) / (
        1 + WILSON_Z ** 2 / total)
    return 100 * (centre - half), 100 * (centre + half)


def run(faces: Sequence, levels: dict = LEVELS, seed: int = SEED) -> dict:
    """Measure every condition and level; :returns: figures (JSON-ready)."""
    from emotion_ros.core.faces.detection import make_detector
    from emotion_ros.core.model.classifier import EmotionClassifier

    detector = make_detector()
    estimate = make_classify(EmotionClassifier.load(MODEL))
    rng = np.random.default_rng(seed)
    figures: dict = {'faces': len(faces), 'conditions': {}}
    samples = []  # (condition, level index, brightness, sharpness, correct)
    for condition, values in levels.items():
        rows = []
        for index, level in enumerate(values):
            found = correct = 0
            for face in faces:
                image, box = degrade(face.image, face.box, condition, level, rng)
                match = best_match(detector.detect(image), box)
                if match is None:
                    continue
                found += 1
                right = estimate(image, match) == face.label
                correct += right
                samples.append((condition, index, *signals(image, box), right))
            low, high = wilson(correct, found)
            rows.append({'level': level, 'found': found, 'correct': correct,
                         'accuracy': 100 * correct / found if found else math.nan,
                         'low': low, 'high': high})
        base = rows[0]['accuracy']
        for row in rows:
            row['holds'] = bool(row['accuracy'] >= base - DROP_POINTS)
        figures['conditions'][condition] = rows
    figures['signals'] = signal_power(samples)
    return figures


def signal_power(samples: list) -> dict:
    """ROC AUC of low brightness distance and low sharpness for a wrong label (degraded only)."""
    from sklearn.metrics import roc_auc_score

    degraded = [s for s in samples if s[1] > 0 and math.isfinite(s[2])]
    wrong = np.array([not s[4] for s in degraded])
    if len(set(wrong)) < 2:
        return {}
    brightness = np.array([s[2] for s in degraded])
    sharpness = np.array([s[3] for s in degraded])
    return {
        'degraded faces': len(degraded), 'wrong': int(wrong.sum()),
        # Far from mid-grey (dark or burnt) predicts wrong?
        'brightness |mean - 128| AUC': float(roc_auc_score(wrong, np.abs(brightness - 128))),
        # Less sharp predicts wrong?
        'sharpness (lower) AUC': float(roc_auc_score(wrong, -np.log1p(sharpness))),
    }


def print_tables(figures: dict) -> None:
    """Print one markdown table per condition and the signals' power."""
    for condition, rows in figures['conditions'].items():
        print(f'\n{condition} ({figures["faces"]} labelled faces)\n')
        print('| level | found | accuracy of found, % (95% interval) | within 10 points |')
        print('|---|---|---|---|')
        for row in rows:
            print(f'| {row["level"]:g} | {row["found"]} | {row["accuracy"]:.0f} '
                  f'({row["low"]:.0f}-{row["high"]:.0f}) | {"yes" if row["holds"] else "no"} |')
    print('\nper-face signals as predictors of a wrong label (ROC AUC, 0.5 = chance):')
    for key, value in figures['signals'].items():
        print(f'  {key}: {value:.3f}' if isinstance(value, float) else f'  {key}: {value}')


def plot(figures: dict, path: Path) -> None:
    """Draw accuracy (with its interval) against each condition's level."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    conditions = list(figures['conditions'])
    fig, axes = plt.subplots(1, len(conditions), figsize=(3.2 * len(conditions), 3.0))
    for axis, condition in zip(axes, conditions):
        rows = [r for r in figures['conditions'][condition] if r['found']]
        if condition == 'exposure gain':
            rows = sorted(rows, key=lambda r: r['level'])  # dark to overexposed
        xs = list(range(len(rows)))
        accuracy = [r['accuracy'] for r in rows]
        axis.errorbar(xs, accuracy, yerr=[[a - r['low'] for a, r in zip(accuracy, rows)],
                                          [r['high'] - a for a, r in zip(accuracy, rows)]],
                      fmt='o-', capsize=3)
        base = figures['conditions'][condition][0]['accuracy']
        axis.axhline(base - DROP_POINTS, color='grey', linestyle=':')
        axis.set_xticks(xs, [f'{r["level"]:g}' if r['level'] else 'orig.' for r in rows],
                        rotation=45, fontsize=7)
        axis.set_title(condition, fontsize=8)
        axis.set_ylim(0, 100)
    axes[0].set_ylabel('accuracy of found faces, %')
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)


def main(argv: Optional[list[str]] = None) -> int:
    """Run the sweep and print (and optionally plot and save) its figures."""
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument('--every', type=int, default=1, help='keep every Nth face (1: all)')
    parser.add_argument('--plot', type=Path, default=None, help='PNG to draw')
    parser.add_argument('--json', type=Path, default=None, help='figures as JSON')
    options = parser.parse_args(argv)
    started = time.monotonic()
    figures = run(load_faces(every=options.every))
    figures['machine'] = machine_info()
    figures['seconds'] = time.monotonic() - started
    print_tables(figures)
    print(f'\n{figures["seconds"]:.0f} s; load average {figures["machine"]["loadavg_1_5_15"]}')
    if options.plot is not None:
        plot(figures, options.plot)
    if options.json is not None:
        options.json.parent.mkdir(parents=True, exist_ok=True)
        options.json.write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
