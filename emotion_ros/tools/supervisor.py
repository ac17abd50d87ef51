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
Start a set of processes and supervise them like ``ros2 launch`` does (ROS-free).

If the supervisor itself dies, even by SIGKILL, every child gets SIGINT from the kernel (the
Linux parent-death signal) and stops as on Ctrl-C; see :func:`prepare_child`.
"""

from collections.abc import Callable
import ctypes
from dataclasses import dataclass
import os
import signal
import subprocess
import sys
import time
from typing import Optional, Protocol, Sequence, TextIO

from emotion_ros.teardown_deadline import WATCHDOG_EXIT_STATUS

# Poll period of the supervision loop (s).
POLL_PERIOD = 0.1
# After a finite source ends cleanly, time left to the others to finish the last frames (s).
DRAIN_TIME = 3.0
# Time a process gets to exit after SIGINT before it is killed (s).
STOP_TIMEOUT = 10.0
# prctl(2) option: the signal the kernel sends this process when its parent dies.
PR_SET_PDEATHSIG = 1
# That signal: the same clean stop as Ctrl-C.
PARENT_DEATH_SIGNAL = signal.SIGINT


# The signals a child of this package takes itself (emotion_ros.entry_points.StopSignals).
STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP})


def stop_signals_blocked(pid: int) -> bool:
    """
    Tell whether a process's main thread blocks SIGINT, SIGTERM and SIGHUP (Linux /proc).

    A program of this package blocks them in its first line: from then on a stop is its own.
    """
    bits = 0
    for signum in STOP_SIGNALS:
        bits |= 1 << (signum - 1)
    try:
        with open(f'/proc/{pid}/status', encoding='ascii') as handle:
            mask = next(line for line in handle if line.startswith('SigBlk:')).split()[1]
    except (OSError, StopIteration):
        return False
    return int(mask, 16) & bits == bits


class Manager(Protocol):
    """What drives the children once they run (e.g. their lifecycle transitions)."""

    def step(self) -> Optional[str]:
        """Advance without blocking; :returns: None, or why the run must stop."""

    def close(self) -> None:
        """Release what the manager holds."""


def prepare_child(parent_pid: int, block_sigint: bool) -> Callable[[], None]:
    """
    Return the ``preexec_fn`` that ties a child's life to the supervisor's.

    It runs in the forked child before ``exec``:

    - SIGINT back to its default (a supervisor started with ``&`` from a script inherits an
      ignored SIGINT, which its children would inherit and then never stop on it);
    - with ``block_sigint``, SIGINT, SIGTERM and SIGHUP blocked (else unblocked): the signal
      mask survives ``exec``, so a stop that comes while the interpreter starts stays pending
      until the program's signal watcher takes it (``emotion_ros.entry_points`` does) instead
      of raising a ``KeyboardInterrupt`` traceback from the interpreter's start-up;
    - ``prctl(PR_SET_PDEATHSIG, SIGINT)``: the kernel interrupts the child when the supervisor
      dies, even by SIGKILL. It needs nothing from the child program (unlike a pipe it would
      have to watch) and acts even while the child is still importing. It fires when the
      *thread* that forked the child ends, so children must be started from the supervisor's
      main thread (they are: the supervisor has no other). Linux only; elsewhere a no-op.
      A supervisor that died before the ``prctl`` is caught by comparing the parent pid.

    :param parent_pid: the supervisor's pid.
    :param block_sigint: block SIGINT until the program unblocks it.
    :returns: the function for ``subprocess.Popen(preexec_fn=...)``.
    """
    prctl = getattr(ctypes.CDLL(None, use_errno=True), 'prctl', None)

    def preexec() -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_BLOCK if block_sigint else signal.SIG_UNBLOCK,
                               STOP_SIGNALS)
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, int(PARENT_DEATH_SIGNAL), 0, 0, 0)
            if os.getppid() != parent_pid:
                os.kill(os.getpid(), PARENT_DEATH_SIGNAL)
    return preexec


def interrupt_and_wait(processes: Sequence[subprocess.Popen],
                       timeout: float = STOP_TIMEOUT) -> list[subprocess.Popen]:
    """
    Stop processes like Ctrl-C: SIGINT to each running one, then kill what outlives ``timeout``.

    :param processes: the processes, interrupted in this order.
    :param timeout: total wait after the interrupts, s.
    :returns: the processes that had to be killed.
    """
    running = [p for p in processes if p.poll() is None]
    for process in running:
        try:
            process.send_signal(signal.SIGINT)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    killed = []
    for process in running:
        try:
            process.wait(max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            killed.append(process)
    return killed


@dataclass
class Child:
    """
    One supervised process.

    :param name: name used in messages.
    :param cmd: command line.
    :param finite: a clean exit (code 0) of every finite child ends the whole run normally
        (e.g. the video sources of all cameras).
    :param defers_sigint: the program takes its stop signals itself (the console scripts of
        this package do); it is started with them blocked.
    :param managed: a lifecycle node, which the run's manager configures and activates.
    """

    name: str
    cmd: list[str]
    finite: bool = False
    defers_sigint: bool = False
    managed: bool = False
    process: Optional[subprocess.Popen] = None


class Supervisor:
    """Run children; one dies: report it and stop the rest; Ctrl-C: stop all cleanly."""

    def __init__(self, children: list[Child], out: Optional[TextIO] = None,
                 drain_time: float = DRAIN_TIME, stop_timeout: float = STOP_TIMEOUT,
                 manager: Optional[Callable[[], Manager]] = None) -> None:
        """
        Prepare the run.

        :param children: processes to start, in order.
        :param manager: creates the manager once every child is started (after the forks, so
            its threads are not forked); its ``step`` is called at every poll.
        :param out: where the supervisor's own messages go (default: standard error).
        :param drain_time: see :data:`DRAIN_TIME`, s.
        :param stop_timeout: see :data:`STOP_TIMEOUT`, s.
        """
        self.children = children
        self._out = out
        self._drain_time = drain_time
        self._stop_timeout = stop_timeout
        self._stop_requested = False
        self._manager_factory = manager
        self._manager: Optional[Manager] = None

    def say(self, text: str) -> None:
        """Print one supervisor message; a closed terminal (SIGHUP) must not stop the stop."""
        try:
            print(f'[emotion_run] {text}', file=self._out or sys.stderr, flush=True)
        except (OSError, ValueError):
            pass

    def request_stop(self, signum: int = signal.SIGINT, frame: object = None) -> None:
        """Ask the run to stop (signal handler for SIGINT, SIGTERM and SIGHUP)."""
        self._stop_requested = True

    def run(self) -> int:
        """
        Start every child and supervise until the run ends.

        :returns: 0 when the run ended normally (Ctrl-C, or a finite source ended) and every
            process exited cleanly; otherwise the failing exit code (or 1).
        """
        parent = os.getpid()
        for child in self.children:
            try:
                # Own session: the terminal's Ctrl-C (or hang-up) reaches the supervisor only,
                # which then stops the children in order.
                child.process = subprocess.Popen(
                    child.cmd, start_new_session=True,
                    preexec_fn=prepare_child(parent, child.defers_sigint))
            except OSError as error:
                self.say(f'cannot start {child.name} ({child.cmd[0]}): {error}')
                self._stop_all()
                return 1
            self.say(f'started {child.name} (pid {child.process.pid})')
        if self._manager_factory is not None and not self._stop_requested:
            self._manager = self._manager_factory()
        bad: dict[str, int] = {}
        try:
            failure = self._watch()
        finally:
            codes = self._stop_all()
            # Said before the manager's own teardown, which its deadline may end (exit -9).
            bad = {name: code for name, code in codes.items() if code != 0}
            if bad:
                self.say('unclean exit: ' + ', '.join(f'{n} ({c})' for n, c in bad.items()))
            if self._manager is not None:
                self._manager.close()
        if failure is not None:
            return failure
        return 1 if bad else 0

    def _watch(self) -> Optional[int]:
        """Watch the children; return None for a normal end, else the exit code to report."""
        finite = {child.name for child in self.children if child.finite}
        while not self._stop_requested:
            for child in self.children:
                code = child.process.poll()
                if code is None or (code == 0 and child.name not in finite and child.finite):
                    continue
                if code == 0 and child.finite:
                    finite.discard(child.name)
                    if finite:
                        self.say(f'{child.name} finished; waiting for {", ".join(sorted(finite))}')
                        continue
                    self.say(f'{child.name} finished; letting the others drain '
                             f'for {self._drain_time:.0f} s')
                    self._sleep(self._drain_time)
                    return None
                self.say(f'{child.name} exited with code {code}; stopping the others')
                return code if code > 0 else 1
            if self._manager is not None:
                problem = self._manager.step()
                if problem is not None:
                    self.say(f'{problem}; stopping the others')
                    return 1
            time.sleep(POLL_PERIOD)
        self.say('stopping on request')
        return None

    def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self._stop_requested:
            time.sleep(POLL_PERIOD)

    def _stop_all(self) -> dict[str, int]:
        """Interrupt the running children (last started first); :returns: exit codes."""
        started = [c for c in reversed(self.children) if c.process is not None]
        killed = interrupt_and_wait([c.process for c in started], self._stop_timeout)
        codes = {}
        for child in started:
            code = child.process.returncode
            if child.process in killed:
                self.say(f'{child.name} did not stop within {self._stop_timeout:.0f} s; killed')
            elif code == WATCHDOG_EXIT_STATUS:
                # Its work was done; Fast DDS hung in its teardown and the deadline ended it
                # (its own line says so): a bounded stop, reported, not a failed run.
                self.say(f'{child.name} was ended by its DDS teardown deadline (exit {code})')
                code = 0
            codes[child.name] = code
        return codes
