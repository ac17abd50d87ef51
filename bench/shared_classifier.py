#!/usr/bin/env python3
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
One classifier process serving several cameras (the layout bench_cameras.py compares).

Hosts one unchanged ``EmotionClassifierNode`` per camera namespace in a single process and one
single-threaded executor, so the cameras share one interpreter, one CPU thread and the process
overhead instead of each running its own classifier process. Cross-camera batching would save
at most the per-call inference overhead, which bench_cameras.py measures in-process.

Run: ``python bench/shared_classifier.py /cam1 /cam2 --ros-args --params-file PARAMS.yaml
-p autostart:=true``.
"""

import sys

from emotion_ros.teardown_deadline import TeardownDeadline
import rclpy
from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor
from rclpy.node import Node
from rclpy.utilities import remove_ros_args


def classifier_in(namespace: str) -> Node:
    """Return an EmotionClassifierNode created in ``namespace``."""
    from rclpy.lifecycle import LifecycleNode

    from emotion_ros.nodes.emotion_classifier_node import EmotionClassifierNode

    class InNamespace(LifecycleNode):
        """Puts the namespace into the LifecycleNode constructor the classifier node calls."""

        def __init__(self, node_name: str, **kwargs) -> None:
            super().__init__(node_name, namespace=namespace, **kwargs)

    # MRO: ManagedNode's super().__init__(name) reaches InNamespace, then LifecycleNode (which
    # calls Node.__init__ by name, so the namespace must be given to it, not to Node).
    shared = type('SharedEmotionClassifier', (EmotionClassifierNode, InNamespace), {})
    return shared()


def main() -> int:
    """Create one classifier per namespace given and spin them all until Ctrl-C."""
    namespaces = remove_ros_args(sys.argv)[1:]
    if not namespaces:
        print('usage: shared_classifier.py NAMESPACE... [--ros-args ...]', file=sys.stderr)
        return 2
    rclpy.init()
    executor = SingleThreadedExecutor()
    nodes = []
    try:
        for namespace in namespaces:
            nodes.append(classifier_in(namespace))
            executor.add_node(nodes[-1])
        # Lifecycle nodes: with -p autostart:=true each configures and activates itself, as
        # node_main does for a node in its own process.
        if not all(node.autostart_if_asked() for node in nodes):
            return 1
        executor.spin()
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        executor.shutdown(timeout_sec=0.0)
        for node in nodes:
            node.teardown()  # release what it holds first, as node_main does
        with TeardownDeadline('shared_classifier'):
            for node in nodes:
                node.destroy_node()
            rclpy.try_shutdown()
    return 0


if __name__ == '__main__':
    sys.exit(main())
