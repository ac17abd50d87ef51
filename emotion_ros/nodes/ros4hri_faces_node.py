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
ros4hri_faces node: the union of several cameras' ROS4HRI face ids on /humans/faces/tracked.

REP-155's list topic is absolute: two classifiers publishing it directly would each send only
their own faces, and a consumer would see the other camera's faces vanish with every message.
With several cameras each classifier publishes its own list (``ros4hri_tracked_topic``) and
this node publishes the union whenever one arrives (that list's header), keeping each camera's
newest list until it is replaced or times out (``core.faces.rep155.TrackedUnion``).
"""

import time
from typing import Any

from emotion_ros.core.config import ROS4HRI_TRACKED_TOPIC, Ros4hriFacesConfig
from emotion_ros.core.faces.rep155 import TrackedUnion
from emotion_ros.nodes.managed_node import ManagedNode
from emotion_ros.nodes.node_main import main_for, StartupError
from emotion_ros.nodes.parameters import declare_config
from emotion_ros.nodes.qos import RESULT_QOS
from emotion_ros.nodes.ros4hri_output import EXPIRE_CHECK_PERIOD, FRAME_QOS
from emotion_ros.nodes.ros4hri_output import missing_package_error
from std_msgs.msg import Header


class Ros4hriFacesNode(ManagedNode):
    """Publish the union of the cameras' face id lists."""

    def __init__(self) -> None:
        super().__init__('ros4hri_faces')
        self._subscriptions: list = []

    def configure(self) -> None:
        """Read the inputs, import hri_msgs, create the publisher and the expiry timer."""
        (config,) = declare_config(self, Ros4hriFacesConfig)
        self._inputs = [t.strip() for t in config.ros4hri_inputs.split(',') if t.strip()]
        if not self._inputs:
            raise StartupError('ros4hri_inputs is empty: give the IdsList topic of each '
                               "camera's classifier, comma-separated")
        try:
            from hri_msgs.msg import IdsList
        except ImportError:
            raise missing_package_error() from None
        self._ids_list = IdsList
        self._union = TrackedUnion(config.ros4hri_input_timeout)
        self._last_header = Header()
        self._publisher = self.create_lifecycle_publisher(IdsList, ROS4HRI_TRACKED_TOPIC,
                                                          FRAME_QOS)
        self._timer = self.create_timer(EXPIRE_CHECK_PERIOD, self._expire)
        self.get_logger().info(f'{ROS4HRI_TRACKED_TOPIC}: the union of {", ".join(self._inputs)}')

    def activate(self) -> None:
        """Subscribe to every camera's list."""
        for topic in self._inputs:
            self._subscriptions.append(self.create_subscription(
                self._ids_list, topic, lambda msg, key=topic: self._on_list(key, msg),
                RESULT_QOS))

    def deactivate(self) -> None:
        """Drop the subscriptions."""
        for subscription in self._subscriptions:
            self.destroy_subscription(subscription)
        self._subscriptions = []

    def release(self) -> None:
        """Destroy the publisher and the timer."""
        self.destroy_timer(self._timer)
        self.destroy_lifecycle_publisher(self._publisher)

    def _on_list(self, key: str, msg: Any) -> None:
        self._last_header = msg.header
        ids = self._union.update(key, list(msg.ids), time.monotonic())
        self._publisher.publish(self._ids_list(header=msg.header, ids=ids))

    def _expire(self) -> None:
        if self._union.expire(time.monotonic()):
            header = Header(frame_id=self._last_header.frame_id,
                            stamp=self.get_clock().now().to_msg())
            self._publisher.publish(self._ids_list(header=header, ids=self._union.ids()))


main = main_for(Ros4hriFacesNode)
