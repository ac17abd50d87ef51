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

"""Tests of the per-track exponential moving average of probabilities."""

from emotion_ros.core.emotion.smoothing import ProbabilitySmoother
import numpy as np
import pytest

SEED = 11


def _random_probs(rng: np.random.Generator, count: int, classes: int = 7) -> np.ndarray:
    return rng.dirichlet(np.ones(classes), size=count).astype(np.float32)


@pytest.mark.parametrize('alpha', [-0.1, 1.0, 1.5, float('nan'), float('inf'), '0.5', True,
                                   None])
def test_alpha_is_validated(alpha: object) -> None:
    with pytest.raises(ValueError, match=r'\[0, 1\)'):
        ProbabilitySmoother(alpha)


def test_alpha_zero_disables() -> None:
    rng = np.random.default_rng(SEED)
    smoother = ProbabilitySmoother(0.0)
    for probs in _random_probs(rng, 20):
        np.testing.assert_allclose(smoother.update(1, probs), probs, rtol=0, atol=1e-7)


def test_ema_matches_the_formula() -> None:
    rng = np.random.default_rng(SEED)
    alpha = 0.7
    smoother = ProbabilitySmoother(alpha)
    sequence = _random_probs(rng, 30).astype(np.float64)
    expected = sequence[0]
    np.testing.assert_allclose(smoother.update('a', sequence[0]), expected, atol=1e-6)
    for probs in sequence[1:]:
        expected = alpha * expected + (1.0 - alpha) * probs
        got = smoother.update('a', probs)
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, expected, atol=1e-6)
        assert got.sum() == pytest.approx(1.0, abs=1e-5)


def test_smoothing_reduces_flicker() -> None:
    # A face flipping between two classes every frame: smoothed output varies much less.
    smoother = ProbabilitySmoother(0.8)
    happy = np.array([0, 0, 0, 0.9, 0, 0, 0.1], np.float32)
    neutral = np.array([0, 0, 0, 0.1, 0, 0, 0.9], np.float32)
    outputs = np.array([smoother.update(5, happy if i % 2 else neutral) for i in range(40)])
    assert np.ptp(outputs[20:, 3]) < 0.25 * (0.9 - 0.1)
    assert outputs[-1, 3] == pytest.approx(0.5, abs=0.1)


def test_tracks_are_independent() -> None:
    rng = np.random.default_rng(SEED)
    together = ProbabilitySmoother(0.5)
    alone = ProbabilitySmoother(0.5)
    a_seq, b_seq = _random_probs(rng, 10), _random_probs(rng, 10)
    for a_probs, b_probs in zip(a_seq, b_seq):
        got_a = together.update(1, a_probs)
        together.update(2, b_probs)
        np.testing.assert_array_equal(got_a, alone.update(1, a_probs))
    assert len(together) == 2 and together.track_ids == {1, 2}


def test_prune_forgets_absent_tracks() -> None:
    smoother = ProbabilitySmoother(0.9)
    old = np.array([1.0, 0.0, 0.0], np.float32)
    new = np.array([0.0, 0.0, 1.0], np.float32)
    for track_id in (1, 2, 3):
        smoother.update(track_id, old)
    assert sorted(smoother.prune([2, 99])) == [1, 3]
    assert smoother.track_ids == {2}
    # A forgotten id starts again from its new vector; a kept one still remembers.
    np.testing.assert_array_equal(smoother.update(1, new), new)
    np.testing.assert_allclose(smoother.update(2, new), [0.9, 0.0, 0.1], atol=1e-6)
    assert smoother.prune([]) and len(smoother) == 0


def test_output_is_a_copy() -> None:
    smoother = ProbabilitySmoother(0.5)
    probs = np.array([0.5, 0.5], np.float32)
    out = smoother.update(1, probs)
    out[:] = 100.0
    probs[:] = 100.0
    np.testing.assert_allclose(smoother.update(1, np.array([0.5, 0.5])), [0.5, 0.5])


def test_class_count_change_restarts_the_track() -> None:
    smoother = ProbabilitySmoother(0.5)
    smoother.update(1, np.full(7, 1 / 7))
    three = np.array([0.2, 0.3, 0.5])
    np.testing.assert_allclose(smoother.update(1, three), three, atol=1e-7)


@pytest.mark.parametrize('probs', [np.zeros(0), np.zeros((2, 7)), np.array([0.5, np.nan])])
def test_bad_probs_raise(probs: np.ndarray) -> None:
    with pytest.raises(ValueError, match='1-D'):
        ProbabilitySmoother(0.5).update(1, probs)


def test_reset() -> None:
    smoother = ProbabilitySmoother(0.5)
    smoother.update(1, np.array([1.0, 0.0]))
    smoother.reset()
    assert len(smoother) == 0
    np.testing.assert_array_equal(smoother.update(1, np.array([0.0, 1.0])), [0.0, 1.0])
