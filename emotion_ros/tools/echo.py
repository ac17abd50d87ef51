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

"""emotion_echo: print emotions (one line per face) or emotion_events, or JSON per message."""

import argparse
import json
import math
import os
import sys
from typing import Optional, TextIO

from emotion_msgs.msg import EmotionArray, EmotionEvent
from emotion_ros.core.emotion.events import KIND_NAMES
from emotion_ros.nodes.node_main import run_node
from emotion_ros.nodes.qos import EVENT_QOS, RESULT_QOS
from rclpy.node import Node
from rclpy.utilities import remove_ros_args


def stamp_text(msg) -> str:
    """Return the header stamp as ``sec.nanosec``."""
    return f'{msg.header.stamp.sec}.{msg.header.stamp.nanosec:09d}'


def format_lines(msg: EmotionArray, namespace: str = '/') -> list[str]:
    """Return one ``[namespace ]stamp id=N label confidence[ held S s]`` line per face."""
    prefix = '' if namespace == '/' else namespace + ' '
    return [f'{prefix}{stamp_text(msg)} id={e.face_id} {e.label} {e.confidence:.2f}'
            + ('' if e.reliable else f' held {e.held_for:.2f} s') for e in msg.emotions]


def _rounded(value: float) -> Optional[float]:
    """Return ``value`` to 4 decimals, or None (JSON null) when it is NaN."""
    return round(float(value), 4) if math.isfinite(value) else None


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
            'reliable': e.reliable,
            'held_for': round(float(e.held_for), 4) if math.isfinite(e.held_for) else None,
            'looking_at_camera': e.looking_at_camera,
            'valence': _rounded(e.valence), 'arousal': _rounded(e.arousal),
        } for e in msg.emotions],
    })


def format_event(msg: EmotionEvent, namespace: str = '/') -> str:
    """Return ``[namespace ]stamp id=N changed neutral->happy 0.87 (neutral 1.23 s)``."""
    prefix = '' if namespace == '/' else namespace + ' '
    kind = KIND_NAMES.get(msg.event, f'event{msg.event}')
    text = f'{prefix}{stamp_text(msg)} id={msg.face_id} {kind} '
    if msg.event == EmotionEvent.APPEARED:
        text += f'{msg.label} {msg.confidence:.2f}'
    elif msg.event == EmotionEvent.LOST:
        text += f'{msg.previous_label} ({msg.previous_duration:.2f} s)'
    else:
        text += (f'{msg.previous_label}->{msg.label} {msg.confidence:.2f} '
                 f'({msg.previous_label} {msg.previous_duration:.2f} s)')
    return text + ('' if msg.reliable else ' not frontal')


def event_to_json(msg: EmotionEvent, namespace: str = '/') -> str:
    """Return an emotion event as one line of JSON."""
    return json.dumps({
        'namespace': namespace, 'stamp': float(stamp_text(msg)),
        'sec': msg.header.stamp.sec, 'nanosec': msg.header.stamp.nanosec,
        'frame_id': msg.header.frame_id,
        'event': KIND_NAMES.get(msg.event, str(msg.event)), 'face_id': msg.face_id,
        'previous_label': msg.previous_label, 'label': msg.label,
        'confidence': round(float(msg.confidence), 4),
        'previous_duration': round(float(msg.previous_duration), 4), 'reliable': msg.reliable,
    })


class EmotionEcho(Node):
    """Subscribe to emotions and print what arrives."""

    def __init__(self, jsonl: bool, count: int, out: TextIO, timeout: float = 0.0,
                 events: bool = False) -> None:
        """
        Subscribe to emotions, or to emotion_events.

        :param jsonl: one JSON object per message instead of one line per face.
        :param count: leave after this many messages (0: never).
        :param out: where the lines go.
        :param timeout: leave after this many seconds (0: never).
        :param events: print emotion_events instead of emotions.
        """
        super().__init__('emotion_echo')
        self._jsonl, self._count, self._out = jsonl, count, out
        self.received = 0
        self._closed = False
        self._timed_out = False
        if events:
            self.create_subscription(EmotionEvent, 'emotion_events', self._on_event, EVENT_QOS)
        else:
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
        namespace = self.get_namespace()
        self._write([to_json(msg, namespace)] if self._jsonl else format_lines(msg, namespace))

    def _on_event(self, msg: EmotionEvent) -> None:
        namespace = self.get_namespace()
        self._write([event_to_json(msg, namespace) if self._jsonl
                     else format_event(msg, namespace)])

    def _write(self, lines: list[str]) -> None:
        self.received += 1
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
    """Print emotions (or events) until Ctrl-C, --count messages or --timeout seconds."""
    argv = remove_ros_args(args if args is not None else sys.argv)[1:]
    parser = argparse.ArgumentParser(prog='emotion_echo', description=__doc__.splitlines()[0])
    parser.add_argument('--jsonl', action='store_true', help='one JSON object per message')
    parser.add_argument('--events', action='store_true',
                        help='print emotion_events (appeared, changed, lost) instead of emotions')
    parser.add_argument('--count', type=int, default=0, help='exit after N messages (0: never)')
    parser.add_argument('--timeout', type=float, default=0.0,
                        help='exit after this many seconds (0: never)')
    options = parser.parse_args(argv)
    sys.exit(run_node(lambda: EmotionEcho(options.jsonl, options.count, sys.stdout,
                                          options.timeout, options.events), args))
