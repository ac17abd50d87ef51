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
Faces that another REP-155 (ROS4HRI) detector found: what the classifier needs of them.

Pure logic, no ROS: which ids of a ``/humans/faces/tracked`` list to follow
(:func:`select_ids`), whether a ``<id>/cropped`` or ``<id>/aligned`` image is a crop we can
classify (:func:`crop_problem`), where the face is inside such a zero-padded crop
(:func:`content_box`), and which listed ids never sent a crop (:class:`CropWatch`).
``emotion_ros/nodes/ros4hri_input.py`` subscribes and publishes; the crops are classified by
the shared :class:`~emotion_ros.core.emotion.face_emotions.FaceEmotionEstimator` (its
``face_views`` preprocessing, the same as training's), with the crop as the frame.

A crop carries no keypoints and not the face's size in the camera image, so of the trust gate
only what the crop shows can apply: the head pose is unknown (the frontal gate lets an unknown
pose through, as for Haar faces) and ``min_face_height`` compares the face's height inside the
crop (up to :data:`~emotion_ros.core.faces.rep155.CROP_SIZE` px), not in the camera image.
"""

from collections.abc import Sequence
import re
from typing import Optional

from emotion_ros.core.faces.face_limits import FaceProblem, TOO_MANY_FACES
from emotion_ros.core.faces.rep155 import CROP_SIZE
import numpy as np

# A face id must be one token of a topic name (REP-155: short, starting with a letter).
ID_PATTERN = re.compile(r'[A-Za-z][A-Za-z0-9_]*')
# Longest id accepted, characters: REP-155 asks for short ids; a longer one is refused rather
# than building topic names of any length.
MAX_ID_LENGTH = 64
# Problem kinds (log throttle keys and /diagnostics error names).
BAD_FACE_ID = 'bad_face_id'
BAD_CROP = 'bad_crop'
NO_CROP = 'no_crop'
# A pixel value of the zero padding a REP-155 crop is filled with (bgr8).
PADDING_VALUE = 0

# A box is (x, y, w, h) in pixels of the crop.
Box = tuple[float, float, float, float]


def id_problem(face_id: str) -> Optional[str]:
    """
    Say why a face id cannot name a face's topics.

    :param face_id: one entry of an IdsList.
    :returns: None for a valid id (a topic name token: a letter, then letters, digits and single
        underscores, at most :data:`MAX_ID_LENGTH` characters), else the reason.
    """
    shown = repr(face_id[:MAX_ID_LENGTH]) + ('...' if len(face_id) > MAX_ID_LENGTH else '')
    if len(face_id) > MAX_ID_LENGTH:
        return f'face id {shown} is longer than {MAX_ID_LENGTH} characters'
    if not ID_PATTERN.fullmatch(face_id) or '__' in face_id:
        return (f'face id {shown} is not a topic name token (a letter, then letters, digits '
                'and single underscores)')
    return None


def select_ids(ids: Sequence[str], max_faces: int) -> tuple[list[str], list[FaceProblem]]:
    """
    Return the ids of a tracked list to follow: valid, each once, at most ``max_faces``.

    Only the first ``max_faces`` entries are examined, so a list of any length costs a bounded
    time (and never more than ``max_faces`` subscriptions).

    :param ids: the list's ids, in its order.
    :param max_faces: faces followed at most, >= 1.
    :returns: the ids kept, in the list's order (duplicates once), and the problems: one per
        invalid id, and one :data:`TOO_MANY_FACES` for a list longer than ``max_faces``.
    """
    kept: list[str] = []
    problems: list[FaceProblem] = []
    for face_id in ids[:max_faces]:
        problem = id_problem(face_id)
        if problem is not None:
            problems.append(FaceProblem(BAD_FACE_ID, problem + ': ignored'))
        elif face_id not in kept:
            kept.append(face_id)
    if len(ids) > max_faces:
        problems.append(FaceProblem(
            TOO_MANY_FACES, f'{len(ids)} face ids in one list: followed the first '
            f'{max_faces} (max_faces {max_faces})'))
    return kept, problems


def crop_problem(width: int, height: int, size: int = CROP_SIZE) -> Optional[str]:
    """
    Say why an image is not a REP-155 face crop (checked before it is decoded).

    :param width: the image's width, pixels.
    :param height: its height, pixels.
    :param size: the side REP-155 detectors crop to, pixels.
    :returns: None for a ``size`` x ``size`` image, else the reason.
    """
    if (width, height) != (size, size):
        return f'crop is {width}x{height}, not the {size}x{size} of a REP-155 face crop'
    return None


def content_box(crop: np.ndarray) -> Box:
    """
    Return where the face is in a crop: the region inside its zero padding.

    REP-155 detectors fit the face box into the square with its aspect kept and pad the rest
    with zeros; the face is the smallest box holding every non-zero pixel (the whole crop when
    it is all zero).

    :param crop: ``HxW`` or ``HxWxC`` image, not empty.
    :returns: ``(x, y, w, h)`` in pixels of the crop, ``w`` and ``h`` >= 1.
    """
    pixels = np.asarray(crop)
    filled = pixels != PADDING_VALUE
    if filled.ndim == 3:
        filled = filled.any(axis=2)
    rows, cols = np.flatnonzero(filled.any(axis=1)), np.flatnonzero(filled.any(axis=0))
    if not rows.size:
        return (0.0, 0.0, float(pixels.shape[1]), float(pixels.shape[0]))
    return (float(cols[0]), float(rows[0]), float(cols[-1] - cols[0] + 1),
            float(rows[-1] - rows[0] + 1))


class CropWatch:
    """Remember when each followed id appeared; report once each id that sent no crop in time."""

    def __init__(self, timeout: float) -> None:
        """
        Watch no id yet.

        :param timeout: an id that sent no crop this long after it appeared is reported, s (> 0).
        :raises ValueError: for a timeout that is not positive.
        """
        if not timeout > 0.0:
            raise ValueError(f'timeout must be > 0 s, got {timeout!r}')
        self._timeout = timeout
        self._waiting: dict[str, float] = {}

    def appeared(self, face_id: str, now: float) -> None:
        """Start waiting for the first crop of ``face_id``, which appeared at ``now`` (s)."""
        self._waiting.setdefault(face_id, now)

    def crop(self, face_id: str) -> None:
        """Stop waiting: ``face_id`` sent a crop."""
        self._waiting.pop(face_id, None)

    def gone(self, face_id: str) -> None:
        """Stop waiting: ``face_id`` left the list."""
        self._waiting.pop(face_id, None)

    def overdue(self, now: float) -> list[str]:
        """
        Return the ids that sent no crop within the timeout; each is reported once.

        :param now: the time, s (the clock of :meth:`appeared`).
        """
        late = [face_id for face_id, at in self._waiting.items() if now - at > self._timeout]
        for face_id in late:
            del self._waiting[face_id]
        return late
