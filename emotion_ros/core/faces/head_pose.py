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
Head pose (yaw, pitch, roll in degrees) from BlazeFace's six keypoints.

``cv2.solvePnP`` fits a generic 3D face (:data:`FACE_MODEL`, millimetres) to the six image
points (right eye, left eye, nose tip, mouth centre, right and left ear tragion). Without a
calibration the camera is a pinhole with the focal length equal to the image width (a 53 degree
horizontal field of view, typical of webcams) and the principal point at the image centre.

The angles are taken against the **line of sight**, the ray from the camera to the face, not
against the optical axis: a face that looks into the lens has yaw = pitch = 0 wherever it is in
the image. That is what matters both for how frontal the face looks to the classifier and for
whether the person faces the camera. Conventions (the person's left/right; unmirrored image):

* yaw: positive when the head turns towards the person's left (the nose moves to the image's
  right), -180..180;
* pitch: positive when the head tilts up (chin up, the nose moves up in the image), -90..90;
* roll: positive when the head tilts towards the person's left shoulder, i.e. the eye line
  falls to the image's right (clockwise on screen, the sign of
  :func:`emotion_ros.core.emotion.alignment.roll_degrees`), -180..180.

A mirrored image (selfie view) swaps the person's left and right, so a mirrored face cannot be
fitted by a rotation: its pose is wrong. Publish unmirrored images.
"""

import math
from typing import NamedTuple, Optional, Sequence

import cv2
import numpy as np

# Generic adult face, millimetres, in the head's frame: x towards the person's left (the image's
# right for a frontal face), y down, z from the face towards the back of the head; origin midway
# between the eyes. Interpupillary distance 63 mm, bitragion width 145 mm, eye line to nose tip
# 45 mm down and 25 mm out, to the mouth centre 72 mm down; the tragion 20 mm below the eye
# line and 90 mm behind it (adult anthropometric means, rounded).
FACE_MODEL = np.array([
    (-31.5, 0.0, 0.0),     # right eye
    (31.5, 0.0, 0.0),      # left eye
    (0.0, 45.0, -25.0),    # nose tip
    (0.0, 72.0, -10.0),    # mouth centre
    (-72.5, 20.0, 90.0),   # right ear tragion
    (72.5, 20.0, 90.0),    # left ear tragion
], dtype=np.float64)
NUM_POINTS = len(FACE_MODEL)
# Focal length of an uncalibrated camera, as a multiple of the image width (pixels / pixel).
DEFAULT_FOCAL_PER_WIDTH = 1.0
# Start of the iterative fit: a frontal face this far in front of the camera (mm).
_START_DISTANCE = 600.0


class HeadPose(NamedTuple):
    """
    A head's orientation against the line of sight, degrees (NaN when unknown).

    :param yaw: positive: turned towards the person's left.
    :param pitch: positive: chin up.
    :param roll: positive: tilted towards the person's left shoulder.
    """

    yaw: float
    pitch: float
    roll: float

    @property
    def known(self) -> bool:
        """Return whether the angles were measured (not NaN)."""
        return all(math.isfinite(v) for v in self)


UNKNOWN_POSE = HeadPose(math.nan, math.nan, math.nan)


def default_camera_matrix(width: int, height: int) -> np.ndarray:
    """
    Return the pinhole matrix assumed for an uncalibrated camera.

    :param width: image width, pixels.
    :param height: image height, pixels.
    :returns: 3x3 matrix: focal length ``DEFAULT_FOCAL_PER_WIDTH * width``, centre of the image.
    """
    focal = DEFAULT_FOCAL_PER_WIDTH * float(width)
    return np.array([[focal, 0.0, width / 2.0], [0.0, focal, height / 2.0], [0.0, 0.0, 1.0]])


def _towards_optical_axis(ray: np.ndarray) -> np.ndarray:
    """Return the smallest rotation that turns the unit vector ``ray`` onto +z."""
    axis = np.cross(ray, (0.0, 0.0, 1.0))
    sine = float(np.linalg.norm(axis))
    if sine < 1e-12:
        return np.eye(3)
    angle = math.atan2(sine, float(ray[2]))
    rotation, _ = cv2.Rodrigues(axis / sine * angle)
    return rotation


def _axis_rotation(axis: int, degrees: float) -> np.ndarray:
    """Return the rotation by ``degrees`` about the camera's x (0), y (1) or z (2) axis."""
    vector = np.zeros(3)
    vector[axis] = math.radians(degrees)
    rotation, _ = cv2.Rodrigues(vector)
    return rotation


def rotation_from_angles(pose: HeadPose) -> np.ndarray:
    """
    Return the head's rotation (head frame -> camera frame) for a pose seen on the optical axis.

    The head is rolled first, then pitched, then turned: ``R = Ry(-yaw) Rx(-pitch) Rz(roll)``
    (the minus signs give this module's conventions in a camera frame with y down).

    :param pose: the angles, degrees.
    :returns: a 3x3 rotation matrix; :func:`angles_from_rotation` inverts it.
    """
    return (_axis_rotation(1, -pose.yaw) @ _axis_rotation(0, -pose.pitch)
            @ _axis_rotation(2, pose.roll))


