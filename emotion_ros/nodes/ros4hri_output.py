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
The classifier's ROS4HRI (REP-155) output: the faces a ROS4HRI face detector would publish.

Per frame ``/humans/faces/tracked`` (or the camera's own list, ``ros4hri_tracked_topic``);
per face, publishers made when its track appears and destroyed when it goes:
``/humans/faces/<id>/{roi,cropped,aligned,landmarks,expression}``; and the ``face_<id>`` and
``gaze_<id>`` frames on ``/tf`` from the head fitted to the keypoints, with the intrinsics of
the latest ``camera_info`` beside the image topic (the default camera until a calibrated one
comes). hri_msgs (and tf2_msgs) are imported only here, only when ``ros4hri`` is on; without
tf2_msgs the face frames are skipped with one log line. The mappings are in
:mod:`emotion_ros.core.faces.rep155`.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
import os
import time
from typing import Any, Optional

from emotion_msgs.msg import Face
from emotion_ros.conversions import bgr_to_imgmsg
from emotion_ros.core.config import Ros4hriConfig
from emotion_ros.core.emotion.face_emotions import FaceEmotion
from emotion_ros.core.faces import rep155
from emotion_ros.nodes.face_frames import FaceFrameOutput
from emotion_ros.nodes.node_main import StartupError
import numpy as np
from rclpy.lifecycle import LifecycleNode
from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
from std_msgs.msg import Header

# Per-frame ROS4HRI topics as ROS4HRI's own nodes publish them: reliable, newest only.
FRAME_QOS = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=1,
                       reliability=ReliabilityPolicy.RELIABLE)
# Where the per-face topics live (REP-155).
FACES_NAMESPACE = '/humans/faces'
# How often the output checks whether frames stopped (then every face is lost), s.
EXPIRE_CHECK_PERIOD = 0.25


def debian_package(package: str) -> str:
    """Return the distribution package of a ROS package: ``ros-<distro>-hri-msgs``."""
    distro = os.environ.get('ROS_DISTRO') or '<distro>'
    return f'ros-{distro}-{package.replace("_", "-")}'


def missing_package_error(package: str = 'hri_msgs') -> StartupError:
    """Return the one-line configure failure for ros4hri without hri_msgs."""
    return StartupError(f'ros4hri needs the {package} package, which is not installed: '
                        f'install {debian_package(package)} (or set ros4hri false)')


@dataclass
class _FaceTopics:
    """One face's publishers."""

    roi: Any
    cropped: Any
    aligned: Any
    landmarks: Any
    expression: Any

    def publishers(self) -> tuple:
        return (self.roi, self.cropped, self.aligned, self.landmarks, self.expression)


