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

"""/diagnostics from the three real nodes on a looping real video, and emotion_diagnostics."""

from pathlib import Path
import subprocess

from emotion_ros.core.health.diagnostic_report import (KEY_FRAMES_OUT, KEY_INPUT_HZ,
                                                       KEY_LATENCY_MEDIAN, KEY_OUTPUT_HZ, KEY_RSS,
                                                       KEY_STAGE_MEDIAN)
from emotion_ros.core.health.stage_stats import OK, WARN
import pytest
from ros_helpers import executable, node_process, REPO_ROOT, spin_until, start_process
from ros_helpers import stop_process

VIDEO = REPO_ROOT / 'assets' / 'media' / 'single_face.mp4'
VIDEO_RATE = 30.0  # frame rate of single_face.mp4, Hz
NODES = ('camera', 'face_tracker', 'emotion_classifier')
# Outputs a node must have published before its status is judged: the 5 s window is full (frames).
SETTLED_FRAMES = 200
RUN_TIMEOUT = 120.0  # bound on the start-up and the settling, s
# Reports emotion_diagnostics prints before it exits: covers a slow (2.7 s) discovery.
MONITOR_REPORTS = 5
# A stage limit no real stage meets (ms): the classifier's level must turn WARN.
TINY_LIMIT_MS = 0.001
# Limits no healthy camera reaches on a loaded 2-core machine (ms): its level must stay OK.
GENEROUS_LIMIT_MS = 5000.0


def _number(values: dict[str, str], key: str) -> float:
    return float(values[key])


@pytest.mark.ros
@pytest.mark.slow
def test_nodes_publish_sane_diagnostics_and_honour_thresholds(rclpy_context,
                                                              tmp_path: Path) -> None:
    """Every node reports rates near the camera's, latency, stage time and RSS; levels follow."""
    from diagnostic_msgs.msg import DiagnosticArray
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node

    from emotion_ros.nodes.diagnostics import DIAGNOSTICS_QOS, DIAGNOSTICS_TOPIC

    node = Node('diagnostics_probe', context=rclpy_context)
    latest: dict[str, tuple[int, str, dict[str, str]]] = {}

    def on_array(msg: DiagnosticArray) -> None:
        for status in msg.status:
            latest[status.name] = (status.level[0], status.message,
                                   {kv.key: kv.value for kv in status.values})

    node.create_subscription(DiagnosticArray, DIAGNOSTICS_TOPIC, on_array, DIAGNOSTICS_QOS)
    executor = SingleThreadedExecutor(context=rclpy_context)
    executor.add_node(node)
    logs = {name: tmp_path / f'{name}.log' for name in NODES + ('monitor',)}
    processes = {
        'face_tracker': node_process('face_tracker_node', logs['face_tracker']),
        'emotion_classifier': node_process('emotion_classifier_node',
                                           logs['emotion_classifier'],
                                           diagnostics_stage_warn_ms=TINY_LIMIT_MS),
        'camera': node_process('camera_node', logs['camera'], source=str(VIDEO), loop=True,
                               wait_for_subscribers=2,
                               diagnostics_stage_warn_ms=GENEROUS_LIMIT_MS,
                               diagnostics_stage_error_ms=GENEROUS_LIMIT_MS,
                               diagnostics_latency_warn_ms=GENEROUS_LIMIT_MS,
                               diagnostics_latency_error_ms=GENEROUS_LIMIT_MS),
    }

    def settled() -> bool:
        return all(name in latest and int(latest[name][2].get(KEY_FRAMES_OUT, '0'))
                   >= SETTLED_FRAMES for name in NODES)

    try:
        ok = spin_until(executor, settled, RUN_TIMEOUT)
        dead = {name: p.poll() for name, p in processes.items() if p.poll() is not None}
        assert ok, (f'statuses: { {n: latest[n][:2] for n in latest} }, dead: {dead}\n'
                    + '\n'.join(p.read_text() for p in logs.values() if p.exists()))
        # The console script, started once the nodes report, prints a line per node.
        processes['monitor'] = start_process(
            [executable('emotion_diagnostics'), '--count', str(MONITOR_REPORTS)],
            logs['monitor'])
        processes['monitor'].wait(timeout=RUN_TIMEOUT)
    finally:
        codes = {name: stop_process(p) for name, p in processes.items()}
        node.destroy_node()
        executor.shutdown()
    assert codes == dict.fromkeys(processes, 0), codes

    # The camera plays the video at its own rate, looping.
    camera_rate = _number(latest['camera'][2], KEY_OUTPUT_HZ)
    assert 0.8 * VIDEO_RATE <= camera_rate <= 1.2 * VIDEO_RATE, latest['camera']
    for name in NODES:
        level, message, values = latest[name]
        # The others follow it; a loaded machine may cost the tracker frames (newest wins).
        assert _number(values, KEY_INPUT_HZ) >= 0.5 * VIDEO_RATE, (name, values)
        assert _number(values, KEY_OUTPUT_HZ) >= 0.5 * VIDEO_RATE, (name, values)
        assert 0.0 < _number(values, KEY_LATENCY_MEDIAN) < 1000.0, (name, values)
        assert 0.0 < _number(values, KEY_STAGE_MEDIAN) < 1000.0, (name, values)
        assert 20.0 < _number(values, KEY_RSS) < 4096.0, (name, values)
    # Latency runs from the image stamp: the classifier's includes the tracker's detection.
    assert (_number(latest['emotion_classifier'][2], KEY_LATENCY_MEDIAN)
            > _number(latest['camera'][2], KEY_LATENCY_MEDIAN))
    level, message, values = latest['emotion_classifier']
    assert level == WARN, (level, message)
    assert f'> {TINY_LIMIT_MS:g} ms' in message and message.startswith('stage p95'), message
    # The pairing counters, counted before but never published, are now reported.
    assert 'dropped: evicted_images' in values and 'count: log lines suppressed' in values
    assert latest['camera'][0] == OK, latest['camera']

    output = logs['monitor'].read_text()
    lines = output.splitlines()
    for name in NODES:
        assert any(line.startswith(name) for line in lines), output
    assert any(line.startswith('emotion_classifier') and ' WARN ' in line for line in lines), \
        output


def test_emotion_run_diagnostics_flag_adds_the_monitor() -> None:
    """``emotion_run --diagnostics`` starts emotion_diagnostics next to the nodes."""
    from emotion_ros.tools.runner import build_parser, children_for

    with_flag = children_for(build_parser().parse_args(['--diagnostics']))
    without = children_for(build_parser().parse_args([]))
    monitors = [c for c in with_flag if c.name == 'emotion_diagnostics']
    assert len(monitors) == 1 and monitors[0].cmd[0].endswith('/emotion_diagnostics')
    assert not [c for c in without if c.name == 'emotion_diagnostics']
    result = subprocess.run([str(executable('emotion_diagnostics')), '--help'],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and '--count' in result.stdout, result.stderr
