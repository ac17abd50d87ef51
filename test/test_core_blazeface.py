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

"""Tests for BlazeFace's anchors, decoding and weighted NMS (emotion_ros.core.faces.blazeface)."""

from emotion_ros.core.faces.blazeface import decode, letterbox, MODELS, NUM_KEYPOINTS, ssd_anchors
from emotion_ros.core.faces.blazeface import weighted_nms
import numpy as np
import pytest


def test_anchor_counts_match_the_models():
    """896 anchors for short range (16x16x2 + 8x8x6), 2304 for full range (48x48x1)."""
    short = ssd_anchors(128, (8, 16, 16, 16), True)
    full = ssd_anchors(192, (4,), False)
    assert short.shape == (896, 2) and full.shape == (2304, 2)
    # Short range: two anchors per 8-px cell first, row by row, at cell centres.
    np.testing.assert_allclose(short[:4], [[1 / 32, 1 / 32]] * 2 + [[3 / 32, 1 / 32]] * 2)
    assert short[32].tolist() == pytest.approx([1 / 32, 3 / 32])
    # Then six per 16-px cell.
    np.testing.assert_allclose(short[512:518], [[1 / 16, 1 / 16]] * 6)
    assert short[-1].tolist() == pytest.approx([15 / 16, 15 / 16])
    assert full[1].tolist() == pytest.approx([3 / 96, 1 / 96])
    for name, model in MODELS.items():
        anchors = ssd_anchors(model.input_size, model.strides, model.interpolated_anchors)
        assert len(anchors) == {'short': 896, 'full': 2304}[name]


def test_decode_offsets_box_and_keypoints_from_the_anchor():
    anchors = np.array([[0.25, 0.5], [0.75, 0.75]], np.float32)
    raw = np.zeros((2, 4 + 2 * NUM_KEYPOINTS), np.float32)
    # Anchor 0: centre moved by (+12.8, -6.4) px of a 128 px input, box 32x64 px.
    raw[0, :4] = (12.8, -6.4, 32.0, 64.0)
    raw[0, 4:] = np.tile((6.4, 0.0), NUM_KEYPOINTS)
    scores = np.array([3.0, -3.0], np.float32)  # logits: sigmoid 0.95 and 0.05
    boxes, kept, points = decode(raw, scores, anchors, 128, 0.5)
    assert kept == pytest.approx([1 / (1 + np.exp(-3.0))])
    np.testing.assert_allclose(boxes, [[0.225, 0.2, 0.475, 0.7]], rtol=1e-6)
    assert points.shape == (1, NUM_KEYPOINTS, 2)
    assert points[0, 0].tolist() == pytest.approx([0.3, 0.5])


def test_decode_survives_extreme_logits():
    anchors = np.zeros((3, 2), np.float32)
    raw = np.zeros((3, 16), np.float32)
    with np.errstate(all='raise'):
        _, scores, _ = decode(raw, np.array([1e4, -1e4, 0.0], np.float32), anchors, 128, 0.0)
    assert scores.tolist() == pytest.approx([1.0, 0.0, 0.5])


def test_weighted_nms_merges_overlaps_and_keeps_separate_faces():
    boxes = np.array([[0.0, 0.0, 1.0, 1.0], [0.1, 0.0, 1.1, 1.0], [3.0, 3.0, 4.0, 4.0]],
                     np.float32)
    scores = np.array([0.6, 0.9, 0.7], np.float32)
    points = np.zeros((3, 2, 2), np.float32)
    points[:, :, 0] = boxes[:, :1]  # each keypoint's x = its box's x1
    merged, merged_scores, merged_points = weighted_nms(boxes, scores, points, 0.3)
    assert merged_scores.tolist() == pytest.approx([0.9, 0.7])
    # Score-weighted mean of the two overlapping boxes: x1 = (0.6 * 0 + 0.9 * 0.1) / 1.5.
    assert merged[0].tolist() == pytest.approx([0.06, 0.0, 1.06, 1.0])
    assert merged_points[0, :, 0].tolist() == pytest.approx([0.06, 0.06])
    assert merged[1].tolist() == pytest.approx([3.0, 3.0, 4.0, 4.0])


def test_weighted_nms_of_nothing_is_empty():
    merged, scores, points = weighted_nms(np.zeros((0, 4), np.float32), np.zeros(0, np.float32),
                                          np.zeros((0, NUM_KEYPOINTS, 2), np.float32))
    assert merged.shape == (0, 4) and scores.shape == (0,)
    assert points.shape == (0, NUM_KEYPOINTS, 2)


def test_letterbox_keeps_the_aspect_and_centres_the_image():
    image = np.full((480, 640, 3), 200, np.uint8)
    square, scale, pad_x, pad_y = letterbox(image, 128)
    assert square.shape == (128, 128, 3)
    assert (scale, pad_x, pad_y) == (0.2, 0.0, 16.0)
    assert square[:16].max() == 0 and square[-16:].max() == 0
    assert square[16:112].min() == 200


def test_letterbox_into_a_reused_buffer_equals_a_fresh_one():
    """The detector reuses one square: borders of an earlier frame must not show through."""
    rng = np.random.default_rng(14)
    landscape = rng.integers(0, 256, (360, 640, 3), dtype=np.uint8)
    portrait = rng.integers(0, 256, (640, 360, 3), dtype=np.uint8)
    small = rng.integers(0, 256, (50, 90, 3), dtype=np.uint8)
    buffer = np.full((192, 192, 3), 255, np.uint8)
    for image in (landscape, portrait, small, landscape):
        square, scale, pad_x, pad_y = letterbox(image, 192, buffer)
        fresh = letterbox(image, 192)
        assert square is buffer
        np.testing.assert_array_equal(square, fresh[0])
        assert (scale, pad_x, pad_y) == fresh[1:]
    # The shrink is an area mean: a flat image stays flat, a 2x2 checkerboard turns grey.
    checker = np.indices((360, 640)).sum(axis=0) % 2 * 255
    square = letterbox(np.repeat(checker[..., None], 3, axis=2).astype(np.uint8), 192)[0]
    assert np.abs(square[42:150].astype(int) - 127).max() <= 2
