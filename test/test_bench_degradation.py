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

"""The degradation sweep: each degradation does what it says; a tiny real run holds together."""

import cv2
import numpy as np
import pytest
from ros_helpers import bench_module, REPO_ROOT

MEDIA = REPO_ROOT / 'assets' / 'media'


@pytest.fixture(scope='module')
def bench():
    if not (REPO_ROOT / 'assets' / 'labelled' / 'labels.csv').exists():
        pytest.skip('run scripts/fetch_assets.py to fetch the labelled faces')
    return bench_module('bench_degradation')


@pytest.fixture(scope='module')
def face_image() -> np.ndarray:
    return cv2.imread(str(MEDIA / 'single_face.jpg'))


def test_degradations_change_what_they_name(bench, face_image) -> None:
    rng = np.random.default_rng(1)
    box = (100.0, 80.0, 120.0, 150.0)
    dark, same = bench.degrade(face_image, box, 'exposure gain', 0.25, rng)
    assert same == box and dark.mean() < 0.3 * face_image.mean()
    blurred, _ = bench.degrade(face_image, box, 'motion blur (box fraction)', 0.1, rng)
    assert bench.signals(blurred, box)[1] < bench.signals(face_image, box)[1] / 2
    jpeg, _ = bench.degrade(face_image, box, 'JPEG quality', 5, rng)
    assert cv2.PSNR(jpeg, face_image) < 35
    noisy, _ = bench.degrade(face_image, box, 'noise sigma', 20.0, rng)
    assert 15 < np.std(noisy.astype(float) - face_image) < 25
    small, small_box = bench.degrade(face_image, box, 'face height (px)', 30, rng)
    assert small_box[3] == pytest.approx(30.0) and small.shape[0] < face_image.shape[0]


def test_wilson_interval(bench) -> None:
    low, high = bench.wilson(95, 100)
    assert 88 < low < 90 and 97 < high < 99  # the textbook 95% Wilson interval of 95/100
    assert np.isnan(bench.wilson(0, 0)[0])


@pytest.mark.slow
def test_a_tiny_sweep_on_real_faces(bench) -> None:
    """Eight real faces, two levels per condition: the undegraded ones are mostly right."""
    faces = bench.load_faces(every=14)
    levels = {name: values[:1] + values[-1:] for name, values in bench.LEVELS.items()}
    figures = bench.run(faces, levels)
    for rows in figures['conditions'].values():
        assert len(rows) == 2 and rows[0]['holds']
        assert rows[0]['found'] >= len(faces) - 1
        assert rows[0]['correct'] >= 0.75 * rows[0]['found']
    blur = figures['conditions']['motion blur (box fraction)']
    assert blur[1]['found'] < blur[0]['found'] or blur[1]['accuracy'] < blur[0]['accuracy']
