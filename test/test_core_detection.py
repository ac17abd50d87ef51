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

"""Tests for emotion_ros.core.detection on real photos from assets/media."""

from pathlib import Path
import subprocess
import sys

import cv2
from emotion_ros.core.detection import Detection
from emotion_ros.core.detection import DETECTORS
from emotion_ros.core.detection import HaarDetector
from emotion_ros.core.detection import make_detector
from emotion_ros.core.detection import YuFaceDetector
import numpy as np
import pytest

MEDIA = Path(__file__).resolve().parent.parent / 'assets' / 'media'


def _load(name: str) -> np.ndarray:
    """Read a media image or fail with a hint."""
    path = MEDIA / name
    assert path.is_file(), f'{path} missing: run scripts/fetch_assets.py'
    image = cv2.imread(str(path))
    assert image is not None, f'cannot read {path}'
    return image


def _assert_inside(detections: list[Detection], image: np.ndarray) -> None:
    """Check every box is non-empty and inside the image."""
    height, width = image.shape[:2]
    for d in detections:
        assert d.w > 0 and d.h > 0
        assert 0 <= d.x and d.x + d.w <= width
        assert 0 <= d.y and d.y + d.h <= height
        assert 0.0 <= d.score <= 1.0


@pytest.fixture(scope='module')
def yuface_detector() -> YuFaceDetector:
    """Return one yuface detector for the module."""
    return YuFaceDetector()


def test_yuface_finds_the_one_face(yuface_detector):
    image = _load('single_face.jpg')
    faces = yuface_detector.detect(image)
    assert len(faces) == 1
    _assert_inside(faces, image)
    face = faces[0]
    # The face is in the middle of the photo and about a third of it wide.
    assert 0.25 * image.shape[1] < face.x + face.w / 2 < 0.75 * image.shape[1]
    assert 0.2 * image.shape[1] < face.w < 0.6 * image.shape[1]
    assert face.score > 0.8


def test_yuface_finds_five_faces(yuface_detector):
    image = _load('multi_face.jpg')
    faces = yuface_detector.detect(image)
    assert len(faces) == 5
    _assert_inside(faces, image)
    centres = sorted(f.x + f.w / 2 for f in faces)
    assert min(np.diff(centres)) > 20  # five different faces, not one found five times


def test_yuface_boxes_are_in_full_resolution_pixels():
    image = _load('single_face.jpg')
    half = YuFaceDetector(downscale=0.5).detect(image)[0]
    full = YuFaceDetector(downscale=1.0).detect(image)[0]
    for a, b in ((half.x, full.x), (half.y, full.y), (half.w, full.w), (half.h, full.h)):
        assert abs(a - b) < 0.1 * full.w


def test_yuface_handles_non_contiguous_views():
    image = _load('single_face.jpg')
    padded = np.zeros((image.shape[0], image.shape[1] + 8, 3), np.uint8)
    padded[:, :image.shape[1]] = image
    view = padded[:, :image.shape[1]]
    assert not view.flags.c_contiguous
    assert len(YuFaceDetector(downscale=1.0).detect(view)) == 1


def test_yuface_min_score_filters(yuface_detector):
    image = _load('single_face.jpg')
    assert YuFaceDetector(min_score=0.99).detect(image) == []


def test_blank_image_has_no_faces(yuface_detector):
    assert yuface_detector.detect(np.zeros((120, 160, 3), np.uint8)) == []


def test_haar_finds_the_face():
    image = _load('single_face.jpg')
    faces = HaarDetector().detect(image)
    assert len(faces) >= 1
    _assert_inside(faces, image)
    assert all(f.score == 1.0 for f in faces)


def test_make_detector_builds_each_kind():
    assert DETECTORS == ('yuface', 'haar')
    assert isinstance(make_detector('yuface', downscale=1.0), YuFaceDetector)
    assert isinstance(make_detector('haar', min_neighbors=3), HaarDetector)


def test_unknown_detector_name_lists_choices():
    with pytest.raises(ValueError, match='yuface, haar'):
        make_detector('mtcnn')


@pytest.mark.parametrize('kwargs', [{'min_score': 1.5}, {'downscale': 0.0}, {'downscale': 2.0}])
def test_yuface_rejects_bad_parameters(kwargs):
    with pytest.raises(ValueError):
        YuFaceDetector(**kwargs)


def test_detectors_reject_non_images(yuface_detector):
    with pytest.raises(ValueError, match='HxWx3'):
        yuface_detector.detect(np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError, match='HxWx3'):
        HaarDetector().detect(np.zeros((10, 10, 3), np.float32))


def test_yuface_thread_limit_applies_to_its_openmp() -> None:
    """threads=1 caps yuface's OpenMP pool (threadpoolctl sees the bundled libgomp)."""
    # In a child process: the limit lasts for the rest of the process that sets it.
    script = (
        'import cv2, sys\n'
        'from threadpoolctl import threadpool_info\n'
        'from emotion_ros.core.detection import YuFaceDetector\n'
        'detector = YuFaceDetector(threads=1)\n'
        "pools = [p['num_threads'] for p in threadpool_info() if p['user_api'] == 'openmp']\n"
        'faces = detector.detect(cv2.imread(sys.argv[1]))\n'
        'print(pools, len(faces))\n')
    result = subprocess.run([sys.executable, '-c', script, str(MEDIA / 'single_face.jpg')],
                            capture_output=True, text=True, timeout=120,
                            cwd=Path(__file__).resolve().parent.parent)
    assert result.returncode == 0, result.stderr
    pools, faces = result.stdout.rsplit(' ', 1)
    assert pools.strip('[]').split(', ') and set(pools.strip('[]').split(', ')) == {'1'}
    assert int(faces) == 1
    with pytest.raises(ValueError, match='threads'):
        YuFaceDetector(threads=-1)
