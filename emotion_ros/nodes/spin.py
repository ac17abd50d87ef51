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

from collections.abc import Callable
import sys
from typing import Optional

import rclpy
from rclpy.exceptions import (InvalidParameterTypeException, InvalidParameterValueException,
                              ParameterException)
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node

# Exit code of a node that cannot start (bad parameter, missing model, missing file).
EXIT_STARTUP_ERROR = 1


class StartupError(RuntimeError):
    """The node cannot start; the message says what and where."""


def run_node(factory: Callable[[], Node], args: Optional[list[str]] = None) -> int:
    """
    Create the node with ``factory`` and spin it until shutdown.

    A node may set ``finished = True`` (e.g. a video source that ended) to leave cleanly, and
    ``exit_code`` to report a failure. Start-up errors are logged in one line, not a traceback.

    :param factory: builds the node (after ``rclpy.init``).
    :param args: command-line arguments (``--ros-args`` ...).
    :returns: the process exit code.
    """
    rclpy.init(args=args)
    node = None
    code = 0
    try:
        node = factory()
        while rclpy.ok() and not getattr(node, 'finished', False):
            rclpy.spin_once(node, timeout_sec=0.1)
        code = getattr(node, 'exit_code', 0)
    except (StartupError, ParameterException, InvalidParameterValueException,
            InvalidParameterTypeException) as error:
        rclpy.logging.get_logger('emotion_ros').fatal(f'cannot start: {error}')
        code = EXIT_STARTUP_ERROR
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
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
