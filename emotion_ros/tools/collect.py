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
emotion_collect: save the faces the running graph trusts into a dataset folder.

    emotion_collect --out ~/faces --label happy        # into ~/faces/happy/
    emotion_collect --out ~/faces                      # into ~/faces/unlabelled/ + faces.csv

Subscribes to ``image_raw``, ``faces`` and ``emotions`` (relative: remap or run it in the
camera's namespace) and keeps, per tracked face, at most one crop every ``--every`` seconds,
and only faces the trust gate keeps (``Emotion.reliable``: frontal and large enough). Faces are
personal data: this runs only when started, stores only under ``--out``, and sends nothing.
The folder layout and the files are described in :mod:`emotion_ros.core.collection`.
"""

import argparse
from pathlib import Path
import sys
from typing import Optional

from emotion_msgs.msg import EmotionArray, FaceArray
from emotion_ros.conversions import to_bgr
from emotion_ros.core.collection import CollectedFace, cut, DatasetWriter, DEFAULT_EVERY
from emotion_ros.core.collection import EveryPolicy
from emotion_ros.core.emotion.pairing import stamp_key, stamp_seconds, StampPairer
from emotion_ros.nodes.node_main import run_node
from emotion_ros.nodes.qos import PAIRED_IMAGE_QOS, RESULT_QOS
from rclpy.node import Node
from rclpy.utilities import remove_ros_args
from sensor_msgs.msg import Image

# Face lists kept while their emotions are on the way (messages): one second at 30 Hz.
YAW_MEMORY = 30


class FaceCollector(Node):
    """Pair images with their emotions and store the trusted faces, a few per track."""

    def __init__(self, writer: DatasetWriter, every: float, limit: int = 0) -> None:
        """
        Subscribe to the images, faces and emotions.

        :param writer: where the faces go.
        :param every: seconds between two crops of one track.
        :param limit: leave after this many faces (0: never).
        """
        super().__init__('emotion_collect')
        self._writer = writer
        self._policy = EveryPolicy(every)
        self._limit = limit
        self._pairer = StampPairer()
        self._yaws: dict[tuple[int, int], dict[int, float]] = {}
        self.create_subscription(Image, 'image_raw', self._on_image, PAIRED_IMAGE_QOS)
        self.create_subscription(FaceArray, 'faces', self._on_faces, RESULT_QOS)
        self.create_subscription(EmotionArray, 'emotions', self._on_emotions, RESULT_QOS)
        if writer.removed_partials:
            self.get_logger().warning(f'removed {writer.removed_partials} half-written files '
                                      f'a killed collector left in {writer.folder}')
        self.get_logger().info(f'collecting trusted faces into {writer.folder}, one per track '
                               f'every {every:g} s')

    @property
    def finished(self) -> bool:
        """Return whether ``limit`` faces were written."""
        return 0 < self._limit <= self._writer.written

    def _on_image(self, msg: Image) -> None:
        pair = self._pairer.add_image(stamp_key(msg.header.stamp), msg)
        if pair is not None:
            self._store(pair.image, pair.faces)

    def _on_emotions(self, msg: EmotionArray) -> None:
        pair = self._pairer.add_faces(stamp_key(msg.header.stamp), msg)
        if pair is not None:
            self._store(pair.image, pair.faces)

    def _on_faces(self, msg: FaceArray) -> None:
        self._yaws[stamp_key(msg.header.stamp)] = {face.id: face.yaw for face in msg.faces}
        while len(self._yaws) > YAW_MEMORY:
            del self._yaws[min(self._yaws)]

    def _store(self, image: Image, emotions: EmotionArray) -> None:
        key = stamp_key(emotions.header.stamp)
        seconds = stamp_seconds(emotions.header.stamp)
        wanted = [e for e in emotions.emotions
                  if e.reliable and self._policy.due(e.face_id, seconds)]
        self._policy.forget_except([e.face_id for e in emotions.emotions])
        if not wanted or self.finished:
            return
        try:
            bgr = to_bgr(image)
        except ValueError as error:
            self.get_logger().warning(f'image {key} not stored: {error}')
            return
        yaws = self._yaws.get(key, {})
        for emotion in wanted:
            roi = emotion.roi
            box = (roi.x_offset, roi.y_offset, roi.width, roi.height)
            try:
                crop, inside = cut(bgr, box)
                path = self._writer.write(CollectedFace(
                    crop, inside, box, key, emotion.face_id, yaws.get(emotion.face_id, 0.0),
                    emotion.label, emotion.confidence))
            except (ValueError, OSError) as error:
                self.get_logger().error(f'face {emotion.face_id} at {key} not stored: {error}')
                continue
            self.get_logger().debug(f'stored {path.name}')
            if self.finished:
                self.get_logger().info(f'{self._writer.written} faces stored; leaving')
                return


def main(args: Optional[list[str]] = None) -> None:
    """Collect until Ctrl-C or --count faces."""
    argv = remove_ros_args(args if args is not None else sys.argv)[1:]
    parser = argparse.ArgumentParser(prog='emotion_collect', description=__doc__.splitlines()[1])
    parser.add_argument('--out', type=Path, required=True, help='the dataset folder')
    parser.add_argument('--label', default=None,
                        help='class of every face (a folder name such as happy); without it '
                        'faces go to unlabelled/ with faces.csv, to sort by hand')
    parser.add_argument('--every', type=float, default=DEFAULT_EVERY,
                        help='seconds between two crops of one tracked face')
    parser.add_argument('--count', type=int, default=0, help='exit after N faces (0: never)')
    options = parser.parse_args(argv)
    try:
        writer = DatasetWriter(options.out, options.label)
        if options.every < 0:
            raise ValueError(f'--every must be >= 0 s, got {options.every}')
    except (ValueError, OSError) as error:
        print(f'emotion_collect: {error}', file=sys.stderr)
        sys.exit(2)
    sys.exit(run_node(lambda: FaceCollector(writer, options.every, options.count), args))
