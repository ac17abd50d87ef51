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

"""Camera node: a V4L2/USB camera, a video file or an image folder to image_raw + camera_info."""

from pathlib import Path
import time
from typing import Optional

from emotion_ros.conversions import bgr_to_compressed, bgr_to_imgmsg
from emotion_ros.core.camera_info import (Calibration, CalibrationError, load_calibration,
                                          uncalibrated)
from emotion_ros.core.compressed import CompressedImageError
from emotion_ros.core.config import CAMERA_SOURCE, CameraConfig
from emotion_ros.core.sources import FrameSource, IMAGE_EXTENSIONS, open_source, SourceError
from emotion_ros.nodes.dds_check import FrameLossCheck
from emotion_ros.nodes.diagnostics import NodeDiagnostics
from emotion_ros.nodes.image_input import transport_topic
from emotion_ros.nodes.parameters import declare_config
from emotion_ros.nodes.qos import publisher_qos
from emotion_ros.nodes.spin import main_for, StartupError
import numpy as np
from rclpy.node import Node
from sensor_msgs.msg import CameraInfo
from sensor_msgs.msg import CompressedImage
from sensor_msgs.msg import Image
from std_msgs.msg import Header

# Time the node keeps spinning after a finite source ended, so the last frames are delivered (s).
END_LINGER = 1.0


