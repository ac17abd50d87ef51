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

"""The scale bench: its frames, its figures' shape, and a face of 120 px found by the default."""

import numpy as np
import pytest
from ros_helpers import bench_module

EVERY = 60  # a tiny subset: every 60th labelled face (2 faces)
TINY_FACE = 20  # height of a face under min_face_height, pixels


def _bench():
    scale = bench_module('bench_scale')
    labelled = bench_module('labelled_faces')
    missing = [p for p in (labelled.LABELS_CSV, scale.MEDIA / scale.BACKGROUND_VIDEO,
                           scale.MODEL) if not p.exists()]
    if missing:
        pytest.skip(f'{missing} absent: run scripts/fetch_assets.py')
    return scale


def test_place_puts_the_face_box_at_the_height_asked() -> None:
    """A synthetic photo's box lands centred, scaled, and is cut by the frame when too tall."""
    scale = bench_module('bench_scale')
    photo = np.full((200, 160, 3), 200, np.uint8)
    background = np.zeros((scale.FRAME_HEIGHT, scale.FRAME_WIDTH, 3), np.uint8)
    box = (40.0, 50.0, 80.0, 100.0)
    frame, placed = scale.place(photo, box, 0.4, (320.0, 240.0), background)
    assert frame.shape == (480, 640, 3)
    assert placed == pytest.approx((304.0, 220.0, 32.0, 40.0))
    assert frame[240, 320].tolist() == [200, 200, 200]  # the face's centre is the photo's
    assert frame[0, 0].tolist() == [0, 0, 0]  # the background far from it
    _, big = scale.place(photo, box, 6.4, (320.0, 240.0), background)
    assert big[3] == pytest.approx(640.0)
    assert scale.clip_box(big)[3] == pytest.approx(480.0)


def test_tiny_scale_run_finds_a_120_px_face_with_the_default() -> None:
    """Two labelled faces at 120 px: figures per set-up and height, all found, times > 0."""
    scale = _bench()
    faces = scale.load_faces(every=EVERY)
    assert 2 <= len(faces) <= 4
    figures = scale.run(faces, [120], ['full', 'full+short'], with_false=False)
    assert set(figures['scale']) == {'full', 'full+short'}
    for setup in ('full', 'full+short'):
        cell = figures['scale'][setup]['120']
        assert cell['faces'] == len(faces)
        assert cell['found'] == len(faces)
        assert cell['labelled_found'] == len(faces)
        assert 0 <= cell['right'] <= len(faces)
        assert cell['ms'] > 0.0
    # The box is about 2.7 eye distances, so 150-200 mm: 40 px is 2.4-3.2 m away.
    assert 150.0 < figures['box_mm'] < 200.0
    assert 2.4 < scale.distance_m(40, figures['box_mm']) < 3.2


def test_the_default_video_set_up_finds_40_px_faces_full_range_misses() -> None:
    """The multi-scale set-up through the detect-then-track step: faces of 40 px found."""
    scale = _bench()
    faces = scale.load_faces(every=EVERY)
    figures = scale.run(faces, [40], ['multiscale', 'full'], with_false=False)
    video, full = figures['scale']['multiscale']['40'], figures['scale']['full']['40']
    assert video['found'] == len(faces) > full['found']
    assert video['ms'] > 0.0


def test_classify_gives_each_face_its_own_label_below_min_face_height() -> None:
    """A face under min_face_height gets its own label, not the previous face's held one."""
    import cv2
    from emotion_ros.core.faces.detection import Detection
    from emotion_ros.core.model.classifier import EmotionClassifier

    scale = _bench()
    classifier = EmotionClassifier.load(scale.MODEL)
    faces = scale.load_faces()
    classify = scale.make_classify(classifier)

    def tiny(face) -> tuple:
        factor = TINY_FACE / face.box[3]  # under the default min_face_height (28 px)
        image = cv2.resize(face.image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
        box = Detection(*(v * factor for v in face.box), 1.0,
                        tuple((x * factor, y * factor) for x, y in face.keypoints))
        return image, box

    own = {face.name: scale.make_classify(classifier)(*tiny(face)) for face in faces[::10]}
    assert len(set(own.values())) > 1  # the faces' own labels differ
    big = faces[0]
    for face in faces[::10]:
        classify(big.image, Detection(*big.box, 1.0, big.keypoints))  # trusted: large enough
        assert classify(*tiny(face)) == own[face.name], face.name