class Ros4hriOutput:
    """Publish the classified faces of each frame as REP-155 faces."""

    def __init__(self, node: LifecycleNode, config: Ros4hriConfig, labels: Sequence[str],
                 card_extra: Mapping[str, Any], lost_timeout: float) -> None:
        """
        Import hri_msgs, check the expression table, create the list publisher and timer.

        :param node: the classifier (lifecycle: the list goes out only while active).
        :param config: the ROS4HRI settings.
        :param labels: the model's classes, each mapped to a REP-155 expression.
        :param card_extra: the model card's other fields (its expression table, if any).
        :param lost_timeout: with no frame for this long every face is lost, s.
        :raises StartupError: without hri_msgs, or for a class with no REP-155 expression.
        """
        try:
            from hri_msgs import msg as hri
        except ImportError:
            raise missing_package_error() from None
        try:
            self._expressions = rep155.expression_table(labels, card_extra)
        except ValueError as error:
            raise StartupError(str(error)) from None
        self._hri = hri
        self._node = node
        self._ids = rep155.FaceIds()
        self._faces: dict[str, _FaceTopics] = {}
        self._tracked = node.create_lifecycle_publisher(
            hri.IdsList, config.ros4hri_tracked_topic, FRAME_QOS)
        self._lost_timeout = lost_timeout
        self._last_frame: Optional[float] = None
        self._last_header = Header()
        self.published = 0  # face-frames published, for /diagnostics
        self._timer = node.create_timer(EXPIRE_CHECK_PERIOD, self._expire)
        self._frames = FaceFrameOutput(node)

    @property
    def face_count(self) -> int:
        """Return how many faces have topics now."""
        return len(self._faces)

    def frame(self, header: Header, bgr: Optional[np.ndarray], faces: Sequence[Face],
              results: Sequence[FaceEmotion]) -> None:
        """
        Publish one classified frame: the id list, and each face's topics.

        :param header: the image's header, put on every message.
        :param bgr: the frame (None when it had no face).
        :param faces: the tracker's faces of the frame (keypoints, detection confidence).
        :param results: the classifier's per-face results; a face without one (refused box)
            is not published.
        """
        self._last_frame, self._last_header = time.monotonic(), header
        by_track = {face.id: face for face in faces}
        present = [(result, by_track[result.face_id]) for result in results
                   if result.face_id in by_track]
        for gone in self._ids.retain(result.face_id for result, _ in present):
            self._drop(gone)
        ids = []
        for result, face in present:
            face_id = self._ids.id_for(result.face_id)
            topics = self._faces.get(face_id) or self._add(face_id)
            self._publish_face(topics, header, bgr, face, result)
            ids.append(face_id)
        self._tracked.publish(self._hri.IdsList(header=header, ids=ids))
        if bgr is not None and present:
            self._frames.frame(header, bgr.shape[1], bgr.shape[0], [
                (face_id, [(p.x, p.y) for p in face.keypoints])
                for face_id, (_, face) in zip(ids, present)])
        self.published += len(ids)

    def _publish_face(self, topics: _FaceTopics, header: Header, bgr: Optional[np.ndarray],
                      face: Face, result: FaceEmotion) -> None:
        hri = self._hri
        height, width = (bgr.shape[:2] if bgr is not None else (0, 0))
        if not (width and height):
            return
        box = result.box
        xmin, ymin, xmax, ymax = rep155.normalised_roi(box, width, height)
        topics.roi.publish(hri.NormalizedRegionOfInterest2D(
            header=header, xmin=xmin, ymin=ymin, xmax=xmax, ymax=ymax,
            c=float(face.detection_confidence)))
        keypoints = [(point.x, point.y) for point in face.keypoints]
        if topics.landmarks.get_subscription_count() > 0:
            points = rep155.landmarks_70(keypoints, width, height, face.detection_confidence)
            topics.landmarks.publish(hri.FacialLandmarks(
                header=header, height=height, width=width,
                landmarks=[hri.NormalizedPointOfInterest2D(x=x, y=y, c=c)
                           for x, y, c in points]))
        # While the trust gate holds a face its label is the last trusted one: no confidence.
        topics.expression.publish(hri.Expression(
            header=header, expression=self._expressions[result.label],
            valence=float(result.valence), arousal=float(result.arousal),
            confidence=float(result.confidence) if result.reliable else 0.0))
        try:
            if topics.cropped.get_subscription_count() > 0:
                topics.cropped.publish(bgr_to_imgmsg(rep155.letterbox_crop(bgr, box), header))
            if topics.aligned.get_subscription_count() > 0:
                topics.aligned.publish(bgr_to_imgmsg(
                    rep155.aligned_crop(bgr, box, keypoints), header))
        except ValueError:
            pass  # a box outside the frame: the estimator already counted and logged it

    def _add(self, face_id: str) -> _FaceTopics:
        from sensor_msgs.msg import Image
        hri, node, base = self._hri, self._node, f'{FACES_NAMESPACE}/{face_id}'
        topics = _FaceTopics(
            roi=node.create_publisher(hri.NormalizedRegionOfInterest2D, f'{base}/roi',
                                      FRAME_QOS),
            cropped=node.create_publisher(Image, f'{base}/cropped', FRAME_QOS),
            aligned=node.create_publisher(Image, f'{base}/aligned', FRAME_QOS),
            landmarks=node.create_publisher(hri.FacialLandmarks, f'{base}/landmarks',
                                            FRAME_QOS),
            expression=node.create_publisher(hri.Expression, f'{base}/expression', FRAME_QOS))
        self._faces[face_id] = topics
        return topics

    def _drop(self, face_id: str) -> None:
        topics = self._faces.pop(face_id, None)
        for publisher in topics.publishers() if topics else ():
            self._node.destroy_publisher(publisher)

    def clear(self) -> None:
        """Lose every face: destroy its topics and publish an empty list (deactivate, expiry)."""
        if not self._faces:
            return
        for face_id in self._ids.retain(()):
            self._drop(face_id)
        header = Header(frame_id=self._last_header.frame_id,
                        stamp=self._node.get_clock().now().to_msg())
        self._tracked.publish(self._hri.IdsList(header=header, ids=[]))

    def _expire(self) -> None:
        if self._last_frame is not None and \
                time.monotonic() - self._last_frame > self._lost_timeout:
            self._last_frame = None
            self.clear()

    def destroy(self) -> None:
        """Destroy every publisher and the timer (the node is being cleaned up)."""
        for face_id in self._ids.retain(()):
            self._drop(face_id)
        self._node.destroy_timer(self._timer)
        self._node.destroy_lifecycle_publisher(self._tracked)
        self._frames.destroy()
