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

"""Tests for emotion_ros.core.faces.tracking (SORT)."""

from pathlib import Path

from emotion_ros.core.faces.detection import Detection
from emotion_ros.core.faces.detection import make_detector
from emotion_ros.core.faces.tracking import iou_batch
from emotion_ros.core.faces.tracking import SortTracker
from emotion_ros.core.faces.tracking import xywh_to_xyxy
from emotion_ros.core.faces.tracking import xywh_to_z
from emotion_ros.core.faces.tracking import xyxy_to_xywh
from emotion_ros.core.faces.tracking import z_to_xywh
from emotion_ros.core.frames.sources import open_source
import numpy as np
import pytest

MEDIA = Path(__file__).resolve().parent.parent / 'assets' / 'media'


def _face(x: float, y: float = 100.0, size: float = 60.0, score: float = 0.9) -> Detection:
    """Return a square face detection."""
    return Detection(x, y, size, size, score)


def _ids(tracks) -> list[int]:
    """Return the ids of reported tracks."""
    return [t.id for t in tracks]


def test_iou_batch_values():
    a = np.array([[0, 0, 10, 10], [100, 100, 5, 5]])
    b = np.array([[0, 0, 10, 10], [5, 0, 10, 10], [20, 20, 10, 10], [0, 0, 0, 0]])
    iou = iou_batch(a, b)
    assert iou.shape == (2, 4)
    assert iou[0].tolist() == pytest.approx([1.0, 50 / 150, 0.0, 0.0])
    assert iou[1].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert iou_batch(np.zeros((0, 4)), b).shape == (0, 4)


def test_box_conversions_round_trip():
    boxes = np.array([[10.0, 20.0, 30.0, 60.0], [0.0, 0.0, 1.0, 2.0]])
    assert np.allclose(xyxy_to_xywh(xywh_to_xyxy(boxes)), boxes)
    z = xywh_to_z(boxes)
    assert z[0].tolist() == pytest.approx([25.0, 50.0, 1800.0, 0.5])
    assert np.allclose(z_to_xywh(z), boxes)


def test_first_id_is_one_and_boxes_follow_detections():
    tracker = SortTracker()
    tracks = tracker.update([_face(50)])
    assert _ids(tracks) == [1]
    assert tracks[0].box == pytest.approx((50, 100, 60, 60))
    assert tracks[0].score == pytest.approx(0.9)


def test_update_with_no_detections():
    tracker = SortTracker(max_age=2)
    assert tracker.update([]) == []
    tracker.update([_face(50)])
    assert _ids(tracker.update([])) == [1]  # coasting
    assert _ids(tracker.update([])) == [1]
    assert tracker.update([]) == []  # more than max_age misses: deleted


def test_id_kept_through_missed_detections():
    tracker = SortTracker(max_age=3, min_hits=3)
    seen = []
    for frame in range(25):
        x = 50 + 4 * frame  # moving right at 4 px per frame
        detections = [] if frame in (10, 11, 18) else [_face(x)]
        tracks = tracker.update(detections)
        assert _ids(tracks) == [1], f'frame {frame}'
        seen.append(tracks[0])
    # While coasting the box is the prediction: it keeps moving with the face.
    assert seen[10].time_since_update == 1 and seen[11].time_since_update == 2
    assert seen[11].x == pytest.approx(50 + 4 * 11, abs=3)
    assert seen[12].time_since_update == 0


def test_crossing_faces_keep_their_ids():
    tracker = SortTracker(max_age=3, min_hits=1)
    for frame in range(30):
        a = _face(40 + 12 * frame, y=100)  # left to right
        b = _face(400 - 12 * frame, y=110)  # right to left, crossing a around frame 15
        tracks = tracker.update([a, b])
        assert _ids(tracks) == [1, 2], f'frame {frame}'
        by_id = {t.id: t for t in tracks}
        assert by_id[1].x == pytest.approx(a.x, abs=8), f'frame {frame}'
        assert by_id[2].x == pytest.approx(b.x, abs=8), f'frame {frame}'


def test_new_face_gets_new_id_after_min_hits():
    tracker = SortTracker(max_age=3, min_hits=3)
    for _ in range(5):
        tracker.update([_face(50)])
    reported = [_ids(tracker.update([_face(50), _face(300)])) for _ in range(4)]
    # The newcomer is reported once it has been matched min_hits times in a row.
    assert reported == [[1], [1], [1, 2], [1, 2]]


