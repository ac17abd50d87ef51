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

"""Log repeated bad-input messages once per kind and period, not once per frame."""

from collections import OrderedDict
from collections.abc import Callable
import time

# Default period within which the same kind of message is logged only once (s).
DEFAULT_PERIOD = 5.0
# Kinds remembered at most; the least recently seen is forgotten first (entries).
DEFAULT_MAX_KINDS = 64


class DistinctThrottle:
    """
    Decide whether a message is due: each kind at most once per period, in bounded memory.

    Key it by the *kind* of fault (e.g. ``ImageEncodingError.kind``), not by the message text:
    a text that carries sizes or ids would make every frame a new key.
    """

    def __init__(self, period: float = DEFAULT_PERIOD, max_kinds: int = DEFAULT_MAX_KINDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """
        Make the throttle.

        :param period: seconds between two logs of the same kind.
        :param max_kinds: kinds remembered at most; beyond, the least recently seen is dropped
            (it may then be logged once more than its period allows).
        :param clock: monotonic time source, s.
        """
        self._clock = clock
        self._period = period
        self._max_kinds = max(1, max_kinds)
        # kind -> [time of its last log (monotonic s), times seen]
        self._kinds: OrderedDict[str, list] = OrderedDict()
        self.suppressed = 0

    def __len__(self) -> int:
        """Return the number of kinds remembered."""
        return len(self._kinds)

    def due(self, kind: str) -> bool:
        """Return True when ``kind`` was not logged in the last period (then it is now)."""
        now = self._clock()
        entry = self._kinds.get(kind)
        if entry is None:
            self._kinds[kind] = [now, 1]
            if len(self._kinds) > self._max_kinds:
                self._kinds.popitem(last=False)
            return True
        self._kinds.move_to_end(kind)
        entry[1] += 1
        if now - entry[0] < self._period:
            self.suppressed += 1
            return False
        entry[0] = now
        return True

    def counts(self) -> dict[str, int]:
        """Return how often each remembered kind was seen."""
        return {kind: entry[1] for kind, entry in self._kinds.items()}
