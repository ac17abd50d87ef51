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
Console-script entry points whose stop signals never interrupt Python code at random.

A Python signal handler runs between any two bytecodes of the main thread: one that raises
``KeyboardInterrupt`` there can cut rclpy short inside ``Task.__init__``, a parameter check
or a C call that swallows it, and print a traceback or hang the exit. So every program of this
package starts the same way (:func:`run`):

1. SIGINT, SIGTERM and SIGHUP are blocked in the main thread before anything slow is imported;
   every thread started later (DDS, OpenCV, LiteRT) inherits the mask, so no thread is ever
   interrupted by them.
2. One watcher thread takes them with ``sigwait`` (:class:`StopSignals`). While the program is
   still importing (nothing to clean up yet), a stop exits at once with code 0. From the moment
   the program holds resources (:meth:`StopSignals.cooperate`, before ``rclpy.init``), a stop
   only sets a flag and calls the program's wake-up callbacks: the main thread leaves its spin
   between two callbacks and cleans up. A second signal changes nothing.

Processes started by ``emotion_run`` inherit the blocked mask from the supervisor, so even a
signal that comes while the interpreter itself starts is taken by the watcher. This module
imports only the standard library, so nothing slow runs before the signals are blocked.
"""

from collections.abc import Callable
import importlib
import os
import signal
import sys
import threading
from typing import Optional

# The signals that stop a program cleanly: Ctrl-C, ``kill`` / ``ros2 launch``'s escalation,
# and a closed terminal or ssh session.
STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP})
# Exit code of a program stopped by a signal: a requested stop is a clean exit.
EXIT_STOPPED = 0


class StopSignals:
    """The one place where a stop signal is taken: a watcher thread on ``sigwait``."""

    _current: Optional['StopSignals'] = None

    def __init__(self) -> None:
        """Prepare the state; :meth:`install` blocks the signals and starts the watcher."""
        self._lock = threading.Lock()
        self._requested = threading.Event()
        self._cooperative = False
        self._callbacks: list[Callable[[int], None]] = []
        self.signal: Optional[int] = None

    @classmethod
    def install(cls) -> 'StopSignals':
        """Block the stop signals in this thread and start the watcher (once per process)."""
        if cls._current is None:
            stop = cls()
            signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
            threading.Thread(target=stop._watch, name='stop-signals', daemon=True).start()
            cls._current = stop
        return cls._current

    @classmethod
    def current(cls) -> 'StopSignals':
        """Return the process's watcher (installed here if the program did not start by run)."""
        return cls.install()

    @property
    def requested(self) -> bool:
        """Return whether a stop signal came."""
        return self._requested.is_set()

    def wait(self, timeout: Optional[float] = None) -> bool:
        """Wait up to ``timeout`` s for a stop signal; :returns: whether one came."""
        return self._requested.wait(timeout)

    def cooperate(self) -> None:
        """
        From now on a stop only sets the flag and calls the callbacks (no immediate exit).

        Call it before acquiring anything that must be released (a DDS participant, a device):
        a stop that came before is honoured at once.
        """
        with self._lock:
            if self._requested.is_set():
                os._exit(EXIT_STOPPED)
            self._cooperative = True

    def on_stop(self, callback: Callable[[int], None]) -> None:
        """
        Call ``callback(signum)`` from the watcher thread when a stop comes (at once if one came).

        It must only wake the main thread (trigger a guard condition, set an event): it runs
        beside it.
        """
        with self._lock:
            self._callbacks.append(callback)
            signum = self.signal
        if signum is not None:
            callback(signum)

    def remove(self, callback: Callable[[int], None]) -> None:
        """Stop calling ``callback``."""
        with self._lock:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

    def _watch(self) -> None:
        while True:
            signum = signal.sigwait(STOP_SIGNALS)
            with self._lock:
                if self.signal is not None:
                    continue  # a second Ctrl-C: the stop is already under way
                self.signal = signum
                self._requested.set()
                if not self._cooperative:
                    # Still importing: nothing is held yet, and the import may last seconds.
                    os._exit(EXIT_STOPPED)
                # Under the lock: remove() returns only once no callback runs any more.
                for callback in self._callbacks:
                    callback(signum)


def run(target: str) -> None:
    """
    Block the stop signals, start their watcher, then import and call ``target``.

    :param target: ``'package.module:function'``, the program's ``main``.
    """
    StopSignals.install()
    if sys.flags.no_site:
        # The executables start Python with -S, so that this line runs before the site
        # packages' set-up (.pth files) and the stop signals are blocked that much sooner.
        import site
        site.main()
    module_name, function = target.split(':')
    main = getattr(importlib.import_module(module_name), function)
    sys.exit(main())
