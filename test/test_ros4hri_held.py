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

"""ROS4HRI expressions of a face the trust gate holds carry no confidence; /diagnostics counts."""

from pathlib import Path
import shutil

from emotion_ros.core.health.diagnostic_report import COUNTER_PREFIX
import pytest
from ros_helpers import node_process, REPO_ROOT, spin_until, stop_process
from test_ros4hri_provider import Probe, start_ros4hri_nodes, START_TIMEOUT

TURNED_STILL = REPO_ROOT / 'assets' / 'media' / '45-m7-di-ph.jpg'
# Copies of the 45-degree still, played in a loop: a head that stays turned.
TURNED_FRAMES = 15
# Expressions to collect, and the bound on collecting them (s).
EXPRESSIONS_WANTED = 40
COLLECT_TIMEOUT = 60.0
PUBLISHED_KEY = COUNTER_PREFIX + 'ros4hri faces published'


@pytest.mark.ros
@pytest.mark.slow
def test_a_held_face_has_confidence_zero_and_is_counted(rclpy_context, tmp_path: Path) -> None:
    """A turned head: every expression has confidence 0; /diagnostics counts the faces."""
    from diagnostic_msgs.msg import DiagnosticArray
    from rclpy.executors import SingleThreadedExecutor

    from emotion_ros import graph
    from emotion_ros.nodes.diagnostics import DIAGNOSTICS_QOS, DIAGNOSTICS_TOPIC

    folder = tmp_path / 'turned'
    folder.mkdir()
    for index in range(TURNED_FRAMES):
        shutil.copy(TURNED_STILL, folder / f'{index:03d}.jpg')
    probe = Probe(rclpy_context)
    counted: list[int] = []

    def on_diagnostics(msg: DiagnosticArray) -> None:
        for status in msg.status:
            values = {kv.key: kv.value for kv in status.values}
            if 'emotion_classifier' in status.name and PUBLISHED_KEY in values:
                counted.append(int(values[PUBLISHED_KEY]))
    probe.node.create_subscription(DiagnosticArray, DIAGNOSTICS_TOPIC, on_diagnostics,
                                   DIAGNOSTICS_QOS)
    executor = SingleThreadedExecutor(context=rclpy_context)
    executor.add_node(probe.node)
    logs, processes = start_ros4hri_nodes(tmp_path)

    def expressions() -> list:
        return [m for topics in probe.per_face.values() for m in topics['expression']]
    try:
        assert spin_until(executor, lambda: probe.emotions_sub.get_publisher_count() > 0,
                          START_TIMEOUT), 'the classifier never matched'
        processes['camera'] = node_process(
            'camera_node', logs['camera'], source=str(folder), loop=True,
            wait_for_subscribers=3, start_delay=graph.DISCOVERY_SETTLE)
        # /diagnostics reports once a second: wait for one that covers most expressions.
        spin_until(executor, lambda: len(expressions()) >= EXPRESSIONS_WANTED
                   and max(counted, default=0) >= EXPRESSIONS_WANTED // 2, COLLECT_TIMEOUT)
    finally:
        codes = {name: stop_process(p) for name, p in processes.items()}
        report = '\n'.join(f'--- {n}\n{p.read_text()[-3000:]}' for n, p in logs.items())
        executor.shutdown()
        probe.node.destroy_node()
    assert codes['classifier'] == 0, report
    held = expressions()
    assert len(held) >= EXPRESSIONS_WANTED, f'{len(held)} expressions\n{report}'
    emotions = [e for m in probe.emotions for e in m.emotions]
    assert emotions and not any(e.reliable for e in emotions), 'the still is a turned head'
    assert all(m.confidence == 0.0 for m in held), [m.confidence for m in held][:10]
    assert all(m.expression for m in held)
    assert any(counted), f'no {PUBLISHED_KEY} in /diagnostics\n{report}'
    assert max(counted) >= EXPRESSIONS_WANTED // 2
