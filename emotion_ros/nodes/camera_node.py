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

from collections.abc import Callable
from pathlib import Path
import threading
import time
from typing import Optional

from emotion_ros.conversions import bgr_to_compressed, bgr_to_imgmsg
from emotion_ros.core.config import CAMERA_SOURCE, CameraConfig
from emotion_ros.core.frames.camera_info import (Calibration, CalibrationError, load_calibration,
                                                 uncalibrated)
from emotion_ros.core.frames.compressed_codec import CompressedImageError
from emotion_ros.core.frames.image_codec import ImageEncodingError
from emotion_ros.core.frames.pacing import Pace
from emotion_ros.core.frames.sources import FrameSource, IMAGE_EXTENSIONS, open_source, SourceError
from emotion_ros.entry_points import StopSignals
from emotion_ros.nodes.dds_check import FrameLossCheck
from emotion_ros.nodes.diagnostics import NodeDiagnostics
from emotion_ros.nodes.image_input import transport_topic
from emotion_ros.nodes.managed_node import ManagedNode
from emotion_ros.nodes.node_main import main_for, StartupError
from emotion_ros.nodes.parameters import declare_config
from emotion_ros.nodes.qos import publisher_qos
from emotion_ros.nodes.replay_pacing import ReplayPacing
from emotion_ros.nodes.when_matched import WhenMatched
import numpy as np
from sensor_msgs.msg import CameraInfo
from sensor_msgs.msg import CompressedImage
from sensor_msgs.msg import Image
from std_msgs.msg import Header

# Time the node keeps spinning after a finite source ended, so the last frames are delivered (s).
END_LINGER = 1.0
# History of camera_info, messages (see configure).
INFO_DEPTH = 10
# At the end of a paced file, how often the camera checks that every frame was answered, s.
DRAIN_POLL = 0.05


def camera_info_for(previous: Optional[CameraInfo], calibration: Optional[Calibration],
                    header: Header, width: int, height: int) -> CameraInfo:
    """
    Return a frame's CameraInfo: the previous one restamped unless the frame size changed.

    Building one checks every element of its arrays in Python, so it is built once per size
    (or once, with a calibration), not at the camera's rate.

    :param previous: the message returned for the previous frame (None: none yet).
    :param calibration: the loaded calibration, or None for an uncalibrated camera.
    :param header: the frame's header.
    :param width: the frame's width, pixels.
    :param height: the frame's height, pixels.
    :returns: ``previous`` with the new header, or a new message.
    """
    info = previous
    if info is None or (calibration is None and (info.width, info.height) != (width, height)):
        source = calibration or uncalibrated(width, height)
        info = CameraInfo(width=source.width, height=source.height,
                          distortion_model=source.distortion_model, d=list(source.d),
                          k=list(source.k), r=list(source.r), p=list(source.p))
    info.header = header
    return info


def open_unless_stopped(opener: Callable[[], FrameSource]) -> Optional[FrameSource]:
    """
    Open a source in a worker thread, so that a device or file that blocks cannot hold a stop.

    :param opener: opens the source (may block: a hung V4L2 device, a pipe with no writer).
    :returns: the source, or None when a stop signal came first (the thread is abandoned).
    :raises SourceError: what the opener raised.
    """
    result: dict[str, object] = {}
    done = threading.Event()

    def work() -> None:
        try:
            result['source'] = opener()
        except SourceError as error:
            result['error'] = error
        finally:
            done.set()

    stop = StopSignals.current()

    def interrupt(signum: int) -> None:
        done.set()

    threading.Thread(target=work, name='source-open', daemon=True).start()
    stop.on_stop(interrupt)
    try:
        done.wait()
    finally:
        stop.remove(interrupt)
    if 'error' in result:
        raise result['error']
    return result.get('source')


