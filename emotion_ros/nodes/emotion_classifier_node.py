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

from ament_index_python.packages import get_package_share_directory, PackageNotFoundError
from emotion_msgs.msg import Emotion, EmotionArray, Face, FaceArray
from emotion_ros.conversions import bgr_to_imgmsg
from emotion_ros.core.annotate import draw_annotations
from emotion_ros.core.classifier import EmotionClassifier, ModelLoadError
from emotion_ros.core.config import EmotionConfig, ImageInputConfig, StartConfig
from emotion_ros.core.face_emotions import FaceEmotion, FaceEmotionEstimator, FaceInput
from emotion_ros.core.face_emotions import to_annotations
from emotion_ros.core.image_codec import ImageEncodingError
from emotion_ros.core.pairing import stamp_key, StampPairer
from emotion_ros.nodes.dds_check import FrameLossCheck
from emotion_ros.nodes.diagnostics import NodeDiagnostics
from emotion_ros.nodes.image_input import AnyImage, error_kind, subscribe_image, to_bgr
from emotion_ros.nodes.image_input import transport_topic
from emotion_ros.nodes.output_gate import when_heard
from emotion_ros.nodes.parameters import declare_config
from emotion_ros.nodes.qos import PAIRED_IMAGE_QOS, publisher_qos, RESULT_QOS
from emotion_ros.nodes.spin import main_for, StartupError
from emotion_ros.nodes.throttle import DistinctThrottle
from rclpy.node import Node
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
    Return what the estimator needs of one tracked face: id, box and keypoints.

    :param face: an emotion_msgs/Face.
    :returns: ``(id, (x, y, w, h), [(x, y), ...])`` in pixels; the keypoints in the message's
        order (eyes first), empty when the detector gave none.
    """
    box = (face.roi.x_offset, face.roi.y_offset, face.roi.width, face.roi.height)
    return face.id, box, [(point.x, point.y) for point in face.keypoints]


def to_emotion_msg(result: FaceEmotion) -> Emotion:
    """Return the emotion_msgs/Emotion of one classified face."""
    x, y, w, h = (max(int(round(v)), 0) for v in result.box)
    return Emotion(face_id=result.face_id,
                   roi=RegionOfInterest(x_offset=x, y_offset=y, width=w, height=h),
                   label=result.label, confidence=result.confidence,
                   probabilities=[float(p) for p in result.probabilities])


class EmotionClassifierNode(Node):
    """Pair images with tracked faces by stamp, classify the faces, publish the results."""

    def __init__(self) -> None:
        super().__init__('emotion_classifier')
        self.config: EmotionConfig
        self.config, input_config, start_config = declare_config(
            self, EmotionConfig, ImageInputConfig, StartConfig)
        self._emotions_pub = self.create_publisher(EmotionArray, 'emotions', RESULT_QOS)
        self._annotated_pub = self.create_publisher(Image, 'image_annotated',
                                                    publisher_qos('reliable'))
        model_path = resolve_model_path(self.config.model)
        try:
            classifier = EmotionClassifier.load(model_path)
            classifier.warm_up()
        except ModelLoadError as error:
            raise StartupError(str(error)) from None
        self._model_name = classifier.card.name
        self._estimator = FaceEmotionEstimator.from_config(classifier, self.config)
        self._pairer = StampPairer(self.config.pairing_capacity)
        self._throttle = DistinctThrottle()
        self._frame_check = FrameLossCheck(self)
        self._diagnostics = NodeDiagnostics(self, dropped=self._dropped, counters=self._counters)
        # Subscribe only once the model is ready (and the outputs are heard, if asked), so a
        # camera waiting for subscribers does not start before this node can classify.
        self.create_subscription(FaceArray, 'faces', self._on_faces, RESULT_QOS)
        image_topic = transport_topic(self, input_config.image_transport)
        when_heard(self, [self._emotions_pub, self._annotated_pub],
                   start_config.wait_for_output_subscribers,
                   lambda: subscribe_image(self, input_config.image_transport, self._on_image,
                                           PAIRED_IMAGE_QOS))
        self.get_logger().info(
            f'model {self._model_name} ({model_path}, {classifier.backend}), classes: '
            f'{", ".join(self._estimator.labels)}; images from {image_topic}')

    def _dropped(self) -> dict[str, int]:
        stats = self._pairer.stats
        return {'evicted_images': stats.evicted_images, 'evicted_faces': stats.evicted_faces}

    def _counters(self) -> dict[str, int]:
        stats = self._pairer.stats
        return {'log lines suppressed': self._throttle.suppressed,
                'repeated stamps': stats.replaced_images + stats.replaced_faces}

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
                bgr, [to_face_input(face) for face in faces.faces])
            for problem in problems:
                self._diagnostics.error('bad_face_box')
                # The texts carry face ids and sizes: one kind, logged once per period.
                if self._throttle.due('face skipped'):
                    self.get_logger().warning(problem)
        else:
            self._estimator.forget_absent([])
        self._emotions_pub.publish(EmotionArray(
            header=image.header, classes=list(self._estimator.labels),
            model_name=self._model_name, emotions=[to_emotion_msg(r) for r in results]))
        if draw:
            overlay = draw_annotations(bgr, to_annotations(results))
            self._annotated_pub.publish(bgr_to_imgmsg(overlay, image.header))
        self._diagnostics.published(image.header.stamp, started)


main = main_for(EmotionClassifierNode)
