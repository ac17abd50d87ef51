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
The classifier's ROS4HRI (REP-155) input: classify the faces another face detector found.

With ``faces_from`` ``ros4hri`` the classifier follows ``/humans/faces/tracked``; per listed
id it subscribes to ``/humans/faces/<id>/cropped`` (or ``aligned``, ``ros4hri_crops``) and
publishes ``/humans/faces/<id>/expression`` for every crop, with the crop's header. An id that
leaves the list loses its subscription, its publisher and its smoothing. hri_msgs is imported
only here, only in this mode. The checks are in :mod:`emotion_ros.core.faces.rep155_input`.
"""

from dataclasses import dataclass
import time
from typing import Any, Optional

from emotion_ros.conversions import to_bgr
from emotion_ros.core.config import FacesFromConfig
from emotion_ros.core.emotion.face_emotions import FaceEmotionEstimator
from emotion_ros.core.emotion.pairing import stamp_seconds
from emotion_ros.core.faces import rep155
from emotion_ros.core.faces.rep155_input import BAD_CROP, content_box, crop_problem, CropWatch
from emotion_ros.core.faces.rep155_input import NO_CROP, select_ids
from emotion_ros.core.frames.image_codec import ImageEncodingError
from emotion_ros.nodes.diagnostics import NodeDiagnostics
from emotion_ros.nodes.image_input import error_kind
from emotion_ros.nodes.node_main import StartupError
from emotion_ros.nodes.ros4hri_output import FACES_NAMESPACE, FRAME_QOS, missing_package_error
from emotion_ros.nodes.throttle import DistinctThrottle
from rclpy.event_handler import SubscriptionEventCallbacks
from rclpy.node import Node
from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import Image

# Crops held per face while the classifier is busy: 10 at 30 Hz ride out 0.33 s of scheduling
# delay (with busy loops sharing both cores, 5 lost a crop in 1 of 20 test runs); each costs
# about 1 ms to classify, so a full queue is worked off in about 10 ms per face.
CROP_DEPTH = 10
INCOMPATIBLE_QOS = 'incompatible_qos'
# The id list: newest only, from any publisher.
TRACKED_QOS = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=1,
                         reliability=ReliabilityPolicy.BEST_EFFORT)
# How often listed ids that never sent a crop are looked for, s.
WATCH_PERIOD = 0.5


def check_modes(provider: bool, faces_from: str) -> None:
    """
    Refuse to provide and consume ROS4HRI faces at once.

    :param provider: the ``ros4hri`` parameter.
    :param faces_from: the ``faces_from`` parameter.
    :raises StartupError: when both are on.
    """
    if provider and faces_from == 'ros4hri':
        raise StartupError('ros4hri true and faces_from ros4hri exclude each other: the '
                           'classifier would publish on /humans/faces the faces it reads there')


@dataclass
class _Face:
    """One followed face: its crops' subscription and its expression publisher."""

    crops: Any
    expression: Any


