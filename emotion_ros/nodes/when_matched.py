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

"""Start a stage once its outputs are heard: lets a short video reach every node, no polling."""

from collections.abc import Callable
import time
from typing import Optional

from rclpy.event_handler import PublisherEventCallbacks
from rclpy.node import Node
from rclpy.publisher import Publisher
from rclpy.timer import Timer

# A wait for subscribers longer than this is a WARN in the log and on /diagnostics (s): a
# graph matches in 0.1-3 s here, so a longer wait means a subscriber that never came.
LONG_WAIT = 10.0
# While the wait lasts, the WARN is repeated at most this often (s).
LONG_WAIT_REPEAT = 60.0


class WhenMatched:
    """
    Call ``start`` once, while armed, as soon as ``publishers`` have ``wanted`` subscriptions.

    A camera playing a file waits for its image subscribers before its first frame. A node
    that subscribes to images only after its own outputs are matched makes that wait cover
    the whole graph downstream of it, in causal order, without a fixed delay: when the camera
    sees the node, the node already sees its readers. DDS discovery of a late joiner takes
    up to about 3 s here, longer than a short clip lasts. The check runs on the publishers'
    matched events (and when armed), not on a timer. A wait longer than :data:`LONG_WAIT` is
    logged as a WARN (again at most every :data:`LONG_WAIT_REPEAT` s) and reported by
    :meth:`long_wait`, which the node's ``/diagnostics`` status shows.
    """

    def __init__(self, node: Node, wanted: int, start: Callable[[], None],
                 what: str = 'subscribers') -> None:
        """
        Prepare the gate (disarmed).

        :param node: the node (for its logger).
        :param wanted: subscriptions to wait for, summed over the publishers (0: none).
        :param start: starts the stage (subscribes to the input, starts the capture timer).
        :param what: what is waited for, for the log line.
        """
        self._node = node
        self._wanted = wanted
        self._start = start
        self._what = what
        self._publishers: list[Publisher] = []
        self._armed = False
        self._armed_at = 0.0
        self._timer: Optional[Timer] = None
        self.started = False

    def callbacks(self) -> PublisherEventCallbacks:
        """Return the event callbacks to create each watched publisher with."""
        return PublisherEventCallbacks(matched=lambda info: self._check())

    def watch(self, publisher: Publisher) -> Publisher:
        """Count ``publisher``'s subscriptions; :returns: it."""
        self._publishers.append(publisher)
        return publisher

    def arm(self) -> None:
        """Start now if enough subscribers are matched, else at the matched event that makes it."""
        self._armed = True
        self._armed_at = time.monotonic()
        self.started = False
        if not self._check() and self._wanted > 0:
            self._node.get_logger().info(f'waiting for {self._wanted} {self._what} of '
                                         f'{self._topics()}')
            self._timer = self._node.create_timer(LONG_WAIT, self._warn_long_wait)

    def disarm(self) -> None:
        """Do not start any more (the caller stops what ``start`` began)."""
        self._armed = False
        self._stop_timer()

    def forget(self) -> None:
        """Drop the publishers (they are being destroyed)."""
        self.disarm()
        self._publishers = []

    def long_wait(self) -> Optional[str]:
        """Return what is still awaited after more than :data:`LONG_WAIT` s, or None."""
        waited = time.monotonic() - self._armed_at
        if not self._armed or self.started or self._wanted <= 0 or waited < LONG_WAIT:
            return None
        matched = sum(p.get_subscription_count() for p in self._publishers)
        return (f'still waiting after {waited:.0f} s for {self._wanted} {self._what} of '
                f'{self._topics()} ({matched} matched): nothing is processed until then')

    def _topics(self) -> str:
        return ', '.join(p.topic_name for p in self._publishers)

    def _warn_long_wait(self) -> None:
        text = self.long_wait()
        if text is None:
            self._stop_timer()
        else:
            self._node.get_logger().warning(text, throttle_duration_sec=LONG_WAIT_REPEAT)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._node.destroy_timer(self._timer)
            self._timer = None

    def _check(self) -> bool:
        """Start if armed and heard; :returns: whether the stage is started."""
        if self._armed and not self.started and \
                sum(p.get_subscription_count() for p in self._publishers) >= self._wanted:
            self.started = True
            self._stop_timer()
            self._start()
        return self.started
