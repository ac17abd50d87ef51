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

"""Collected faces (PNG + sidecar box) as training data, and fine-tuning from a model."""

import cv2
from emotion_ros.core.emotion.preprocessing import face_views
from emotion_ros.core.model.labels import FER2013_LABELS
from emotion_ros.core.model.model_card import InputSpec
from emotion_ros.training.datasets.class_folders import load_class_folders, SIDECAR_MARGIN
from emotion_ros.training.pipeline import prepare_inputs
import numpy as np
import training_fixtures as fixtures

BUNDLED_SPEC = InputSpec(64, 64, 1, 'symmetric')  # the bundled mini-Xception's card input


def test_sidecar_faces_are_the_nodes_crops(tmp_path):
    """A collected PNG is cut at its sidecar box exactly as the node crops the frame."""
    frame = cv2.imread(str(fixtures.MEDIA / 'single_face.jpg'))
    box = fixtures.largest_box(frame)
    collected = fixtures.write_collected(tmp_path, frame, box, 'happy')
    whole = tmp_path / 'sad' / 'whole_face.png'  # no sidecar: the whole image is the face
    whole.parent.mkdir()
    cv2.imwrite(str(whole), frame[box[1]:box[1] + box[3], box[0]:box[0] + box[2]])
    fixtures.write_collected(tmp_path, frame, box)  # unlabelled/: never a class
    bad = {'not_json': 'not json', 'short_box': '{"box": [1, 2]}', 'a_list': '[1, 2, 3, 4]',
           'outside': '{"box": [5000, 5000, 10, 10]}'}
    for stem, text in bad.items():
        (tmp_path / 'happy' / f'{stem}.png').write_bytes(collected.read_bytes())
        (tmp_path / 'happy' / f'{stem}.json').write_text(text)
    (tmp_path / 'happy' / 'orphan.json').write_text('{}')  # a sidecar without its image

    faces, report = load_class_folders(tmp_path, FER2013_LABELS,
                                       shape=BUNDLED_SPEC.shape)

    assert faces.sources == [str(collected), str(whole)]
    assert faces.faces.shape == (2, 64, 64) and faces.faces.dtype == np.uint8
    node = face_views(frame, box, (SIDECAR_MARGIN,), False, BUNDLED_SPEC)
    trained = prepare_inputs(faces.faces[:1], BUNDLED_SPEC)
    np.testing.assert_array_equal(trained, node)  # the very pixels the node classifies
    assert sorted(line.split(':')[0].rsplit('/', 1)[1] for line in report.unreadable_images) \
        == sorted(f'{stem}.png' for stem in bad)
    assert all('bad sidecar' in line for line in report.unreadable_images)
    skipped = '\n'.join(report.skipped_files)
    assert 'unlabelled' in skipped and 'orphan.json' in skipped
    assert str(collected.with_suffix('.json')) not in skipped
    assert not report.unknown_classes

    evaluation, _ = load_class_folders(tmp_path, FER2013_LABELS, keep_size=True)
    x, y, w, h = box
    assert evaluation.faces[0].shape[:2] == (h, w)  # margin 0: the box itself, at its size
