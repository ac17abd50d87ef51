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

"""Tests for emotion_ros.core.emotion.annotate."""

from emotion_ros.core.emotion.annotate import Annotation
from emotion_ros.core.emotion.annotate import annotation_text
from emotion_ros.core.emotion.annotate import draw_annotations
from emotion_ros.core.emotion.annotate import HELD_COLOUR
from emotion_ros.core.emotion.annotate import label_colour
from emotion_ros.core.emotion.annotate import LABEL_COLOURS
import numpy as np
import pytest


def _grey(height: int = 240, width: int = 320) -> np.ndarray:
    """Return a uniform mid-grey BGR image."""
    return np.full((height, width, 3), 90, np.uint8)


def test_draws_box_and_label_on_a_copy():
    image = _grey()
    before = image.copy()
    out = draw_annotations(image, [Annotation((100, 80, 60, 70), 3, 'happy', 0.87)])
    assert np.array_equal(image, before)  # input untouched
    assert out is not image and out.shape == image.shape
    changed = np.any(out != before, axis=2)
    # The box outline is drawn in the label's colour.
    assert out[80, 130].tolist() == list(LABEL_COLOURS['happy'])
    assert out[149, 100].tolist() == list(LABEL_COLOURS['happy'])  # last row of the box
    # The label background sits just above the box.
    assert changed[60:79, 100:160].mean() > 0.9
    # The inside of the box and the far corner stay as they were.
    assert not changed[100:140, 115:145].any()
    assert not changed[200:, 250:].any()


def test_label_moves_inside_when_box_touches_top():
    out = draw_annotations(_grey(), [Annotation((10, 0, 100, 80), 1, 'sad', 0.5)])
    changed = np.any(out != _grey(), axis=2)
    assert changed[2:12, 12:60].mean() > 0.9


def test_no_items_returns_equal_copy():
    image = _grey()
    out = draw_annotations(image, [])
    assert np.array_equal(out, image) and not np.shares_memory(out, image)


def test_text_and_colours():
    assert annotation_text(Annotation((0, 0, 1, 1), 3, 'happy', 0.8712)) == 'id 3 happy 0.87'
    assert annotation_text(Annotation((0, 0, 1, 1), None, 'sad', None)) == 'sad'
    assert annotation_text(Annotation((0, 0, 1, 1))) == ''
    assert label_colour('happy') != label_colour('angry')
    assert label_colour('custom') == label_colour('custom')
    assert len(set(LABEL_COLOURS.values())) == len(LABEL_COLOURS)


def test_boxes_outside_or_invalid_do_not_crash():
    items = [Annotation((-50, -50, 400, 400), 1, 'angry', 0.9),
             Annotation((float('nan'), 0, 10, 10), 2, 'fear', 0.1),
             Annotation((300, 230, 0, 0), 3, 'neutral', 0.2)]
    out = draw_annotations(_grey(), items)
    assert out.shape == (240, 320, 3)
    # The NaN and the zero-size box draw nothing: only the first box's outline changed pixels.
    alone = draw_annotations(_grey(), items[:1])
    assert np.array_equal(out, alone)


def test_box_covers_exactly_its_pixels():
    """Draw a w x h box on columns x..x+w-1 and rows y..y+h-1 (OpenCV corners are inclusive)."""
    out = draw_annotations(_grey(), [Annotation((100, 100, 40, 30))])
    rows, cols = np.nonzero(np.any(out != _grey(), axis=2))
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (100, 129, 100, 139)


def test_rejects_non_bgr():
    with pytest.raises(ValueError):
        draw_annotations(np.zeros((10, 10), np.uint8), [])


def test_held_estimates_are_grey_and_say_so():
    """An estimate held from an earlier frame is drawn grey, whatever its label, and marked."""
    item = Annotation((100, 80, 60, 70), 3, 'happy', 0.87, held=True)
    out = draw_annotations(_grey(), [item])
    assert out[80, 130].tolist() == list(HELD_COLOUR)
    assert HELD_COLOUR != LABEL_COLOURS['happy']
    assert annotation_text(item) == 'id 3 happy 0.87 held'
