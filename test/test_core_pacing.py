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

"""Pacing a file by its readers' answers (core/frames/pacing.py), on a fake clock."""

from emotion_ros.core.frames.pacing import Pace, Pacer, REMEMBERED, REPEAT_INTERVAL
import pytest

AHEAD = 3  # frames
TIMEOUT = 5.0  # s


class Clock:
    """A clock the test moves by hand, s."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def sent(pacer: Pacer, stamp: int) -> None:
    assert pacer.decide() is Pace.SEND
    pacer.on_sent(stamp)


def test_the_first_frame_is_sent_again_until_answered() -> None:
    clock = Clock()
    pacer = Pacer(AHEAD, TIMEOUT, clock)
    sent(pacer, 10)
    assert pacer.decide() is Pace.WAIT, 'nothing new before the first answer'
    clock.now += REPEAT_INTERVAL
    assert pacer.decide() is Pace.REPEAT
    pacer.on_sent(10, repeat=True)
    assert pacer.decide() is Pace.WAIT and pacer.sent == 1
    pacer.on_answer(10)
    assert pacer.decide() is Pace.SEND and pacer.unanswered == 0


def test_at_most_ahead_frames_unanswered() -> None:
    clock = Clock()
    pacer = Pacer(AHEAD, TIMEOUT, clock)
    sent(pacer, 0)
    pacer.on_answer(0)
    for stamp in (1, 2, 3):
        sent(pacer, stamp)
    assert pacer.decide() is Pace.WAIT and pacer.unanswered == AHEAD
    pacer.on_answer(99)  # not a frame of this replay
    assert pacer.decide() is Pace.WAIT
    # An answer for a later frame covers the earlier ones (a frame lost on the way).
    pacer.on_answer(2)
    assert pacer.unanswered == 1 and pacer.decide() is Pace.SEND
    pacer.on_answer(1)  # late and older: changes nothing
    assert pacer.answered == 2
    assert not pacer.drained()
    pacer.on_answer(3)
    assert pacer.drained()


def test_silent_readers_end_the_wait_after_the_timeout() -> None:
    clock = Clock()
    pacer = Pacer(AHEAD, TIMEOUT, clock)
    sent(pacer, 0)
    clock.now += TIMEOUT - 0.1
    assert pacer.decide() is not Pace.SEND and pacer.gave_up == 0
    clock.now += 0.1
    assert pacer.decide() is Pace.SEND and pacer.gave_up == 1
    assert pacer.drained()
    for stamp in range(1, 20):  # plays on at its own rate; the stall counted once
        sent(pacer, stamp)
    assert pacer.gave_up == 1
    pacer.on_answer(19)
    assert pacer.unanswered == 0
    for stamp in range(20, 20 + AHEAD):
        sent(pacer, stamp)
    assert pacer.decide() is Pace.WAIT, 'answers again: paced again'
    clock.now += TIMEOUT
    assert pacer.decide() is Pace.SEND and pacer.gave_up == 2


def test_memory_is_bounded_when_nothing_answers() -> None:
    clock = Clock()
    pacer = Pacer(AHEAD, TIMEOUT, clock)
    sent(pacer, 0)
    clock.now += TIMEOUT
    for stamp in range(1, 1000):
        sent(pacer, stamp)
    assert len(pacer._index) == REMEMBERED * AHEAD
    pacer.on_answer(5)  # forgotten: ignored
    assert pacer.answered == -1
    pacer.on_answer(999)
    assert pacer.answered == 999 and not pacer._index


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match='ahead'):
        Pacer(0, TIMEOUT)
    with pytest.raises(ValueError, match='timeout'):
        Pacer(AHEAD, 0.0)
