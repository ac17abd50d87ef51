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

"""The calibration bench: reliability bins, ECE, temperature, and a tiny real run."""

import numpy as np
import pytest
from ros_helpers import bench_module

EVERY = 20  # a tiny subset: every 20th labelled face (8 faces)


def test_bins_sum_to_the_faces_and_ece_is_the_weighted_gap() -> None:
    """Bins hold every face once (1.0 in the last); ECE is the count-weighted |acc - conf|."""
    cal = bench_module('bench_calibration')
    confidence = np.array([0.05, 0.35, 0.35, 0.95, 1.0])
    correct = np.array([0.0, 1.0, 0.0, 1.0, 1.0])
    bins = cal.reliability(confidence, correct)
    assert sum(b['n'] for b in bins) == len(confidence)
    assert bins[-1]['n'] == 2
    expected = (1 * 0.05 + 2 * abs(0.5 - 0.35) + 2 * abs(1.0 - 0.975)) / 5
    assert cal.ece(confidence, correct) == pytest.approx(expected)


def test_temperature_keeps_the_labels_and_sharpens_an_underconfident_model() -> None:
    """A model right every time at 0.6 gets a temperature below 1; argmax never changes."""
    cal = bench_module('bench_calibration')
    rng = np.random.default_rng(0)
    truth = rng.integers(3, size=40)
    probabilities = np.full((40, 3), 0.2)
    probabilities[np.arange(40), truth] = 0.6
    t = cal.fit_temperature(probabilities, truth)
    assert t < 1.0
    sharpened = cal.with_temperature(probabilities, t)
    assert (sharpened.argmax(axis=1) == probabilities.argmax(axis=1)).all()
    assert np.allclose(sharpened.sum(axis=1), 1.0)


def test_tiny_real_run() -> None:
    """A few labelled faces: ECE and its intervals computed, bins summing to the faces."""
    cal = bench_module('bench_calibration')
    labelled = bench_module('labelled_faces')
    if not labelled.LABELS_CSV.exists() or not cal.MODEL.exists():
        pytest.skip('labelled set or model absent: run scripts/fetch_assets.py')
    data = cal.collect(every=EVERY)
    assert len(data.truth) >= 5
    figures = cal.run(data, resamples=50)
    for key in ('before', 'after_cv'):
        summary = figures[key]
        assert sum(b['n'] for b in summary['bins']) == len(data.truth)
        assert 0.0 <= summary['ece'] <= 1.0
        low, high = summary['ece_95_people']
        assert 0.0 <= low <= high <= 1.0
    assert len(figures['fold_temperatures']) == min(cal.FOLDS, figures['people'])
