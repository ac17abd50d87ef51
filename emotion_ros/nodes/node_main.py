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
The ``main()`` of every node process: init, spin until stopped, clean up, one-line errors.

Stop signals are taken by :class:`emotion_ros.entry_points.StopSignals`, never by a handler
that interrupts Python code: a stop triggers a guard condition, the executor returns from
its wait after the callback that was running, and the node is released here. No polling: the
spin blocks until a message, a timer, a service call or the stop. Once the node's outputs are
flushed (``flush_outputs``), its ``teardown``, destroying it and shutting rclpy down are
bounded by :class:`~emotion_ros.teardown_deadline.TeardownDeadline` (Fast DDS can hang there).
"""

from collections.abc import Callable, Sequence
import os
import sys
from typing import Optional

from emotion_ros.entry_points import StopSignals
from emotion_ros.nodes.frame_memory import keep_frame_buffers
from emotion_ros.teardown_deadline import TeardownDeadline
import rclpy
from rclpy.exceptions import (InvalidParameterTypeException, InvalidParameterValueException,
                              ParameterException)
from rclpy.executors import ExternalShutdownException, SingleThreadedExecutor
from rclpy.impl.implementation_singleton import rclpy_implementation as _rclpy
import rclpy.logging
from rclpy.node import Node
from rclpy.signals import SignalHandlerOptions

# Exit code of a node that cannot start (bad parameter, missing model, missing file).
EXIT_STARTUP_ERROR = 1
# Logger of the start-up errors that come before the node (and its name) exists.
STARTUP_LOGGER = 'emotion_ros'
# Errors that mean "this node cannot start as asked": logged in one line, exit 1.
STARTUP_ERRORS = (ParameterException, InvalidParameterValueException,
                  InvalidParameterTypeException)


class StartupError(RuntimeError):
    """The node cannot start (or be configured); the message says what and where."""


def missing_params_files(args: Sequence[str]) -> list[str]:
    """
    Return the ``--params-file`` arguments that name no readable file.

    rcl would refuse them in ``rclpy.init`` with an RCLError naming its own source files.

    :param args: the command line (``--ros-args ... --params-file FILE ...``).
    :returns: the missing or unreadable files, in order.
    """
    files = [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == '--params-file']
    return [f for f in files if not (os.path.isfile(f) and os.access(f, os.R_OK))]


def first_line(error: Exception) -> str:
    """Return the first line of an error, without rcl's ``, at /src/file.c:N`` trail."""
    text = str(error).strip()
    return text.splitlines()[0].split(', at /')[0] if text else repr(error)


def run_node(factory: Callable[[], Node], args: Optional[list[str]] = None) -> int:
    """
    Create the node with ``factory`` and spin it until a stop signal or the node finishes.

    A node ends its process by calling ``finish(code)`` if it has one (see
    :class:`~emotion_ros.nodes.managed_node.ManagedNode`; e.g. a video source that ended). A
    managed node with ``autostart`` configures and activates itself first; a failed configure
    then exits with :data:`EXIT_STARTUP_ERROR`.

    :param factory: builds the node (after ``rclpy.init``).
    :param args: command-line arguments (``--ros-args`` ...); None: ``sys.argv``.
    :returns: the process exit code.
    """
    stop = StopSignals.current()
    logger = rclpy.logging.get_logger(STARTUP_LOGGER)
    missing = missing_params_files(sys.argv if args is None else args)
    if missing:
        logger.fatal(f'cannot start: params file {", ".join(missing)} does not exist or is '
                     'not readable')
        return EXIT_STARTUP_ERROR
    # From here on the process holds DDS resources: a stop is honoured between callbacks.
    stop.cooperate()
    node = None
    executor = None
    wake: Optional[Callable[[int], None]] = None
    code = 0
    try:
        keep_frame_buffers()  # before rclpy allocates anything
        rclpy.init(args=args, signal_handler_options=SignalHandlerOptions.NO)
        node = factory()
        executor = SingleThreadedExecutor()
        executor.add_node(node)
        # A guard condition whose callback is the "work" that returns spin_once to this loop.
        awake = node.create_guard_condition(lambda: None)
        node.wake = awake.trigger

        def wake_on_stop(signum: int) -> None:
            awake.trigger()

        wake = wake_on_stop
        stop.on_stop(wake)
        start = getattr(node, 'autostart_if_asked', None)
        if start is not None and not stop.requested and not start():
            code = EXIT_STARTUP_ERROR
        while code == 0 and not stop.requested and not getattr(node, 'finished', False):
            executor.spin_once()
        code = code or getattr(node, 'exit_code', 0)
    except ExternalShutdownException:
        pass
    except (StartupError, *STARTUP_ERRORS, _rclpy.RCLError) as error:
        logger.fatal(f'cannot start: {first_line(error)}')
        code = EXIT_STARTUP_ERROR
    finally:
        if wake is not None:
            stop.remove(wake)  # no trigger of a destroyed guard condition from the watcher
        if executor is not None:
            executor.shutdown(timeout_sec=0.0)
        flush = getattr(node, 'flush_outputs', None)
        if flush is not None:
            flush()  # the work's end: a recorder's file closed, before any deadline
        # From here on ROS entities are destroyed (DDS calls Fast DDS can hang in): bounded,
        # whatever Fast DDS does (see teardown_deadline).
        with TeardownDeadline(node.get_name() if node is not None else STARTUP_LOGGER):
            teardown = getattr(node, 'teardown', None)
            if teardown is not None:
                teardown()  # deactivate and release: devices, subscriptions, publishers
            if node is not None:
                node.destroy_node()
            rclpy.try_shutdown()
    return code


def main_for(node_class: type) -> Callable[[Optional[list[str]]], None]:
    """Return a console-script ``main(args=None)`` for ``node_class``."""
    def main(args: Optional[list[str]] = None) -> None:
        sys.exit(run_node(node_class, args))
    return main
