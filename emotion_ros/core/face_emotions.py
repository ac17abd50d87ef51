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

"""Classify every tracked face of a frame in one batch: the stage the node and scripts share."""

from collections.abc import Sequence
from dataclasses import dataclass

from emotion_ros.core.annotate import Annotation
from emotion_ros.core.config import EmotionConfig
from emotion_ros.core.labels import top_label
from emotion_ros.core.preprocessing import crop_face
from emotion_ros.core.smoothing import ProbabilitySmoother
import numpy as np

# A box is (x, y, w, h) in pixels of the frame.
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class FaceEmotion:
    """
    The emotion of one tracked face in one frame.

    :param face_id: track id.
    :param box: ``(x, y, w, h)`` in pixels of the frame.
    :param label: the most probable class (after smoothing).
    :param confidence: its probability, 0..1.
    :param probabilities: one probability per class, in the model's label order.
    """

    face_id: int
    box: Box
    label: str
    confidence: float
    probabilities: np.ndarray


class FaceEmotionEstimator:
    """Crop, preprocess and classify the faces of a frame; smooth per track over time."""

    def __init__(self, classifier, smoother,
                 crop_margin: float = EmotionConfig.crop_margin) -> None:
        """
        Build the stage.

        :param classifier: an :class:`emotion_ros.core.classifier.EmotionClassifier`.
        :param smoother: an :class:`emotion_ros.core.smoothing.ProbabilitySmoother`.
        :param crop_margin: fraction of the face box added on each side before resizing.
        :raises ValueError: for a negative margin.
        """
        if not crop_margin >= 0.0:
            raise ValueError(f'crop_margin must be >= 0, got {crop_margin}')
        self._classifier = classifier
        self._smoother = smoother
        self._margin = float(crop_margin)

    @classmethod
    def from_config(cls, classifier, config: EmotionConfig) -> 'FaceEmotionEstimator':
        """
        Build the stage from its config (smoothing and crops; the model is loaded by the caller).

        :param classifier: an :class:`emotion_ros.core.classifier.EmotionClassifier`.
        :param config: the emotion stage's settings.
        :returns: the estimator.
        """
        return cls(classifier, ProbabilitySmoother(config.smoothing), config.crop_margin)

    @property
    def labels(self) -> tuple[str, ...]:
        """Return the model's class names in output order."""
        return tuple(self._classifier.labels)

    def forget_absent(self, face_ids: Sequence[int]) -> None:
        """
        Drop the smoothing state of every track not in ``face_ids``.

        :param face_ids: the tracks present in the current frame.
        """
        self._smoother.prune(face_ids)

    def estimate(self, bgr: np.ndarray,
                 faces: Sequence[tuple[int, Box]]) -> tuple[list[FaceEmotion], list[str]]:
        """
        Classify the faces of one frame.

        Faces whose box lies outside the image are skipped and reported, the others are
        classified. Tracks absent from this frame are forgotten by the smoother.

        :param bgr: the frame, uint8 HxWx3 BGR.
        :param faces: ``(face_id, box)`` per tracked face.
        :returns: the results in input order (skipped faces left out) and one message per
            skipped face.
        """
        crops, kept, problems = [], [], []
        for face_id, box in faces:
            try:
                crops.append(crop_face(bgr, box, self._margin))
                kept.append((face_id, tuple(float(v) for v in box)))
            except ValueError as error:
                problems.append(f'face {face_id} skipped: {error}')
        self.forget_absent([face_id for face_id, _ in faces])
        if not crops:
            return [], problems
        probabilities = self._classifier.classify_crops(crops)
        labels = self.labels
        results = []
        for (face_id, box), raw in zip(kept, probabilities):
            smoothed = self._smoother.update(face_id, raw)
            label, confidence = top_label(smoothed, labels)
            results.append(FaceEmotion(face_id=face_id, box=box, label=label,
                                       confidence=confidence,
                                       probabilities=np.asarray(smoothed, dtype=np.float32)))
        return results, problems


def to_annotations(results: Sequence[FaceEmotion]) -> list[Annotation]:
    """Return one overlay item (box, id, label, confidence) per result."""
    return [Annotation(box=r.box, face_id=r.face_id, label=r.label, confidence=r.confidence)
            for r in results]