class Ros4hriInput:
    """Follow another detector's REP-155 faces and publish each crop's expression."""

    def __init__(self, node: Node, config: FacesFromConfig, estimator: FaceEmotionEstimator,
                 card_extra: dict, throttle: DistinctThrottle) -> None:
        """
        Import hri_msgs and check the expression table; subscribe nothing before activate.

        :param node: the classifier.
        :param config: where the faces come from and which crops are read.
        :param estimator: classifies the crops (its ``max_faces`` bounds the faces followed).
        :param card_extra: the model card's other fields (its expression table, if any).
        :param throttle: bad input is logged once per kind and period.
        :raises StartupError: without hri_msgs, or for a class with no REP-155 expression.
        """
        try:
            from hri_msgs import msg as hri
        except ImportError:
            raise missing_package_error() from None
        try:
            self._expressions = rep155.expression_table(estimator.labels, card_extra)
        except ValueError as error:
            raise StartupError(str(error)) from None
        self._hri = hri
        self._node = node
        self._config = config
        self._estimator = estimator
        self._diagnostics: Optional[NodeDiagnostics] = None
        self._throttle = throttle
        self._faces: dict[str, _Face] = {}
        self._crop_qos = QoSProfile(
            history=HistoryPolicy.KEEP_LAST, depth=CROP_DEPTH,
            reliability=ReliabilityPolicy.RELIABLE
            if config.ros4hri_crops_reliability == 'reliable' else ReliabilityPolicy.BEST_EFFORT)
        self._watch = CropWatch(config.ros4hri_crop_timeout)
        self._tracked: Optional[Any] = None
        self._timer: Optional[Any] = None
        self.published = 0  # expressions published, for /diagnostics

    def counters(self) -> dict[str, int]:
        """Return the totals for /diagnostics."""
        return {'ros4hri expressions published': self.published,
                'ros4hri faces followed': len(self._faces)}

    def activate(self, diagnostics: NodeDiagnostics) -> None:
        """
        Follow the id list.

        :param diagnostics: counts crops, expressions and errors.
        """
        self._diagnostics = diagnostics
        self._tracked = self._node.create_subscription(
            self._hri.IdsList, f'{FACES_NAMESPACE}/tracked', self._on_tracked, TRACKED_QOS)
        self._timer = self._node.create_timer(WATCH_PERIOD, self._check_crops)
        self._node.get_logger().info(
            f'faces from {FACES_NAMESPACE}/tracked, crops from '
            f'{FACES_NAMESPACE}/<id>/{self._config.ros4hri_crops}')

    def deactivate(self) -> None:
        """Stop following: drop the list's subscription and every face."""
        for face_id in list(self._faces):
            self._drop(face_id)
        if self._tracked is not None:
            self._node.destroy_subscription(self._tracked)
            self._node.destroy_timer(self._timer)
        self._tracked = self._timer = None

    def _problem(self, kind: str, text: str, key: Optional[str] = None) -> None:
        self._diagnostics.error(kind)
        # The texts carry ids and sizes: logged once per kind (and key) and period.
        if self._throttle.due(f'ros4hri {key or kind}'):
            self._node.get_logger().warning(text)

    def _on_tracked(self, msg: Any) -> None:
        ids, problems = select_ids(msg.ids, self._estimator.max_faces)
        for problem in problems:
            self._problem(problem.kind.replace(' ', '_'), problem.text)
        for face_id in [f for f in self._faces if f not in ids]:
            self._drop(face_id)
        now = time.monotonic()
        for face_id in ids:
            if face_id not in self._faces:
                self._add(face_id, now)

    def _add(self, face_id: str, now: float) -> None:
        base, node = f'{FACES_NAMESPACE}/{face_id}', self._node
        self._faces[face_id] = _Face(
            crops=node.create_subscription(
                Image, f'{base}/{self._config.ros4hri_crops}',
                lambda msg: self._on_crop(face_id, msg), self._crop_qos,
                event_callbacks=SubscriptionEventCallbacks(
                    incompatible_qos=lambda _: self._incompatible(face_id))),
            expression=node.create_publisher(self._hri.Expression, f'{base}/expression',
                                             FRAME_QOS))
        self._watch.appeared(face_id, now)

    def _drop(self, face_id: str) -> None:
        face = self._faces.pop(face_id)
        self._node.destroy_subscription(face.crops)
        self._node.destroy_publisher(face.expression)
        self._watch.gone(face_id)
        self._estimator.forget_absent(list(self._faces))

    def _incompatible(self, face_id: str) -> None:
        self._problem(INCOMPATIBLE_QOS, f'a publisher of {FACES_NAMESPACE}/{face_id}/'
                      f'{self._config.ros4hri_crops} offers a QoS this reader '
                      f'({self._config.ros4hri_crops_reliability}) cannot match: a best-effort '
                      'detector needs ros4hri_crops_reliability best_effort')

    def _check_crops(self) -> None:
        for face_id in self._watch.overdue(time.monotonic()):
            self._problem(NO_CROP, f'face {face_id} listed for {self._config.ros4hri_crop_timeout}'
                          f' s without a crop on {FACES_NAMESPACE}/{face_id}/'
                          f'{self._config.ros4hri_crops}: no expression for it')

    def _on_crop(self, face_id: str, msg: Image) -> None:
        face = self._faces.get(face_id)
        if face is None:
            return  # left the list while this crop waited
        self._watch.crop(face_id)
        started = self._diagnostics.received()
        # The size is checked first: a crop of another size is refused before it is decoded.
        problem, key = crop_problem(msg.width, msg.height), 'size'
        if problem is None:
            try:
                bgr = to_bgr(msg)
            except ImageEncodingError as error:
                problem, key = str(error), error_kind(error)
        if problem is not None:
            self._problem(BAD_CROP, f'face {face_id}: crop skipped: {problem}', f'crop {key}')
            return
        results, problems = self._estimator.estimate(
            bgr, [(face_id, content_box(bgr))], stamp_seconds(msg.header.stamp),
            forget_absent=False)
        for problem in problems:
            self._problem(problem.kind.replace(' ', '_'), problem.text)
        for result in results:
            # While the trust gate holds a face its label is the last trusted one: no confidence.
            face.expression.publish(self._hri.Expression(
                header=msg.header, expression=self._expressions[result.label],
                valence=float(result.valence), arousal=float(result.arousal),
                confidence=float(result.confidence) if result.reliable else 0.0))
            self.published += 1
            self._diagnostics.published(msg.header.stamp, started)
