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

"""Tests for emotion_ros.core.faces.detection on real photos from assets/media."""

from pathlib import Path

import cv2
from emotion_ros.core.config import BLAZEFACE_MODEL_CHOICES, DetectorConfig, MULTISCALE
from emotion_ros.core.faces import blazeface
from emotion_ros.core.faces.detection import BlazeFaceDetector
from emotion_ros.core.faces.detection import Detection
from emotion_ros.core.faces.detection import DETECTORS
from emotion_ros.core.faces.detection import HaarDetector
from emotion_ros.core.faces.detection import make_detector
from emotion_ros.core.faces.multiscale import MultiScaleDetector
import numpy as np
import pytest

MEDIA = Path(__file__).resolve().parent.parent / 'assets' / 'media'
# Keypoint indices (BlazeFace order, as in emotion_msgs/Face).
RIGHT_EYE, LEFT_EYE, NOSE, MOUTH, RIGHT_EAR, LEFT_EAR = range(6)
# Ear tragions sit on the face outline: allowed this fraction of the box outside it.
EAR_SLACK = 0.15


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


def _assert_frontal_keypoints(face: Detection) -> None:
    """Six landmarks where a frontal face has them, inside (ears: next to) the box."""
    assert len(face.keypoints) == blazeface.NUM_KEYPOINTS
    points = np.array(face.keypoints)
    for index in (RIGHT_EYE, LEFT_EYE, NOSE, MOUTH):
        x, y = points[index]
        assert face.x <= x <= face.x + face.w and face.y <= y <= face.y + face.h, index
    for index in (RIGHT_EAR, LEFT_EAR):
        x, y = points[index]
        assert face.x - EAR_SLACK * face.w <= x <= face.x + (1 + EAR_SLACK) * face.w
        assert face.y <= y <= face.y + face.h
    # The person's right eye and ear are on the image's left; eyes above nose above mouth.
    assert points[RIGHT_EYE, 0] < points[NOSE, 0] < points[LEFT_EYE, 0]
    assert points[RIGHT_EAR, 0] < points[RIGHT_EYE, 0] and points[LEFT_EYE, 0] < points[
        LEFT_EAR, 0]
    assert max(points[RIGHT_EYE, 1], points[LEFT_EYE, 1]) < points[NOSE, 1] < points[MOUTH, 1]


@pytest.fixture(scope='module')
def default_detector() -> BlazeFaceDetector:
    """Return BlazeFace full range (part of the default set-up) once for the module."""
    detector = make_detector(DetectorConfig(blazeface_model='full'))
    assert isinstance(detector, BlazeFaceDetector) and detector.model == 'full'
    return detector


@pytest.mark.parametrize('model', sorted(blazeface.MODELS))
def test_blazeface_finds_the_one_face_with_keypoints(model):
    image = _load('single_face.jpg')
    faces = BlazeFaceDetector(model).detect(image)
    assert len(faces) == 1
    _assert_inside(faces, image)
    face = faces[0]
    # The face is in the middle of the photo and about a third of it wide.
    assert 0.25 * image.shape[1] < face.x + face.w / 2 < 0.75 * image.shape[1]
    assert 0.2 * image.shape[1] < face.w < 0.6 * image.shape[1]
    assert face.score > 0.8
    _assert_frontal_keypoints(face)


def test_full_range_finds_five_faces_in_the_group_photo(default_detector):
    image = _load('multi_face.jpg')
    faces = default_detector.detect(image)
    assert len(faces) == 5
    _assert_inside(faces, image)
    centres = sorted(f.x + f.w / 2 for f in faces)
    assert min(np.diff(centres)) > 20  # five different faces, not one found five times
    for face in faces:
        assert len(face.keypoints) == blazeface.NUM_KEYPOINTS
        x, y = face.keypoints[NOSE]
        assert face.x <= x <= face.x + face.w and face.y <= y <= face.y + face.h


