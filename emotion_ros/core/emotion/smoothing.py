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
Per-track temporal smoothing of class probabilities.

An exponential moving average per track id: ``s = alpha * s_previous + (1 - alpha) * p``.
``alpha`` is the weight of the past, in ``[0, 1)``; 0 disables smoothing (``s = p``). At 30 fps,
``alpha = 0.6`` halves the weight of a frame after about 1.4 frames (46 ms), 0.9 after 6.6
frames (220 ms). Tracks that are gone are forgotten with :meth:`ProbabilitySmoother.prune`.
"""

import math
from typing import Hashable, Iterable, Optional

import numpy as np


class ProbabilitySmoother:
    """Exponential moving average of probability vectors, one state per track id."""

    def __init__(self, alpha: float) -> None:
        """
        Create an empty smoother.

        :param alpha: weight of the previous smoothed value, in ``[0, 1)``; 0 disables.
        :raises ValueError: if ``alpha`` is not a finite number in ``[0, 1)``.
        """
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.number)) \
                or not math.isfinite(float(alpha)) or not 0.0 <= float(alpha) < 1.0:
            raise ValueError(f'alpha must be a number in [0, 1), got {alpha!r}')
        self._alpha = float(alpha)
        self._states: dict[Hashable, np.ndarray] = {}

    @property
    def alpha(self) -> float:
        """
        Return the weight of the past.

        :returns: alpha in ``[0, 1)``.
        """
        return self._alpha

    @property
    def track_ids(self) -> frozenset:
        """
        Return the ids with a smoothing state.

        :returns: a frozen set of track ids.
        """
        return frozenset(self._states)

    def __len__(self) -> int:
        """
        Count tracks with a state.

        :returns: the number of tracks remembered.
        """
        return len(self._states)

    def update(self, track_id: Hashable, probs: np.ndarray) -> np.ndarray:
        """
        Fold one new probability vector into a track's average.

        The first vector of a track (or of a track whose class count changed) starts its state.

        :param track_id: the tracker's id of the face.
        :param probs: shape ``(K,)`` finite probabilities.
        :returns: a new float32 ``(K,)`` array: the smoothed probabilities.
        :raises ValueError: if ``probs`` is not a non-empty finite 1-D vector.
        """
        vector = np.asarray(probs, dtype=np.float64)
        if vector.ndim != 1 or vector.shape[0] == 0 or not np.all(np.isfinite(vector)):
            raise ValueError(
                f'probs must be a non-empty finite 1-D vector, got shape {vector.shape}')
        state = self._states.get(track_id)
        if state is None or state.shape != vector.shape or self._alpha == 0.0:
            state = vector.copy()
        else:
            state = self._alpha * state + (1.0 - self._alpha) * vector
        self._states[track_id] = state
        return state.astype(np.float32)

    def peek(self, track_id: Hashable) -> Optional[np.ndarray]:
        """
        Return a track's smoothed probabilities without folding anything in.

        :param track_id: the tracker's id of the face.
        :returns: a new float32 ``(K,)`` array, or None when the track has no state.
        """
        state = self._states.get(track_id)
        return None if state is None else state.astype(np.float32)

    def prune(self, active_ids: Iterable[Hashable]) -> list[Hashable]:
        """
        Forget every track not in ``active_ids``.

        :param active_ids: the ids of the tracks still present.
        :returns: the ids forgotten.
        """
        keep = set(active_ids)
        gone = [track_id for track_id in self._states if track_id not in keep]
        for track_id in gone:
            del self._states[track_id]
        return gone

    def reset(self) -> None:
        """Forget every track (e.g. after switching to a model with other labels)."""
        self._states.clear()
