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
Train/validation/test splits and class weights.

``stratified`` keeps the class ratios (scikit-learn ``train_test_split``). ``subject`` keeps every
person on one side only (``GroupShuffleSplit`` over a subject id taken from the file name with a
regular expression): CK+48 copies repeat each labelled image three times, so a random split leaks
near-duplicates of the test faces into training and inflates the test accuracy.
"""

from pathlib import Path
import re
from typing import Dict, List, Sequence, Tuple

import numpy as np

SPLITS = ('stratified', 'subject')
DEFAULT_SUBJECT_PATTERN = r'^(S\d+)_'  # CK+ names: S005_001_00000011.png -> S005


def stratified_split(labels: np.ndarray, fraction: float,
                     seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """
    Split indices into a kept part and a held-out part with the same class ratios.

    Classes with a single example cannot be stratified; they stay in the kept part.

    :param labels: (N,) class indices.
    :param fraction: share of the examples to hold out, 0 < fraction < 1.
    :param seed: random seed.
    :returns: (kept indices, held-out indices), each sorted.
    :raises ValueError: when the fraction is out of range or leaves a part empty.
    """
    from sklearn.model_selection import train_test_split

    _check_fraction(fraction)
    labels = np.asarray(labels)
    counts = np.bincount(labels) if len(labels) else np.zeros(0, np.int64)
    splittable = counts[labels] >= 2
    index = np.flatnonzero(splittable)
    kept, held = train_test_split(index, test_size=fraction, random_state=seed,
                                  stratify=labels[index])
    kept = np.concatenate([kept, np.flatnonzero(~splittable)])
    return np.sort(kept), np.sort(held)


def subject_ids(sources: Sequence[str], pattern: str) -> List[str]:
    """
    Extract the subject id of each face from its file name.

    :param sources: image paths (or other source strings).
    :param pattern: regular expression searched in the file name; group 1 (or the whole match
        when it has no group) is the subject id.
    :returns: one subject id per source.
    :raises ValueError: when the pattern is invalid or some file names do not match it.
    """
    try:
        regex = re.compile(pattern)
    except re.error as error:
        raise ValueError(f'invalid --subject-pattern {pattern!r}: {error}')
    ids, misses = [], []
    for source in sources:
        match = regex.search(Path(source).name)
        if match is None:
            misses.append(source)
            continue
        ids.append(match.group(1) if regex.groups else match.group(0))
    if misses:
        shown = ', '.join(misses[:3])
        raise ValueError(f'{len(misses)} file names do not match the subject pattern '
                         f'{pattern!r} (e.g. {shown}); a subject split needs image files '
                         'named with a subject id')
    return ids


def names_match_subjects(sources: Sequence[str], pattern: str) -> bool:
    """
    Tell whether every file name carries a subject id (a CK+-style dataset).

    Such datasets hold several near-identical frames per person: a stratified split leaks
    them into the test set, a subject split does not.

    :param sources: image paths (or other source strings).
    :param pattern: the subject-id regular expression.
    :returns: True when there are sources and all their file names match; False otherwise,
        also for an invalid pattern.
    """
    try:
        regex = re.compile(pattern)
    except re.error:
        return False
    return bool(sources) and all(regex.search(Path(s).name) for s in sources)


def subject_split(groups: Sequence[str], fraction: float,
                  seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """
    Split indices so that no subject is on both sides.

    :param groups: subject id per example.
    :param fraction: approximate share of the subjects to hold out, 0 < fraction < 1.
    :param seed: random seed.
    :returns: (kept indices, held-out indices), each sorted.
    :raises ValueError: when there are fewer than two subjects.
    """
    from sklearn.model_selection import GroupShuffleSplit

    _check_fraction(fraction)
    groups = np.asarray(groups)
    if len(np.unique(groups)) < 2:
        raise ValueError('a subject split needs at least two subjects, found '
                         f'{len(np.unique(groups))}')
    splitter = GroupShuffleSplit(n_splits=1, test_size=fraction, random_state=seed)
    kept, held = next(splitter.split(np.zeros(len(groups)), groups=groups))
    return np.sort(kept), np.sort(held)


def split_indices(labels: np.ndarray, sources: Sequence[str], method: str, fraction: float,
                  seed: int, pattern: str = DEFAULT_SUBJECT_PATTERN
                  ) -> Tuple[np.ndarray, np.ndarray]:
    """
    Split with the named method.

    :param labels: (N,) class indices.
    :param sources: file name or location per example (for the subject ids).
    :param method: 'stratified' or 'subject'.
    :param fraction: share to hold out.
    :param seed: random seed.
    :param pattern: subject-id regular expression for the subject split.
    :returns: (kept indices, held-out indices).
    :raises ValueError: for an unknown method or a split that cannot be made.
    """
    if method == 'stratified':
        return stratified_split(labels, fraction, seed)
    if method == 'subject':
        return subject_split(subject_ids(sources, pattern), fraction, seed)
    raise ValueError(f'unknown split {method!r}; choose one of {SPLITS}')


def class_weights(labels: np.ndarray, num_classes: int) -> Dict[int, float]:
    """
    Weight each class by ``n / (k * count)`` ('balanced'); absent classes get weight 1.

    FER2013 has 547 disgust faces against 8,989 happy ones: without weights the rare classes
    barely move the loss.

    :param labels: (N,) class indices.
    :param num_classes: number of classes k.
    :returns: {class index: weight}.
    """
    labels = np.asarray(labels)
    counts = np.bincount(labels, minlength=num_classes).astype(np.float64)
    present = counts > 0
    weights = np.ones(num_classes)
    weights[present] = len(labels) / (present.sum() * counts[present])
    return {i: float(w) for i, w in enumerate(weights)}


def _check_fraction(fraction: float) -> None:
    """Raise ValueError unless 0 < fraction < 1."""
    if not 0.0 < fraction < 1.0:
        raise ValueError(f'split fraction must be between 0 and 1, got {fraction}')
