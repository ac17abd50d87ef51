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
when ``mirror`` is on); the views of all faces go to the model in one batch and each face's
probabilities are the mean over its views, then smoothed per track over time. The label of a
single crop at a single margin often flips with a small margin change; the mean over views
does not. With ``views_per_frame`` N > 0, a tracked face gets only N of its views a frame, the
next ones in turn, and the smoothing averages them over frames (each view is a model call); its
first frame gets all of them, and so does every frame with ``views_per_frame`` 0 or without
smoothing. With
``align_roll``, a face with eye keypoints is turned so that its eyes are level before its crops
are cut (:mod:`emotion_ros.core.emotion.alignment`).

A face may come with its head pose (:mod:`emotion_ros.core.faces.head_pose`). One turned further
than ``max_yaw_deg`` is still classified, but the frame's probabilities do not enter its track's
smoothing (:func:`emotion_ros.core.emotion.trust.is_frontal`): the track keeps its last trusted
estimate, marked ``reliable=False`` with ``held_for``, the time since that estimate. A track
never trusted yet reports the frame's own probabilities, unsmoothed, with ``held_for`` NaN. A
face whose box is less tall than ``min_face_height`` is held the same way: too small for the
model to be right often enough.

Faces whose box or keypoints cannot be real are skipped, and of the rest at most ``max_faces``
(the largest) are classified, so one frame costs a bounded time whatever a publisher of faces
sends (:mod:`emotion_ros.core.faces.face_limits`).

