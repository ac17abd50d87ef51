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
A bench run's graph: its node processes, this process's rclpy context, the run loop, the stop.

Every live bench has the same skeleton: start the nodes, wait until their output flows, run
for a while sampling them, stop everything. :class:`NodeGraph` is that skeleton, as a context
manager whose exit stops every node on every path (an error, Ctrl-C, SIGTERM).
"""

from collections.abc import Callable
from pathlib import Path
import random
import time
from typing import Any, Optional

from harness.processes import BenchError, child_env, NodeProcess, REPO_ROOT, signals_deferred
from harness.processes import stop_all
from harness.sampling import cpu_percent, cpu_seconds, thread_count

PARAMS_FILE = REPO_ROOT / 'config' / 'emotion.yaml'
START_TIMEOUT = 120.0  # wait for the first output after starting the nodes, s
SPIN_STEP = 0.02  # executor wait per spin (or sleep without rclpy), s
DOMAIN_IDS = tuple(range(215, 233))  # valid ROS_DOMAIN_IDs on Linux, apart from the tests' 1..100


def pick_domain_id(chosen: Optional[int] = None) -> int:
    """Return ``chosen``, or a random ROS_DOMAIN_ID of :data:`DOMAIN_IDS`."""
    return chosen or random.choice(DOMAIN_IDS)


def load_params() -> dict[str, Any]:
    """Return the ``ros__parameters`` of ``config/emotion.yaml``."""
    import yaml

    with PARAMS_FILE.open() as handle:
        return yaml.safe_load(handle)['/**']['ros__parameters']


class NodeGraph:
    """The node processes of one run, and (with a domain) an rclpy context on their graph."""

    def __init__(self, logs: Path, env: dict[str, str], domain_id: Optional[int] = None) -> None:
        """
        Prepare the run; nothing starts before ``with``.

        :param logs: folder for the nodes' logs (made here).
        :param env: the nodes' environment (e.g. :func:`harness.processes.child_env`).
        :param domain_id: ROS_DOMAIN_ID of this process's rclpy context; None: no rclpy here.
        """
        self.logs = logs
        self.env = env
        self.domain_id = domain_id
        self.nodes: list[NodeProcess] = []
        self.stopped: dict[str, Any] = {}
        self.context: Any = None
        self._executor: Any = None
        self._ros_nodes: list[Any] = []
        logs.mkdir(parents=True, exist_ok=True)

    @classmethod
    def isolated(cls, logs: Path, domain_id: int,
                 node_env: Optional[dict[str, str]] = None, rclpy_here: bool = True
                 ) -> 'NodeGraph':
        """Return a graph on its own domain, localhost only, ROS logs under ``logs``."""
        return cls(logs, child_env(domain_id, logs / 'ros_home', node_env),
                   domain_id if rclpy_here else None)

    def __enter__(self) -> 'NodeGraph':
        """Initialise the rclpy context and its executor (when there is a domain)."""
        if self.domain_id is not None:
            import rclpy
            from rclpy.context import Context
            from rclpy.executors import SingleThreadedExecutor
            from rclpy.signals import SignalHandlerOptions

            self.context = Context()
            rclpy.init(context=self.context, domain_id=self.domain_id,
                       signal_handler_options=SignalHandlerOptions.NO)
            self._executor = SingleThreadedExecutor(context=self.context)
        return self

    def __exit__(self, *exc: Any) -> None:
        """Stop every node, then the executor, this process's nodes and the context."""
        self.stopped = stop_all(self.nodes)
        if self._executor is not None:
            import rclpy

            from emotion_ros.teardown_deadline import TeardownDeadline

            self._executor.shutdown()
            with TeardownDeadline('bench'):
                for node in self._ros_nodes:
                    node.destroy_node()
                rclpy.try_shutdown(context=self.context)

    def add_ros_node(self, node: Any) -> Any:
        """Spin an rclpy node of this process with the graph; :returns: the node."""
        self._executor.add_node(node)
        self._ros_nodes.append(node)
        return node

    def start(self, name: str, command: list[str], log_name: Optional[str] = None
              ) -> NodeProcess:
        """
        Start one node process.

        :param name: its name in messages and figures.
        :param command: its command line.
        :param log_name: its log file in :attr:`logs` (default ``<name>.log``).
        :returns: the process.
        """
        log = self.logs / (log_name or f'{name.replace("/", "_")}.log')
        node = NodeProcess(name, command, self.env, log)
        self.nodes.append(node)
        return node

    def check_alive(self) -> None:
        """Fail with :class:`BenchError` when a node has ended (its log's end in the message)."""
        for node in self.nodes:
            node.check_alive()

    def wait(self, step: float = SPIN_STEP) -> None:
        """Spin the executor for up to ``step`` s, or sleep without rclpy."""
        if self._executor is not None:
            with signals_deferred():
                self._executor.spin_once(timeout_sec=step)
        else:
            time.sleep(step)

    def wait_for(self, done: Callable[[], bool], failure: str,
                 timeout: float = START_TIMEOUT, step: float = SPIN_STEP) -> float:
        """
        Run until ``done()``, checking that every node still runs.

        :param done: the condition.
        :param failure: the error when it does not hold within ``timeout``.
        :param timeout: s.
        :param step: spin (or sleep) per check, s.
        :returns: the time it took, s.
        :raises BenchError: when a node dies or the time is up.
        """
        started = time.monotonic()
        while not done():
            self.check_alive()
            if time.monotonic() - started > timeout:
                raise BenchError(failure)
            self.wait(step)
        return time.monotonic() - started

    def run_until(self, end: float, tick: Optional[Callable[[], None]] = None,
                  step: float = SPIN_STEP, clock: Callable[[], float] = time.time) -> None:
        """
        Run until ``clock()`` reaches ``end``, checking the nodes and calling ``tick``.

        :raises BenchError: when a node dies.
        """
        while clock() < end:
            self.check_alive()
            if tick is not None:
                tick()
            self.wait(step)

    def measure(self, window_start: float, end: float) -> dict[str, Any]:
        """
        Run until ``end`` (wall clock, s); CPU per node from ``window_start`` on.

        :returns: ``cpu_percent`` per node (100 = one core) and for this process, and
            ``threads`` per node at the window's start.
        """
        start_cpu: dict[str, Optional[float]] = {}
        threads: dict[str, Optional[int]] = {}
        bench_start = [0.0]

        def tick() -> None:
            if not start_cpu and time.time() >= window_start:
                start_cpu.update(self.cpu_seconds())
                bench_start[0] = time.process_time()
                threads.update({n.name: thread_count(n.pid) for n in self.nodes})

        self.run_until(end, tick)
        end_cpu = self.cpu_seconds()
        bench_cpu = time.process_time() - bench_start[0]
        window = max(end - window_start, 1e-9)
        cpu = {name: cpu_percent(start_cpu.get(name), end_cpu[name], window)
               for name in end_cpu}
        cpu['bench (this process)'] = 100.0 * bench_cpu / window
        return {'cpu_percent': cpu, 'threads': threads}

    def cpu_seconds(self) -> dict[str, Optional[float]]:
        """Return the CPU time so far per node, s (None when it is gone)."""
        return {n.name: cpu_seconds(n.pid) for n in self.nodes}
