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

"""Draw face boxes with "id 3 happy 0.87" labels on a copy of a BGR image (held ones grey)."""

from dataclasses import dataclass
from typing import Iterable, Optional
import zlib

import cv2
from emotion_ros.core.frames.image_codec import check_bgr
import numpy as np

# BGR colour per FER2013 label; other labels get a colour derived from their name.
LABEL_COLOURS = {
    'angry': (0, 0, 255),
    'disgust': (0, 128, 0),
    'fear': (128, 0, 128),
    'happy': (0, 215, 255),
    'sad': (255, 0, 0),
    'surprise': (255, 255, 0),
    'neutral': (200, 200, 200),
}
# Colour of a box without a label (BGR).
UNLABELLED_COLOUR = (0, 255, 0)
# Box and label of an estimate held from an earlier frame (the head turned away), BGR.
HELD_COLOUR = (128, 128, 128)
_FONT = cv2.FONT_HERSHEY_SIMPLEX
# Text height relative to the image height (dimensionless), and its bounds in font scale.
_TEXT_SCALE_PER_PIXEL = 1.0 / 900.0
_MIN_FONT_SCALE = 0.4
_MAX_FONT_SCALE = 1.2
# Padding around the label text, pixels.
_TEXT_PADDING = 3


@dataclass(frozen=True)
class Annotation:
    """
    One face to draw.

    :param box: ``(x, y, w, h)`` in pixels of the image.
    :param face_id: track id, or None when untracked.
    :param label: emotion label, or '' for none.
    :param confidence: probability of ``label``, 0..1, or None to omit it.
    :param held: the estimate is held from an earlier frame (the head is turned away): drawn
        grey, with ``held`` after the text.
    """

    box: tuple[float, float, float, float]
    face_id: Optional[int] = None
    label: str = ''
    confidence: Optional[float] = None
    held: bool = False


def label_colour(label: str) -> tuple[int, int, int]:
    """
    Colour used for a label.

    :param label: emotion label ('' for none).
    :returns: BGR colour, stable across runs.
    """
    if not label:
        return UNLABELLED_COLOUR
    if label in LABEL_COLOURS:
        return LABEL_COLOURS[label]
    digest = zlib.crc32(label.encode('utf-8'))
    return (64 + digest % 192, 64 + (digest >> 8) % 192, 64 + (digest >> 16) % 192)


def annotation_text(item: Annotation) -> str:
    """
    Text shown above a box, e.g. ``'id 3 happy 0.87'``.

    :param item: the annotation.
    :returns: the text; empty when there is nothing to say.
    """
    parts = []
    if item.face_id is not None:
        parts.append(f'id {item.face_id}')
    if item.label:
        parts.append(item.label)
    if item.confidence is not None:
        parts.append(f'{item.confidence:.2f}')
    if item.held and parts:
        parts.append('held')
    return ' '.join(parts)


def draw_annotations(bgr: np.ndarray, items: Iterable[Annotation]) -> np.ndarray:
    """
    Draw boxes and labels on a copy of an image.

    :param bgr: uint8 (H, W, 3) BGR image; never modified.
    :param items: the faces to draw.
    :returns: the annotated copy.
    :raises ValueError: when ``bgr`` is not a uint8 HxWx3 image.
    """
    check_bgr(bgr, allow_empty=True)
    out = bgr.copy()
    height, width = out.shape[:2]
    scale = min(max(height * _TEXT_SCALE_PER_PIXEL, _MIN_FONT_SCALE), _MAX_FONT_SCALE)
    thickness = max(1, round(scale * 2))
    for item in items:
        x, y, w, h = (float(v) for v in item.box)
        if not all(np.isfinite([x, y, w, h])) or w <= 0 or h <= 0:
            continue
        colour = HELD_COLOUR if item.held else label_colour(item.label)
        x1, y1 = round(x), round(y)
        # cv2.rectangle includes its second corner: the last pixel inside the box.
        x2, y2 = round(x + w) - 1, round(y + h) - 1
        cv2.rectangle(out, (x1, y1), (x2, y2), colour, thickness)
        text = annotation_text(item)
        if not text:
            continue
        (tw, th), baseline = cv2.getTextSize(text, _FONT, scale, 1)
        box_h = th + baseline + 2 * _TEXT_PADDING
        # Above the box when it fits, else inside its top edge.
        top = y1 - box_h if y1 - box_h >= 0 else max(y1, 0)
        left = min(max(x1, 0), max(width - tw - 2 * _TEXT_PADDING, 0))
        cv2.rectangle(out, (left, top), (left + tw + 2 * _TEXT_PADDING, top + box_h),
                      colour, cv2.FILLED)
        # Black text on light colours, white on dark ones (luma, 0..255).
        luma = 0.114 * colour[0] + 0.587 * colour[1] + 0.299 * colour[2]
        text_colour = (0, 0, 0) if luma > 128 else (255, 255, 255)
        cv2.putText(out, text, (left + _TEXT_PADDING, top + _TEXT_PADDING + th), _FONT,
                    scale, text_colour, 1, cv2.LINE_AA)
    return out
