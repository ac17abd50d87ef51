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
Console-script entry points that a Ctrl-C cannot turn into a traceback.

A program interrupted while it is still importing (rclpy, OpenCV, LiteRT or TensorFlow take
a second or more) would print a ``KeyboardInterrupt`` traceback from deep inside an import;
``emotion_run`` and ``ros2 launch`` do interrupt nodes that are still starting when another
one fails at once. Each entry point here imports its program inside ``try`` and makes such an
interrupt a clean exit with code 0, as a Ctrl-C is once the program runs. This module imports
only the standard library, so nothing slow runs before the ``try``.
"""

import importlib
import signal
import sys


def run(target: str) -> None:
    """
    Import and call ``target``; after a Ctrl-C, exit cleanly whatever it cut short.

    An interrupt during an import can surface as another error: pybind11 turns it into
    ``ImportError('initialization failed')`` when it lands in a C extension's set-up (rclpy,
    LiteRT). Once the user interrupted, such an error is a consequence, not a fault to report.

    :param target: ``'package.module:function'``, the program's ``main``.
    """
    interrupted = []

    def on_interrupt(signum: int, frame: object) -> None:
        interrupted.append(signum)
        raise KeyboardInterrupt

    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, on_interrupt)
    try:
        # emotion_run starts its children with SIGINT blocked (see tools/supervisor.py), so an
        # interrupt that came while the interpreter was starting is delivered here, in the try.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        module_name, function = target.split(':')
        main = getattr(importlib.import_module(module_name), function)
        main()
    except KeyboardInterrupt:
        _quiet_exit()
    except Exception:
        if not interrupted:
            raise
        _quiet_exit()


def _quiet_exit() -> None:
    """Leave with code 0, as a Ctrl-C does; a second Ctrl-C must not interrupt the exit."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(0)


def camera_node() -> None:
    """Run the camera node."""
    run('emotion_ros.nodes.camera_node:main')


def face_tracker_node() -> None:
    """Run the face-tracker node."""
    run('emotion_ros.nodes.face_tracker_node:main')


def emotion_classifier_node() -> None:
    """Run the emotion-classifier node."""
    run('emotion_ros.nodes.emotion_classifier_node:main')


def emotion_echo() -> None:
    """Run emotion_echo."""
    run('emotion_ros.tools.echo:main')


def image_recorder() -> None:
    """Run image_recorder."""
    run('emotion_ros.tools.image_recorder:main')


def emotion_run() -> None:
    """Run emotion_run."""
    run('emotion_ros.tools.runner:main')


def emotion_diagnostics() -> None:
    """Run emotion_diagnostics."""
    run('emotion_ros.tools.diagnostics_monitor:main')
