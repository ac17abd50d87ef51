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
The default detector set-up (both BlazeFace models, tiles, looks) and the detect-then-track step.

On a real face (assets/media/single_face.jpg) scaled to a face height and placed into a real
face-free frame (a frame of no_face.mp4): the sizes where the full-range model alone loses it.
"""

import cv2
from emotion_ros.core.config import DetectorConfig, TrackerConfig
from emotion_ros.core.faces import blazeface
from emotion_ros.core.faces.detection import Detection, make_detector
from emotion_ros.core.faces.multiscale import add_new_faces, detect_in_window, look_window
from emotion_ros.core.faces.multiscale import MultiScaleDetector, tile_windows
from emotion_ros.core.faces.tracking_step import DetectAndTrack
import numpy as np
from placed_faces import FaceScene, FAR, FRAME, MEDIA, NEAR
import pytest

INTERVAL = 3  # the default detection_interval, frames
ROUND = 9  # detections until every tile of the 3x3 grid has been looked at once


@pytest.fixture(scope='module')
def detectors():
    """Return the default set-up and the full-range model alone, loaded once."""
    return make_detector(), make_detector(DetectorConfig(blazeface_model='full'))


@pytest.fixture(scope='module')
def scene() -> FaceScene:
    """Return the real face and the real face-free frame, loaded once."""
    return FaceScene.load()


def test_tiles_cover_the_frame_and_overlap():
    tiles = tile_windows(*FRAME)
    assert len(tiles) == 9
    covered = np.zeros(FRAME[::-1], np.uint8)
    for x0, y0, x1, y1 in tiles:
        covered[y0:y1, x0:x1] += 1
        # A tile enters the 192 px model at 0.75 of its size (the whole frame at 0.3).
        assert (x1 - x0, y1 - y0) == (256, 192)
    assert covered.min() == 1 and covered.max() == 4
    assert tile_windows(*FRAME, grid=(1, 1), overlap=0.0) == [(0, 0, 640, 480)]


def test_look_window_is_four_face_heights_inside_the_frame():
    assert look_window((300.0, 200.0, 30.0, 40.0), *FRAME) == (235, 140, 395, 300)
    assert look_window((0.0, 0.0, 30.0, 40.0), *FRAME) == (0, 0, 95, 100)


def test_a_later_run_adds_only_faces_no_earlier_box_overlaps():
    kept = [Detection(100, 100, 50, 60, 0.7)]
    add_new_faces(kept, [Detection(104, 98, 52, 62, 0.95), Detection(300, 100, 40, 40, 0.8)])
    assert [(d.x, d.score) for d in kept] == [(100, 0.7), (300, 0.8)]


def test_a_face_cut_by_a_tile_edge_is_dropped(detectors, scene):
    _, full = detectors
    frame = scene.place(60, (300, 240))
    inside = (200, 140, 400, 340)
    cut = (200, 140, 300, 340)  # the window's right edge runs through the face
    assert len(detect_in_window(full, frame, inside, drop_cut=True)) == 1
    assert detect_in_window(full, frame, cut, drop_cut=True) == []


@pytest.mark.parametrize('height, centre', [FAR, NEAR])
def test_finds_the_faces_full_range_alone_misses(detectors, scene, height, centre):
    default, full = detectors
    frame = scene.place(height, centre)
    assert full.detect(frame) == []
    (face,) = default.detect(frame)
    assert len(face.keypoints) == blazeface.NUM_KEYPOINTS
    expected = min(height, FRAME[1])  # an overfilled face's box is cut by the frame
    assert face.h == pytest.approx(expected, rel=0.25)
    assert face.x <= centre[0] <= face.x + face.w and face.y <= centre[1] <= face.y + face.h


def test_keeps_full_range_boxes_of_the_group_photo_exactly(detectors):
    default, full = detectors
    photo = cv2.imread(str(MEDIA / 'multi_face.jpg'))
    alone = sorted((d.x, d.y, d.w, d.h, d.keypoints) for d in full.detect(photo))
    assert len(alone) == 5
    assert sorted((d.x, d.y, d.w, d.h, d.keypoints) for d in default.detect(photo)) == alone


def test_no_box_on_face_free_frames(detectors, scene):
    default, _ = detectors
    assert default.detect(scene.background) == []
    step = DetectAndTrack(default, DetectAndTrack.from_config(
        DetectorConfig(blazeface_model='full')).tracker, INTERVAL)
    assert all(step.step(scene.background) == [] for _ in range(ROUND * INTERVAL))


def test_a_far_face_is_found_within_a_round_of_tiles_and_kept(scene):
    """The video path: one tile per detection, then a look around the small track each time."""
    step = DetectAndTrack.from_config(DetectorConfig(), TrackerConfig())
    assert step.interval == INTERVAL
    frame = scene.place(*FAR)
    first = None
    for index in range(ROUND * INTERVAL + 30):
        tracks = step.step(frame)
        if tracks and first is None:
            first = index
        if first is not None:
            assert len(tracks) == 1, index  # found once, kept every frame after
            assert len(tracks[0].keypoints) == blazeface.NUM_KEYPOINTS
            assert tracks[0].misses == 0, index  # the look around it finds it every time
    assert first is not None and first < ROUND * INTERVAL + TrackerConfig().min_hits
    assert len({t.id for t in step.step(frame)}) == 1


def test_the_step_detects_every_interval_frames_once_confirmed(scene):
    step = DetectAndTrack.from_config(DetectorConfig(blazeface_model='full'), TrackerConfig())
    frame = scene.place(200, (320, 240))
    for _ in range(10):
        step.step(frame)
    runs = step.detector_runs
    for _ in range(30):
        assert len(step.step(frame)) == 1
    assert step.detector_runs - runs == 30 // INTERVAL


def test_multiscale_needs_a_grid(detectors):
    default, full = detectors
    with pytest.raises(ValueError, match='1x1'):
        MultiScaleDetector(full, full, grid=(0, 3))
    assert isinstance(default, MultiScaleDetector) and default.grid == (3, 3)
