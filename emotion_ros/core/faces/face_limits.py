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
Bound what one frame's faces may cost: only boxes and keypoints that can be real, at most N.

A foreign publisher of ``faces`` can send anything: 3,000 boxes, boxes outside the image,
NaN keypoints. The tracker and the classifier therefore keep at most ``max_faces`` faces per
frame, chosen so that the faces that matter most survive:

* the tracker keeps its detector's **most confident** detections (:func:`strongest`): the
  score is what the detector knows best, and a real frame rarely has more faces than the
  default limit;
* the classifier keeps the **largest** boxes (:func:`largest_first`): a coasting track's
  ``detection_confidence`` is 0, so confidence would drop the tracks it is meant to keep, and
  the largest faces are the nearest, whose crops the model reads best.

Before that, every face whose box or keypoints cannot be real is rejected with a
:class:`FaceProblem` whose ``kind`` is one of :data:`PROBLEM_KINDS` (one throttled log line
per kind in the nodes).
"""

from collections.abc import Sequence
from dataclasses import dataclass
import math
from typing import Optional

from emotion_ros.core.faces.blazeface import NUM_KEYPOINTS

# The most keypoints a real face carries: BlazeFace's six (Haar gives none), points.
MAX_KEYPOINTS = NUM_KEYPOINTS
# What can be wrong with one face, each logged once per period under its own kind.
NON_FINITE_BOX = 'non-finite box'
EMPTY_BOX = 'empty box'
BOX_OUTSIDE = 'box outside image'
NON_FINITE_KEYPOINT = 'non-finite keypoint'
TOO_MANY_KEYPOINTS = 'too many keypoints'
TOO_MANY_FACES = 'too many faces'
PROBLEM_KINDS = (NON_FINITE_BOX, EMPTY_BOX, BOX_OUTSIDE, NON_FINITE_KEYPOINT,
                 TOO_MANY_KEYPOINTS, TOO_MANY_FACES)


@dataclass(frozen=True)
class FaceProblem:
    """
    Why a face of a frame was not classified.

    :param kind: one of :data:`PROBLEM_KINDS` (or ``'face skipped'`` for a crop that failed),
        the key to throttle log lines by.
    :param text: one line for the log, naming the face and what is wrong.
    """

    kind: str
    text: str

    def __str__(self) -> str:
        """Return the log line."""
        return self.text


def box_problem(box: Sequence[float], width: int, height: int) -> Optional[tuple[str, str]]:
    """
    Check that a face box can be real in a ``width`` x ``height`` image.

    :param box: ``(x, y, w, h)`` in pixels.
    :param width: image width, pixels.
    :param height: image height, pixels.
    :returns: None for a usable box, else ``(kind, reason)``: a non-finite value, a zero or
        negative size, or no pixel inside the image.
    """
    try:
        x, y, w, h = (float(v) for v in box)
    except (TypeError, ValueError):
        return NON_FINITE_BOX, f'box must be 4 numbers (x, y, w, h), got {box!r}'
    if not all(math.isfinite(v) for v in (x, y, w, h)):
        return NON_FINITE_BOX, f'box {(x, y, w, h)} has a non-finite value'
    if w <= 0.0 or h <= 0.0:
        return EMPTY_BOX, f'box {(x, y, w, h)} is empty (w and h must be > 0)'
    if x >= width or y >= height or x + w <= 0.0 or y + h <= 0.0:
        return BOX_OUTSIDE, f'box {(x, y, w, h)} lies outside the {width}x{height} image'
    return None


def keypoint_problem(keypoints: Optional[Sequence[Sequence[float]]]
                     ) -> Optional[tuple[str, str]]:
    """
    Check that a face's keypoints can be real.

    Points may lie outside the box or the image (an ear of a turned head does), so only their
    number and finiteness are checked.

    :param keypoints: ``(x, y)`` pixel points, at most :data:`MAX_KEYPOINTS` (None or empty:
        none).
    :returns: None when usable, else ``(kind, reason)``.
    """
    keypoints = () if keypoints is None else keypoints
    if len(keypoints) > MAX_KEYPOINTS:
        return TOO_MANY_KEYPOINTS, (f'{len(keypoints)} keypoints or more, a detector gives at '
                                    f'most {MAX_KEYPOINTS}')
    for point in keypoints:
        try:
            finite = len(point) == 2 and all(math.isfinite(float(v)) for v in point)
        except (TypeError, ValueError):
            finite = False
        if not finite:
            return NON_FINITE_KEYPOINT, f'keypoint {point!r} is not two finite numbers'
    return None


def largest_first(boxes: Sequence[Sequence[float]], max_faces: int) -> list[int]:
    """
    Choose the faces to classify: the ``max_faces`` largest boxes.

    :param boxes: ``(x, y, w, h)`` per face (sizes > 0).
    :param max_faces: how many to keep, >= 1.
    :returns: the indices kept, in input order; among equal areas the earlier face wins.
    """
    if len(boxes) <= max_faces:
        return list(range(len(boxes)))
    by_area = sorted(range(len(boxes)), key=lambda i: -float(boxes[i][2]) * float(boxes[i][3]))
    return sorted(by_area[:max_faces])


def strongest(scores: Sequence[float], max_faces: int) -> list[int]:
    """
    Choose the detections the tracker uses: the ``max_faces`` most confident.

    :param scores: the detection score per face, 0..1.
    :param max_faces: how many to keep, >= 1.
    :returns: the indices kept, in input order; among equal scores the earlier face wins.
    """
    if len(scores) <= max_faces:
        return list(range(len(scores)))
    by_score = sorted(range(len(scores)), key=lambda i: -float(scores[i]))
    return sorted(by_score[:max_faces])
