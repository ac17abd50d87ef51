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

"""image_recorder: write an image topic (by default image_annotated) to a video or PNG files."""

import argparse
from pathlib import Path
import sys
from typing import Optional

import cv2
from emotion_ros.conversions import imgmsg_to_bgr
from emotion_ros.core.frames.image_codec import ImageEncodingError
from emotion_ros.nodes.node_main import run_node
from emotion_ros.nodes.qos import RESULT_QOS
import numpy as np
from rclpy.node import Node
from rclpy.utilities import remove_ros_args
from sensor_msgs.msg import Image

# Frame rate written into the video container (Hz).
DEFAULT_VIDEO_FPS = 30.0


class ImageRecorder(Node):
    """Save every received image, as a video (.mp4/.avi) or numbered PNGs in a folder."""

    def __init__(self, output: Path, fps: float) -> None:
        super().__init__('image_recorder')
        self._output, self._fps = output, fps
        self._writer: Optional[cv2.VideoWriter] = None
        self.frames = 0
        self._as_video = output.suffix.lower() in ('.mp4', '.avi')
        (output.parent if self._as_video else output).mkdir(parents=True, exist_ok=True)
        self.create_subscription(Image, 'image_annotated', self._on_image, RESULT_QOS)

    def _on_image(self, msg: Image) -> None:
        try:
            bgr = imgmsg_to_bgr(msg)
        except ImageEncodingError as error:
            self.get_logger().error(f'frame skipped: {error}', throttle_duration_sec=5.0)
            return
        if self._as_video:
            self._write_video(bgr)
        else:
            cv2.imwrite(str(self._output / f'frame_{self.frames:05d}.png'), bgr)
        self.frames += 1

    def _write_video(self, bgr: np.ndarray) -> None:
        if self._writer is None:
            fourcc = cv2.VideoWriter_fourcc(*('mp4v' if self._output.suffix == '.mp4'
                                              else 'MJPG'))
            self._writer = cv2.VideoWriter(str(self._output), fourcc, self._fps,
                                           (bgr.shape[1], bgr.shape[0]))
        self._writer.write(np.ascontiguousarray(bgr))

    def close(self) -> None:
        """Finish the video file."""
        if self._writer is not None:
            self._writer.release()
            self._writer = None

    def flush_outputs(self) -> None:
        """Finish the file and say how many frames it holds (before the DDS teardown)."""
        self.close()
        try:
            print(f'image_recorder: wrote {self.frames} frames to {self._output}',
                  file=sys.stderr, flush=True)
        except (OSError, ValueError):
            pass  # a closed terminal


def main(args: Optional[list[str]] = None) -> None:
    """Record until Ctrl-C."""
    argv = remove_ros_args(args if args is not None else sys.argv)[1:]
    parser = argparse.ArgumentParser(prog='image_recorder', description=__doc__.splitlines()[0])
    parser.add_argument('output', type=Path,
                        help='a .mp4 or .avi file, or a folder for PNG frames')
    parser.add_argument('--fps', type=float, default=DEFAULT_VIDEO_FPS,
                        help='video frame rate, Hz')
    options = parser.parse_args(argv)
    sys.exit(run_node(lambda: ImageRecorder(options.output, options.fps), args))
