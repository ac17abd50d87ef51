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

"""Emotion-classifier node: classify every tracked face, publish emotions and an overlay."""

from pathlib import Path
import time
from typing import Optional

from ament_index_python.packages import get_package_share_directory, PackageNotFoundError
from emotion_msgs.msg import Emotion, EmotionArray, Face, FaceArray
from emotion_ros.conversions import AnyImage, to_bgr
from emotion_ros.conversions import bgr_to_imgmsg
from emotion_ros.core.config import EmotionConfig, FaceLimitConfig, ImageInputConfig
from emotion_ros.core.config import FacesFromConfig, Ros4hriConfig, StartConfig
from emotion_ros.core.emotion.annotate import draw_annotations
from emotion_ros.core.emotion.face_emotions import FaceEmotion, FaceEmotionEstimator, FaceInput
from emotion_ros.core.emotion.face_emotions import to_annotations
from emotion_ros.core.emotion.pairing import stamp_key, stamp_seconds, StampPairer
from emotion_ros.core.faces.face_limits import MAX_KEYPOINTS
from emotion_ros.core.frames.image_codec import ImageEncodingError
from emotion_ros.core.model.classifier import EmotionClassifier, ModelLoadError
from emotion_ros.nodes.dds_check import FrameLossCheck
from emotion_ros.nodes.diagnostics import NodeDiagnostics
from emotion_ros.nodes.emotion_events import EmotionEventOutput
from emotion_ros.nodes.image_input import error_kind, subscribe_image
from emotion_ros.nodes.image_input import transport_topic
from emotion_ros.nodes.managed_node import ManagedNode
from emotion_ros.nodes.node_main import main_for, StartupError
from emotion_ros.nodes.parameters import declare_config
from emotion_ros.nodes.qos import PAIRED_IMAGE_QOS, publisher_qos, replace_depth, RESULT_QOS
from emotion_ros.nodes.ros4hri_input import check_modes, Ros4hriInput
from emotion_ros.nodes.ros4hri_output import Ros4hriOutput
from emotion_ros.nodes.throttle import DistinctThrottle
from emotion_ros.nodes.when_matched import WhenMatched
from sensor_msgs.msg import Image
from sensor_msgs.msg import RegionOfInterest


def resolve_model_path(model: str) -> Path:
    """
    Find a model file: a path as given, or a bare file name in the package's models folder.

    :param model: the ``model`` parameter.
    :returns: the path (existence is checked by the classifier).
    """
    path = Path(model).expanduser()
    if path.parent != Path('.') or path.exists():
        return path
    try:
        return Path(get_package_share_directory('emotion_ros')) / 'models' / model
    except PackageNotFoundError:
        return path


def to_face_input(face: Face) -> FaceInput:
    """
    Return what the estimator needs of one tracked face: id, box, keypoints and head pose.

    :param face: an emotion_msgs/Face.
    :returns: ``(id, (x, y, w, h), [(x, y), ...], (yaw, pitch, roll))``, pixels and degrees;
        the keypoints in the message's order (eyes first), empty when the detector gave none.
        At most one more than :data:`MAX_KEYPOINTS` are converted: enough for the estimator
        to refuse the face, however many a foreign message carries.
    """
    box = (face.roi.x_offset, face.roi.y_offset, face.roi.width, face.roi.height)
    return (face.id, box, [(point.x, point.y) for point in face.keypoints[:MAX_KEYPOINTS + 1]],
            (face.yaw, face.pitch, face.roll))


def to_emotion_msg(result: FaceEmotion) -> Emotion:
    """Return the emotion_msgs/Emotion of one classified face."""
    x, y, w, h = (max(int(round(v)), 0) for v in result.box)
    return Emotion(face_id=result.face_id,
                   roi=RegionOfInterest(x_offset=x, y_offset=y, width=w, height=h),
                   label=result.label, confidence=result.confidence,
                   probabilities=[float(p) for p in result.probabilities],
                   reliable=result.reliable, held_for=result.held_for,
                   looking_at_camera=result.looking_at_camera,
                   valence=result.valence, arousal=result.arousal)


