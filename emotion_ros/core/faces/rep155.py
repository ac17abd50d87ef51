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
REP-155 (ROS4HRI) faces: what our tracked faces become on the ``/humans/faces`` topics.

Pure mappings, no ROS: face ids (:class:`FaceIds`), the normalised region
(:func:`normalised_roi`), the 70-point landmarks (:func:`landmarks_70`), the expression names
(:func:`expression_table`), the 128x128 crops (:func:`letterbox_crop`, :func:`aligned_crop`),
the union of several cameras' ids (:class:`TrackedUnion`) and the ``face_<id>`` and ``gaze_<id>``
frames (:func:`face_frames`). ``emotion_ros/nodes/ros4hri_output.py`` puts them into messages.
"""

from collections.abc import Iterable, Mapping, Sequence
import math
import random
import string
from typing import Any, Optional

import cv2
from emotion_ros.core.emotion.alignment import level_region, roll_degrees
from emotion_ros.core.emotion.preprocessing import crop_bounds
from emotion_ros.core.faces.head_pose import HeadFit
import numpy as np

# Letters of a face id: REP-155 asks for short strings starting with a letter that are valid
# topic name tokens.
ID_ALPHABET = string.ascii_lowercase
# Letters per id: 26**5 = 11.9 million ids, so two random ids collide with probability
# 8.4e-8 (two cameras, restarts: no counter to share or persist).
ID_LENGTH = 5
# Side of the cropped and aligned images, pixels (what ROS4HRI's face detector publishes).
CROP_SIZE = 128

# The expressions hri_msgs/Expression lists (its string constants, in its order).
REP155_EXPRESSIONS: tuple[str, ...] = (
    'neutral', 'angry', 'sad', 'happy', 'surprised', 'disgusted', 'scared', 'pleading',
    'vulnerable', 'despaired', 'guilty', 'disappointed', 'embarrassed', 'horrified',
    'skeptical', 'annoyed', 'furious', 'suspicious', 'rejected', 'bored', 'tired', 'asleep',
    'confused', 'amazed', 'excited')
# The model card field that maps a model's classes to those names.
EXPRESSION_CARD_FIELD = 'rep155_expressions'
# The table for a card without one: FER2013 and FER+ class names. contempt (FER+) is not
# listed by REP-155; it goes to disgusted, its nearest listed neighbour (both are rejection
# expressions, and datasets with both confuse them most); our choice, stated in doc/ros4hri.md.
DEFAULT_EXPRESSIONS: dict[str, str] = {
    'angry': 'angry', 'anger': 'angry', 'disgust': 'disgusted', 'fear': 'scared',
    'happy': 'happy', 'happiness': 'happy', 'sad': 'sad', 'sadness': 'sad',
    'surprise': 'surprised', 'neutral': 'neutral', 'contempt': 'disgusted'}

# Indices of the 70-point layout (hri_msgs/FacialLandmarks) that a BlazeFace keypoint marks:
# keypoint index (Face.KEYPOINT_*) -> landmark index. The eye keypoints are the eye centres
# (the pupils when looking ahead) and the nose keypoint the nose tip. The mouth keypoint is
# the mouth's centre, which the layout has no point for; the ear tragions are not the jaw
# points 0 and 16 (RIGHT_EAR, LEFT_EAR) of the layout, which lie on the face outline.
LANDMARK_COUNT = 70
KEYPOINT_TO_LANDMARK: dict[int, int] = {0: 68, 1: 69, 2: 30}

# REP-155's face frame (origin at the sellion, about midway between the eyes: the origin of
# head_pose.FACE_MODEL; x out of the face, y to the person's left, z up towards the scalp),
# as axes of the head model's frame (x to the person's left, y down, z into the head): the
# columns are the face frame's x, y and z.
HEAD_TO_FACE = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, -1.0], [-1.0, 0.0, 0.0]])
# REP-155's gaze frame, at the same origin, in the optical convention: z along the gaze (here
# the head's forward direction: no eye tracking), x to the person's right, y down.
HEAD_TO_GAZE = np.diag([-1.0, 1.0, -1.0])
# Millimetres (head_pose) to metres (TF).
METRES_PER_MM = 0.001

# A region or point, normalised: (x, y) or (xmin, ymin, xmax, ymax) in [0, 1].
Box = tuple[float, float, float, float]
# A point in space, metres, and a rotation as a unit quaternion (x, y, z, w).
Point3 = tuple[float, float, float]
Quaternion = tuple[float, float, float, float]


class FaceIds:
    """
    Give each track a REP-155 face id: random letters, kept while the track lives.

    Ids are random, not derived from the track number, so two cameras or a restarted node do
    not reuse one (collision odds in :data:`ID_LENGTH`); one instance never gives an id twice.
    """

    def __init__(self, rng: Optional[random.Random] = None) -> None:
        """
        Start with no tracks.

        :param rng: source of the letters (default: the operating system's randomness).
        """
        self._rng = rng if rng is not None else random.SystemRandom()
        self._ids: dict[int, str] = {}
        self._issued: set[str] = set()

    def id_for(self, track_id: int) -> str:
        """
        Return the face id of a track, making one for a new track.

        :param track_id: the tracker's id.
        :returns: :data:`ID_LENGTH` lowercase letters.
        """
        face_id = self._ids.get(track_id)
        if face_id is None:
            face_id = self._new_id()
            self._ids[track_id] = face_id
        return face_id

    def _new_id(self) -> str:
        while True:
            face_id = ''.join(self._rng.choice(ID_ALPHABET) for _ in range(ID_LENGTH))
            if face_id not in self._issued:
                self._issued.add(face_id)
                return face_id

    def retain(self, track_ids: Iterable[int]) -> list[str]:
        """
        Forget the tracks not in ``track_ids``.

        :param track_ids: the tracks still present.
        :returns: the face ids of the forgotten tracks (never given again).
        """
        keep = set(track_ids)
        gone = [track for track in self._ids if track not in keep]
        return [self._ids.pop(track) for track in gone]

    @property
    def active(self) -> dict[int, str]:
        """Return a copy of track id -> face id of the present tracks."""
        return dict(self._ids)


def _clip_unit(value: float) -> float:
    return min(max(value, 0.0), 1.0)


def normalised_roi(box: Sequence[float], width: int, height: int) -> Box:
    """
    Return a pixel box as REP-155's normalised region, clipped to the image.

    :param box: ``(x, y, w, h)`` in pixels.
    :param width: image width, pixels (> 0).
    :param height: image height, pixels (> 0).
    :returns: ``(xmin, ymin, xmax, ymax)``, each in [0, 1].
    :raises ValueError: for an image without pixels.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f'image size must be positive, got {width}x{height}')
    x, y, w, h = (float(v) for v in box)
    return (_clip_unit(x / width), _clip_unit(y / height),
            _clip_unit((x + w) / width), _clip_unit((y + h) / height))