class CameraNode(ManagedNode):
    """
    Publish frames from a camera, a video file or an image folder, stamped at capture.

    configure opens a file or folder (a camera device is opened on activate); activate starts
    the capture timer; deactivate stops it, releasing a camera device so another program can
    open it (a video pauses where it is).
    """

    def __init__(self) -> None:
        super().__init__('camera')
        self.config: Optional[CameraConfig] = None
        self._source: Optional[FrameSource] = None
        self._timer = None
        self._end_timer = None
        self._diagnostics: Optional[NodeDiagnostics] = None
        self._pacing: Optional[ReplayPacing] = None

    def configure(self) -> None:
        """Read the parameters, load the calibration, open a file, create the publishers."""
        self.config = declare_config(self, CameraConfig)[0]
        self._is_camera = self.config.source == CAMERA_SOURCE
        self._calibration: Optional[Calibration] = None
        self._info_cache: Optional[CameraInfo] = None
        if self.config.camera_info_url:
            try:
                self._calibration = load_calibration(self.config.camera_info_url)
            except CalibrationError as error:
                raise StartupError(str(error)) from None
        self._rate = self.config.framerate
        if not self._is_camera:
            # A file or folder that cannot be opened will not appear later: fail now.
            try:
                self._source = open_unless_stopped(lambda: open_source(
                    self.config.source, loop=self.config.loop,
                    fps=0.0 if self._is_video() else self.config.framerate,
                    on_skip=self._on_skip))
            except SourceError as error:
                raise StartupError(str(error)) from None
            if self._source is not None:
                self._rate = self._source.fps
        # Nothing below fails: release() undoes it all.
        self._frame_check = FrameLossCheck(
            self, 3 * (self.config.image_width or 640) * (self.config.image_height or 480))
        self._gate = WhenMatched(self, self.config.wait_for_subscribers, self._start_capture,
                                 'image_raw subscribers (raw and compressed)')
        qos = publisher_qos(self.config.reliability)
        self._image_pub = self._gate.watch(self.create_lifecycle_publisher(
            Image, 'image_raw', qos, event_callbacks=self._gate.callbacks()))
        # camera_info is small: a deeper history lets a reliable subscriber whose side of
        # discovery lags recover the first frames' infos.
        self._info_pub = self.create_lifecycle_publisher(
            CameraInfo, 'camera_info', publisher_qos(self.config.reliability, INFO_DEPTH))
        self._compressed_pub = None
        if self.config.publish_compressed:
            self._compressed_pub = self._gate.watch(self.create_lifecycle_publisher(
                CompressedImage, transport_topic(self, 'compressed'), qos,
                event_callbacks=self._gate.callbacks()))
        self._compress_errors: set[str] = set()
        self._next_open = 0.0
        self._frames = 0
        # Say "publishing" once frames flow (after each (re)open), not while none can.
        self._announced = False
        self._started = 0.0
        # A file paced by its readers (pace_ahead): the first frame, kept to send again.
        self._first: Optional[tuple[np.ndarray, Header]] = None
        if not self._is_camera and self.config.pace_ahead:
            self._pacing = ReplayPacing(self, self.config.pace_ahead)
        self._diagnostics = NodeDiagnostics(self, state=lambda: self.state_label,
                                            waiting=self._gate.long_wait)

    def activate(self) -> None:
        """Open a camera device; start capturing once the image subscribers are heard."""
        if self._is_camera and self._source is None:
            self._open_camera()
        self._gate.arm()

    def _start_capture(self) -> None:
        self._started = time.monotonic() + self.config.start_delay
        self._timer = self.create_timer(1.0 / self._rate, self._tick)

    def deactivate(self) -> None:
        """Stop capturing; release a camera device (a file stays open, paused)."""
        self._gate.disarm()
        self._destroy_timers()
        if self._is_camera:
            self._close_source()

    def release(self) -> None:
        """Close the source, destroy the timers and the publishers."""
        self._destroy_timers()
        self._close_source()
        self._gate.forget()
        for publisher in (self._image_pub, self._info_pub, self._compressed_pub):
            if publisher is not None:
                self.destroy_lifecycle_publisher(publisher)
        if self._pacing is not None:
            self._pacing.destroy()
            self._pacing = None
        self._diagnostics.destroy()

    def _destroy_timers(self) -> None:
        for timer in (self._timer, self._end_timer):
            if timer is not None:
                self.destroy_timer(timer)
        self._timer = self._end_timer = None

    def _close_source(self) -> None:
        if self._source is not None:
            self._source.close()
            self._source = None

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
            self._source = open_unless_stopped(lambda: open_source(
                self.config.video_device, self.config.image_width, self.config.image_height,
                self.config.framerate))
            if self._source is None:
                return  # stopping
            self._announced = False
            self.get_logger().info(f'camera {self.config.video_device} opened')
        except SourceError as error:
            self._source = None
            self._diagnostics.error('camera_unavailable')
            self.get_logger().error(
                f'{error}; retrying every {self.config.reconnect_interval:.1f} s',
                throttle_duration_sec=30.0)

    def _tick(self) -> None:
        if self._source is None:
            if time.monotonic() >= self._next_open:
                self._open_camera()
            return
        if time.monotonic() < self._started:
            return  # start_delay
        pace = Pace.SEND if self._pacing is None else self._pacing.decide()
        if pace is Pace.WAIT:
            return
        if pace is Pace.REPEAT:
            self._publish_frame(*self._first)
            self._pacing.sent(self._first[1].stamp, repeat=True)
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
            self._close_source()
            self.destroy_timer(self._timer)
            self._timer = None
            # Paced: wait for the last frames' answers (bounded by the pacing timeout). Then
            # linger so the last frames are delivered, and end the process.
            self._end_timer = self.create_timer(DRAIN_POLL, self._end_when_drained)
            return
        self._diagnostics.received()
        header = Header(stamp=self.get_clock().now().to_msg(), frame_id=self.config.frame_id)
        self._publish_frame(frame, header)
        if self._pacing is not None:
            if self._first is None:
                self._first = (frame, header)
            self._pacing.sent(header.stamp)
        self._diagnostics.published(header.stamp, started)
        self._frames += 1
        if not self._announced:
            self._announced = True
            self.get_logger().info(f'publishing {self._describe()} at {self._rate:.1f} Hz')

    def _end_when_drained(self) -> None:
        if self._pacing is not None and not self._pacing.pacer.drained():
            return
        self.destroy_timer(self._end_timer)
        self._end_timer = self.create_timer(END_LINGER, self.finish)

    def _publish_frame(self, frame: np.ndarray, header: Header) -> None:
        """Publish the frame raw, compressed (if asked) and its camera_info."""
        self._publish_raw(frame, header)
        self._publish_compressed(frame, header)
        self._info_pub.publish(self._camera_info(header, frame.shape[1], frame.shape[0]))

    def _publish_raw(self, frame: np.ndarray, header: Header) -> None:
        """Publish the frame on image_raw in output_encoding (an odd size is said once)."""
        try:
            msg = bgr_to_imgmsg(frame, header, self.config.output_encoding)
        except ImageEncodingError as error:
            if f'raw {error.kind}' not in self._compress_errors:
                self._compress_errors.add(f'raw {error.kind}')
                self.get_logger().error(f'image_raw not published: {error}')
            return
        self._frame_check.frame(len(msg.data))  # the message's size: bgra16 is 2.7x bgr8
        self._image_pub.publish(msg)

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
        self._info_cache = camera_info_for(self._info_cache, self._calibration, header, width,
                                           height)
        return self._info_cache


main = main_for(CameraNode)
