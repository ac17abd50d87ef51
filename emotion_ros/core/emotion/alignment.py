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
Roll alignment: turn a face about its box centre so that its eyes are level.

The detector's two eye keypoints give the face's roll (the angle of the line between the eyes
against the image's x axis). :func:`level_region` rotates only the region the widest crop needs
(``cv2.warpAffine`` computes just the output pixels, so the cost is that of the crop, not of
the frame) and returns it with the box in its coordinates; the crops are then cut from it
exactly as from the frame (:func:`emotion_ros.core.emotion.preprocessing.face_views`). With level
eyes the region is the frame's pixels unchanged.
"""

import math
from typing import Optional, Sequence

import cv2
import numpy as np

# Indices of the eyes in a detector's keypoints (BlazeFace order: right eye, left eye, ...).
RIGHT_EYE = 0
LEFT_EYE = 1
# Pixels rotated in from outside the frame repeat its edge (no black wedges in the crop).
BORDER_MODE = cv2.BORDER_REPLICATE
# Interpolation of the rotated pixels.
INTERPOLATION = cv2.INTER_LINEAR

# (x, y) in pixels of the frame.
Point = tuple[float, float]


def roll_degrees(keypoints: Sequence[Sequence[float]]) -> Optional[float]:
    """
    Measure how far a face is rolled from its eye keypoints.

    The eye line is taken left to right in the image whichever eye is which, so a mirrored
    frame (whose right eye lies on the image's right) gives the mirrored angle, not 180
    degrees more.

    :param keypoints: ``(x, y)`` pixel landmarks in the detector's order (the eyes first:
        :data:`RIGHT_EYE`, :data:`LEFT_EYE`); empty for a detector without landmarks.
    :returns: the angle of the eye line in degrees, in (-90, 90], positive when it falls to
        the image's right (y grows downwards); None when there are fewer than two keypoints
        or the two eyes coincide.
    :raises ValueError: when an eye is not two finite numbers.
    """
    if len(keypoints) <= LEFT_EYE:
        return None
    try:
        (x0, y0), (x1, y1) = ((float(v) for v in keypoints[i]) for i in (RIGHT_EYE, LEFT_EYE))
    except (TypeError, ValueError):
        raise ValueError(f'eye keypoints must be (x, y) pairs, got {list(keypoints[:2])!r}') \
            from None
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
        raise ValueError(f'eye keypoints must be finite, got {list(keypoints[:2])!r}')
    dx, dy = x1 - x0, y1 - y0
    if dx == 0.0 and dy == 0.0:
        return None
    if dx < 0.0 or (dx == 0.0 and dy < 0.0):
        dx, dy = -dx, -dy
    return math.degrees(math.atan2(dy, dx))


def level_region(image: np.ndarray, box: Sequence[float], bounds: Sequence[int],
                 angle: float) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """
    Turn the pixels of a region about the box centre so that a face rolled by ``angle`` is level.

    :param image: ``HxW`` grey or ``HxWxC`` image, at most 4 channels.
    :param box: ``(x, y, w, h)`` in pixels of ``image``.
    :param bounds: ``(x0, y0, x1, y1)``, the region of the widest crop
        (:func:`emotion_ros.core.emotion.preprocessing.crop_bounds`), non-empty.
    :param angle: the roll from :func:`roll_degrees`, degrees.
    :returns: the region, ``(y1 - y0)x(x1 - x0)``, its pixels the frame's turned by ``angle``
        about the box centre (pixels from outside the frame repeat its edge), and the box in
        the region's pixels: crops of the region equal the crops of the levelled frame. With
        ``angle`` 0 the region is ``image[y0:y1, x0:x1]``.
    """
    x, y, w, h = (float(v) for v in box)
    x0, y0, x1, y1 = (int(v) for v in bounds)
    matrix = cv2.getRotationMatrix2D((x + w / 2.0, y + h / 2.0), float(angle), 1.0)
    matrix[:, 2] -= (x0, y0)  # output pixel (0, 0) is frame pixel (x0, y0)
    region = cv2.warpAffine(np.asarray(image), matrix, (x1 - x0, y1 - y0),
                            flags=INTERPOLATION, borderMode=BORDER_MODE)
    return region, (x - x0, y - y0, w, h)