class CameraNode(Node):
    """Publish frames from a camera, a video file or an image folder, stamped at capture."""

    def __init__(self) -> None:
        super().__init__('camera')
        self.config: CameraConfig = declare_config(self, CameraConfig)[0]
        self.finished = False
        self.exit_code = 0
        self._is_camera = self.config.source == CAMERA_SOURCE
        self._calibration: Optional[Calibration] = None
        if self.config.camera_info_url:
            try:
                self._calibration = load_calibration(self.config.camera_info_url)
            except CalibrationError as error:
                raise StartupError(str(error)) from None
        self._frame_check = FrameLossCheck(
            self, 3 * (self.config.image_width or 640) * (self.config.image_height or 480))
        qos = publisher_qos(self.config.reliability)
        self._image_pub = self.create_publisher(Image, 'image_raw', qos)
        self._info_pub = self.create_publisher(CameraInfo, 'camera_info', qos)
        self._compressed_pub = None
        if self.config.publish_compressed:
            self._compressed_pub = self.create_publisher(
                CompressedImage, transport_topic(self, 'compressed'), qos)
        self._compress_errors: set[str] = set()
        self._source: Optional[FrameSource] = None
        self._next_open = 0.0
        self._frames = 0
        # Say "publishing" once frames flow (after each (re)open), not while none can.
        self._announced = False
        self._started: Optional[float] = None
        self._ended: Optional[float] = None
        # After _source exists: from here on destroy_node() works if the start-up fails.
        self._diagnostics = NodeDiagnostics(self)
        if not self._is_camera:
            # A file or folder that cannot be opened will not appear later: stop now.
            try:
                self._source = open_source(self.config.source, loop=self.config.loop,
                                           fps=0.0 if self._is_video() else self.config.framerate,
                                           on_skip=self._on_skip)
            except SourceError as error:
                raise StartupError(str(error)) from None
            rate = self._source.fps
        else:
            self._open_camera()
            rate = self.config.framerate
        self._rate = rate
        self._timer = self.create_timer(1.0 / rate, self._tick)

    def _on_skip(self, path: Path, reason: str) -> None:
        """Report an image of the folder that is skipped (once: the source drops it)."""
        self.get_logger().warning(f'skipping unreadable image {path}: {reason}')

    def _is_video(self) -> bool:
        """Tell whether the source is a video file (played at its own rate)."""
        path = Path(self.config.source).expanduser()
        return path.is_file() and path.suffix.lower() not in IMAGE_EXTENSIONS

    def _describe(self) -> str:
        if self._is_camera:
            return f'camera {self.config.video_device}'
        return f'{self.config.source}' + (' (looping)' if self.config.loop else '')

    def _open_camera(self) -> None:
        self._next_open = time.monotonic() + self.config.reconnect_interval
        try:
            self._source = open_source(self.config.video_device, self.config.image_width,
                                       self.config.image_height, self.config.framerate)
            self._announced = False
            self.get_logger().info(f'camera {self.config.video_device} opened')
        except SourceError as error:
            self._source = None
            self._diagnostics.error('camera_unavailable')
            self.get_logger().error(
                f'{error}; retrying every {self.config.reconnect_interval:.1f} s',
                throttle_duration_sec=30.0)

    def _ready(self) -> bool:
        if self._started is not None:
            return time.monotonic() >= self._started
        wanted = self.config.wait_for_subscribers
        if self._image_subscribers() < wanted:
            self.get_logger().info(f'waiting for {wanted} image_raw subscribers (raw and '
                                   'compressed)',
                                   throttle_duration_sec=5.0)
            return False
        self._started = time.monotonic() + self.config.start_delay
        return time.monotonic() >= self._started

    def _tick(self) -> None:
        if self._ended is not None:
            self.finished = time.monotonic() - self._ended >= END_LINGER
            return
        if self._source is None:
            if time.monotonic() >= self._next_open:
                self._open_camera()
            return
        if not self._ready():
            return
        started = time.perf_counter()
        try:
            frame = self._source.read()
        except SourceError as error:
            self._diagnostics.error('read_failed')
            self.get_logger().error(f'{error}; closing and reopening the camera')
            self._source.close()
            self._source = None
            return
        if frame is None:
            self.get_logger().info(f'end of {self.config.source} after {self._frames} frames')
            self._source.close()
            self._ended = time.monotonic()
            return
        self._frame_check.frame(frame.nbytes)
        self._diagnostics.received()
        header = Header(stamp=self.get_clock().now().to_msg(), frame_id=self.config.frame_id)
        self._image_pub.publish(bgr_to_imgmsg(frame, header))
        self._publish_compressed(frame, header)
        self._info_pub.publish(self._camera_info(header, frame.shape[1], frame.shape[0]))
        self._diagnostics.published(header.stamp, started)
        self._frames += 1
        if not self._announced:
            self._announced = True
            self.get_logger().info(f'publishing {self._describe()} at {self._rate:.1f} Hz')

    def _image_subscribers(self) -> int:
        """Return the subscribers of image_raw, raw and compressed together."""
        count = self._image_pub.get_subscription_count()
        if self._compressed_pub is not None:
            count += self._compressed_pub.get_subscription_count()
        return count

    def _publish_compressed(self, frame: np.ndarray, header: Header) -> None:
        """Compress and publish the frame while someone listens (as image_transport does)."""
        if self._compressed_pub is None or self._compressed_pub.get_subscription_count() == 0:
            return
        try:
            msg = bgr_to_compressed(frame, header, self.config.compressed_format,
                                    self.config.jpeg_quality, self.config.png_level)
        except CompressedImageError as error:
            if error.kind not in self._compress_errors:
                self._compress_errors.add(error.kind)
                self.get_logger().error(f'image_raw/compressed not published: {error}')
            return
        self._compressed_pub.publish(msg)

    def _camera_info(self, header: Header, width: int, height: int) -> CameraInfo:
        calibration = self._calibration or uncalibrated(width, height)
        return CameraInfo(header=header, width=calibration.width, height=calibration.height,
                          distortion_model=calibration.distortion_model,
                          d=list(calibration.d), k=list(calibration.k), r=list(calibration.r),
                          p=list(calibration.p))

    def destroy_node(self) -> None:
        """Release the device or file (also for a node whose start-up failed half-way)."""
        # rclpy.try_shutdown() destroys every node of the context, even one whose __init__
        # raised (e.g. a refused parameter) before _source existed.
        source = getattr(self, '_source', None)
        if source is not None:
            source.close()
        super().destroy_node()


main = main_for(CameraNode)
