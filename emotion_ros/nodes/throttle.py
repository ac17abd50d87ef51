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

import time

# Default period within which the same message is logged only once (s).
DEFAULT_PERIOD = 5.0


class DistinctThrottle:
    """Decide whether a message is due: each distinct key at most once per period."""

    def __init__(self, period: float = DEFAULT_PERIOD) -> None:
        """:param period: seconds between two logs of the same key."""
        self._period = period
        self._last: dict[str, float] = {}
        self.suppressed = 0

    def due(self, key: str) -> bool:
        """Return True when ``key`` was not logged in the last period (then it is now)."""
        now = time.monotonic()
        last = self._last.get(key)
        if last is not None and now - last < self._period:
            self.suppressed += 1
            return False
        self._last[key] = now
        return True
