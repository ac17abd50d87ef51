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

from emotion_ros.conversions import bgr_to_imgmsg
from emotion_ros.core.camera_info import (Calibration, CalibrationError, load_calibration,
                                          uncalibrated)
from emotion_ros.core.sources import FrameSource, IMAGE_EXTENSIONS, open_source, SourceError
from emotion_ros.nodes.parameters import at_least, declare_parameters, not_empty, one_of
from emotion_ros.nodes.parameters import ParamSpec
from emotion_ros.nodes.qos import publisher_qos, RELIABILITY_CHOICES
from emotion_ros.nodes.spin import main_for, StartupError
from rclpy.node import Node
from sensor_msgs.msg import CameraInfo
from sensor_msgs.msg import Image
from std_msgs.msg import Header

# Value of `source` that means "the camera named by video_device".
CAMERA_SOURCE = 'camera'
# Time the node keeps spinning after a finite source ended, so the last frames are delivered (s).
END_LINGER = 1.0

PARAMETERS = (
    ParamSpec('source', CAMERA_SOURCE,
              "'camera' for the device in video_device, else a video file, an image file or a "
              'folder of images', not_empty),
    ParamSpec('video_device', '/dev/video0',
              'V4L2 device path (/dev/videoN) or camera index, used when source is camera',
              not_empty),
    ParamSpec('image_width', 640, 'requested camera width, pixels (0: driver default; files keep '
              'their own size)', at_least(0), int_range=(0, 8192)),
    ParamSpec('image_height', 480, 'requested camera height, pixels (0: driver default; files '
              'keep their own size)', at_least(0), int_range=(0, 8192)),
    ParamSpec('framerate', 30.0, 'camera rate and image-folder play rate, Hz (video files play '
              'at their own rate)', at_least(0.0, strict=True), float_range=(0.0, 1000.0)),
    ParamSpec('frame_id', 'camera', 'frame_id of the published images and camera_info',
              not_empty),
    ParamSpec('camera_info_url', '', 'calibration file (file:// URL or path, '
              'camera_calibration format); empty: publish an uncalibrated camera_info'),
    ParamSpec('loop', False, 'restart video files and folders at the end instead of exiting'),
    ParamSpec('reconnect_interval', 2.0, 'wait between attempts to (re)open a missing or '
              'unplugged camera, s', at_least(0.1), float_range=(0.1, 60.0)),
    ParamSpec('wait_for_subscribers', 0, 'start publishing only once image_raw has this many '
              'subscribers (0: at once); lets a short video reach late-starting nodes',
              at_least(0), int_range=(0, 100)),
    ParamSpec('start_delay', 0.0, 'extra wait after the subscribers matched, s',
              at_least(0.0), float_range=(0.0, 60.0)),
    ParamSpec('reliability', 'reliable', "image QoS reliability: 'reliable' (serves every "
              "subscriber) or 'best_effort'", one_of(*RELIABILITY_CHOICES)),
)


class CameraNode(Node):
    """Publish frames from a camera, a video file or an image folder, stamped at capture."""

    def __init__(self) -> None:
        super().__init__('camera')
        self.p = declare_parameters(self, PARAMETERS)
        self.finished = False
        self.exit_code = 0
        self._is_camera = self.p['source'] == CAMERA_SOURCE
        self._calibration: Optional[Calibration] = None
        if self.p['camera_info_url']:
            try:
                self._calibration = load_calibration(self.p['camera_info_url'])
            except CalibrationError as error:
                raise StartupError(str(error)) from None
        qos = publisher_qos(self.p['reliability'])
        self._image_pub = self.create_publisher(Image, 'image_raw', qos)
        self._info_pub = self.create_publisher(CameraInfo, 'camera_info', qos)
        self._source: Optional[FrameSource] = None
        self._next_open = 0.0
        self._frames = 0
        # Say "publishing" once frames flow (after each (re)open), not while none can.
        self._announced = False
        self._started: Optional[float] = None
        self._ended: Optional[float] = None
        if not self._is_camera:
            # A file or folder that cannot be opened will not appear later: stop now.
            try:
                self._source = open_source(self.p['source'], loop=self.p['loop'],
                                           fps=0.0 if self._is_video() else self.p['framerate'],
                                           on_skip=self._on_skip)
            except SourceError as error:
                raise StartupError(str(error)) from None
            rate = self._source.fps
        else:
            self._open_camera()
            rate = self.p['framerate']
        self._rate = rate
        self._timer = self.create_timer(1.0 / rate, self._tick)

    def _on_skip(self, path: Path, reason: str) -> None:
        """Report an image of the folder that is skipped (once: the source drops it)."""
        self.get_logger().warning(f'skipping unreadable image {path}: {reason}')

    def _is_video(self) -> bool:
        """Tell whether the source is a video file (played at its own rate)."""
        path = Path(self.p['source']).expanduser()
        return path.is_file() and path.suffix.lower() not in IMAGE_EXTENSIONS

    def _describe(self) -> str:
        if self._is_camera:
            return f'camera {self.p["video_device"]}'
        return f'{self.p["source"]}' + (' (looping)' if self.p['loop'] else '')

    def _open_camera(self) -> None:
        self._next_open = time.monotonic() + self.p['reconnect_interval']
        try:
            self._source = open_source(self.p['video_device'], self.p['image_width'],
                                       self.p['image_height'], self.p['framerate'])
            self._announced = False
            self.get_logger().info(f'camera {self.p["video_device"]} opened')
        except SourceError as error:
            self._source = None
            self.get_logger().error(
                f'{error}; retrying every {self.p["reconnect_interval"]:.1f} s',
                throttle_duration_sec=30.0)

    def _ready(self) -> bool:
        if self._started is not None:
            return time.monotonic() >= self._started
        wanted = self.p['wait_for_subscribers']
        if self._image_pub.get_subscription_count() < wanted:
            self.get_logger().info(f'waiting for {wanted} image_raw subscribers',
                                   throttle_duration_sec=5.0)
            return False
        self._started = time.monotonic() + self.p['start_delay']
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
        try:
            frame = self._source.read()
        except SourceError as error:
            self.get_logger().error(f'{error}; closing and reopening the camera')
            self._source.close()
            self._source = None
            return
        if frame is None:
            self.get_logger().info(f'end of {self.p["source"]} after {self._frames} frames')
            self._source.close()
            self._ended = time.monotonic()
            return
        header = Header(stamp=self.get_clock().now().to_msg(), frame_id=self.p['frame_id'])
        self._image_pub.publish(bgr_to_imgmsg(frame, header))
        self._info_pub.publish(self._camera_info(header, frame.shape[1], frame.shape[0]))
        self._frames += 1
        if not self._announced:
            self._announced = True
            self.get_logger().info(f'publishing {self._describe()} at {self._rate:.1f} Hz')

    def _camera_info(self, header: Header, width: int, height: int) -> CameraInfo:
        calibration = self._calibration or uncalibrated(width, height)
        return CameraInfo(header=header, width=calibration.width, height=calibration.height,
                          distortion_model=calibration.distortion_model,
                          d=list(calibration.d), k=list(calibration.k), r=list(calibration.r),
                          p=list(calibration.p))

    def destroy_node(self) -> None:
        """Release the device or file."""
        if self._source is not None:
            self._source.close()
        super().destroy_node()


main = main_for(CameraNode)
