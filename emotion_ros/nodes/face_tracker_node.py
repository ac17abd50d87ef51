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

"""Face-tracker node: detect every face in image_raw and keep a stable id per face."""

from typing import Optional

from emotion_msgs.msg import Face, FaceArray
from emotion_ros.core.config import DetectorConfig, ImageInputConfig, StartConfig
from emotion_ros.core.config import TrackerConfig
from emotion_ros.core.detection import clip_detection, make_detector
from emotion_ros.core.image_codec import ImageEncodingError
from emotion_ros.core.tracking import SortTracker, Track
from emotion_ros.nodes.dds_check import FrameLossCheck
from emotion_ros.nodes.diagnostics import NodeDiagnostics
from emotion_ros.nodes.image_input import AnyImage, error_kind, subscribe_image, to_bgr
from emotion_ros.nodes.image_input import transport_topic
from emotion_ros.nodes.output_gate import when_heard
from emotion_ros.nodes.parameters import declare_config
from emotion_ros.nodes.qos import LATEST_IMAGE_QOS, RESULT_QOS
from emotion_ros.nodes.spin import main_for, StartupError
from emotion_ros.nodes.throttle import DistinctThrottle
from geometry_msgs.msg import Point
from rclpy.node import Node
from sensor_msgs.msg import RegionOfInterest


def track_to_face(track: Track, width: int, height: int) -> Optional[Face]:
    """
    Convert a core track to an emotion_msgs/Face, the box clipped to the image.

    :param track: the track.
    :param width: image width, pixels.
    :param height: image height, pixels.
    :returns: the message, or None when the (predicted) box has left the image.
    """
    box = clip_detection(track.x, track.y, track.w, track.h, track.score, width, height)
    if box is None:
        return None
    x0, y0 = round(box.x), round(box.y)
    x1, y1 = round(box.x + box.w), round(box.y + box.h)
    if x1 <= x0 or y1 <= y0:
        return None
    roi = RegionOfInterest(x_offset=x0, y_offset=y0, width=x1 - x0, height=y1 - y0,
                           do_rectify=False)
    coasting = track.time_since_update > 0
    return Face(id=track.id, roi=roi,
                detection_confidence=0.0 if coasting else float(track.score),
                frames_since_detection=track.time_since_update,
                keypoints=[Point(x=float(x), y=float(y), z=0.0) for x, y in track.keypoints])


class FaceTrackerNode(Node):
    """Subscribe to images, publish tracked faces with the image's header."""

    def __init__(self) -> None:
        super().__init__('face_tracker')
        detector_config, tracker_config, input_config, start_config = declare_config(
            self, DetectorConfig, TrackerConfig, ImageInputConfig, StartConfig)
        try:
            self._detector = make_detector(detector_config)
        except (ImportError, RuntimeError, OSError, ValueError) as error:
            raise StartupError(f'detector {detector_config.detector} unavailable: {error}') \
                from None
        self._tracker = SortTracker.from_config(tracker_config)
        self._publisher = self.create_publisher(FaceArray, 'faces', RESULT_QOS)
        self._throttle = DistinctThrottle()
        self._frame_check = FrameLossCheck(self)
        self._diagnostics = NodeDiagnostics(
            self, counters=lambda: {'log lines suppressed': self._throttle.suppressed})
        image_topic = transport_topic(self, input_config.image_transport)
        when_heard(self, [self._publisher], start_config.wait_for_output_subscribers,
                   lambda: subscribe_image(self, input_config.image_transport, self._on_image,
                                           LATEST_IMAGE_QOS))
        self.get_logger().info(f'tracking faces with {detector_config.detector} on '
                               f'{image_topic}')

    def _on_image(self, msg: AnyImage) -> None:
        started = self._diagnostics.received()
        self._frame_check.frame(len(msg.data))
        try:
            bgr = to_bgr(msg)
        except ImageEncodingError as error:
            self._diagnostics.error('bad_image')
            if self._throttle.due(error_kind(error)):
                self.get_logger().error(f'image at {msg.header.stamp.sec}.'
                                        f'{msg.header.stamp.nanosec:09d} skipped: {error}')
            return
        tracks = self._tracker.update(self._detector.detect(bgr))
        height, width = bgr.shape[:2]
        faces = [track_to_face(track, width, height) for track in tracks]
        self._publisher.publish(FaceArray(header=msg.header,
                                          faces=[face for face in faces if face is not None]))
        self._diagnostics.published(msg.header.stamp, started)


main = main_for(FaceTrackerNode)
