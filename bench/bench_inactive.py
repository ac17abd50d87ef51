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
CPU of the graph while its nodes are inactive, beside the same graph active.

Starts camera (the looping one-face video at 30 Hz), face_tracker and emotion_classifier with
``autostart`` off, configures them through their lifecycle services (inactive: model loaded,
source open, no capture and no image subscription), samples each node's CPU from /proc for
``--seconds``, then activates them and samples again. Prints % of one core per node and in all.

    python bench/bench_inactive.py --seconds 20
"""

import argparse
import os
from pathlib import Path
import sys
import tempfile
import time

from emotion_ros.graph import NodeSpec
from emotion_ros.tools.runner import node_command
from harness.graph import NodeGraph
from harness.processes import REPO_ROOT
from harness.sampling import cpu_percent
from lifecycle_msgs.msg import Transition
from lifecycle_msgs.srv import ChangeState
from rclpy.node import Node

NODES = ('camera', 'face_tracker', 'emotion_classifier')
# Bound on a transition (s); settle time after a transition before sampling (s).
TIMEOUT = 60.0
SETTLE = 3.0
SPIN_STEP = 0.1  # executor wait per spin while a transition runs, s


def _start(graph: NodeGraph, tmp: Path) -> None:
    """Start the three nodes unconfigured (no autostart), the camera looping the video."""
    params = tmp / 'loop.yaml'
    params.write_text((REPO_ROOT / 'config' / 'emotion.yaml').read_text()
                      .replace('loop: false', 'loop: true'))
    video = REPO_ROOT / 'assets' / 'media' / 'single_face.mp4'
    extra = {'camera': {'source': str(video)}}
    for name in NODES:
        graph.start(name, node_command(NodeSpec(f'{name}_node', name, extra.get(name, {})),
                                       str(params)))


def _transition(node: Node, graph: NodeGraph, name: str, transition: int) -> None:
    client = node.create_client(ChangeState, f'/{name}/change_state')
    deadline = time.monotonic() + TIMEOUT
    while not client.service_is_ready() and time.monotonic() < deadline:
        graph.wait(SPIN_STEP)
    future = client.call_async(ChangeState.Request(transition=Transition(id=transition)))
    while not future.done() and time.monotonic() < deadline:
        graph.wait(SPIN_STEP)
    if not (future.done() and future.result().success):
        sys.exit(f'[bench_inactive] {name}: transition {transition} failed or timed out')


def _sample(graph: NodeGraph, seconds: float) -> dict[str, float]:
    """Return % of one core per node over ``seconds``."""
    before = graph.cpu_seconds()
    time.sleep(seconds)
    after = graph.cpu_seconds()
    return {name: cpu_percent(before[name], after[name], seconds) for name in NODES}


def main() -> None:
    """Measure the graph inactive, then active."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('--seconds', type=float, default=20.0, help='sampling time per state')
    parser.add_argument('--domain-id', type=int, default=214)
    options = parser.parse_args()
    load_start = open('/proc/loadavg').read().split()[:3]
    with tempfile.TemporaryDirectory(prefix='bench_inactive_') as tmp:
        with NodeGraph.isolated(Path(tmp) / 'logs', options.domain_id) as graph:
            _start(graph, Path(tmp))
            node = graph.add_ros_node(Node('bench_inactive', context=graph.context))
            for name in NODES:
                _transition(node, graph, name, Transition.TRANSITION_CONFIGURE)
            time.sleep(SETTLE)
            inactive = _sample(graph, options.seconds)
            for name in reversed(NODES):
                _transition(node, graph, name, Transition.TRANSITION_ACTIVATE)
            time.sleep(SETTLE)
            active = _sample(graph, options.seconds)
    print(f'{options.seconds:.0f} s per state, load average {" ".join(load_start)} at the start, '
          f'{" ".join(open("/proc/loadavg").read().split()[:3])} at the end, '
          f'{os.cpu_count()} cores')
    print('| node | inactive (% of one core) | active (% of one core) |')
    print('|---|---|---|')
    for name in NODES:
        print(f'| {name} | {inactive[name]:.1f} | {active[name]:.1f} |')
    print(f'| all | {sum(inactive.values()):.1f} | {sum(active.values()):.1f} |')


if __name__ == '__main__':
    main()
