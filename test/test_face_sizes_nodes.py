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
Faces at both ends of the range through the real nodes, with the default settings.

A real face (single_face.jpg) zoomed until it overfills a 640x480 frame, and the same face
40 px tall off-centre: the full-range model alone finds neither (test_core_multiscale.py). Each
plays as an image folder through ``emotion_run`` (camera, face tracker, classifier) and must
get tracked faces with emotions; both are taller than ``min_face_height`` (28 px) and frontal,
so trusted.
"""

import json
from pathlib import Path
import subprocess

import cv2
from placed_faces import FaceScene, FAR_40, NEAR
import pytest
from ros_helpers import executable

RUN_TIMEOUT = 180.0  # bound on one emotion_run, s
# Frames played: a round of the 3x3 tiles at the default detection interval (27 frames), the
# frames that confirm the track, and some to spare.
FRAMES = 45
# Arrays that must carry the face, of the FRAMES (the far face is found within the first 30).
MIN_WITH_FACE = 10


@pytest.mark.ros
@pytest.mark.slow
@pytest.mark.parametrize('height, centre', [NEAR, FAR_40], ids=['overfilled', '40px'])
def test_default_nodes_track_and_classify_the_face(ros_domain, tmp_path: Path, height,
                                                   centre) -> None:
    frame = FaceScene.load().place(height, centre)
    folder = tmp_path / 'frames'
    folder.mkdir()
    for index in range(FRAMES):
        cv2.imwrite(str(folder / f'{index:03d}.png'), frame)
    result = subprocess.run(
        [str(executable('emotion_run')), '--source', str(folder), '--echo', '--jsonl'],
        capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert result.returncode == 0, result.stderr[-4000:]
    arrays = [json.loads(line) for line in result.stdout.splitlines() if line.startswith('{')]
    faces = [e for a in arrays for e in a['emotions']]
    assert sum(bool(a['emotions']) for a in arrays) >= MIN_WITH_FACE, result.stderr[-4000:]
    assert {e['face_id'] for e in faces} == {faces[0]['face_id']}  # one face, one id
    expected = min(height, frame.shape[0])  # an overfilled face's box is cut by the frame
    for face in faces:
        assert face['roi']['height'] == pytest.approx(expected, rel=0.3), face['roi']
        assert face['label'] and 0.0 < face['confidence'] <= 1.0
    assert faces[-1]['reliable'], faces[-1]
