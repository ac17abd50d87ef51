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

"""emotion_collect: the dataset layout (no ROS) and the tool on the real graph over DDS."""

import csv
import json
from pathlib import Path

import cv2
from emotion_ros.core.collection import COLLECT_MARGIN, CollectedFace, CSV_FIELDS, cut
from emotion_ros.core.collection import DatasetWriter, EveryPolicy, PARTIAL_SUFFIX
from emotion_ros.core.collection import read_sidecar_box, UNLABELLED
import numpy as np
import pytest
from ros_helpers import executable, node_process, REPO_ROOT, start_process, stop_process

VIDEO = REPO_ROOT / 'assets' / 'media' / 'single_face.mp4'
# Bound on the graph's start and the collection of the faces asked for (s).
COLLECT_TIMEOUT = 120.0


def _face(stamp=(5, 7), track=3) -> CollectedFace:
    frame = np.random.default_rng(1).integers(0, 255, (120, 160, 3), dtype=np.uint8)
    crop, inside = cut(frame, (60, 40, 30, 40))
    return CollectedFace(crop, inside, (60, 40, 30, 40), stamp, track, 12.5, 'happy', 0.9)


def test_every_policy_keeps_one_crop_per_track_per_period() -> None:
    """Two tracks, stamps 0.1 s apart, every 1 s: one crop each per second."""
    policy = EveryPolicy(1.0)
    taken = [(t, track) for step in range(25) for track in (1, 2)
             if policy.due(track, t := step * 0.1)]
    assert [t for t, track in taken if track == 1] == pytest.approx([0.0, 1.0, 2.0])
    policy.forget_except([2])
    assert policy.due(1, 2.05)  # a track that left and came back starts afresh
    with pytest.raises(ValueError):
        EveryPolicy(-1.0)


def test_cut_keeps_the_face_box_inside_the_crop_even_at_the_edge() -> None:
    """The margin is clipped by the frame; the box is located exactly in the crop."""
    frame = np.arange(100 * 200 * 3, dtype=np.uint32).reshape(100, 200, 3).astype(np.uint8)
    crop, (x, y, w, h) = cut(frame, (5, 10, 40, 30))
    assert np.array_equal(crop[y:y + h, x:x + w], frame[10:40, 5:45])
    assert (x, y) == (5, 10)  # clipped at the left and top edges
    crop, (x, y, w, h) = cut(frame, (80, 40, 20, 20))
    assert crop.shape[:2] == (20 + 2 * round(COLLECT_MARGIN * 20),) * 2
    assert np.array_equal(crop[y:y + h, x:x + w], frame[40:60, 80:100])


def test_writer_lays_out_unlabelled_faces_with_a_csv(tmp_path: Path) -> None:
    """PNG (lossless), sidecar box, CSV row; names never collide; no partial file left."""
    writer = DatasetWriter(tmp_path)
    face = _face()
    paths = [writer.write(face) for _ in range(3)]
    assert len(set(paths)) == 3 and all(p.parent.name == UNLABELLED for p in paths)
    assert np.array_equal(cv2.imread(str(paths[0])), face.crop)
    assert read_sidecar_box(paths[0]) == face.box_in_crop
    rows = list(csv.DictReader(open(tmp_path / UNLABELLED / 'faces.csv')))
    assert [r['file'] for r in rows] == [p.name for p in paths]
    assert set(rows[0]) == set(CSV_FIELDS) and rows[0]['published_label'] == 'happy'
    assert not list(tmp_path.rglob('*' + PARTIAL_SUFFIX))


def test_writer_with_a_label_and_after_a_kill(tmp_path: Path) -> None:
    """A class folder, no CSV; a half-written file of a killed run is removed at start."""
    folder = tmp_path / 'happy'
    folder.mkdir()
    (folder / ('x.png' + PARTIAL_SUFFIX)).write_bytes(b'half')
    writer = DatasetWriter(tmp_path, 'happy')
    assert writer.removed_partials == 1
    path = writer.write(_face())
    assert path.parent == folder and not (folder / 'faces.csv').exists()
    for bad in ('', '../x', UNLABELLED, '.hidden'):
        with pytest.raises(ValueError):
            DatasetWriter(tmp_path, bad)


@pytest.mark.ros
@pytest.mark.slow
@pytest.mark.parametrize('label', [None, 'happy'])
def test_collect_stores_trusted_faces_of_the_running_graph(ros_domain, tmp_path: Path,
                                                           label) -> None:
    """The real graph on the looping demo clip: a few trusted faces, spaced, with their boxes."""
    out = tmp_path / 'dataset'
    count = 3
    args = [executable('emotion_collect'), '--out', out, '--every', '0.5', '--count', count]
    collector = start_process(args + (['--label', label] if label else []),
                              tmp_path / 'collect.log')
    nodes = [node_process('camera_node', tmp_path / 'camera.log', source=str(VIDEO), loop=True,
                          wait_for_subscribers=0),
             node_process('face_tracker_node', tmp_path / 'tracker.log'),
             node_process('emotion_classifier_node', tmp_path / 'classifier.log')]
    try:
        code = collector.wait(COLLECT_TIMEOUT)
    finally:
        if collector.poll() is None:
            stop_process(collector)
        for node in nodes:
            stop_process(node)
    log = (tmp_path / 'collect.log').read_text()
    assert code == 0, log
    folder = out / (label or UNLABELLED)
    images = sorted(folder.glob('*.png'))
    assert len(images) == count, log
    stamps = []
    for image in images:
        sidecar = json.loads(image.with_suffix('.json').read_text())
        x, y, w, h = sidecar['box']
        crop = cv2.imread(str(image))
        assert 0 <= x and 0 <= y and x + w <= crop.shape[1] and y + h <= crop.shape[0]
        assert w > 40 and h > 40  # the demo clip's face
        stamps.append(sidecar['stamp'][0] + sidecar['stamp'][1] * 1e-9)
    gaps = np.diff(sorted(stamps))
    assert (gaps >= 0.5 - 1e-6).all(), gaps  # one track: at most one crop every 0.5 s
    rows = list(csv.DictReader(open(folder / 'faces.csv'))) if label is None else []
    if label is None:
        assert sorted(r['file'] for r in rows) == [p.name for p in images]
        assert all(r['published_label'] in ('neutral', 'happy') for r in rows), rows
    else:
        assert not (folder / 'faces.csv').exists()
    assert 'Traceback' not in log
