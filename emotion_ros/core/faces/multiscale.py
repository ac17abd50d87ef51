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
Faces of every size with both BlazeFace models: from about 30 px tall to larger than the frame.

One BlazeFace model alone covers part of the range (doc/scale.md): the full-range model finds
96-100% of the faces from 96 to 400 px tall in a 640x480 frame and loses those that fill it; the
short-range model finds every face from 120 px up to an overfilled frame and none under 80 px;
neither finds many under 48 px, because a whole 640 px frame enters the full-range model at
192 px. :class:`MultiScaleDetector` runs, in this order of priority:

1. the full-range model on the whole frame;
2. in a video, the full-range model on a square window of :data:`LOOK_SIDE` face heights around
   each tracked face under :data:`SMALL_FACE_HEIGHT`: a far face, once found, is found on every
   detection;
3. the full-range model on tiles of a :data:`TILE_GRID` grid overlapping by
   :data:`TILE_OVERLAP` (a 640x480 frame's tile enters the model at 0.75 of its size, not 0.3):
   every tile on a still image; in a video (:meth:`MultiScaleDetector.detect_tracked`) one tile
   per detection, in turn, so a far face is found within one round of the tiles;
4. the short-range model on the whole frame, keeping only its boxes at least
   :data:`LARGE_FRACTION` of the frame tall (its boxes of small faces are too large).

A later run only adds faces that no earlier run's box overlaps (IoU over MediaPipe's 0.3), so a
face that the full-range model finds on the whole frame keeps exactly the box and keypoints of
that model alone. Every box comes from BlazeFace, so every face has its six keypoints (head
pose, frontal gate). A box that a tile's inner edge cuts is dropped: the face is whole in the
neighbouring tile or found on the whole frame.
"""

import math
from typing import Sequence

from emotion_ros.core.faces.blazeface import NMS_IOU
from emotion_ros.core.faces.detection import BlazeFaceDetector, Detection
from emotion_ros.core.faces.tracking import iou_batch
from emotion_ros.core.frames.image_codec import check_bgr
import numpy as np

# A box: (x, y, w, h) in pixels of the frame.
Box = tuple[float, float, float, float]
# A window of the frame: (x0, y0, x1, y1), integer pixels, x1 and y1 exclusive.
Window = tuple[int, int, int, int]

# Short-range boxes are kept from this fraction of the frame height up (the full-range model
# alone finds 96-100% of the faces up to 400 px of a 480 px frame; bench/bench_scale.py).
LARGE_FRACTION = 0.5
# Tiles: (columns, rows) over the frame, and each tile's overlap with its neighbour as a
# fraction of the tile. 3x3 tiles found 97% of the faces at 40 px and 96% at 32 px, 2x2 tiles
# 89-94% at 40 px (doc/scale.md).
TILE_GRID = (3, 3)
TILE_OVERLAP = 0.25
# A box within this many pixels of a tile's inner edge is cut by it and dropped, pixels.
EDGE_MARGIN = 2.0
# A tracked face shorter than this gets a look of its own on every detection, pixels of the
# frame (the full-range model on the whole frame finds 98% of the faces from 96 px up).
SMALL_FACE_HEIGHT = 96.0
# Side of the window of that look, in face heights (the track's prediction error fits:
# 99-100% of the faces 16-96 px tall found with the centre off by a quarter face height).
LOOK_SIDE = 4.0


def tile_windows(width: int, height: int, grid: tuple[int, int] = TILE_GRID,
                 overlap: float = TILE_OVERLAP) -> list[Window]:
    """
    Cover a frame with a grid of equal tiles, each overlapping its neighbours.

    :param width: frame width, pixels.
    :param height: frame height, pixels.
    :param grid: (columns, rows), each >= 1.
    :param overlap: share of a tile that its neighbour also covers, in [0, 1).
    :returns: the tiles, row by row, as ``(x0, y0, x1, y1)``.
    """
    columns, rows = grid
    tile_w = width / (columns - (columns - 1) * overlap)
    tile_h = height / (rows - (rows - 1) * overlap)
    out = []
    for row in range(rows):
        for column in range(columns):
            x0 = round(column * tile_w * (1 - overlap))
            y0 = round(row * tile_h * (1 - overlap))
            out.append((x0, y0, min(round(x0 + tile_w), width), min(round(y0 + tile_h), height)))
    return out


def look_window(box: Box, width: int, height: int, side: float = LOOK_SIDE) -> Window:
    """
    Return the square window of ``side`` face heights centred on a face box, inside the frame.

    :param box: the face, ``(x, y, w, h)`` pixels.
    :param width: frame width, pixels.
    :param height: frame height, pixels.
    :param side: the window's side in face heights.
    :returns: ``(x0, y0, x1, y1)``.
    """
    half = side * box[3] / 2.0
    cx, cy = box[0] + box[2] / 2.0, box[1] + box[3] / 2.0
    return (max(int(cx - half), 0), max(int(cy - half), 0),
            min(int(math.ceil(cx + half)), width), min(int(math.ceil(cy + half)), height))


def detect_in_window(detector: BlazeFaceDetector, bgr: np.ndarray, window: Window,
                     drop_cut: bool = False) -> list[Detection]:
    """
    Run a detector on a window of the frame; return its boxes in frame pixels.

    :param detector: the detector.
    :param bgr: the whole frame.
    :param window: ``(x0, y0, x1, y1)``.
    :param drop_cut: drop boxes within :data:`EDGE_MARGIN` of a window edge that is not the
        frame's edge (a face the window cuts).
    :returns: the boxes found, moved into frame pixels.
    """
    x0, y0, x1, y1 = window
    height, width = bgr.shape[:2]
    found = []
    for d in detector.detect(np.ascontiguousarray(bgr[y0:y1, x0:x1])):
        if drop_cut and ((x0 > 0 and d.x <= EDGE_MARGIN)
                         or (y0 > 0 and d.y <= EDGE_MARGIN)
                         or (x1 < width and d.x + d.w >= x1 - x0 - EDGE_MARGIN)
                         or (y1 < height and d.y + d.h >= y1 - y0 - EDGE_MARGIN)):
            continue
        found.append(Detection(d.x + x0, d.y + y0, d.w, d.h, d.score,
                               tuple((px + x0, py + y0) for px, py in d.keypoints)))
    return found


def add_new_faces(kept: list[Detection], candidates: Sequence[Detection]) -> None:
    """
    Add to ``kept`` the candidates that overlap none of its boxes (IoU at most NMS_IOU).

    The first source's boxes win: a face the full-range model finds on the whole frame keeps
    that box and its keypoints, as with that model alone, and the other runs only add faces it
    missed (two runs' boxes of one face, merged, would move its crop, and so its label).

    :param kept: the boxes so far, in order of priority; extended in place.
    :param candidates: a lower-priority run's boxes.
    """
    for candidate in candidates:
        overlaps = iou_batch([(candidate.x, candidate.y, candidate.w, candidate.h)],
                             [(d.x, d.y, d.w, d.h) for d in kept])
        if not overlaps.size or overlaps.max() <= NMS_IOU:
            kept.append(candidate)


class MultiScaleDetector:
    """Both BlazeFace models, tiles and a look around small tracked faces (module doc)."""

    def __init__(self, full: BlazeFaceDetector, short: BlazeFaceDetector,
                 grid: tuple[int, int] = TILE_GRID) -> None:
        """
        Combine two loaded detectors.

        :param full: the full-range model.
        :param short: the short-range model.
        :param grid: tiles (columns, rows), each >= 1; (1, 1): no tiles.
        :raises ValueError: for a grid with a side under 1.
        """
        if min(grid) < 1:
            raise ValueError(f'the tile grid must be at least 1x1, got {grid}')
        self._full = full
        self._short = short
        self.grid = (int(grid[0]), int(grid[1]))
        self._next_tile = 0

    @classmethod
    def from_config(cls, config, models_dir=None) -> 'MultiScaleDetector':
        """
        Load both models with the detector stage's settings.

        :param config: a :class:`~emotion_ros.core.config.DetectorConfig` (``min_score``,
            ``detector_threads``).
        :param models_dir: folder holding the ``.tflite`` files.
        :returns: the detector.
        """
        return cls(BlazeFaceDetector('full', config.min_score, config.detector_threads,
                                     models_dir),
                   BlazeFaceDetector('short', config.min_score, config.detector_threads,
                                     models_dir))

    def _tiles(self, bgr: np.ndarray) -> list[Window]:
        if self.grid == (1, 1):
            return []
        return tile_windows(bgr.shape[1], bgr.shape[0], self.grid)

    def _merged(self, bgr: np.ndarray, looks: Sequence[Window], tiles: Sequence[Window]
                ) -> list[Detection]:
        """Run the models in the module doc's order of priority; return the faces, best first."""
        found = self._full.detect(bgr)
        for window in looks:
            add_new_faces(found, detect_in_window(self._full, bgr, window))
        for window in tiles:
            add_new_faces(found, detect_in_window(self._full, bgr, window, drop_cut=True))
        large = LARGE_FRACTION * bgr.shape[0]
        add_new_faces(found, [d for d in self._short.detect(bgr) if d.h >= large])
        return sorted(found, key=lambda d: -d.score)

    def detect(self, bgr: np.ndarray) -> list[Detection]:
        """
        Find the faces of a still image: both models on the frame and the full one on every tile.

        :param bgr: uint8 (H, W, 3) BGR image.
        :returns: the faces found, best first, clipped to the image, six keypoints each.
        :raises ValueError: when ``bgr`` is not a uint8 HxWx3 image.
        """
        check_bgr(bgr)
        return self._merged(bgr, (), self._tiles(bgr))

    def detect_tracked(self, bgr: np.ndarray, tracked: Sequence[Box] = ()
                       ) -> list[Detection]:
        """
        Find the faces of a video frame: the next tile in turn, and a look around small faces.

        :param bgr: uint8 (H, W, 3) BGR image.
        :param tracked: the boxes of the faces tracked so far, ``(x, y, w, h)`` pixels; those
            under :data:`SMALL_FACE_HEIGHT` get a look of their own.
        :returns: the faces found, best first, clipped to the image, six keypoints each.
        :raises ValueError: when ``bgr`` is not a uint8 HxWx3 image.
        """
        check_bgr(bgr)
        height, width = bgr.shape[:2]
        looks = [look_window(box, width, height) for box in tracked
                 if 0.0 < box[3] < SMALL_FACE_HEIGHT]
        tiles = self._tiles(bgr)
        turn = []
        if tiles:
            self._next_tile %= len(tiles)
            turn = [tiles[self._next_tile]]
            self._next_tile += 1
        return self._merged(bgr, looks, turn)

    def restart(self) -> None:
        """Start the round of tiles again (a new video)."""
        self._next_tile = 0
