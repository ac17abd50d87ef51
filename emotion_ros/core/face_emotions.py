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
Classify every tracked face of a frame in one batch: the stage the node and scripts share.

Each face is seen several ways (one crop per margin in ``crop_margins``, and their mirror images
when ``mirror`` is on); all views of all faces go to the model in one batch and each face's
probabilities are the mean over its views, then smoothed per track over time. A single crop
at a single margin is a coin toss for the label (issue 8); the mean over views is not. With
``align_roll``, a face with eye keypoints is turned so that its eyes are level before its crops
are cut (:mod:`emotion_ros.core.alignment`).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Union

from emotion_ros.core.alignment import roll_degrees
from emotion_ros.core.annotate import Annotation
from emotion_ros.core.config import EmotionConfig
from emotion_ros.core.labels import top_label
from emotion_ros.core.preprocessing import check_crop_margins, face_views
from emotion_ros.core.smoothing import ProbabilitySmoother
import numpy as np

# A box is (x, y, w, h) in pixels of the frame.
Box = tuple[float, float, float, float]
# A keypoint is (x, y) in pixels of the frame.
Point = tuple[float, float]
# One face to classify: (face_id, box), or (face_id, box, keypoints) with the detector's
# landmarks in its order (BlazeFace: right eye, left eye, ...; empty when it has none).
FaceInput = Union[tuple[int, Box], tuple[int, Box, Sequence[Point]]]


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
                 crop_margins: Sequence[float] = EmotionConfig.crop_margins,
                 mirror: bool = EmotionConfig.mirror,
                 align_roll: bool = EmotionConfig.align_roll) -> None:
        """
        Build the stage.

        :param classifier: an :class:`emotion_ros.core.classifier.EmotionClassifier`.
        :param smoother: an :class:`emotion_ros.core.smoothing.ProbabilitySmoother`.
        :param crop_margins: fractions of the face box added on each side, one crop per
            margin; ``[m]`` with ``mirror=False`` is a single crop.
        :param mirror: also classify the mirror image of every crop.
        :param align_roll: turn faces with eye keypoints so that the eyes are level before
            cropping.
        :raises ValueError: for an empty set of margins or a negative or non-finite margin.
        """
        self._classifier = classifier
        self._smoother = smoother
        self._margins = check_crop_margins(crop_margins)
        self._mirror = bool(mirror)
        self._align_roll = bool(align_roll)

    @property
    def views_per_face(self) -> int:
        """Return how many crops of each face are classified (margins, times 2 with mirror)."""
        return len(self._margins) * (2 if self._mirror else 1)

    @classmethod
    def from_config(cls, classifier, config: EmotionConfig) -> 'FaceEmotionEstimator':
        """
        Build the stage from its config (smoothing and crops; the model is loaded by the caller).

        :param classifier: an :class:`emotion_ros.core.classifier.EmotionClassifier`.
        :param config: the emotion stage's settings.
        :returns: the estimator.
        """
        return cls(classifier, ProbabilitySmoother(config.smoothing), config.crop_margins,
                   config.mirror, config.align_roll)

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
                 faces: Sequence[FaceInput]) -> tuple[list[FaceEmotion], list[str]]:
        """
        Classify the faces of one frame.

        Faces whose box lies outside the image are skipped and reported, the others are
        classified. Tracks absent from this frame are forgotten by the smoother.

        :param bgr: the frame, uint8 HxWx3 BGR.
        :param faces: ``(face_id, box)`` or ``(face_id, box, keypoints)`` per tracked face;
            the keypoints (``(x, y)`` pixels, the eyes first) are used with ``align_roll``.
        :returns: the results in input order (skipped faces left out) and one message per
            skipped face.
        """
        views, kept, problems = [], [], []
        spec = self._classifier.input_spec
        for face_id, box, *rest in faces:
            keypoints = rest[0] if rest else ()
            try:
                roll = roll_degrees(keypoints) if self._align_roll and keypoints else None
                views.append(face_views(bgr, box, self._margins, self._mirror, spec, roll))
                kept.append((face_id, tuple(float(v) for v in box)))
            except ValueError as error:
                problems.append(f'face {face_id} skipped: {error}')
        self.forget_absent([face[0] for face in faces])
        if not views:
            return [], problems
        # All views of all faces in one model call; each face's probability is its views' mean.
        per_view = self._classifier.predict(np.concatenate(views, axis=0))
        probabilities = per_view.reshape(len(kept), self.views_per_face, -1).mean(axis=1)
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