def test_boxes_map_back_through_the_letterbox(default_detector):
    """Padding the photo on the left and below moves the box by the padding, not more."""
    image = _load('single_face.jpg')
    plain = default_detector.detect(image)[0]
    pad_left, pad_bottom = 300, 100
    padded = cv2.copyMakeBorder(image, 0, pad_bottom, pad_left, 0, cv2.BORDER_CONSTANT)
    moved = default_detector.detect(padded)[0]
    tolerance = 0.05 * plain.w
    assert moved.x - pad_left == pytest.approx(plain.x, abs=tolerance)
    assert moved.y == pytest.approx(plain.y, abs=tolerance)
    assert moved.w == pytest.approx(plain.w, abs=tolerance)
    for (x0, y0), (x1, y1) in zip(plain.keypoints, moved.keypoints):
        assert (x1 - pad_left, y1) == pytest.approx((x0, y0), abs=tolerance)


def test_blazeface_handles_non_contiguous_views(default_detector):
    image = _load('single_face.jpg')
    padded = np.zeros((image.shape[0], image.shape[1] + 8, 3), np.uint8)
    padded[:, :image.shape[1]] = image
    view = padded[:, :image.shape[1]]
    assert not view.flags.c_contiguous
    assert len(default_detector.detect(view)) == 1


def test_min_score_filters():
    image = _load('single_face.jpg')
    assert BlazeFaceDetector(min_score=0.99).detect(image) == []


def test_blank_image_has_no_faces(default_detector):
    assert default_detector.detect(np.zeros((120, 160, 3), np.uint8)) == []
    assert HaarDetector().detect(np.zeros((120, 160, 3), np.uint8)) == []


def test_haar_finds_the_face_without_keypoints():
    image = _load('single_face.jpg')
    faces = HaarDetector().detect(image)
    assert len(faces) >= 1
    _assert_inside(faces, image)
    assert all(f.score == 1.0 and f.keypoints == () for f in faces)


def test_haar_boxes_are_in_full_resolution_pixels():
    image = _load('single_face.jpg')
    full = max(HaarDetector().detect(image), key=lambda d: d.w)
    half = max(HaarDetector(downscale=0.5).detect(image), key=lambda d: d.w)
    for a, b in ((half.x, full.x), (half.y, full.y), (half.w, full.w), (half.h, full.h)):
        assert abs(a - b) < 0.15 * full.w


def test_make_detector_builds_each_kind_from_its_config():
    assert DETECTORS == ('blazeface', 'haar')
    assert set(BLAZEFACE_MODEL_CHOICES) == set(blazeface.MODELS) | {MULTISCALE}
    assert isinstance(make_detector(), MultiScaleDetector)
    short = make_detector(DetectorConfig(blazeface_model='short', min_score=0.7))
    assert isinstance(short, BlazeFaceDetector)
    assert (short.model, short.min_score) == ('short', 0.7)
    haar = make_detector(DetectorConfig(detector='haar', detection_scale=0.5))
    assert isinstance(haar, HaarDetector) and haar.downscale == 0.5
    assert isinstance(make_detector('haar', min_neighbors=3), HaarDetector)


def test_unknown_detector_name_lists_choices():
    with pytest.raises(ValueError, match='blazeface, haar'):
        make_detector('mtcnn')
    with pytest.raises(ValueError, match='detector'):
        DetectorConfig(detector='yuface')


@pytest.mark.parametrize('kwargs', [{'min_score': 1.5}, {'threads': -1}, {'model': 'long'}])
def test_blazeface_rejects_bad_parameters(kwargs):
    with pytest.raises(ValueError):
        BlazeFaceDetector(**kwargs)


def test_missing_model_file_names_the_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match='fetch_assets'):
        make_detector(DetectorConfig(), models_dir=tmp_path)


@pytest.mark.parametrize('kwargs', [{'downscale': 0.0}, {'downscale': 2.0}])
def test_haar_rejects_bad_parameters(kwargs):
    with pytest.raises(ValueError):
        HaarDetector(**kwargs)


def test_detectors_reject_non_images(default_detector):
    with pytest.raises(ValueError, match='HxWx3'):
        default_detector.detect(np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError, match='HxWx3'):
        HaarDetector().detect(np.zeros((10, 10, 3), np.float32))
