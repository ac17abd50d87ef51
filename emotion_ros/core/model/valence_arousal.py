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
Valence and arousal of a face: the probability-weighted mean of per-class coordinates.

Valence runs from unpleasant (-1) to pleasant (+1), arousal from calm (-1) to excited (+1). A
classifier of categories measures neither: ``valence = sum_k p_k * valence_k`` (the same for
arousal) places its class probabilities on the plane by a table of one point per class. This is
a mapping of the categories, not a measurement: a broad and a faint smile that the model calls
happy with the same probability get the same valence.

The table is the model card's field ``valence_arousal``::

    "valence_arousal": {
      "method": "category_mapping",
      "source": "where the numbers come from",
      "coordinates": {"happy": [0.81, 0.51], "neutral": [0.0, 0.0], "...": [0.0, 0.0]}
    }

A card may declare its own (one point per label, each coordinate in [-1, 1]); a card without
one gets :data:`DEFAULT_TABLE`, whose points are the pleasure and arousal of emotion terms in
Russell and Mehrabian (1977), as reproduced in the source named in :data:`DEFAULT_SOURCE`.
Only ``category_mapping`` is known: a model that regresses valence and arousal itself would
need a new method (and outputs the classifier does not read today).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
import math
from typing import Any, Optional

import numpy as np

# Name of the card field that holds the table.
CARD_FIELD = 'valence_arousal'
# The only method known: the probability-weighted mean of one point per class.
CATEGORY_MAPPING = 'category_mapping'
METHODS: tuple[str, ...] = (CATEGORY_MAPPING,)
# Valence and arousal both lie in [-1, 1] (unitless; 0 is neither pleasant nor unpleasant,
# neither calm nor excited).
COORDINATE_LIMIT = 1.0
DEFAULT_SOURCE = (
    'Russell, J. A. & Mehrabian, A. (1977). Evidence for a three-factor theory of emotions. '
    'Journal of Research in Personality 11, 273-294: pleasure (valence) and arousal of the '
    'terms happy (31), angry (82), disgust (75), fearful (101), sad (151), surprised (52) and '
    "displeased (109), numbered as in the paper's list of 151 terms, read from their "
    'reproduction in github.com/GamSeong-HwaBaek/GamSeong-HwaBaek, Emotion-PAD.md (commit '
    '1239f041); the 1977 paper itself was not read. Used as reproduced (already in [-1, 1]). '
    'neutral: the origin, by definition. contempt: the point of "displeased", our choice, as '
    'no published value for contempt was found.')
# (valence, arousal) per class name, in [-1, 1]; the term of Russell and Mehrabian (1977)
# whose pleasure and arousal give the point is in the comment.
DEFAULT_COORDINATES: dict[str, tuple[float, float]] = {
    'angry': (-0.51, 0.59),  # angry
    'disgust': (-0.60, 0.35),  # disgust
    'fear': (-0.64, 0.60),  # fearful
    'happy': (0.81, 0.51),  # happy
    'sad': (-0.63, -0.27),  # sad
    'surprise': (0.40, 0.67),  # surprised
    'neutral': (0.0, 0.0),  # no term: the origin
    'contempt': (-0.55, 0.16),  # displeased (no published value for contempt found)
}


class ValenceArousalError(ValueError):
    """A valence-arousal table is malformed (the message says which entry)."""


def _point(value: Any, name: str) -> tuple[float, float]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != 2:
        raise ValenceArousalError(
            f'coordinates.{name} must be [valence, arousal], got {value!r}')
    point = []
    for item in value:
        number = isinstance(item, (int, float, np.integer, np.floating))
        if isinstance(item, bool) or not number or not math.isfinite(float(item)) \
                or abs(float(item)) > COORDINATE_LIMIT:
            raise ValenceArousalError(
                f'coordinates.{name} must be two numbers in [-1, 1], got {value!r}')
        point.append(float(item))
    return point[0], point[1]


