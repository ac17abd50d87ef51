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

"""emotion_echo: print the emotions topic, one line per face (or one JSON object per message)."""

import argparse
import json
import os
import sys
from typing import Optional, TextIO

from emotion_msgs.msg import EmotionArray
from emotion_ros.nodes.qos import RESULT_QOS
from emotion_ros.nodes.spin import run_node
from rclpy.node import Node
from rclpy.utilities import remove_ros_args


def stamp_text(msg: EmotionArray) -> str:
    """Return the header stamp as ``sec.nanosec``."""
    return f'{msg.header.stamp.sec}.{msg.header.stamp.nanosec:09d}'


def format_lines(msg: EmotionArray, namespace: str = '/') -> list[str]:
    """Return one ``[namespace ]stamp id=N label confidence`` line per face."""
    prefix = '' if namespace == '/' else namespace + ' '
    return [f'{prefix}{stamp_text(msg)} id={e.face_id} {e.label} {e.confidence:.2f}'
            for e in msg.emotions]


def to_json(msg: EmotionArray, namespace: str = '/') -> str:
    """Return the message as one line of JSON (``namespace``: the camera's, e.g. /cam1)."""
    return json.dumps({
        'namespace': namespace,
        'stamp': float(stamp_text(msg)),
        'sec': msg.header.stamp.sec, 'nanosec': msg.header.stamp.nanosec,
        'frame_id': msg.header.frame_id,
        'model_name': msg.model_name,
        'classes': list(msg.classes),
        'emotions': [{
            'face_id': e.face_id, 'label': e.label, 'confidence': round(float(e.confidence), 4),
            'roi': {'x': e.roi.x_offset, 'y': e.roi.y_offset, 'width': e.roi.width,
                    'height': e.roi.height},
            'probabilities': [round(float(p), 4) for p in e.probabilities],
        } for e in msg.emotions],
    })


class EmotionEcho(Node):
    """Subscribe to emotions and print what arrives."""

    def __init__(self, jsonl: bool, count: int, out: TextIO, timeout: float = 0.0) -> None:
        """
        Subscribe to emotions.

        :param jsonl: one JSON object per message instead of one line per face.
        :param count: leave after this many messages (0: never).
        :param out: where the lines go.
        :param timeout: leave after this many seconds (0: never).
        """
        super().__init__('emotion_echo')
        self._jsonl, self._count, self._out = jsonl, count, out
        self.received = 0
        self._closed = False
        self._timed_out = False
        self.create_subscription(EmotionArray, 'emotions', self._on_emotions, RESULT_QOS)
        if timeout > 0:
            self._timer = self.create_timer(timeout, self._on_timeout)

    @property
    def done(self) -> bool:
        """Return whether the requested number of messages arrived."""
        return 0 < self._count <= self.received

    @property
    def finished(self) -> bool:
        """Return whether to leave: count reached, timed out, or the output was closed."""
        return self.done or self._timed_out or self._closed

    def _on_timeout(self) -> None:
        self._timed_out = True

    def _on_emotions(self, msg: EmotionArray) -> None:
        self.received += 1
        namespace = self.get_namespace()
        lines = [to_json(msg, namespace)] if self._jsonl else format_lines(msg, namespace)
        try:
            # One write per message: echoes of several cameras may share a stdout, unbuffered.
            self._out.write(''.join(line + '\n' for line in lines))
            self._out.flush()
        except (OSError, ValueError):
            # The reader went away (``| head``, a closed terminal): nothing left to print to.
            self._closed = True
            if self._out is sys.stdout:
                # Else the interpreter's final flush of stdout reports the broken pipe.
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def main(args: Optional[list[str]] = None) -> None:
    """Print emotions until Ctrl-C, --count messages or --timeout seconds."""
    argv = remove_ros_args(args if args is not None else sys.argv)[1:]
    parser = argparse.ArgumentParser(prog='emotion_echo', description=__doc__.splitlines()[0])
    parser.add_argument('--jsonl', action='store_true', help='one JSON object per message')
    parser.add_argument('--count', type=int, default=0, help='exit after N messages (0: never)')
    parser.add_argument('--timeout', type=float, default=0.0,
                        help='exit after this many seconds (0: never)')
    options = parser.parse_args(argv)
    sys.exit(run_node(lambda: EmotionEcho(options.jsonl, options.count, sys.stdout,
                                          options.timeout), args))