class EmotionClassifierNode(ManagedNode):
    """
    Pair images with tracked faces by stamp, classify the faces, publish the results.

    configure loads and warms up the model; activate subscribes to faces and images (the
    images once the outputs are heard, if asked); deactivate drops both subscriptions, keeping
    each track's smoothing.
    """

    def __init__(self) -> None:
        super().__init__('emotion_classifier')
        self.config: Optional[EmotionConfig] = None
        self._subscriptions: list = []
        self._faces_input: Optional[Ros4hriInput] = None

    def configure(self) -> None:
        """Read the parameters, load the model, create the estimator and the publishers."""
        config, self._input_config, start_config, limits, ros4hri, faces_from = declare_config(
            self, EmotionConfig, ImageInputConfig, StartConfig, FaceLimitConfig, Ros4hriConfig,
            FacesFromConfig)
        check_modes(ros4hri.ros4hri, faces_from.faces_from)
        model_path = resolve_model_path(config.model)
        try:
            classifier = EmotionClassifier.load(model_path)
            classifier.warm_up()
        except ModelLoadError as error:
            raise StartupError(str(error)) from None
        self.config = config
        self._model_name = classifier.card.name
        self._estimator = FaceEmotionEstimator.from_config(classifier, config, limits)
        self._ros4hri = Ros4hriOutput(
            self, ros4hri, self._estimator.labels, classifier.card.extra,
            config.event_lost_timeout) if ros4hri.ros4hri else None
        self._pairer = StampPairer(config.pairing_capacity)
        # Deeper for a file (pairing_queue_depth), so that a loaded CPU drops none of its frames.
        self._image_qos = replace_depth(PAIRED_IMAGE_QOS, config.pairing_queue_depth)
        self._faces_qos = replace_depth(RESULT_QOS, max(RESULT_QOS.depth,
                                                        config.pairing_queue_depth))
        self._throttle = DistinctThrottle()
        # faces_from ros4hri: the faces are another detector's crops (ros4hri_input.py).
        self._faces_input = Ros4hriInput(
            self, faces_from, self._estimator, classifier.card.extra,
            self._throttle) if faces_from.faces_from == 'ros4hri' else None
        self._frame_check = FrameLossCheck(self)
        # Images are read only once the outputs are heard (if asked), so a camera waiting for
        # subscribers does not start before this node's readers listen.
        self._gate = WhenMatched(self, start_config.wait_for_output_subscribers,
                                 self._subscribe_images, 'subscribers')
        self._emotions_pub = self._gate.watch(self.create_lifecycle_publisher(
            EmotionArray, 'emotions', RESULT_QOS, event_callbacks=self._gate.callbacks()))
        self._annotated_pub = self._gate.watch(self.create_lifecycle_publisher(
            Image, 'image_annotated', publisher_qos('reliable'),
            event_callbacks=self._gate.callbacks()))
        self._events = EmotionEventOutput(self, config)
        self._diagnostics = NodeDiagnostics(self, dropped=self._dropped, counters=self._counters,
                                            state=lambda: self.state_label,
                                            waiting=self._gate.long_wait)
        self.get_logger().info(
            f'model {self._model_name} ({model_path}, {classifier.backend}), classes: '
            f'{", ".join(self._estimator.labels)}')
        missing = self._estimator.valence_arousal_table.missing(self._estimator.labels)
        if missing:
            self.get_logger().warning(
                f'valence and arousal are NaN: no point for {", ".join(missing)} in the '
                'valence_arousal table of the model card (or the default one)')

    def activate(self) -> None:
        """Subscribe to the faces now and to the images once the outputs are heard."""
        if self._faces_input:
            self._faces_input.activate(self._diagnostics)
            return
        self._subscriptions.append(
            self.create_subscription(FaceArray, 'faces', self._on_faces, self._faces_qos))
        self._gate.arm()

    def _subscribe_images(self) -> None:
        transport = self._input_config.image_transport
        self._subscriptions.append(
            subscribe_image(self, transport, self._on_image, self._image_qos))
        self.get_logger().info(f'images from {transport_topic(self, transport)}')

    def deactivate(self) -> None:
        """Drop the subscriptions: DDS stops delivering frames and faces to this node."""
        self._gate.disarm()
        if self._faces_input:
            self._faces_input.deactivate()
        if self._ros4hri:
            self._ros4hri.clear()
        for subscription in self._subscriptions:
            self.destroy_subscription(subscription)
        self._subscriptions = []

    def release(self) -> None:
        """
        Drop the publishers, the model, every face's smoothing and the events' state.

        The next configure starts afresh: after a model swap no face is smoothed across two
        models' classes and the first event of every face is APPEARED, not CHANGED.
        """
        self._gate.forget()
        self.destroy_lifecycle_publisher(self._emotions_pub)
        self.destroy_lifecycle_publisher(self._annotated_pub)
        self._events.destroy()
        self._diagnostics.destroy()
        if self._ros4hri:
            self._ros4hri.destroy()
        self._estimator = self._events = self._pairer = self._ros4hri = self._faces_input = None

    def _dropped(self) -> dict[str, int]:
        stats = self._pairer.stats
        return {'evicted_images': stats.evicted_images, 'evicted_faces': stats.evicted_faces}

    def _counters(self) -> dict[str, int]:
        stats = self._pairer.stats
        ros4hri = {'ros4hri faces published': self._ros4hri.published,
                   'ros4hri faces': self._ros4hri.face_count} if self._ros4hri else {}
        if self._faces_input:
            ros4hri = self._faces_input.counters()
        return {'log lines suppressed': self._throttle.suppressed,
                'repeated stamps': stats.replaced_images + stats.replaced_faces, **ros4hri}

    def _on_image(self, msg: AnyImage) -> None:
        self._diagnostics.received()
        self._frame_check.frame(len(msg.data))
        pair = self._pairer.add_image(stamp_key(msg.header.stamp), msg)
        if pair is not None:
            self._process(pair.image, pair.faces)

    def _on_faces(self, msg: FaceArray) -> None:
        pair = self._pairer.add_faces(stamp_key(msg.header.stamp), msg)
        if pair is not None:
            self._process(pair.image, pair.faces)

    def _process(self, image: AnyImage, faces: FaceArray) -> None:
        started = time.perf_counter()
        draw = self._annotated_pub.get_subscription_count() > 0
        results: list[FaceEmotion] = []
        bgr = None
        if faces.faces or draw:
            try:
                bgr = to_bgr(image)
            except ImageEncodingError as error:
                self._diagnostics.error('bad_image')
                if self._throttle.due(error_kind(error)):
                    self.get_logger().error(f'image skipped: {error}')
                return
        if faces.faces:
            results, problems = self._estimator.estimate(
                bgr, [to_face_input(face) for face in faces.faces],
                stamp_seconds(image.header.stamp))
            for problem in problems:
                self._diagnostics.error('bad_face_box')
                # The texts carry face ids and sizes: logged once per kind and period.
                if self._throttle.due(problem.kind):
                    self.get_logger().warning(problem.text)
        else:
            self._estimator.forget_absent([])
        self._emotions_pub.publish(EmotionArray(
            header=image.header, classes=list(self._estimator.labels),
            model_name=self._model_name, emotions=[to_emotion_msg(r) for r in results]))
        self._events.frame(image.header, results)
        if self._ros4hri:
            self._ros4hri.frame(image.header, bgr, faces.faces, results)
        if draw:
            overlay = draw_annotations(bgr, to_annotations(results))
            self._annotated_pub.publish(bgr_to_imgmsg(overlay, image.header))
        self._diagnostics.published(image.header.stamp, started)


main = main_for(EmotionClassifierNode)
