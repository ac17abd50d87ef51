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

"""The ``main()`` shared by every node: init, spin, clean shutdown, clear start-up errors."""

from collections.abc import Callable, Sequence
import os
import sys
from typing import Optional

import rclpy
from rclpy.exceptions import (InvalidParameterTypeException, InvalidParameterValueException,
                              ParameterException)
from rclpy.executors import ExternalShutdownException
from rclpy.impl.implementation_singleton import rclpy_implementation as _rclpy
import rclpy.logging
from rclpy.node import Node

# Exit code of a node that cannot start (bad parameter, missing model, missing file).
EXIT_STARTUP_ERROR = 1
# Logger of the start-up errors that come before the node (and its name) exists.
STARTUP_LOGGER = 'emotion_ros'


class StartupError(RuntimeError):
    """The node cannot start; the message says what and where."""


def missing_params_files(args: Sequence[str]) -> list[str]:
    """
    Return the ``--params-file`` arguments that name no readable file.

    rcl would refuse them in ``rclpy.init`` with an RCLError naming its own source files.

    :param args: the command line (``--ros-args ... --params-file FILE ...``).
    :returns: the missing or unreadable files, in order.
    """
    files = [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == '--params-file']
    return [f for f in files if not (os.path.isfile(f) and os.access(f, os.R_OK))]


def _first_line(error: Exception) -> str:
    """Return the first line of an error, without rcl's ``, at /src/file.c:N`` trail."""
    text = str(error).strip()
    return text.splitlines()[0].split(', at /')[0] if text else repr(error)


def run_node(factory: Callable[[], Node], args: Optional[list[str]] = None) -> int:
    """
    Create the node with ``factory`` and spin it until shutdown.

    A node may set ``finished = True`` (e.g. a video source that ended) to leave cleanly, and
    ``exit_code`` to report a failure. Start-up errors are logged in one line, not a traceback.
    A Ctrl-C at any time, even while the node is still being built, is a clean exit (code 0).

    :param factory: builds the node (after ``rclpy.init``).
    :param args: command-line arguments (``--ros-args`` ...); None: ``sys.argv``.
    :returns: the process exit code.
    """
    node = None
    code = 0
    initialised = False
    logger = rclpy.logging.get_logger(STARTUP_LOGGER)
    try:
        missing = missing_params_files(sys.argv if args is None else args)
        if missing:
            raise StartupError(f'params file {", ".join(missing)} does not exist or is not '
                               'readable')
        rclpy.init(args=args)
        initialised = True
        node = factory()
        while rclpy.ok() and not getattr(node, 'finished', False):
            rclpy.spin_once(node, timeout_sec=0.1)
        code = getattr(node, 'exit_code', 0)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    except (StartupError, ParameterException, InvalidParameterValueException,
            InvalidParameterTypeException, _rclpy.RCLError) as error:
        if initialised and not rclpy.ok():
            # A Ctrl-C shut the context down while the node was being built; what failed then
            # (a context gone, an import cut short) is its consequence: a clean stop.
            pass
        elif isinstance(error, _rclpy.RCLError) and node is not None:
            raise
        else:
            reason = _first_line(error) if isinstance(error, _rclpy.RCLError) else error
            logger.fatal(f'cannot start: {reason}')
            code = EXIT_STARTUP_ERROR
    finally:
        if node is not None:
            node.destroy_node()
        rclpy.try_shutdown()
    return code


def main_for(node_class: type) -> Callable[[Optional[list[str]]], None]:
    """Return a console-script ``main(args=None)`` for ``node_class``."""
    def main(args: Optional[list[str]] = None) -> None:
        sys.exit(run_node(node_class, args))
    return main
