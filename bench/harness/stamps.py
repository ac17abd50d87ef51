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
Receipt time minus header stamp on image_raw, faces and emotions, and the figures from it.

The camera stamps at capture with the system clock; all processes share the machine's clock,
so receipt minus stamp is the latency from capture to here.
"""

from collections import Counter
import time
from typing import Any

from harness.report import summary

EDGE_WINDOW = 10.0  # length of the 'first' and 'last' latency windows, s
FRAME_SETTLE = 1.0  # frames stamped this close to the end are not counted as missed, s


def make_recorder(context: Any, namespace: str = '', pixels: bool = True,
                  node_name: str = 'bench_pipeline') -> Any:
    """
    Build the node that records receipt time minus header stamp on the three topics.

    :param context: the rclpy context of the run.
    :param namespace: the camera's namespace ('' for the global one).
    :param pixels: subscribe to ``image_raw``; False: to ``camera_info``, which carries each
        frame's header without the pixels (cheaper when several cameras are recorded).
    :param node_name: the recorder's node name.
    :returns: the node; ``images``, ``faces``, ``emotions`` are lists of
        ``(receipt s, latency ms, stamp key ns, item count)``.
    """
    from emotion_msgs.msg import EmotionArray, FaceArray
    from rclpy.node import Node
    from rclpy.qos import QoSProfile
    from sensor_msgs.msg import CameraInfo, Image

    from emotion_ros.nodes.qos import LATEST_IMAGE_QOS, RESULT_QOS

    class Recorder(Node):
        """Record when each message arrives, relative to its header stamp."""

        def __init__(self) -> None:
            super().__init__(node_name, namespace=namespace, context=context)
            self.images: list[tuple[float, float, int, int]] = []
            self.faces: list[tuple[float, float, int, int]] = []
            self.emotions: list[tuple[float, float, int, int]] = []
            if pixels:
                self.create_subscription(Image, 'image_raw', self._on_image, LATEST_IMAGE_QOS)
            else:
                self.create_subscription(CameraInfo, 'camera_info', self._on_image,
                                         QoSProfile(depth=10))
            self.create_subscription(FaceArray, 'faces', self._on_faces, RESULT_QOS)
            self.create_subscription(EmotionArray, 'emotions', self._on_emotions, RESULT_QOS)

        @staticmethod
        def _entry(header: Any, count: int) -> tuple[float, float, int, int]:
            now = time.time_ns()
            key = header.stamp.sec * 1_000_000_000 + header.stamp.nanosec
            return (now / 1e9, (now - key) / 1e6, key, count)

        def _on_image(self, msg: Any) -> None:
            self.images.append(self._entry(msg.header, 0))

        def _on_faces(self, msg: FaceArray) -> None:
            self.faces.append(self._entry(msg.header, len(msg.faces)))

        def _on_emotions(self, msg: EmotionArray) -> None:
            self.emotions.append(self._entry(msg.header, len(msg.emotions)))

    return Recorder()


def window_records(recorder: Any, window_start: float, end: float) -> dict[str, Any]:
    """Return a recorder's records and the steady window, as :func:`stamp_figures` takes them."""
    return {'images': recorder.images, 'faces': recorder.faces, 'emotions': recorder.emotions,
            'window_start': window_start, 'end': end}


def stamp_figures(raw: dict[str, Any], expected_faces: int) -> dict[str, Any]:
    """
    Turn the records of one run into the reported figures.

    :param raw: the recorder's lists and the steady window (:func:`records`).
    :param expected_faces: faces in every frame.
    :returns: rates, coverage, face counts and latency summaries (ms).
    """
    import numpy as np

    start, end = raw['window_start'], raw['end']
    window = end - start

    def within(records: list, lo: float, hi: float) -> list:
        return [r for r in records if lo <= r[0] <= hi]

    images = within(raw['images'], start, end)
    faces = within(raw['faces'], start, end)
    emotions = within(raw['emotions'], start, end)
    # Frames: every stamp seen on any topic, captured inside the window and early enough
    # that its results had time to arrive.
    lo_key, hi_key = int(start * 1e9), int((end - FRAME_SETTLE) * 1e9)
    keys = {r[2]: None for topic in ('images', 'faces', 'emotions') for r in raw[topic]}
    frames = {k for k in keys if lo_key <= k <= hi_key}
    image_keys = {r[2] for r in raw['images']}
    face_keys = {r[2] for r in raw['faces']}
    emotion_keys = {r[2] for r in raw['emotions']}
    counts = Counter(r[3] for r in emotions)
    edge = min(EDGE_WINDOW, window)
    first = [r[1] for r in within(raw['emotions'], start, start + edge)]
    last = [r[1] for r in within(raw['emotions'], end - edge, end)]
    slope = None
    if len(emotions) > 2:
        times = np.array([r[0] for r in emotions]) - start
        slope = float(np.polyfit(times, [r[1] for r in emotions], 1)[0] * 60.0)
    n_frames = max(len(frames), 1)
    stamps = sorted(r[2] for r in images)
    return {
        'window_s': window,
        'camera_rate_hz': len(images) / window,
        'faces_rate_hz': len(faces) / window,
        'emotions_rate_hz': len(emotions) / window,
        'frames': len(frames),
        'frames_with_faces': len(frames & face_keys) / n_frames,
        'frames_with_emotions': len(frames & emotion_keys) / n_frames,
        'frames_missed_by_bench_image_sub': len(frames - image_keys) / n_frames,
        'capture_interval_ms': summary(list(np.diff(stamps) / 1e6)) if len(stamps) > 1
        else summary([]),
        'faces_per_emotion_array': {str(k): v for k, v in sorted(counts.items())},
        'arrays_with_wrong_face_count': sum(v for k, v in counts.items()
                                            if k != expected_faces),
        'expected_faces': expected_faces,
        'latency_ms': {
            'transport (stamp->image_raw)': summary([r[1] for r in images]),
            'stamp->faces': summary([r[1] for r in faces]),
            'end to end (stamp->emotions)': summary([r[1] for r in emotions]),
            f'end to end, first {edge:.0f} s': summary(first),
            f'end to end, last {edge:.0f} s': summary(last),
        },
        'end_to_end_trend_ms_per_min': slope,
    }
