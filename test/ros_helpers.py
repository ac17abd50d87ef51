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

"""Helpers for tests that run real nodes over real DDS."""

from collections.abc import Callable, Sequence
import fcntl
import importlib
import itertools
import os
from pathlib import Path
import subprocess
import sys
import tempfile
import time
from types import ModuleType
from typing import Optional

REPO_ROOT = Path(__file__).resolve().parent.parent
# The benches and their harness (bench/harness/: processes, netns, stamp_probe, ...).
BENCH_DIR = REPO_ROOT / 'bench'
# Domain ids 1..100 are safe on Linux. A test holds a lock file on its id, so test runs at the
# same time on one machine (CI runs both distros at once) never share a domain.
_DOMAIN_COUNTER = itertools.count()
DOMAIN_ID_SPAN = 100
DOMAIN_LOCK_DIR = Path(tempfile.gettempdir()) / 'emotion_ros_test_domains'
_HELD_DOMAINS: dict[int, int] = {}  # domain id -> open file descriptor of its locked file
# Bound on one run_with_probe run (s); the 72-frame video takes about 15 s through the graph.
PROBE_RUN_TIMEOUT = 180.0


def allocate_domain_id() -> int:
    """
    Return a ROS_DOMAIN_ID no other test on this machine holds, and hold it.

    Each process walks the ids from its own pid-based start, so that a released id is not at
    once taken again; :func:`release_domain_id` gives it back (process exit does too).

    :returns: the domain id, 1..DOMAIN_ID_SPAN.
    :raises RuntimeError: when every id is held.
    """
    DOMAIN_LOCK_DIR.mkdir(exist_ok=True)
    start = os.getpid() * 7 + next(_DOMAIN_COUNTER)
    for step in range(DOMAIN_ID_SPAN):
        domain_id = 1 + (start + step) % DOMAIN_ID_SPAN
        if domain_id in _HELD_DOMAINS:
            continue
        descriptor = os.open(DOMAIN_LOCK_DIR / f'{domain_id}.lock', os.O_CREAT | os.O_RDWR,
                             0o666)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            continue
        _HELD_DOMAINS[domain_id] = descriptor
        return domain_id
    raise RuntimeError(f'all {DOMAIN_ID_SPAN} test ROS_DOMAIN_IDs are held on this machine')


def release_domain_id(domain_id: int) -> None:
    """Give back a domain id of :func:`allocate_domain_id` (nothing if it is not held)."""
    descriptor = _HELD_DOMAINS.pop(domain_id, None)
    if descriptor is not None:
        os.close(descriptor)


def ros_env(domain_id: int, ros_home: Path) -> dict[str, str]:
    """Return the environment variables that isolate a test's ROS graph."""
    ros_home.mkdir(parents=True, exist_ok=True)
    return {
        'ROS_DOMAIN_ID': str(domain_id),
        'ROS_AUTOMATIC_DISCOVERY_RANGE': 'LOCALHOST',
        'ROS_HOME': str(ros_home),
        'PYTHONUNBUFFERED': '1',
    }


def executable(name: str) -> Path:
    """Return the installed console script ``name`` of emotion_ros (install/ of this distro)."""
    from emotion_ros.tools.runner import executable_path
    path = executable_path(name)
    assert path.exists(), f'{path} missing: run scripts/setup.sh (colcon build) first'
    return path


def bench_module(name: str) -> ModuleType:
    """Import a module of bench/ (a bench, or ``harness.netns`` and the like) by its name."""
    sys.path.insert(0, str(BENCH_DIR))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCH_DIR))


def start_process(args: Sequence[str], log_path: Path,
                  env: Optional[dict[str, str]] = None) -> subprocess.Popen:
    """
    Start a process, its output going to ``log_path``.

    It stays in the test's process group, so a Ctrl-C of the test run reaches it too.

    :param env: its environment (default: a copy of the current one).
    """
    log = open(log_path, 'w')  # noqa: SIM115 - closed by the OS when the process ends
    return subprocess.Popen([str(a) for a in args], stdout=log, stderr=subprocess.STDOUT,
                            env=dict(os.environ) if env is None else env, cwd=REPO_ROOT)


