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
Emotion label vocabulary and index <-> label helpers.

``FER2013_LABELS`` is the class order of FER2013 (``emotion`` column 0..6) and of the
out-of-the-box mini-Xception; the emotion_msgs/Emotion string constants use the same strings.
A model's own order always comes from its card (``ModelCard.labels``); the helpers below take
that order as an argument and default to FER2013.
"""

from typing import Sequence

import numpy as np

# Class names in FER2013 index order (index = FER2013 ``emotion`` value).
FER2013_LABELS: tuple[str, ...] = (
    'angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral')


def label_to_index(label: str, labels: Sequence[str] = FER2013_LABELS) -> int:
    """
    Return the class index of ``label`` in ``labels``.

    :param label: a class name, e.g. ``'happy'`` (case-sensitive).
    :param labels: the class order; FER2013 by default.
    :returns: the index of ``label``.
    :raises ValueError: if ``label`` is not one of ``labels`` (the message lists them).
    """
    try:
        return list(labels).index(label)
    except ValueError:
        raise ValueError(
            f'unknown emotion label {label!r}; expected one of {tuple(labels)}') from None


def index_to_label(index: int, labels: Sequence[str] = FER2013_LABELS) -> str:
    """
    Return the class name at ``index`` in ``labels``.

    :param index: a class index in ``[0, len(labels))``; negative indices are refused.
    :param labels: the class order; FER2013 by default.
    :returns: the class name.
    :raises ValueError: if ``index`` is not an integer in range.
    """
    if isinstance(index, (bool, np.bool_)) or not isinstance(index, (int, np.integer)):
        raise ValueError(f'class index must be an integer, got {index!r}')
    if not 0 <= int(index) < len(labels):
        raise ValueError(f'class index {index} out of range [0, {len(labels)})')
    return labels[int(index)]


def top_label(probs: np.ndarray, labels: Sequence[str] = FER2013_LABELS) -> tuple[str, float]:
    """
    Return the most probable class of one probability vector and its probability.

    :param probs: shape ``(K,)`` probabilities with ``K == len(labels)``.
    :param labels: the class order; FER2013 by default.
    :returns: ``(label, probability)``.
    :raises ValueError: if ``probs`` is not a 1-D vector of ``len(labels)`` values.
    """
    vector = np.asarray(probs)
    if vector.ndim != 1 or vector.shape[0] != len(labels):
        raise ValueError(
            f'expected a vector of {len(labels)} probabilities, got shape {vector.shape}')
    index = int(np.argmax(vector))
    return labels[index], float(vector[index])