@dataclass(frozen=True)
class ValenceArousalTable:
    """
    One (valence, arousal) point per class name, and where the points come from.

    :param coordinates: class name -> ``(valence, arousal)``, each in [-1, 1].
    :param source: the citation of the numbers.
    :param method: how probabilities become valence and arousal (:data:`METHODS`).
    """

    coordinates: Mapping[str, tuple[float, float]]
    source: str = ''
    method: str = CATEGORY_MAPPING

    def __post_init__(self) -> None:
        """
        Validate every entry and keep a copy of the table.

        :raises ValenceArousalError: naming the malformed entry.
        """
        if self.method not in METHODS:
            raise ValenceArousalError(f'method must be one of {METHODS}, got {self.method!r}')
        if not isinstance(self.source, str):
            raise ValenceArousalError(f'source must be a string, got {self.source!r}')
        if not isinstance(self.coordinates, Mapping) or not self.coordinates:
            raise ValenceArousalError(
                f'coordinates must be a non-empty object, got {self.coordinates!r}')
        points = {}
        for name, value in self.coordinates.items():
            if not isinstance(name, str) or not name.strip():
                raise ValenceArousalError(f'coordinates has a key that is not a name: {name!r}')
            points[name] = _point(value, name)
        object.__setattr__(self, 'coordinates', points)

    def missing(self, labels: Sequence[str]) -> tuple[str, ...]:
        """
        Return the labels the table has no point for.

        :param labels: a model's class names.
        :returns: those of ``labels`` absent from the table, in order.
        """
        return tuple(label for label in labels if label not in self.coordinates)

    def matrix(self, labels: Sequence[str]) -> Optional[np.ndarray]:
        """
        Return the points of ``labels`` in their order.

        :param labels: a model's class names, in output order.
        :returns: float64 ``(K, 2)`` (valence, arousal) rows, or None when a label has none.
        """
        if self.missing(labels):
            return None
        return np.array([self.coordinates[label] for label in labels], dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        """
        Return the card field's JSON object.

        :returns: ``{'method', 'source', 'coordinates': {name: [valence, arousal]}}``.
        """
        return {'method': self.method, 'source': self.source,
                'coordinates': {name: list(point) for name, point in self.coordinates.items()}}

    @classmethod
    def from_dict(cls, data: Any, labels: Sequence[str] = ()) -> 'ValenceArousalTable':
        """
        Read the card field, checking that it has a point for every label.

        :param data: the field's parsed JSON object.
        :param labels: the card's labels; each needs a point.
        :returns: the table.
        :raises ValenceArousalError: naming the malformed entry or the labels without a point.
        """
        if not isinstance(data, Mapping):
            raise ValenceArousalError(f'must be an object, got {data!r}')
        unknown = sorted(set(data) - {'method', 'source', 'coordinates'})
        if unknown:
            raise ValenceArousalError(f'has unknown keys {unknown}')
        if 'coordinates' not in data:
            raise ValenceArousalError('needs coordinates')
        table = cls(data['coordinates'], data.get('source', ''),
                    data.get('method', CATEGORY_MAPPING))
        missing = table.missing(labels)
        if missing:
            raise ValenceArousalError(f'coordinates has no point for {list(missing)}')
        return table


# The table of a card that declares none.
DEFAULT_TABLE = ValenceArousalTable(DEFAULT_COORDINATES, DEFAULT_SOURCE)


def valence_arousal(probabilities: np.ndarray,
                    matrix: Optional[np.ndarray]) -> tuple[float, float]:
    """
    Return the probability-weighted mean point of one face.

    :param probabilities: shape ``(K,)``, summing to 1 (the averaged, smoothed probabilities
        that give the label and its confidence).
    :param matrix: ``(K, 2)`` points from :meth:`ValenceArousalTable.matrix`; None: unknown.
    :returns: ``(valence, arousal)`` in [-1, 1]; ``(nan, nan)`` without a matrix.
    :raises ValueError: if the shapes do not match.
    """
    if matrix is None:
        return math.nan, math.nan
    vector = np.asarray(probabilities, dtype=np.float64)
    if vector.ndim != 1 or vector.shape[0] != matrix.shape[0]:
        raise ValueError(f'expected {matrix.shape[0]} probabilities, got shape {vector.shape}')
    # A convex combination stays in [-1, 1]; the clip only absorbs rounding.
    valence, arousal = np.clip(vector @ matrix, -COORDINATE_LIMIT, COORDINATE_LIMIT)
    return float(valence), float(arousal)
