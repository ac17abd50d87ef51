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
from emotion_ros.conversions import imgmsg_to_bgr
from emotion_ros.core.detection import clip_detection, DETECTORS, make_detector
from emotion_ros.core.image_codec import ImageEncodingError
from emotion_ros.core.tracking import SortTracker, Track
from emotion_ros.nodes.parameters import at_least, declare_parameters, one_of, ParamSpec
from emotion_ros.nodes.qos import LATEST_IMAGE_QOS, RESULT_QOS
from emotion_ros.nodes.spin import main_for, StartupError
from emotion_ros.nodes.throttle import DistinctThrottle
from rclpy.node import Node
from sensor_msgs.msg import Image
from sensor_msgs.msg import RegionOfInterest

PARAMETERS = (
    ParamSpec('detector', 'yuface', "face detector: 'yuface' (libfacedetection CNN, default) or "
              "'haar' (OpenCV frontal-face cascade)", one_of(*DETECTORS)),
    ParamSpec('min_score', 0.5, 'minimum detection confidence, 0..1 (yuface only)',
              at_least(0.0), float_range=(0.0, 1.0)),
    ParamSpec('detection_scale', 0.5, 'factor the image is scaled by before yuface detection '
              '(0.5: half size, 6x faster; 1.0 for small or distant faces)',
              at_least(0.05), float_range=(0.05, 1.0)),
    ParamSpec('detector_threads', 1, 'OpenMP threads for yuface (0: one per core); 1 keeps '
              'detection steady when the classifier shares a small CPU', at_least(0),
              int_range=(0, 64)),
    ParamSpec('max_age', 5, 'frames a track survives without a matching detection',
              at_least(0), int_range=(0, 1000)),
    ParamSpec('min_hits', 3, 'detections needed before a new track is published',
              at_least(1), int_range=(1, 1000)),
    ParamSpec('iou_threshold', 0.3, 'minimum box overlap (IoU, 0..1) to match a detection to a '
              'track', at_least(0.0), float_range=(0.0, 1.0)),
)


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
                frames_since_detection=track.time_since_update)


class FaceTrackerNode(Node):
    """Subscribe to images, publish tracked faces with the image's header."""

    def __init__(self) -> None:
        super().__init__('face_tracker')
        self.p = declare_parameters(self, PARAMETERS)
        try:
            if self.p['detector'] == 'yuface':
                self._detector = make_detector('yuface', min_score=self.p['min_score'],
                                               downscale=self.p['detection_scale'],
                                               threads=self.p['detector_threads'])
            else:
                self._detector = make_detector('haar')
        except (ImportError, RuntimeError, OSError) as error:
            raise StartupError(f'detector {self.p["detector"]} unavailable: {error}') from None
        self._tracker = SortTracker(max_age=self.p['max_age'], min_hits=self.p['min_hits'],
                                    iou_threshold=self.p['iou_threshold'])
        self._publisher = self.create_publisher(FaceArray, 'faces', RESULT_QOS)
        self._throttle = DistinctThrottle()
        self.create_subscription(Image, 'image_raw', self._on_image, LATEST_IMAGE_QOS)
        self.get_logger().info(f'tracking faces with {self.p["detector"]}')

    def _on_image(self, msg: Image) -> None:
        try:
            bgr = imgmsg_to_bgr(msg)
        except ImageEncodingError as error:
            if self._throttle.due(error.kind):
                self.get_logger().error(f'image at {msg.header.stamp.sec}.'
                                        f'{msg.header.stamp.nanosec:09d} skipped: {error}')
            return
        tracks = self._tracker.update(self._detector.detect(bgr))
        height, width = bgr.shape[:2]
        faces = [track_to_face(track, width, height) for track in tracks]
        self._publisher.publish(FaceArray(header=msg.header,
                                          faces=[face for face in faces if face is not None]))


main = main_for(FaceTrackerNode)
