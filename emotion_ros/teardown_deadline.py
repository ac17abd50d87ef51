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
A deadline on a process's DDS teardown that holds even while its main thread is stuck in C.

Destroying a node and shutting rclpy down can hang inside Fast DDS: ``rmw_destroy_node``
busy-waits in ``DomainParticipant::set_listener`` for a listener callback that waits for a
mutex the destroying thread holds (eProsima/Fast-DDS issue 6513). The main thread then spins
in C with the GIL held, so no Python thread (and no Python signal handler) can ever run again,
and the stop signals are already taken. A watchdog inside the interpreter cannot help.

:class:`TeardownDeadline` therefore arms a tiny helper *process* (``/bin/sh`` running
``timeout`` and ``cat``, no Python) that holds the read end of a pipe whose write end only
this process holds:

- the teardown ends in time: the pipe is closed (or the process exits, which closes it) and
  the helper exits at once;
- the deadline passes first: the helper prints one line (``... DDS teardown hung ...``) and
  kills this process with SIGKILL, the one signal that needs nothing of it. The exit status
  is then -9 (``ros2 launch`` and ``emotion_run`` print ``exit code -9``; a shell shows 137).
  Fast DDS's shared-memory files of the process stay in ``/dev/shm`` (see doc/running.md).

This module imports only the standard library.
"""

import ctypes
import os
import signal
import subprocess
from typing import Optional

# Time that destroying the nodes and shutting rclpy down may take, from the moment the work
# is done and the outputs are flushed (s). A clean teardown takes 5-150 ms here.
TEARDOWN_DEADLINE = 2.0
# The signal the helper ends a hung process with (it needs no GIL and cannot be blocked).
WATCHDOG_SIGNAL = signal.SIGKILL
# The exit status a parent sees then (Popen.returncode, launch's "exit code").
WATCHDOG_EXIT_STATUS = -WATCHDOG_SIGNAL
# What the helper's line says, for people and for the benches that count such exits.
HUNG_MARK = 'DDS teardown hung'
# Fault injection, for tests only: a process with this variable set to 1 hangs in its
# teardown as Fast DDS does (in C, GIL held, deaf to stop signals). The real fault cannot
# be caused on demand.
FAKE_HANG_VARIABLE = 'EMOTION_ROS_FAKE_TEARDOWN_HANG'
# The helper: wait for end of input up to $1 seconds; on timeout (exit 124) print $2, kill $3.
_HELPER_SCRIPT = ('timeout "$1" cat >/dev/null; [ $? -eq 124 ] || exit 0; '
                  'printf "%s\\n" "$2" >&2; kill -KILL "$3"')


class TeardownDeadline:
    """A bound on the time from :meth:`arm` to :meth:`disarm` (or to the process's exit)."""

    def __init__(self, who: str, deadline: float = TEARDOWN_DEADLINE) -> None:
        """
        Prepare the deadline (not armed yet).

        :param who: what is torn down, for the line printed on a hang (a node's name).
        :param deadline: the bound, s.
        """
        self.who = who
        self.deadline = deadline
        self._helper: Optional[subprocess.Popen] = None

    def message(self) -> str:
        """Return the line printed when the deadline passes."""
        return (f'[ERROR] [{self.who}]: {HUNG_MARK} for more than {self.deadline:g} s after '
                f'the work was done (a Fast DDS lock); the process is killed (exit status '
                f'{WATCHDOG_EXIT_STATUS}, 128+{int(WATCHDOG_SIGNAL)} in a shell)')

    def arm(self) -> 'TeardownDeadline':
        """Start the helper: the process now lives at most ``deadline`` s more, unless disarmed."""
        if self._helper is None:
            try:
                self._helper = subprocess.Popen(
                    ['/bin/sh', '-c', _HELPER_SCRIPT, 'emotion_ros-teardown-deadline',
                     f'{self.deadline:g}', self.message(), str(os.getpid())],
                    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, close_fds=True)
            except OSError:
                self._helper = None  # no /bin/sh or no process left: teardown unbounded
        if os.environ.get(FAKE_HANG_VARIABLE) == '1':
            hang_like_fast_dds()
        return self

    def disarm(self) -> None:
        """End the helper: the teardown is over (the helper exits as its input closes)."""
        helper, self._helper = self._helper, None
        if helper is None:
            return
        try:
            helper.stdin.close()
            helper.wait(timeout=self.deadline)
        except (OSError, subprocess.TimeoutExpired):
            pass  # it exits by itself once its timeout passes; nothing of ours is left

    def __enter__(self) -> 'TeardownDeadline':
        """Arm the deadline."""
        return self.arm()

    def __exit__(self, *exc: object) -> None:
        """Disarm the deadline."""
        self.disarm()


def hang_like_fast_dds() -> None:
    """
    Block forever in C with the GIL held and every signal ignored (fault injection).

    What a process stuck in Fast DDS's busy wait looks like from the outside: ``ctypes.PyDLL``
    keeps the GIL during the call, so no Python thread runs again; a signal that interrupts
    ``pause`` is swallowed.
    """
    libc = ctypes.PyDLL(None)
    while True:
        try:
            libc.pause()
        except BaseException:  # noqa: B902 - deaf on purpose, like the real hang
            pass