def test_all_tracks_reported_during_start_up():
    tracker = SortTracker(min_hits=3)
    assert _ids(tracker.update([_face(50), _face(300)])) == [1, 2]


def test_reentry_after_max_age_gets_new_id_within_gets_same():
    tracker = SortTracker(max_age=3, min_hits=1)
    for _ in range(5):
        tracker.update([_face(50)])
    for _ in range(3):  # within max_age
        tracker.update([])
    assert _ids(tracker.update([_face(50)])) == [1]
    for _ in range(4):  # one more than max_age: deleted
        tracker.update([])
    assert _ids(tracker.update([_face(50)])) == [2]


def test_ids_are_never_reused_and_per_instance():
    rng = np.random.default_rng(3)
    tracker = SortTracker(max_age=1, min_hits=1)
    last_seen = {}
    deleted = set()
    for frame in range(200):
        count = int(rng.integers(0, 4))
        # Faces jump around, so most frames create new tracks and old ones die.
        detections = [_face(float(rng.uniform(0, 600)), float(rng.uniform(0, 400)))
                      for _ in range(count)]
        ids = _ids(tracker.update(detections))
        assert len(ids) == len(set(ids))
        assert not deleted.intersection(ids)
        for i in ids:
            last_seen[i] = frame
        deleted.update(i for i, f in last_seen.items() if f < frame - 2)
    assert max(last_seen) > 50
    assert _ids(SortTracker(min_hits=1).update([_face(0)])) == [1]


def test_bad_detections_are_ignored():
    tracker = SortTracker(min_hits=1)
    bad = [Detection(float('nan'), 0, 10, 10, 0.9), Detection(0, 0, 0, 10, 0.9),
           Detection(0, 0, 10, -5, 0.9), Detection(0, 0, float('inf'), 10, 0.9)]
    assert tracker.update(bad) == []
    assert _ids(tracker.update(bad + [_face(10)])) == [1]


def test_shrinking_box_never_gets_negative_area():
    tracker = SortTracker(max_age=30, min_hits=1)
    for frame in range(10):
        size = 100 - 10 * frame
        tracker.update([Detection(200, 200, size, size, 0.9)])
    for _ in range(30):  # coast while the area velocity is strongly negative
        tracks = tracker.update([])
        assert tracks, 'the track coasts for up to max_age frames'
        assert all(t.w > 0 and t.h > 0 and np.isfinite(t.x) for t in tracks)


@pytest.mark.parametrize('kwargs', [{'max_age': -1}, {'min_hits': -1}, {'iou_threshold': 1.5}])
def test_bad_parameters(kwargs):
    with pytest.raises(ValueError):
        SortTracker(**kwargs)


def test_one_id_over_the_real_video():
    path = MEDIA / 'single_face.mp4'
    assert path.is_file(), f'{path} missing: run scripts/fetch_assets.py'
    detector = make_detector()
    tracker = SortTracker()
    source = open_source(str(path))
    ids = set()
    frames = 0
    with source:
        while (frame := source.read()) is not None:
            tracks = tracker.update(detector.detect(frame))
            assert len(tracks) == 1
            assert len(tracks[0].keypoints) == 6, 'BlazeFace keypoints reach the track'
            ids.update(_ids(tracks))
            frames += 1
    assert frames == 72
    assert ids == {1}


def _with_points(x: float, y: float = 100.0, size: float = 60.0) -> Detection:
    """Return a square face with two keypoints: its centre and its top-left corner."""
    return Detection(x, y, size, size, 0.9,
                     ((x + size / 2, y + size / 2), (x, y)))


def test_matched_track_reports_its_detections_keypoints():
    tracker = SortTracker(min_hits=1)
    tracker.update([_with_points(100.0)])
    detection = _with_points(104.0)
    (track,) = tracker.update([detection])
    assert track.time_since_update == 0
    assert track.keypoints == detection.keypoints
    assert tracker.update([_face(108.0)])[0].keypoints == (), 'none when the detector gave none'