def python_script(path: Path, *args: str) -> list[str]:
    """Return a command line running ``path`` with this interpreter."""
    return [sys.executable, str(path), *args]


def stop_process(process: subprocess.Popen, timeout: float = 15.0) -> int:
    """Interrupt a process like Ctrl-C, wait for it and return its exit code."""
    from emotion_ros.tools.supervisor import interrupt_and_wait
    interrupt_and_wait([process], timeout)
    return process.returncode


def spin_until(executor, predicate: Callable[[], bool], timeout: float) -> bool:
    """Spin ``executor`` until ``predicate()`` holds or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        executor.spin_once(timeout_sec=0.05)
    return predicate()


def node_process(executable_name: str, log_path: Path, **parameters) -> subprocess.Popen:
    """
    Start an emotion_ros node with the package params file and ``parameters`` overrides.

    The node configures and activates itself (``autostart``) unless ``autostart=False``.
    """
    from emotion_ros.graph import NodeSpec
    from emotion_ros.tools.runner import node_command
    parameters.setdefault('autostart', True)
    spec = NodeSpec(executable_name, executable_name.replace('_node', ''), parameters)
    return start_process(node_command(spec, str(REPO_ROOT / 'config' / 'emotion.yaml')),
                         log_path)


def wait_for_log(log_path: Path, text: str, timeout: float) -> bool:
    """Wait until ``text`` appears in the log file; :returns: whether it did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log_path.exists() and text in log_path.read_text(errors='replace'):
            return True
        time.sleep(0.1)
    return False


def run_with_probe(rclpy_context, tmp_path: Path, command: Sequence, topics: list[str],
                   event_topics: Sequence[str] = ()) -> tuple[int, str, str, dict, set]:
    """
    Run ``command`` while a probe node collects EmotionArrays and the published topic names.

    ``event_topics`` are emotion_events topics whose EmotionEvents are collected as well.

    The probe is not one of the subscribers the graph waits for, so a late DDS discovery can
    cost it the first messages: count on the graph's own echo for totals, on this for presence.

    :returns: exit code, stdout, stderr, the messages received per topic in ``topics`` and
        ``event_topics``, and every topic that had a publisher during the run.
    """
    from emotion_msgs.msg import EmotionArray, EmotionEvent
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node
    from rclpy.qos import QoSProfile

    from emotion_ros.nodes.qos import EVENT_QOS, RESULT_QOS

    node = Node('emotions_probe', context=rclpy_context)
    received: dict[str, list] = {topic: [] for topic in [*topics, *event_topics]}
    seen: set[str] = set()
    qos = QoSProfile(depth=100, reliability=RESULT_QOS.reliability)
    for topic in topics:
        node.create_subscription(EmotionArray, topic, received[topic].append, qos)
    for topic in event_topics:
        node.create_subscription(EmotionEvent, topic, received[topic].append, EVENT_QOS)
    executor = SingleThreadedExecutor(context=rclpy_context)
    executor.add_node(node)

    def finished() -> bool:
        seen.update(name for name, _ in node.get_topic_names_and_types()
                    if name not in seen and node.count_publishers(name))
        return process.poll() is not None

    out, err = tmp_path / 'run.out', tmp_path / 'run.err'
    with open(out, 'w') as stdout, open(err, 'w') as stderr:
        process = subprocess.Popen([str(a) for a in command], stdout=stdout, stderr=stderr)
        try:
            spin_until(executor, finished, PROBE_RUN_TIMEOUT)
        finally:
            if process.poll() is None:
                stop_process(process)  # Ctrl-C, so its own children stop too
            code = process.wait()
            executor.shutdown()
            node.destroy_node()
    return code, out.read_text(), err.read_text(), received, seen
