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
One node started as a process, its output in a log file, and stopping a set of them.

A bench's nodes get their own process group, so Ctrl-C in the terminal reaches only the bench,
which then stops them in order; the stop is the one ``emotion_run`` uses
(:func:`emotion_ros.tools.supervisor.interrupt_and_wait`: SIGINT, wait, then SIGKILL).
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
import os
from pathlib import Path
import shutil
import signal
import subprocess
import sys
from typing import Any, Optional

from emotion_ros.tools.supervisor import interrupt_and_wait

REPO_ROOT = Path(__file__).resolve().parents[2]
STOP_TIMEOUT = 10.0  # wait after SIGINT before SIGKILL, s
LOG_TAIL = 15  # lines of a failed node's log printed, lines


class BenchError(RuntimeError):
    """The benchmark cannot go on (a node died, no output, missing input)."""


class _Deferral:
    """Whether a stop signal must wait (inside rclpy's C++ code), and the one that waits."""

    depth = 0  # nested signals_deferred() blocks
    pending: Optional[int] = None  # the signal that came meanwhile


def interrupt(signum: int, frame: Any) -> None:
    """Turn a stop signal into KeyboardInterrupt so the same clean-up runs (see below)."""
    if _Deferral.depth:
        _Deferral.pending = signum
        return
    raise KeyboardInterrupt(f'signal {signum}')


@contextmanager
def signals_deferred() -> Iterator[None]:
    """
    Hold a stop signal's KeyboardInterrupt until the block ends.

    Raised inside rclpy's C++ code (e.g. while ``spin_once`` converts a message it took), it
    came out as ``RuntimeError: Unable to convert call argument`` with a traceback, and the bench
    exited 1 instead of stopping its nodes and exiting 130. Wrap rclpy calls that may run
    Python code from C++ in this; the interrupt is raised as soon as the call returns.
    """
    _Deferral.depth += 1
    try:
        yield
    finally:
        _Deferral.depth -= 1
        if _Deferral.depth == 0 and _Deferral.pending is not None:
            signum, _Deferral.pending = _Deferral.pending, None
            raise KeyboardInterrupt(f'signal {signum}')


def stop_on_signals(*signums: int) -> None:
    """Make ``signums`` (default SIGTERM) and Ctrl-C stop the bench (:func:`interrupt`)."""
    for signum in {signal.SIGINT, *(signums or (signal.SIGTERM,))}:
        signal.signal(signum, interrupt)


class NodeProcess:
    """One node started as a process, its output in a log file."""

    def __init__(self, name: str, command: list[str], env: dict[str, str],
                 log_path: Path) -> None:
        """
        Start the process in its own process group (Ctrl-C reaches only the bench).

        When ``setpriv`` exists the child also gets SIGINT if the bench itself dies. (Not
        :func:`~emotion_ros.tools.supervisor.prepare_child`: a bench starts its nodes after its
        rclpy context has started DDS threads, and a ``preexec_fn`` is unsafe with threads.)

        :param name: node name, for messages.
        :param command: the command line (from ``node_command``).
        :param env: the environment.
        :param log_path: where stdout and stderr go.
        """
        self.name = name
        self.log_path = log_path
        setpriv = shutil.which('setpriv')
        prefix = [setpriv, '--pdeathsig', 'INT', '--'] if setpriv else []
        self._log = log_path.open('w')
        self.process = subprocess.Popen(prefix + command, stdout=self._log,
                                        stderr=subprocess.STDOUT, env=env, cwd=REPO_ROOT,
                                        process_group=0)

    @property
    def pid(self) -> int:
        """Return the process id."""
        return self.process.pid

    def alive(self) -> bool:
        """Return whether the process still runs."""
        return self.process.poll() is None

    def log_tail(self, lines: int = LOG_TAIL) -> str:
        """Return the last lines of the node's log."""
        try:
            text = self.log_path.read_text(errors='replace')
        except OSError:
            return ''
        return '\n'.join(text.splitlines()[-lines:])

    def check_alive(self) -> None:
        """
        Fail when the process has ended.

        :raises BenchError: with its exit code and the end of its log.
        """
        if not self.alive():
            raise BenchError(f'{self.name} exited with {self.process.returncode}; '
                             f'log {self.log_path}:\n{self.log_tail()}')

    def close(self) -> None:
        """Close the log file."""
        self._log.close()


def stop_all(nodes: Sequence[NodeProcess], timeout: float = STOP_TIMEOUT) -> dict[str, Any]:
    """
    Stop processes like Ctrl-C: SIGINT to all, wait, then SIGKILL whatever is left.

    :param nodes: the processes.
    :param timeout: wait after SIGINT, s.
    :returns: exit code per node name, and the names that had to be killed.
    """
    stopped = interrupt_and_wait([node.process for node in nodes], timeout)
    killed = [node.name for node in nodes if node.process in stopped]
    for node in nodes:
        node.close()
    codes = {n.name: n.process.returncode for n in nodes}
    if any(code != 0 for code in codes.values()):
        print(f'[bench] node exit codes: {codes}', file=sys.stderr)
    if killed:
        print(f'[bench] killed after {timeout:.0f} s without exiting: {", ".join(killed)} '
              '(SIGKILL can leave /dev/shm/fastdds_* segments behind)', file=sys.stderr)
    return {'exit_codes': codes, 'killed': killed}


def child_env(domain_id: int, ros_home: Path,
              extra: Optional[dict[str, str]] = None) -> dict[str, str]:
    """
    Build the nodes' environment: this one plus an isolated graph.

    :param domain_id: the ROS_DOMAIN_ID of the run.
    :param ros_home: folder for the nodes' ROS log files.
    :param extra: more variables (``--node-env``), set last.
    :returns: the environment.
    """
    env = dict(os.environ)
    env.update({'ROS_DOMAIN_ID': str(domain_id), 'ROS_AUTOMATIC_DISCOVERY_RANGE': 'LOCALHOST',
                'ROS_HOME': str(ros_home), 'PYTHONUNBUFFERED': '1'})
    env.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
    env.update(extra or {})
    return env
