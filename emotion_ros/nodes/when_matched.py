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

from rclpy.event_handler import PublisherEventCallbacks
from rclpy.node import Node
from rclpy.publisher import Publisher


class WhenMatched:
    """
    Call ``start`` once, while armed, as soon as ``publishers`` have ``wanted`` subscriptions.

    A camera playing a file waits for its image subscribers before its first frame. A node
    that subscribes to images only after its own outputs are matched makes that wait cover
    the whole graph downstream of it, in causal order, without a fixed delay: when the camera
    sees the node, the node already sees its readers. DDS discovery of a late joiner takes
    up to about 3 s here, longer than a short clip lasts. The check runs on the publishers'
    matched events (and when armed), not on a timer.
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
        self.started = False
        if not self._check() and self._wanted > 0:
            topics = ', '.join(p.topic_name for p in self._publishers)
            self._node.get_logger().info(f'waiting for {self._wanted} {self._what} of {topics}')

    def disarm(self) -> None:
        """Do not start any more (the caller stops what ``start`` began)."""
        self._armed = False

    def forget(self) -> None:
        """Drop the publishers (they are being destroyed)."""
        self._armed = False
        self._publishers = []

    def _check(self) -> bool:
        """Start if armed and heard; :returns: whether the stage is started."""
        if self._armed and not self.started and \
                sum(p.get_subscription_count() for p in self._publishers) >= self._wanted:
            self.started = True
            self._start()
        return self.started
