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

"""Read input only once the outputs are heard: lets a short video reach every node."""

from collections.abc import Callable, Sequence

from rclpy.node import Node
from rclpy.publisher import Publisher

# Period of the subscriber-count check while waiting (s).
CHECK_PERIOD = 0.05
# Period of the "waiting" log line (s).
WAIT_LOG_PERIOD = 5.0


def when_heard(node: Node, publishers: Sequence[Publisher], wanted: int,
               start: Callable[[], None]) -> None:
    """
    Call ``start`` (which subscribes to the input) once ``publishers`` have ``wanted`` matches.

    A camera playing a file waits for its image subscribers before its first frame. A node
    that subscribes to images only after its own outputs are matched makes that wait cover
    the whole graph downstream of it, in causal order, without a fixed delay: when the camera
    sees the node, the node already sees its readers. DDS discovery of a late joiner takes
    up to about 3 s here, longer than a short clip lasts.

    :param node: the node (owns the check timer).
    :param publishers: the node's outputs; their subscription counts are summed.
    :param wanted: subscriptions to wait for (0: start at once).
    :param start: creates the input subscriptions.
    """
    if wanted <= 0:
        start()
        return
    topics = ', '.join(p.topic_name for p in publishers)

    def check() -> None:
        if sum(p.get_subscription_count() for p in publishers) < wanted:
            node.get_logger().info(f'waiting for {wanted} subscribers of {topics}',
                                   throttle_duration_sec=WAIT_LOG_PERIOD)
            return
        node.destroy_timer(timer)
        start()

    timer = node.create_timer(CHECK_PERIOD, check)