def test_coasting_track_moves_its_keypoints_with_the_box():
    """While coasting, the last keypoints keep their place relative to the predicted box."""
    tracker = SortTracker(min_hits=1, max_age=3)
    for step in range(6):  # a face moving 10 px per frame to the right
        tracker.update([_with_points(100.0 + 10.0 * step)])
    (coasting,) = tracker.update([])
    assert coasting.time_since_update == 1
    centre, corner = coasting.keypoints
    # The centre point stays at the predicted box's centre, the corner at its corner.
    assert centre == pytest.approx((coasting.x + coasting.w / 2, coasting.y + coasting.h / 2),
                                   abs=1.0)
    assert corner == pytest.approx((coasting.x, coasting.y), abs=1.0)
    assert centre[0] > 150.0 + 30.0 + 5.0, 'moved on with the face, not left behind'


def _run_with_interval(tracker: SortTracker, interval: int, xs: list) -> list:
    """Feed a face at ``xs`` (None: no face), detecting only when the tracker says it is due."""
    reports = []
    for x in xs:
        due = tracker.detection_due(interval)
        faces = [_face(x)] if due and x is not None else []
        reports.append((due, tracker.update(faces, detected=due)))
    return reports


def test_detection_interval_detects_every_nth_frame_once_confirmed():
    """Every 2nd frame; every frame while a new face is unconfirmed; boxes follow the face."""
    tracker = SortTracker(min_hits=3)
    xs = [None] * 5 + [50.0 + 4 * frame for frame in range(5, 16)]
    reports = _run_with_interval(tracker, 2, xs)
    # No face: every 2nd frame. The face comes at frame 5, is first detected at frame 6, then
    # at 7 and 8 (unconfirmed: every frame), confirmed at 8: every 2nd frame again.
    assert [due for due, _ in reports] == [True, False] * 3 + [True] * 3 + [False, True] * 3 + \
        [False]
    assert [_ids(tracks) for _, tracks in reports] == [[]] * 8 + [[1]] * 8
    for frame, (due, tracks) in enumerate(reports[8:], start=8):
        assert tracks[0].misses == 0, 'a skipped frame is no miss'
        assert tracks[0].time_since_update == (0 if due else 1)
        # On skipped frames the box is the prediction, which moves on with the face.
        assert tracks[0].x == pytest.approx(xs[frame], abs=3.0), f'frame {frame}'


def test_interval_one_detects_every_frame():
    tracker = SortTracker()
    reports = _run_with_interval(tracker, 1, [50.0] * 6)
    assert all(due for due, _ in reports)


def test_max_age_counts_frames_also_skipped_ones():
    """A face that left is dropped after max_age frames, whether the detector ran or not."""
    for detected in (True, False):
        tracker = SortTracker(max_age=3, min_hits=1)
        tracker.update([_face(50.0)])
        for _ in range(3):
            assert _ids(tracker.update([], detected=detected)) == [1]
        assert tracker.update([], detected=detected) == []


def test_a_skipped_frame_is_no_miss_for_min_hits():
    """A new track's streak of detections survives frames the detector skipped."""
    tracker = SortTracker(min_hits=2)
    for _ in range(3):  # past the start-up frames, where every track is reported at once
        tracker.update([])
    assert tracker.update([_face(50.0)]) == []
    tracker.update([], detected=False)
    assert tracker.detection_due(3), 'an unconfirmed track: the detector runs every frame'
    assert _ids(tracker.update([_face(50.0)])) == [1]


def test_a_skipped_frame_ignores_detections():
    tracker = SortTracker(min_hits=1)
    tracker.update([_face(50.0)])
    tracks = tracker.update([_face(300.0)], detected=False)
    assert _ids(tracks) == [1] and tracks[0].x == pytest.approx(50.0, abs=1.0)


def test_one_id_over_the_real_video_detecting_every_other_frame():
    """single_face.mp4 with the detector on every 2nd frame: one id, boxes near the detections."""
    detector = make_detector()
    tracker = SortTracker()
    runs = 0
    with open_source(str(MEDIA / 'single_face.mp4')) as source:
        while (frame := source.read()) is not None:
            truth = detector.detect(frame)
            due = tracker.detection_due(2)
            runs += due
            (track,) = tracker.update(truth if due else [], detected=due)
            assert track.id == 1
            assert len(track.keypoints) == 6
            if truth:
                # A predicted box stays on the face: it overlaps the detection of that frame.
                found = truth[0]
                overlap = iou_batch(np.array([[found.x, found.y, found.w, found.h]]),
                                    np.array([track.box]))[0, 0]
                assert overlap > 0.8, f'IoU {overlap:.2f} with the detection'
    # Every other frame: a track born in the tracker's first min_hits frames is confirmed at once.
    assert runs == 72 // 2
