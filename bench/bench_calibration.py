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
Calibration of the published ``Emotion.confidence`` on the labelled real faces.

The confidence is what the classifier publishes: the top probability of the mean of the
face's views (``FaceEmotionEstimator`` with the default ``crop_margins`` and ``mirror``),
smoothing off. Each labelled face (:mod:`labelled_faces`) goes through the default detector
(largest face) and the estimator once. Figures:

* reliability: ``BINS`` equal-width confidence bins, per bin faces, accuracy and mean
  confidence; expected calibration error (ECE, the count-weighted mean of
  ``|accuracy - confidence|``) with 95 % bootstrap intervals (``RESAMPLES`` resamples, seeded):
  of people (every face of a drawn person, as faces of one person are not independent) and of
  faces;
* a temperature ``T`` on the averaged probabilities (``p ** (1 / T)``, renormalised: the
  ranking of the classes and so every label is kept), fitted by least negative log-likelihood
  on the other folds and scored on the held-out fold; folds by person (``GroupKFold``, CK+
  subject ids; each still, photo and the video's man is a person of its own), so no one is on
  both sides. Before and after: ECE, NLL, Brier score, pooled over the held-out folds.

Run: ``TF_CPP_MIN_LOG_LEVEL=2 python bench/bench_calibration.py --json runs/calibration.json
--plot doc/img/calibration.png``.
"""

import argparse
from dataclasses import dataclass
from pathlib import Path
import sys
from typing import Optional, Sequence

from harness.report import finish_report, machine_info
from labelled_faces import iter_labelled, person_of
import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
MODEL = REPO_ROOT / 'assets' / 'models' / 'fer_mini_xception.tflite'
BINS = 10  # equal-width confidence bins over 0..1
RESAMPLES = 2000  # bootstrap resamples
SEED = 23  # the bootstrap's seed
FOLDS = 5  # cross-validation folds, by person
TEMPERATURE_RANGE = (0.05, 20.0)  # searched temperatures (dimensionless)
EPS = 1e-12  # floor of a probability before its logarithm


@dataclass
class Estimates:
    """The set's averaged probabilities, true classes and people."""

    probabilities: np.ndarray  # (N, K)
    truth: np.ndarray  # (N,) class indices
    persons: list[str]
    sources: list[str]
    labels: tuple[str, ...]


def collect(every: int = 1) -> Estimates:
    """
    Estimate every labelled face once: default detector, default views, smoothing off.

    :param every: keep every Nth face of the set (1: all).
    """
    from emotion_ros.core.config import EmotionConfig
    from emotion_ros.core.emotion.face_emotions import FaceEmotionEstimator
    from emotion_ros.core.emotion.smoothing import ProbabilitySmoother
    from emotion_ros.core.faces.detection import make_detector
    from emotion_ros.core.model.classifier import EmotionClassifier

    classifier = EmotionClassifier.load(MODEL)
    config = EmotionConfig()
    estimator = FaceEmotionEstimator(classifier, ProbabilitySmoother(0.0), config.crop_margins,
                                     config.mirror, config.align_roll)
    detector = make_detector()
    labels = estimator.labels
    probabilities, truth, persons, sources = [], [], [], []
    for index, (image, label, source, name) in enumerate(iter_labelled()):
        if index % every:
            continue
        found = detector.detect(image)
        if not found:
            print(f'no face found on {name}: left out')
            continue
        d = max(found, key=lambda d: d.w * d.h)
        results, _ = estimator.estimate(image, [(0, (d.x, d.y, d.w, d.h), d.keypoints)])
        probabilities.append(results[0].probabilities)
        truth.append(labels.index(label))
        persons.append(person_of(name, source))
        sources.append(source)
    return Estimates(np.array(probabilities, np.float64), np.array(truth), persons, sources,
                     tuple(labels))


def with_temperature(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """Return ``p ** (1 / T)`` renormalised per row (the class ranking unchanged)."""
    logits = np.log(np.maximum(probabilities, EPS)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    scaled = np.exp(logits)
    return scaled / scaled.sum(axis=1, keepdims=True)


def reliability(confidence: np.ndarray, correct: np.ndarray, bins: int = BINS) -> list[dict]:
    """
    Bin the faces by confidence.

    :returns: per bin ``lo``, ``hi``, ``n``, ``accuracy`` and ``confidence`` (None when
        empty); the last bin includes 1.0.
    """
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    out = []
    for b in range(bins):
        members = index == b
        n = int(members.sum())
        out.append({'lo': float(edges[b]), 'hi': float(edges[b + 1]), 'n': n,
                    'accuracy': float(correct[members].mean()) if n else None,
                    'confidence': float(confidence[members].mean()) if n else None})
    return out


def ece(confidence: np.ndarray, correct: np.ndarray, bins: int = BINS) -> float:
    """Return the expected calibration error: the bins' count-weighted |accuracy - confidence|."""
    total = len(confidence)
    return float(sum(b['n'] / total * abs(b['accuracy'] - b['confidence'])
                     for b in reliability(confidence, correct, bins) if b['n']))


def top(probabilities: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the confidence (top probability) and whether the top class is right."""
    return probabilities.max(axis=1), (probabilities.argmax(axis=1) == truth).astype(float)


def bootstrap_ece(confidence: np.ndarray, correct: np.ndarray, groups: Optional[Sequence[str]],
                  resamples: int = RESAMPLES, seed: int = SEED) -> tuple[float, float]:
    """
    95 % percentile interval of the ECE, resampling people (``groups``) or faces (None).

    :returns: the 2.5th and 97.5th percentiles.
    """
    rng = np.random.default_rng(seed)
    if groups is None:
        units = [np.array([i]) for i in range(len(confidence))]
    else:
        names = sorted(set(groups))
        units = [np.array([i for i, g in enumerate(groups) if g == name]) for name in names]
    values = []
    for _ in range(resamples):
        drawn = np.concatenate([units[i] for i in rng.integers(len(units), size=len(units))])
        values.append(ece(confidence[drawn], correct[drawn]))
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def nll(probabilities: np.ndarray, truth: np.ndarray) -> float:
    """Mean negative log-likelihood of the true classes."""
    return float(-np.mean(np.log(np.maximum(probabilities[np.arange(len(truth)), truth], EPS))))


def brier(probabilities: np.ndarray, truth: np.ndarray) -> float:
    """Mean multi-class Brier score."""
    onehot = np.eye(probabilities.shape[1])[truth]
    return float(np.mean(np.sum((probabilities - onehot) ** 2, axis=1)))


def fit_temperature(probabilities: np.ndarray, truth: np.ndarray) -> float:
    """Return the temperature of least negative log-likelihood in TEMPERATURE_RANGE."""
    from scipy.optimize import minimize_scalar

    result = minimize_scalar(lambda t: nll(with_temperature(probabilities, t), truth),
                             bounds=TEMPERATURE_RANGE, method='bounded')
    return float(result.x)


def cross_validate(data: Estimates, folds: int = FOLDS) -> tuple[np.ndarray, list[float]]:
    """
    Fit a temperature on the other folds and apply it to each held-out fold (folds by person).

    :returns: the held-out calibrated probabilities (input order) and each fold's temperature.
    """
    from sklearn.model_selection import GroupKFold

    folds = min(folds, len(set(data.persons)))
    out = np.zeros_like(data.probabilities)
    temperatures = []
    splits = GroupKFold(n_splits=folds).split(data.probabilities, data.truth, data.persons)
    for train, test in splits:
        t = fit_temperature(data.probabilities[train], data.truth[train])
        temperatures.append(t)
        out[test] = with_temperature(data.probabilities[test], t)
    return out, temperatures


def summary(probabilities: np.ndarray, data: Estimates, resamples: int) -> dict:
    """ECE with its two intervals, NLL, Brier, accuracy, mean confidence and the bins."""
    confidence, correct = top(probabilities, data.truth)
    by_source = {}
    for source in sorted(set(data.sources)):
        members = np.array([s == source for s in data.sources])
        by_source[source] = {'n': int(members.sum()),
                             'accuracy': float(correct[members].mean()),
                             'mean_confidence': float(confidence[members].mean())}
    return {'ece': ece(confidence, correct),
            'ece_95_people': bootstrap_ece(confidence, correct, data.persons, resamples),
            'ece_95_faces': bootstrap_ece(confidence, correct, None, resamples),
            'nll': nll(probabilities, data.truth), 'brier': brier(probabilities, data.truth),
            'accuracy': float(correct.mean()), 'mean_confidence': float(confidence.mean()),
            'bins': reliability(confidence, correct), 'by_source': by_source}


def plot(before: dict, after: dict, path: Path) -> None:
    """Draw the reliability diagrams before and after the temperature to a small PNG."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(8.0, 3.6), dpi=80, sharey=True)
    for ax, (title, figures) in zip(axes, (('published (views averaged)', before),
                                           ('temperature, cross-validated', after))):
        bins = [b for b in figures['bins'] if b['n']]
        centres = [(b['lo'] + b['hi']) / 2 for b in bins]
        ax.bar(centres, [b['accuracy'] for b in bins], width=0.09, color='tab:blue',
               alpha=0.7, label='accuracy')
        ax.plot([b['confidence'] for b in bins], [b['accuracy'] for b in bins], 'o',
                color='tab:red', markersize=4, label='(mean confidence, accuracy)')
        for c, b in zip(centres, bins):
            ax.annotate(str(b['n']), (c, 0.02), ha='center', fontsize=7, color='white')
        ax.plot([0, 1], [0, 1], ':', color='grey')
        low, high = figures['ece_95_people']
        ax.set_title(f'{title}\nECE {figures["ece"]:.3f} (95% {low:.3f}-{high:.3f}, people)',
                     fontsize=9)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel('confidence (bar: faces in the bin)', fontsize=8)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel('fraction right', fontsize=8)
    axes[0].legend(fontsize=7, loc='upper left')
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    print(f'[calibration] plot written to {path}')


def print_bins(name: str, figures: dict) -> None:
    """Print one reliability table (Markdown)."""
    low, high = figures['ece_95_people']
    flow, fhigh = figures['ece_95_faces']
    print(f'\n{name}: ECE {figures["ece"]:.3f} (95 %: {low:.3f}-{high:.3f} resampling people, '
          f'{flow:.3f}-{fhigh:.3f} resampling faces), NLL {figures["nll"]:.3f}, Brier '
          f'{figures["brier"]:.3f}, accuracy {figures["accuracy"]:.3f}, mean confidence '
          f'{figures["mean_confidence"]:.3f}')
    print('per source (faces, accuracy, mean confidence): ' + ', '.join(
        f'{k} {v["n"]} {v["accuracy"]:.2f} {v["mean_confidence"]:.2f}'
        for k, v in figures['by_source'].items()))
    print('| confidence | faces | accuracy | mean confidence |')
    print('|---|--:|--:|--:|')
    for b in figures['bins']:
        if b['n']:
            print(f'| {b["lo"]:.1f}-{b["hi"]:.1f} | {b["n"]} | {b["accuracy"]:.3f} | '
                  f'{b["confidence"]:.3f} |')


def run(data: Estimates, resamples: int = RESAMPLES) -> dict:
    """Measure before and after the cross-validated temperature; fit one on the whole set."""
    calibrated, temperatures = cross_validate(data)
    counts = {label: int((data.truth == i).sum()) for i, label in enumerate(data.labels)}
    return {'faces': len(data.truth), 'people': len(set(data.persons)), 'per_class': counts,
            'before': summary(data.probabilities, data, resamples),
            'after_cv': summary(calibrated, data, resamples),
            'fold_temperatures': temperatures,
            'temperature_all': fit_temperature(data.probabilities, data.truth)}


def main(argv: list[str] | None = None) -> int:
    """
    Run the benchmark.

    :param argv: command-line arguments (default ``sys.argv[1:]``).
    :returns: the process exit code.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('--resamples', type=int, default=RESAMPLES, help='bootstrap resamples')
    parser.add_argument('--json', metavar='OUT.json', help='also write the figures as JSON')
    parser.add_argument('--plot', metavar='OUT.png', help='draw the reliability diagrams')
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO_ROOT))
    machine = machine_info()
    data = collect()
    figures = run(data, args.resamples)
    print(f'{figures["faces"]} faces of {figures["people"]} people; per class '
          + ', '.join(f'{k} {v}' for k, v in figures['per_class'].items()))
    print_bins('published confidence', figures['before'])
    print_bins('temperature fitted on the other folds', figures['after_cv'])
    print(f'\nfold temperatures: {", ".join(f"{t:.2f}" for t in figures["fold_temperatures"])};'
          f' on the whole set: {figures["temperature_all"]:.2f}')
    if args.plot:
        plot(figures['before'], figures['after_cv'], Path(args.plot))
    finish_report({'machine_start': machine, 'figures': figures},
                  Path(args.json) if args.json else None, 'calibration')
    return 0


if __name__ == '__main__':
    sys.exit(main())
