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
Pacing a file's replay by its readers, so that a starved pipeline gets every frame.

A file plays at its own rate whatever the readers do, so a tracker starved of CPU builds a
backlog longer than any queue, and a reader whose side of DDS discovery lags loses the first
frames. The camera node asks a :class:`Pacer` before each frame of a file; the pacer hears the
stamps of the pipeline's last output (the classifier's ``emotions``, which carry the image's
header) and answers:

- ``SEND``: publish the next frame;
- ``WAIT``: hold it (the file pauses): more than ``ahead`` frames are unanswered;
- ``REPEAT``: publish the first frame again, with its own stamp: until its answer arrives, the
  pipeline may not have matched every link yet, and a frame sent then is lost.

Nothing waits forever: with no new answer for ``timeout`` seconds the file plays on at its own
rate (:attr:`Pacer.gave_up` says so once per stall), as it would without pacing. ROS-free.
"""

from collections.abc import Callable, Hashable
import enum
import time
from typing import Optional

# Interval between two sends of the first frame while it is not answered, s: the 0.4-2.7 s a
# late reader's side of DDS discovery took here is covered by a few repeats.
REPEAT_INTERVAL = 0.5
# Unanswered stamps remembered, as a multiple of ``ahead``: bounds the memory of a replay whose
# readers are gone (a looping file plays on); an answer for a forgotten frame is ignored.
REMEMBERED = 4


class Pace(enum.Enum):
    """What the camera does at a frame's tick."""

    SEND = 'send'
    WAIT = 'wait'
    REPEAT = 'repeat'


class Pacer:
    """Hold a replay to at most ``ahead`` frames beyond the last one its readers answered."""

    def __init__(self, ahead: int, timeout: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """
        Pace a replay.

        :param ahead: frames sent and not yet answered at most (at least 1).
        :param timeout: time without a new answer after which the replay plays on, s.
        :param clock: a monotonic clock in seconds (tests pass their own).
        """
        if ahead < 1 or timeout <= 0:
            raise ValueError(f'ahead must be at least 1 and timeout positive: {ahead}, {timeout}')
        self.ahead = ahead
        self.timeout = timeout
        self._clock = clock
        self._index: dict[Hashable, int] = {}  # stamp -> frame number, unanswered frames
        self.sent = 0  # frames sent (a repeat is not a new frame)
        self.answered = -1  # highest frame number answered (-1: none yet)
        self._last_send = 0.0
        self._progress = 0.0  # when the last answer (or the first send) came
        self._stalled = False
        self.gave_up = 0  # stalls that ended by the timeout rather than by an answer

    def decide(self) -> Pace:
        """Tell what to do now: send the next frame, wait, or repeat the first."""
        if self.sent == 0:
            return Pace.SEND
        held = self.answered < 0 or self.unanswered >= self.ahead
        if not held:
            return Pace.SEND
        now = self._clock()
        if now - self._progress < self.timeout:
            if self.answered < 0 and now - self._last_send >= REPEAT_INTERVAL:
                return Pace.REPEAT
            return Pace.WAIT
        if not self._stalled:
            self._stalled = True
            self.gave_up += 1
        return Pace.SEND

    def on_sent(self, stamp: Hashable, repeat: bool = False) -> None:
        """Record a frame sent with its stamp (e.g. ``pairing.stamp_key``); ``repeat``: again."""
        now = self._clock()
        self._last_send = now
        if repeat:
            return
        if self.sent == 0:
            self._progress = now
        self._index[stamp] = self.sent
        self.sent += 1
        if len(self._index) > REMEMBERED * self.ahead:
            del self._index[next(iter(self._index))]

    def on_answer(self, stamp: Hashable) -> None:
        """Record an output of the pipeline for the frame with this stamp."""
        number: Optional[int] = self._index.get(stamp)
        if number is None or number <= self.answered:
            return
        self.answered = number
        self._progress = self._clock()
        self._stalled = False
        self._index = {s: n for s, n in self._index.items() if n > number}

    def drained(self) -> bool:
        """Tell whether every frame sent is answered, or the readers fell silent (timeout)."""
        return self.unanswered <= 0 or self._clock() - self._progress >= self.timeout

    @property
    def unanswered(self) -> int:
        """Frames sent after the last answered one."""
        return self.sent - 1 - self.answered