def angles_from_rotation(rotation: np.ndarray, translation: np.ndarray) -> HeadPose:
    """
    Turn a fitted pose (head frame -> camera frame) into yaw, pitch and roll.

    :param rotation: 3x3 rotation of the head in the camera frame (x right, y down, z ahead).
    :param translation: the head origin in the camera frame (any unit), in front of the camera.
    :returns: the angles against the line of sight, degrees, such that
        :func:`rotation_from_angles` gives the rotation seen along that line.
    """
    ray = np.asarray(translation, dtype=np.float64).reshape(3)
    relative = _towards_optical_axis(ray / np.linalg.norm(ray)) @ np.asarray(rotation)
    # The face looks along -z of the head frame; a frontal face looks along -z of the camera.
    # Roll about that axis leaves it alone, so yaw and pitch come from it alone.
    forward = -relative[:, 2]
    yaw = math.degrees(math.atan2(forward[0], -forward[2]))
    pitch = math.degrees(math.atan2(-forward[1], math.hypot(forward[0], forward[2])))
    # What is left once the turn and the nod are undone is the roll about the face's axis.
    rolled = (_axis_rotation(1, -yaw) @ _axis_rotation(0, -pitch)).T @ relative
    roll = math.degrees(math.atan2(rolled[1, 0], rolled[0, 0]))
    return HeadPose(yaw, pitch, roll)


class HeadFit(NamedTuple):
    """
    The generic face of :data:`FACE_MODEL` fitted to a face's keypoints.

    :param rotation: 3x3, head frame -> camera frame (x right, y down, z ahead).
    :param translation: the head origin (midway between the eyes) in the camera frame, mm.
    :param reprojection_error: root mean square distance between the keypoints and the
        fitted model's points projected back into the image, pixels.
    """

    rotation: np.ndarray
    translation: np.ndarray
    reprojection_error: float


def fit_head(keypoints: Sequence[Sequence[float]], width: int, height: int,
             camera_matrix: Optional[np.ndarray] = None) -> Optional[HeadFit]:
    """
    Fit the generic 3D face to six BlazeFace keypoints (``cv2.solvePnP``).

    :param keypoints: ``(x, y)`` pixels in BlazeFace's order; fewer than six (e.g. Haar's
        none) give None.
    :param width: image width, pixels (for the default camera).
    :param height: image height, pixels.
    :param camera_matrix: 3x3 intrinsics (camera_info's K); None: :func:`default_camera_matrix`.
    :returns: the fit, or None when the points are too few, not finite, or give no fit in
        front of the camera.
    """
    if len(keypoints) < NUM_POINTS:
        return None
    try:
        image_points = np.array([(float(p[0]), float(p[1])) for p in keypoints[:NUM_POINTS]],
                                dtype=np.float64)
    except (TypeError, ValueError, IndexError):
        return None
    if not np.all(np.isfinite(image_points)) or np.ptp(image_points[:, 0]) <= 0.0:
        return None
    matrix = default_camera_matrix(width, height) if camera_matrix is None \
        else np.asarray(camera_matrix, dtype=np.float64).reshape(3, 3)
    # Start from a frontal face on the ray through the keypoints' centre, so the iterative
    # fit does not fall into the mirror solution behind the face.
    centre = image_points.mean(axis=0)
    direction = np.linalg.solve(matrix, (centre[0], centre[1], 1.0))
    start_t = direction / direction[2] * _START_DISTANCE
    ok, rvec, tvec = cv2.solvePnP(FACE_MODEL, image_points, matrix, None,
                                  rvec=np.zeros((3, 1)), tvec=start_t.reshape(3, 1),
                                  useExtrinsicGuess=True, flags=cv2.SOLVEPNP_ITERATIVE)
    if not ok or not np.all(np.isfinite(rvec)) or float(tvec[2, 0]) <= 0.0:
        return None
    rotation, _ = cv2.Rodrigues(rvec)
    projected, _ = cv2.projectPoints(FACE_MODEL, rvec, tvec, matrix, None)
    error = float(np.sqrt(np.mean(np.sum((projected.reshape(-1, 2) - image_points) ** 2,
                                         axis=1))))
    return HeadFit(rotation, tvec.reshape(3), error)


def estimate_head_pose(keypoints: Sequence[Sequence[float]], width: int, height: int,
                       camera_matrix: Optional[np.ndarray] = None) -> HeadPose:
    """
    Estimate a head's yaw, pitch and roll from its six BlazeFace keypoints.

    :param keypoints: ``(x, y)`` pixels in BlazeFace's order; fewer than six (e.g. Haar's
        none) give :data:`UNKNOWN_POSE`.
    :param width: image width, pixels (for the default camera).
    :param height: image height, pixels.
    :param camera_matrix: 3x3 intrinsics (camera_info's K); None: :func:`default_camera_matrix`.
    :returns: the pose, or :data:`UNKNOWN_POSE` when the points are too few, not finite, or
        give no fit in front of the camera (:func:`fit_head`).
    """
    fit = fit_head(keypoints, width, height, camera_matrix)
    if fit is None:
        return UNKNOWN_POSE
    return angles_from_rotation(fit.rotation, fit.translation)
