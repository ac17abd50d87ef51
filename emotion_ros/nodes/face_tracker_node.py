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
from emotion_ros.conversions import AnyImage, to_bgr
from emotion_ros.core.config import DetectorConfig, FaceLimitConfig, ImageInputConfig
from emotion_ros.core.config import StartConfig, TrackerConfig
from emotion_ros.core.faces.detection import clip_detection
from emotion_ros.core.faces.head_pose import estimate_head_pose
from emotion_ros.core.faces.tracking import Track
from emotion_ros.core.faces.tracking_step import DetectAndTrack
from emotion_ros.core.frames.image_codec import ImageEncodingError
from emotion_ros.nodes.dds_check import FrameLossCheck
from emotion_ros.nodes.diagnostics import NodeDiagnostics
from emotion_ros.nodes.image_input import error_kind, subscribe_image
from emotion_ros.nodes.image_input import transport_topic
from emotion_ros.nodes.managed_node import ManagedNode
from emotion_ros.nodes.node_main import main_for, StartupError
from emotion_ros.nodes.parameters import declare_config
from emotion_ros.nodes.qos import LATEST_IMAGE_QOS, replace_depth, RESULT_QOS
from emotion_ros.nodes.throttle import DistinctThrottle
from emotion_ros.nodes.when_matched import WhenMatched
from geometry_msgs.msg import Point
from sensor_msgs.msg import RegionOfInterest


def track_to_face(track: Track, width: int, height: int) -> Optional[Face]:
    """
    Convert a core track to an emotion_msgs/Face: box clipped to the image, head pose added.

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
    coasting = track.misses > 0  # the detector ran and did not find it
    pose = estimate_head_pose(track.keypoints, width, height)
    return Face(id=track.id, roi=roi,
                detection_confidence=0.0 if coasting else float(track.score),
                frames_since_detection=track.time_since_update,
                keypoints=[Point(x=float(x), y=float(y), z=0.0) for x, y in track.keypoints],
                yaw=pose.yaw, pitch=pose.pitch, roll=pose.roll)


class FaceTrackerNode(ManagedNode):
    """
    Subscribe to images, publish tracked faces with the image's header.

    configure loads the detector; activate subscribes to the images (once ``faces`` is heard,
    if asked); deactivate drops the subscription, keeping the tracks, so the same faces keep
    their ids when it is activated again.
    """

    def __init__(self) -> None:
        super().__init__('face_tracker')
        self._subscription = None

    def configure(self) -> None:
        """Read the parameters, load the detector, create the tracker and the publisher."""
        (detector_config, tracker_config, self._input_config, start_config,
         limits) = declare_config(self, DetectorConfig, TrackerConfig, ImageInputConfig,
                                  StartConfig, FaceLimitConfig)
        try:
            self._faces = DetectAndTrack.from_config(detector_config, tracker_config, limits)
        except (ImportError, RuntimeError, OSError, ValueError) as error:
            raise StartupError(f'detector {detector_config.detector} unavailable: {error}') \
                from None
        self._detector_name = detector_config.detector + (
            f' ({detector_config.blazeface_model})' if detector_config.detector == 'blazeface'
            else '')
        self._image_qos = replace_depth(LATEST_IMAGE_QOS, tracker_config.image_queue_depth)
        self._gate = WhenMatched(self, start_config.wait_for_output_subscribers, self._subscribe,
                                 'subscribers')
        self._publisher = self._gate.watch(self.create_lifecycle_publisher(
            FaceArray, 'faces', RESULT_QOS, event_callbacks=self._gate.callbacks()))
        self._throttle = DistinctThrottle()
        self._frame_check = FrameLossCheck(self)
        self._diagnostics = NodeDiagnostics(
            self, counters=lambda: {'log lines suppressed': self._throttle.suppressed},
            state=lambda: self.state_label, waiting=self._gate.long_wait)

    def activate(self) -> None:
        """Subscribe to the images once the outputs are heard (``wait_for_output_subscribers``)."""
        self._gate.arm()

    def _subscribe(self) -> None:
        self._subscription = subscribe_image(self, self._input_config.image_transport,
                                             self._on_image, self._image_qos)
        self.get_logger().info(
            f'tracking faces with {self._detector_name} on '
            f'{transport_topic(self, self._input_config.image_transport)}')

    def deactivate(self) -> None:
        """Drop the image subscription: DDS stops delivering frames to this node."""
        self._gate.disarm()
        if self._subscription is not None:
            self.destroy_subscription(self._subscription)
            self._subscription = None

    def release(self) -> None:
        """Drop the publisher, the detector and the tracks."""
        self._gate.forget()
        self.destroy_lifecycle_publisher(self._publisher)
        self._diagnostics.destroy()
        self._faces = None

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
        tracks = self._faces.step(bgr)
        height, width = bgr.shape[:2]
        faces = [track_to_face(track, width, height) for track in tracks]
        self._publisher.publish(FaceArray(header=msg.header,
                                          faces=[face for face in faces if face is not None]))
        self._diagnostics.published(msg.header.stamp, started)


main = main_for(FaceTrackerNode)