Each result also carries valence and arousal: the probability-weighted mean of the model card's
per-class points, from the same probabilities as its label and confidence (so smoothed and
held with them); a mapping of the categories, not a measurement
(:mod:`emotion_ros.core.model.valence_arousal`).
"""

from collections.abc import Sequence
from dataclasses import dataclass
import math
import time
from typing import Optional, Union

from emotion_ros.core.config import EmotionConfig, FaceLimitConfig
from emotion_ros.core.emotion.alignment import roll_degrees
from emotion_ros.core.emotion.annotate import Annotation
from emotion_ros.core.emotion.preprocessing import check_crop_margins, face_views
from emotion_ros.core.emotion.smoothing import ProbabilitySmoother
from emotion_ros.core.emotion.trust import as_pose, is_frontal, looks_at_camera
from emotion_ros.core.faces.face_limits import box_problem, FaceProblem, keypoint_problem
from emotion_ros.core.faces.face_limits import largest_first, TOO_MANY_FACES
from emotion_ros.core.faces.head_pose import HeadPose, UNKNOWN_POSE
from emotion_ros.core.model.labels import top_label
from emotion_ros.core.model.valence_arousal import valence_arousal, ValenceArousalTable
import numpy as np

# A box is (x, y, w, h) in pixels of the frame.
Box = tuple[float, float, float, float]
# A keypoint is (x, y) in pixels of the frame.
Point = tuple[float, float]
# One face to classify: (face_id, box), (face_id, box, keypoints) with the detector's
# landmarks in its order (BlazeFace: right eye, left eye, ...; empty when it has none), or
# (face_id, box, keypoints, pose) with the head's (yaw, pitch, roll) in degrees (NaN: unknown).
FaceInput = Union[tuple[int, Box], tuple[int, Box, Sequence[Point]],
                  tuple[int, Box, Sequence[Point], Sequence[float]]]


@dataclass(frozen=True)
class FaceEmotion:
    """
    The emotion of one tracked face in one frame.

    :param face_id: track id.
    :param box: ``(x, y, w, h)`` in pixels of the frame.
    :param label: the most probable class (after smoothing).
    :param confidence: its probability, 0..1.
    :param probabilities: one probability per class, in the model's label order.
    :param reliable: whether this frame's face was frontal enough to be trusted; when not,
        the estimate is the track's last trusted one (or, never trusted, this frame's own).
    :param held_for: seconds since the track's last trusted estimate (0 when ``reliable``;
        NaN when it never had one).
    :param looking_at_camera: whether the head faces the camera (orientation, not gaze;
        False when the pose is unknown).
    :param pose: the head pose given with the face, degrees (NaN when unknown).
    :param valence: unpleasant -1 .. pleasant +1, the probability-weighted mean of the
        classes' points (NaN when the table lacks a class of the model).
    :param arousal: calm -1 .. excited +1, likewise.
    """

    face_id: int
    box: Box
    label: str
    confidence: float
    probabilities: np.ndarray
    reliable: bool = True
    held_for: float = 0.0
    looking_at_camera: bool = False
    pose: HeadPose = UNKNOWN_POSE
    valence: float = math.nan
    arousal: float = math.nan


class FaceEmotionEstimator:
    """Crop, preprocess and classify the faces of a frame; smooth per track over time."""

    def __init__(self, classifier, smoother,
                 crop_margins: Sequence[float] = EmotionConfig.crop_margins,
                 mirror: bool = EmotionConfig.mirror,
                 align_roll: bool = EmotionConfig.align_roll,
                 max_yaw_deg: float = EmotionConfig.max_yaw_deg,
                 attention: tuple[float, float] = (EmotionConfig.attention_max_yaw_deg,
                                                   EmotionConfig.attention_max_pitch_deg),
                 max_faces: int = FaceLimitConfig.max_faces, views_per_frame: int = 0,
                 min_face_height: int = EmotionConfig.min_face_height) -> None:
        """
        Build the stage.

        :param classifier: an :class:`emotion_ros.core.model.classifier.EmotionClassifier`.
        :param smoother: an :class:`emotion_ros.core.emotion.smoothing.ProbabilitySmoother`.
        :param crop_margins: fractions of the face box added on each side, one crop per
            margin; ``[m]`` with ``mirror=False`` is a single crop.
        :param mirror: also classify the mirror image of every crop.
        :param align_roll: turn faces with eye keypoints so that the eyes are level before
            cropping.
        :param max_yaw_deg: faces with a larger ``|yaw|`` are not trusted (180: all are).
        :param attention: largest ``|yaw|`` and ``|pitch|`` that count as looking at the
            camera, degrees.
        :param max_faces: faces classified per frame at most, the largest boxes, >= 1.
        :param views_per_frame: views classified per tracked face and frame, in turn (a
            face's first frame gets all); 0, or a smoother with alpha 0: all views every
            frame (independent images).
        :param min_face_height: faces whose box is less tall (pixels) are not trusted (0: all
            are), as a turned head is not.
        :raises ValueError: for an empty set of margins or a negative or non-finite margin, or
            ``max_faces`` or ``views_per_frame`` out of range.
        """
        FaceLimitConfig(max_faces=max_faces)  # the ranges have one home: the config
        EmotionConfig(views_per_frame=views_per_frame)
        self._views_per_frame = int(views_per_frame)
        # Track id -> index of the view it gets next (views_per_frame > 0).
        self._next_view: dict[int, int] = {}
        self._max_faces = int(max_faces)
        self._classifier = classifier
        self._smoother = smoother
        self._margins = check_crop_margins(crop_margins)
        self._mirror = bool(mirror)
        self._align_roll = bool(align_roll)
        self._max_yaw_deg = float(max_yaw_deg)
        self._min_face_height = float(min_face_height)
        self._attention = (float(attention[0]), float(attention[1]))
        # Track id -> stamp (s) of its last trusted estimate.
        self._trusted_at: dict[int, float] = {}
        self._valence_arousal = classifier.card.valence_arousal
        # (K, 2) points of the model's classes; None when the table lacks one (NaN results).
        self._points = self._valence_arousal.matrix(self.labels)

    @property
    def views_per_face(self) -> int:
        """Return how many crops of each face are classified (margins, times 2 with mirror)."""
        return len(self._margins) * (2 if self._mirror else 1)

    @classmethod
    def from_config(cls, classifier, config: EmotionConfig,
                    limits: FaceLimitConfig = FaceLimitConfig()) -> 'FaceEmotionEstimator':
        """
        Build the stage from its config (smoothing and crops; the model is loaded by the caller).

        :param classifier: an :class:`emotion_ros.core.model.classifier.EmotionClassifier`.
        :param config: the emotion stage's settings.
        :param limits: how many faces one frame may cost.
        :returns: the estimator.
        """
        return cls(classifier, ProbabilitySmoother(config.smoothing), config.crop_margins,
                   config.mirror, config.align_roll, config.max_yaw_deg,
                   (config.attention_max_yaw_deg, config.attention_max_pitch_deg),
                   limits.max_faces, config.views_per_frame, config.min_face_height)

    @property
    def labels(self) -> tuple[str, ...]:
        """Return the model's class names in output order."""
        return tuple(self._classifier.labels)

    @property
    def valence_arousal_table(self) -> ValenceArousalTable:
        """Return the table that gives valence and arousal (the card's, or the default)."""
        return self._valence_arousal

    @property
    def max_faces(self) -> int:
        """Return how many faces of one frame are classified at most."""
        return self._max_faces

    def forget_absent(self, face_ids: Sequence[int]) -> None:
        """
        Drop the smoothing state of every track not in ``face_ids``.

        :param face_ids: the tracks present in the current frame.
        """
        self._smoother.prune(face_ids)
        keep = set(face_ids)
        for face_id in [f for f in self._trusted_at if f not in keep]:
            del self._trusted_at[face_id]
        for face_id in [f for f in self._next_view if f not in keep]:
            del self._next_view[face_id]

    def _views_of(self, face_id: int) -> Optional[list[int]]:
        """Return the views a face gets this frame (None: all) and move its turn on."""
        total = self.views_per_face
        if (self._views_per_frame == 0 or self._views_per_frame >= total
                or self._smoother.alpha == 0.0):
            return None  # all views: nothing would average views taken in turn
        if self._smoother.peek(face_id) is None:
            self._next_view[face_id] = 0
            return None  # a new face: all views at once
        first = self._next_view.get(face_id, 0)
        self._next_view[face_id] = (first + self._views_per_frame) % total
        return [(first + k) % total for k in range(self._views_per_frame)]

    def estimate(self, bgr: np.ndarray, faces: Sequence[FaceInput],
                 stamp: Optional[float] = None, forget_absent: bool = True
                 ) -> tuple[list[FaceEmotion], list[FaceProblem]]:
        """
        Classify the faces of one frame.

        Faces whose box or keypoints cannot be real (outside the image, empty, not finite,
        more keypoints than a detector gives) are skipped and reported; of the others the
        ``max_faces`` largest are classified, and a frame with more is reported once.
        Tracks absent from this frame are forgotten by the smoother.

        :param bgr: the frame, uint8 HxWx3 BGR.
        :param faces: ``(face_id, box)``, ``(face_id, box, keypoints)`` or ``(face_id, box,
            keypoints, pose)`` per tracked face; the keypoints (``(x, y)`` pixels, the eyes
            first) are used with ``align_roll``, the pose (yaw, pitch, roll degrees) by the
            frontal gate and for ``looking_at_camera``.
        :param stamp: the frame's time, s (the image stamp); None: this process's monotonic
            clock. ``held_for`` is measured on it.
        :param forget_absent: forget the tracks absent from ``faces`` (a camera frame holds
            every face); False when each face comes on its own (ROS4HRI crops), whose callers
            call :meth:`forget_absent` when a face goes.
        :returns: the results in input order (skipped faces left out) and one problem per
            skipped face (plus one for a frame over ``max_faces``), each with its kind.
        """
        height, width = bgr.shape[:2]
        candidates, problems = [], []
        for face_id, box, *rest in faces:
            keypoints = rest[0] if rest and rest[0] is not None else ()
            problem = box_problem(box, width, height) or keypoint_problem(keypoints)
            if problem is None:
                # The pose is read only for the faces that can be classified.
                candidates.append((face_id, tuple(float(v) for v in box), keypoints, rest[1:]))
            else:
                problems.append(FaceProblem(problem[0], f'face {face_id} skipped: {problem[1]}'))
        chosen = largest_first([box for _, box, _, _ in candidates], self._max_faces)
        if len(chosen) < len(candidates):
            problems.append(FaceProblem(
                TOO_MANY_FACES, f'{len(candidates)} faces in one frame: classified the '
                f'{len(chosen)} largest (max_faces {self._max_faces})'))
        views, kept = [], []
        spec = self._classifier.input_spec
        for index in chosen:
            face_id, box, keypoints, more = candidates[index]
            pose = as_pose(more[0]) if more else UNKNOWN_POSE
            try:
                roll = roll_degrees(keypoints) if self._align_roll and keypoints else None
                views.append(face_views(bgr, box, self._margins, self._mirror, spec, roll,
                                        self._views_of(face_id)))
                kept.append((face_id, box, pose))
            except ValueError as error:
                problems.append(FaceProblem('face skipped', f'face {face_id} skipped: {error}'))
        if forget_absent:
            self.forget_absent([face[0] for face in faces])
        if not views:
            return [], problems
        # All views of all faces in one model call; each face's probability is its views' mean.
        per_view = self._classifier.predict(np.concatenate(views, axis=0))
        ends = np.cumsum([len(v) for v in views])
        probabilities = [part.mean(axis=0) for part in np.split(per_view, ends[:-1])]
        now = time.monotonic() if stamp is None else float(stamp)
        results = []
        for (face_id, box, pose), raw in zip(kept, probabilities):
            trusted = box[3] >= self._min_face_height and is_frontal(pose, self._max_yaw_deg)
            estimate, reliable, held_for = self._gated(face_id, raw, trusted, now)
            label, confidence = top_label(estimate, self.labels)
            valence, arousal = valence_arousal(estimate, self._points)
            results.append(FaceEmotion(
                face_id=face_id, box=box, label=label, confidence=confidence,
                probabilities=np.asarray(estimate, dtype=np.float32), reliable=reliable,
                held_for=held_for, looking_at_camera=looks_at_camera(pose, *self._attention),
                pose=pose, valence=valence, arousal=arousal))
        return results, problems

    def _gated(self, face_id: int, raw: np.ndarray, trusted: bool,
               now: float) -> tuple[np.ndarray, bool, float]:
        """Return a face's estimate, whether it is trusted, and how long it has been held."""
        if trusted:
            self._trusted_at[face_id] = now
            return self._smoother.update(face_id, raw), True, 0.0
        held = self._smoother.peek(face_id)
        if held is None or face_id not in self._trusted_at:
            return np.asarray(raw, dtype=np.float32), False, math.nan
        return held, False, max(now - self._trusted_at[face_id], 0.0)


def to_annotations(results: Sequence[FaceEmotion]) -> list[Annotation]:
    """Return one overlay item (box, id, label, confidence; held when not reliable) per result."""
    return [Annotation(box=r.box, face_id=r.face_id, label=r.label, confidence=r.confidence,
                       held=not r.reliable) for r in results]
