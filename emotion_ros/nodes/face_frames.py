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
REP-155 face frames: ``face_<id>`` and ``gaze_<id>`` on ``/tf``, as tf2_ros's broadcaster sends.

The head is fitted to the BlazeFace keypoints (:func:`emotion_ros.core.faces.head_pose.fit_head`)
with the intrinsics of the newest ``camera_info`` beside the image topic, or the default camera
(logged once) until a calibrated one for the same image size comes. Only tf2_msgs is needed
(no tf2_ros); without it the frames are skipped with one log line.
"""

from collections.abc import Sequence
import os
from typing import Any, Optional

from emotion_ros.core.faces import rep155
from emotion_ros.core.faces.head_pose import fit_head
from emotion_ros.core.frames.camera_info import camera_matrix
import numpy as np
from rclpy.lifecycle import LifecycleNode
from rclpy.qos import HistoryPolicy, qos_profile_sensor_data, QoSProfile, ReliabilityPolicy
from std_msgs.msg import Header

# /tf as tf2_ros's TransformBroadcaster publishes it (DynamicBroadcasterQoS).
TF_QOS = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=100,
                    reliability=ReliabilityPolicy.RELIABLE)
# The newest camera_info only; best effort reads both reliable and best-effort cameras.
CAMERA_INFO_QOS = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=1,
                             reliability=qos_profile_sensor_data.reliability)


class FaceFrameOutput:
    """The ``face_<id>`` and ``gaze_<id>`` TF frames, parented to the image's frame."""

    def __init__(self, node: LifecycleNode) -> None:
        """
        Import tf2_msgs and subscribe to camera_info; without tf2_msgs log once and do nothing.

        :param node: the classifier.
        """
        self._node = node
        self._publisher = self._subscription = None
        self._info: Any = None
        self._fallback_logged = False
        try:
            from tf2_msgs.msg import TFMessage
        except ImportError:
            distro = os.environ.get('ROS_DISTRO') or '<distro>'
            node.get_logger().warning(
                f'face frames skipped: no tf2_msgs package (install ros-{distro}-tf2-msgs)')
            return
        from sensor_msgs.msg import CameraInfo
        self._tf_message = TFMessage
        self._publisher = node.create_lifecycle_publisher(TFMessage, '/tf', TF_QOS)
        image_topic = node.resolve_topic_name('image_raw')
        self.camera_info_topic = image_topic.rsplit('/', 1)[0] + '/camera_info'
        self._subscription = node.create_subscription(
            CameraInfo, self.camera_info_topic, self._on_info, CAMERA_INFO_QOS)

    def _on_info(self, msg: Any) -> None:
        self._info = msg

    def _matrix(self, width: int, height: int) -> Optional[np.ndarray]:
        info = self._info
        matrix = None if info is None else camera_matrix(info.k, info.width, info.height,
                                                         width, height)
        if matrix is None and not self._fallback_logged:
            self._fallback_logged = True
            why = ('no camera_info yet' if info is None else
                   'its camera_info is uncalibrated or for another image size')
            self._node.get_logger().info(
                f'face frames: {why} ({self.camera_info_topic}): the default camera is '
                'assumed (focal length = image width), so distances are approximate')
        return matrix

    def frame(self, header: Header, width: int, height: int,
              faces: Sequence[tuple[str, Sequence[tuple[float, float]]]]) -> None:
        """
        Publish the frames of one image's faces (those whose head can be fitted).

        :param header: the image's header: stamp and parent frame.
        :param width: image width, pixels.
        :param height: image height, pixels.
        :param faces: ``(face id, keypoints)`` per face.
        """
        if self._publisher is None:
            return
        from geometry_msgs.msg import Quaternion, Transform, TransformStamped, Vector3
        matrix = self._matrix(width, height)
        transforms = []
        for face_id, keypoints in faces:
            fit = fit_head(keypoints, width, height, matrix)
            if fit is None:
                continue
            origin, face_q, gaze_q = rep155.face_frames(fit)
            for prefix, q in (('face', face_q), ('gaze', gaze_q)):
                transforms.append(TransformStamped(
                    header=header, child_frame_id=f'{prefix}_{face_id}',
                    transform=Transform(translation=Vector3(x=origin[0], y=origin[1],
                                                            z=origin[2]),
                                        rotation=Quaternion(x=q[0], y=q[1], z=q[2], w=q[3]))))
        if transforms:
            self._publisher.publish(self._tf_message(transforms=transforms))

    def destroy(self) -> None:
        """Destroy the publisher and the subscription."""
        if self._publisher is not None:
            self._node.destroy_lifecycle_publisher(self._publisher)
            self._node.destroy_subscription(self._subscription)