def landmarks_70(keypoints: Sequence[Sequence[float]], width: int, height: int,
                 confidence: float) -> list[tuple[float, float, float]]:
    """
    Place a detector's keypoints on the 70-point layout of hri_msgs/FacialLandmarks.

    :param keypoints: ``(x, y)`` pixels in BlazeFace's order (empty for Haar).
    :param width: image width, pixels (> 0).
    :param height: image height, pixels (> 0).
    :param confidence: the face's detection confidence, 0..1, given to each placed point.
    :returns: 70 ``(x, y, c)``, normalised to [0, 1]; ``(0, 0, 0)`` where no keypoint means
        that point, and confidence 0 for a keypoint outside the image (clipped to its edge)
        or not finite.
    :raises ValueError: for an image without pixels.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f'image size must be positive, got {width}x{height}')
    points = [(0.0, 0.0, 0.0)] * LANDMARK_COUNT
    c = _clip_unit(float(confidence)) if math.isfinite(confidence) else 0.0
    for index, landmark in KEYPOINT_TO_LANDMARK.items():
        if index >= len(keypoints):
            continue
        x, y = (float(v) for v in keypoints[index][:2])
        if not (math.isfinite(x) and math.isfinite(y)):
            continue
        u, v = x / width, y / height
        inside = 0.0 <= u <= 1.0 and 0.0 <= v <= 1.0
        points[landmark] = (_clip_unit(u), _clip_unit(v), c if inside else 0.0)
    return points


def expression_table(labels: Sequence[str], card_extra: Mapping[str, Any]) -> dict[str, str]:
    """
    Return the REP-155 expression of each model class.

    :param labels: the model's class names.
    :param card_extra: the model card's other fields; its :data:`EXPRESSION_CARD_FIELD`
        (class -> listed expression), when present, overrides :data:`DEFAULT_EXPRESSIONS`.
    :returns: class name -> one of :data:`REP155_EXPRESSIONS`, for every label.
    :raises ValueError: naming the classes without a listed expression (never dropped, never
        published as an unlisted string).
    """
    declared = card_extra.get(EXPRESSION_CARD_FIELD, {})
    if not isinstance(declared, Mapping):
        raise ValueError(f'model card field {EXPRESSION_CARD_FIELD} must be an object, got '
                         f'{declared!r}')
    table = {**DEFAULT_EXPRESSIONS, **declared}
    unlisted = {label: table.get(label) for label in labels
                if table.get(label) not in REP155_EXPRESSIONS}
    if unlisted:
        raise ValueError(
            f'no REP-155 expression for the classes {sorted(unlisted)} (got {unlisted}): add '
            f'"{EXPRESSION_CARD_FIELD}": {{"class": "one of {", ".join(REP155_EXPRESSIONS[:7])}'
            ', ..."} to the model card')
    return {label: table[label] for label in labels}


def letterbox(image: np.ndarray, size: int = CROP_SIZE) -> np.ndarray:
    """
    Scale an image to fit a ``size`` square, aspect kept, and pad it with zeros, centred.

    :param image: ``HxWx3`` uint8, not empty.
    :param size: side of the result, pixels.
    :returns: ``size x size x 3`` uint8.
    """
    h, w = image.shape[:2]
    scale = size / max(h, w)
    new_w, new_h = max(1, min(size, round(w * scale))), max(1, min(size, round(h * scale)))
    interpolation = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
    resized = cv2.resize(image, (new_w, new_h), interpolation=interpolation)
    out = np.zeros((size, size) + image.shape[2:], dtype=image.dtype)
    top, left = (size - new_h) // 2, (size - new_w) // 2
    out[top:top + new_h, left:left + new_w] = resized
    return out


def letterbox_crop(image: np.ndarray, box: Sequence[float], size: int = CROP_SIZE) -> np.ndarray:
    """
    Cut a face box (clipped to the image) and fit it in a zero-padded square.

    :param image: ``HxWx3`` uint8 frame.
    :param box: ``(x, y, w, h)`` in pixels.
    :param size: side of the result, pixels.
    :returns: ``size x size x 3`` uint8.
    :raises ValueError: when the box is empty or outside the image.
    """
    x0, y0, x1, y1 = crop_bounds(image, box, 0.0)
    return letterbox(image[y0:y1, x0:x1], size)


def aligned_crop(image: np.ndarray, box: Sequence[float],
                 keypoints: Sequence[Sequence[float]], size: int = CROP_SIZE) -> np.ndarray:
    """
    Like :func:`letterbox_crop`, with the face turned about the box centre so the eyes are level.

    :param image: ``HxWx3`` uint8 frame.
    :param box: ``(x, y, w, h)`` in pixels.
    :param keypoints: ``(x, y)`` pixels, the eyes first (BlazeFace's order); without two
        eyes the crop is :func:`letterbox_crop`'s.
    :param size: side of the result, pixels.
    :returns: ``size x size x 3`` uint8.
    :raises ValueError: when the box is empty or outside the image, or an eye is not finite.
    """
    angle = roll_degrees(keypoints)
    bounds = crop_bounds(image, box, 0.0)
    if not angle:
        x0, y0, x1, y1 = bounds
        return letterbox(image[y0:y1, x0:x1], size)
    region, _ = level_region(image, box, bounds, angle)
    return letterbox(region, size)


class TrackedUnion:
    """
    The union of several cameras' face id lists: what ``/humans/faces/tracked`` should hold.

    Each camera's newest list counts until it is replaced or ``timeout`` passes without one
    (a camera that stopped), so a list from one camera never removes another camera's face.
    """

    def __init__(self, timeout: float) -> None:
        """
        Start with no lists.

        :param timeout: a camera's list stops counting this long after it came, s (> 0).
        """
        if not timeout > 0.0:
            raise ValueError(f'timeout must be > 0 s, got {timeout!r}')
        self._timeout = timeout
        self._lists: dict[str, tuple[tuple[str, ...], float]] = {}

    def update(self, camera: str, ids: Sequence[str], now: float) -> list[str]:
        """
        Take a camera's newest list.

        :param camera: the camera's key (its list's topic).
        :param ids: the face ids it tracks now.
        :param now: the time it came, s (monotonic).
        :returns: the union, sorted.
        """
        self._lists[camera] = (tuple(ids), now)
        self.expire(now)
        return self.ids()

    def expire(self, now: float) -> bool:
        """
        Drop the lists older than the timeout.

        :param now: the time, s (monotonic).
        :returns: whether a list with ids was dropped (the union changed).
        """
        old = [camera for camera, (_, at) in self._lists.items() if now - at > self._timeout]
        changed = any(self._lists[camera][0] for camera in old)
        for camera in old:
            del self._lists[camera]
        return changed

    def ids(self) -> list[str]:
        """Return the union of the lists that count, sorted."""
        return sorted({face_id for ids, _ in self._lists.values() for face_id in ids})


def quaternion(rotation: np.ndarray) -> Quaternion:
    """
    Return a rotation matrix as a unit quaternion.

    :param rotation: 3x3 proper rotation.
    :returns: ``(x, y, z, w)`` (geometry_msgs/Quaternion's order), ``w >= 0``.
    """
    m = np.asarray(rotation, dtype=np.float64)
    trace = m[0, 0] + m[1, 1] + m[2, 2]
    if trace > 0.0:
        s = 2.0 * math.sqrt(trace + 1.0)
        q = ((m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s, s / 4)
    else:
        i = int(np.argmax(np.diag(m)))
        j, k = (i + 1) % 3, (i + 2) % 3
        s = 2.0 * math.sqrt(max(1.0 + m[i, i] - m[j, j] - m[k, k], 1e-300))
        v = [0.0, 0.0, 0.0]
        v[i], v[j], v[k] = s / 4, (m[j, i] + m[i, j]) / s, (m[k, i] + m[i, k]) / s
        q = (v[0], v[1], v[2], (m[k, j] - m[j, k]) / s)
    norm = math.sqrt(sum(c * c for c in q))
    sign = -1.0 if q[3] < 0.0 else 1.0
    return tuple(sign * c / norm for c in q)


def face_frames(fit: HeadFit) -> tuple[Point3, Quaternion, Quaternion]:
    """
    Return the ``face_<id>`` and ``gaze_<id>`` frames of a fitted head, in the camera's frame.

    The camera frame is the image's (optical: x right, y down, z ahead), the parent of both.

    :param fit: :func:`emotion_ros.core.faces.head_pose.fit_head`'s result.
    :returns: the origin (metres) shared by both frames, the face frame's rotation and the
        gaze frame's rotation, as ``(x, y, z, w)`` quaternions.
    """
    origin = tuple(float(v) * METRES_PER_MM for v in fit.translation)
    return (origin, quaternion(fit.rotation @ HEAD_TO_FACE),
            quaternion(fit.rotation @ HEAD_TO_GAZE))
