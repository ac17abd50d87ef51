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

"""The log throttle: once per kind of fault and period, in bounded memory (ROS-free)."""

from emotion_ros.core.frames.image_codec import decode_image, ImageEncodingError
from emotion_ros.nodes.throttle import DistinctThrottle
import pytest

# Throttle period used here (s).
PERIOD = 5.0


class _Clock:
    """A settable clock, so periods pass without sleeping."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _short_data_error(size: int) -> ImageEncodingError:
    """Return the real error of a 640x480 bgr8 message carrying only ``size`` bytes."""
    with pytest.raises(ImageEncodingError) as caught:
        decode_image('bgr8', 480, 640, 1920, bytes(size))
    return caught.value


def test_errors_of_one_kind_with_varying_text_share_a_kind() -> None:
    """Short data of different lengths gives different texts but one kind."""
    errors = [_short_data_error(size) for size in (0, 100, 5000, 921599)]
    assert len({str(e) for e in errors}) == 4
    assert {e.kind for e in errors} == {'short data'}
    with pytest.raises(ImageEncodingError) as caught:
        decode_image('32FC1', 4, 4, 16, bytes(64))
    assert caught.value.kind == 'non-colour encoding'


def test_varying_texts_of_one_kind_are_logged_once_per_period() -> None:
    """A frame stream of one fault whose text varies is due once per period, per kind."""
    clock = _Clock()
    throttle = DistinctThrottle(PERIOD, clock=clock)
    due = []
    for frame in range(300):  # 10 s at 30 Hz
        clock.now = 100.0 + frame / 30.0
        error = _short_data_error(frame)
        due.append(throttle.due(error.kind))
    assert sum(due) == 2 and due[0] and due[150]  # at 0 s and at 5 s
    assert throttle.suppressed == 298
    assert throttle.due('unknown encoding'), 'another kind is not held back'
    assert throttle.counts() == {'short data': 300, 'unknown encoding': 1}


def test_memory_stays_bounded() -> None:
    """However many kinds come, only the most recent max_kinds are remembered."""
    clock = _Clock()
    throttle = DistinctThrottle(PERIOD, max_kinds=16, clock=clock)
    for index in range(10_000):
        throttle.due(f'kind {index}')
    assert len(throttle) == 16
    assert not throttle.due('kind 9999'), 'a recent kind is still throttled'
    assert throttle.due('kind 0'), 'the oldest was forgotten'
