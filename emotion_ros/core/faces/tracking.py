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
SORT multi-object tracking of face boxes (after Bewley et al., 2016).

Each track runs a constant-velocity Kalman filter on ``(u, v, s, r)``: box
centre, area and aspect ratio ``w / h`` (aspect has no velocity). Every frame
all tracks are predicted, detections are assigned to tracks by maximum total
IoU (Hungarian algorithm) and unmatched detections start new tracks.

Differences from abewley/sort, on purpose:

* ids are counted per tracker instance (from 1, never reused), not per class;
* boxes are ``(x, y, w, h)`` as everywhere in emotion_ros, also in
  :func:`iou_batch`;
* a track, once confirmed (``min_hits`` consecutive hits, or any hit during the
  tracker's first ``min_hits`` frames), stays confirmed; it is reported every
  frame it is matched and also while it *coasts* through up to ``max_age``
  missed frames, at its predicted box (``time_since_update > 0``). So a face
  keeps its id through a missed detection or two and downstream still gets a
  box for it. After ``max_age`` misses the track is deleted and the face, if it
  comes back, gets a new id;
* the detector need not run on every frame (``detection_interval``): a frame it
  skipped is passed as ``update([], detected=False)``, which predicts every track
  but counts as no miss: ``min_hits`` counts detector runs, while ``max_age``
  stays in frames, so a face that left is dropped as soon as before.
  :meth:`SortTracker.detection_due` says when to run it: on every
  ``detection_interval``-th frame, and on every frame while a track is still
  unconfirmed, so a new face is confirmed as fast as with the detector on every frame.

Keypoints (face landmarks, when the detector gives them): a track reports the
keypoints of the detection matched to it this frame, unchanged. While it
coasts, it reports the last matched keypoints moved and scaled with the box:
each point keeps its position relative to the box (offset from the box centre
as a fraction of the box width and height) that it had in the filtered box of
its last update. A track whose detections had none reports none.
"""

from dataclasses import dataclass
from typing import Optional, Sequence

from emotion_ros.core.config import FaceLimitConfig, TrackerConfig
from emotion_ros.core.faces.detection import Detection, Point
from emotion_ros.core.faces.face_limits import strongest
import numpy as np
from scipy.optimize import linear_sum_assignment

# Measurement noise of (u, v, s, r): pixels^2 for the centre, larger for
# area (pixels^4) and aspect, as in SORT.
_MEASUREMENT_VARIANCE = np.array([1.0, 1.0, 10.0, 10.0])
# Initial state variance: 10 for the measured part, 1e4 for the unobserved velocities.
_INITIAL_VARIANCE = np.array([10.0, 10.0, 10.0, 10.0, 1e4, 1e4, 1e4])
# Process noise per frame: 1 for (u, v, s, r), 0.01 for (du, dv), 1e-4 for ds.
_PROCESS_VARIANCE = np.array([1.0, 1.0, 1.0, 1.0, 0.01, 0.01, 1e-4])
# Smallest area a predicted box may shrink to, pixels^2.
_MIN_AREA = 1.0

# x_{k+1} = F x_k with state (u, v, s, r, du, dv, ds); we observe (u, v, s, r).
_F = np.eye(7)
_F[0, 4] = _F[1, 5] = _F[2, 6] = 1.0
_H = np.eye(4, 7)
# Constant matrices of the filter, built once rather than on every predict and update.
_Q = np.diag(_PROCESS_VARIANCE)
_R = np.diag(_MEASUREMENT_VARIANCE)
_EYE = np.eye(7)


@dataclass(frozen=True)
class Track:
    """
    A tracked face as reported by :meth:`SortTracker.update`.

    :param id: track id, >= 1, unique within one tracker.
    :param x: left edge of the filtered (or, when coasting, predicted) box, pixels.
    :param y: top edge, pixels.
    :param w: width, pixels.
    :param h: height, pixels.
    :param score: score of the last detection matched to the track, 0..1.
    :param hits: number of detections matched to the track so far.
    :param time_since_update: frames since the last matched detection (0 = matched now).
    :param keypoints: ``(x, y)`` pixel landmarks, in the detector's order: the matched
        detection's, or while coasting the last ones moved with the box; empty when none.
    :param misses: detector runs since the last matched detection (0 when it was matched
        by the latest run, also on the frames the detector skipped since).
    """

    id: int  # noqa: A003 (the field name is part of the agreed API)
    x: float
    y: float
    w: float
    h: float
    score: float
    hits: int
    time_since_update: int
    keypoints: tuple[Point, ...] = ()
    misses: int = 0

    @property
    def box(self) -> tuple[float, float, float, float]:
        """
        Return the box.

        :returns: ``(x, y, w, h)``.
        """
        return (self.x, self.y, self.w, self.h)


def xywh_to_xyxy(boxes: np.ndarray) -> np.ndarray:
    """
    Convert ``(x, y, w, h)`` boxes to corners ``(x1, y1, x2, y2)``.

    :param boxes: array (..., 4).
    :returns: float array (..., 4).
    """
    b = np.asarray(boxes, dtype=float)
    return np.concatenate([b[..., :2], b[..., :2] + b[..., 2:4]], axis=-1)


def xyxy_to_xywh(boxes: np.ndarray) -> np.ndarray:
    """
    Convert corner boxes ``(x1, y1, x2, y2)`` to ``(x, y, w, h)``.

    :param boxes: array (..., 4).
    :returns: float array (..., 4).
    """
    b = np.asarray(boxes, dtype=float)
    return np.concatenate([b[..., :2], b[..., 2:4] - b[..., :2]], axis=-1)


def xywh_to_z(box: np.ndarray) -> np.ndarray:
    """
    Convert ``(x, y, w, h)`` to the filter's measurement ``(u, v, s, r)``.

    :param box: array (..., 4) with w, h > 0.
    :returns: float array (..., 4): centre u, v, area s = w * h, aspect r = w / h.
    """
    b = np.asarray(box, dtype=float)
    w, h = b[..., 2], b[..., 3]
    return np.stack([b[..., 0] + w / 2.0, b[..., 1] + h / 2.0, w * h, w / h], axis=-1)


def z_to_xywh(z: np.ndarray) -> np.ndarray:
    """
    Convert ``(u, v, s, r)`` back to ``(x, y, w, h)``.

    :param z: array (..., 4) with s, r > 0 (larger entries, e.g. a full state, are ignored).
    :returns: float array (..., 4).
    """
    z = np.asarray(z, dtype=float)
    w = np.sqrt(z[..., 2] * z[..., 3])
    h = np.divide(z[..., 2], w, out=np.zeros_like(w), where=w > 0)
    return np.stack([z[..., 0] - w / 2.0, z[..., 1] - h / 2.0, w, h], axis=-1)


def iou_batch(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """
    Intersection over union of every box in ``a`` with every box in ``b``.

    :param a: array (N, 4) of ``(x, y, w, h)`` boxes.
    :param b: array (M, 4) of ``(x, y, w, h)`` boxes.
    :returns: float array (N, M) in 0..1 (0 where the union is empty).
    """
    a = xywh_to_xyxy(np.asarray(a, dtype=float).reshape(-1, 4))[:, None, :]
    b = xywh_to_xyxy(np.asarray(b, dtype=float).reshape(-1, 4))[None, :, :]
    iw = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
    ih = np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None)
    inter = iw * ih
    area_a = np.clip(a[..., 2] - a[..., 0], 0, None) * np.clip(a[..., 3] - a[..., 1], 0, None)
    area_b = np.clip(b[..., 2] - b[..., 0], 0, None) * np.clip(b[..., 3] - b[..., 1], 0, None)
    union = area_a + area_b - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


class _KalmanBoxTrack:
    """One track: its Kalman filter state and bookkeeping."""

    def __init__(self, track_id: int, box: np.ndarray, score: float,
                 keypoints: tuple[Point, ...] = ()) -> None:
        """
        Start a track at a detected box.

        :param track_id: the new track's id.
        :param box: ``(x, y, w, h)`` with w, h > 0.
        :param score: detection score.
        :param keypoints: the detection's ``(x, y)`` landmarks, pixels.
        """
        self.id = track_id
        self.x = np.zeros(7)
        self.x[:4] = xywh_to_z(box)
        self.p = np.diag(_INITIAL_VARIANCE)
        self.score = score
        self.hits = 1
        self.hit_streak = 1
        self.time_since_update = 0
        self.misses = 0
        self.confirmed = False
        self._set_keypoints(keypoints)

    def _set_keypoints(self, keypoints: tuple[Point, ...]) -> None:
        """Keep the matched landmarks and their place relative to the current box."""
        self._keypoints = tuple(keypoints)
        self._relative = None
        if keypoints:
            x, y, w, h = self.box()
            if w > 0.0 and h > 0.0:
                centre = np.array([x + w / 2.0, y + h / 2.0])
                self._relative = (np.asarray(keypoints, dtype=float) - centre) / (w, h)

    def keypoints(self) -> tuple[Point, ...]:
        """
        Return the landmarks to report for the current state.

        :returns: the matched detection's landmarks, or (coasting) those moved with the box.
        """
        if self.time_since_update == 0 or self._relative is None:
            return self._keypoints
        x, y, w, h = self.box()
        points = np.array([x + w / 2.0, y + h / 2.0]) + self._relative * (w, h)
        return tuple((float(px), float(py)) for px, py in points)

    def predict(self, detected: bool = True) -> bool:
        """
        Advance the state one frame.

        :param detected: whether the detector ran on the new frame (its miss counts only then).
        :returns: False when the state became invalid (not finite).
        """
        if self.x[2] + self.x[6] <= 0.0:
            self.x[6] = 0.0  # do not let the area velocity drive the area negative
        self.x = _F @ self.x
        self.p = _F @ self.p @ _F.T + _Q
        self.x[2] = max(self.x[2], _MIN_AREA)
        if detected:
            if self.misses > 0:
                self.hit_streak = 0  # the previous detector run missed it
            self.misses += 1  # until a detection of this frame matches
        self.time_since_update += 1
        return bool(np.all(np.isfinite(self.x)) and np.all(np.isfinite(self.p)))

    def update(self, box: np.ndarray, score: float, keypoints: tuple[Point, ...] = ()) -> None:
        """
        Correct the state with a matched detection.

        :param box: ``(x, y, w, h)`` with w, h > 0.
        :param score: detection score.
        :param keypoints: the detection's ``(x, y)`` landmarks, pixels.
        """
        innovation = xywh_to_z(box) - _H @ self.x
        s = _H @ self.p @ _H.T + _R
        gain = np.linalg.solve(s, _H @ self.p).T  # P H^T S^-1 (S and P symmetric)
        self.x = self.x + gain @ innovation
        self.p = (_EYE - gain @ _H) @ self.p
        self.p = (self.p + self.p.T) / 2.0
        self.x[2] = max(self.x[2], _MIN_AREA)
        self.score = score
        self.hits += 1
        self.hit_streak += 1
        self.time_since_update = 0
        self.misses = 0
        self._set_keypoints(keypoints)

    def box(self) -> np.ndarray:
        """
        Return the current box estimate.

        :returns: ``(x, y, w, h)``.
        """
        return z_to_xywh(self.x[:4])


class SortTracker:
    """SORT tracker: call :meth:`update` once per frame, with or without detections."""

    def __init__(self, max_age: int = TrackerConfig.max_age,
                 min_hits: int = TrackerConfig.min_hits,
                 iou_threshold: float = TrackerConfig.iou_threshold,
                 max_faces: int = FaceLimitConfig.max_faces) -> None:
        """
        Create an empty tracker.

        :param max_age: frames a track survives (and is reported, predicted)
            without a matched detection, >= 0.
        :param min_hits: consecutive matched detector runs before a new track is
            reported, >= 1 (all tracks are reported in the first min_hits frames).
        :param iou_threshold: least IoU between a prediction and a detection to
            match them, in [0, 1].
        :param max_faces: detections used per frame at most, the most confident ones, >= 1
            (bounds the cost of one frame, :func:`emotion_ros.core.faces.face_limits.strongest`).
        :raises ValueError: for a parameter out of range.
        """
        # The ranges have one home, the stage config; building it checks them.
        TrackerConfig(max_age=max_age, min_hits=min_hits, iou_threshold=iou_threshold)
        FaceLimitConfig(max_faces=max_faces)
        self.max_faces = int(max_faces)
        self.max_age = int(max_age)
        self.min_hits = int(min_hits)
        self.iou_threshold = float(iou_threshold)
        self.frame_count = 0
        self._detected_at: Optional[int] = None  # frame_count of the detector's last run
        self._tracks: list[_KalmanBoxTrack] = []
        self._next_id = 1

    @classmethod
    def from_config(cls, config: TrackerConfig,
                    limits: FaceLimitConfig = FaceLimitConfig()) -> 'SortTracker':
        """
        Build an empty tracker from the stage config.

        :param config: the tracker's settings.
        :param limits: how many detections one frame may use.
        :returns: the tracker.
        """
        return cls(max_age=config.max_age, min_hits=config.min_hits,
                   iou_threshold=config.iou_threshold, max_faces=limits.max_faces)

    def detection_due(self, interval: int) -> bool:
        """
        Tell whether the detector should run on the next frame.

        :param interval: run it on every ``interval``-th frame (1: on every frame), >= 1.
        :returns: True on every ``interval``-th frame since it last ran, and on every frame
            while a track is unconfirmed (a new face is confirmed after ``min_hits`` frames).
        """
        return (self._detected_at is None or self.frame_count + 1 - self._detected_at >= interval
                or any(not t.confirmed for t in self._tracks))

    def boxes(self) -> list[tuple[float, float, float, float]]:
        """
        Return the box of every track, confirmed or not, as last estimated.

        :returns: ``(x, y, w, h)`` pixels per track (where a detector may look again).
        """
        return [tuple(float(v) for v in t.box()) for t in self._tracks]

    def update(self, detections: Sequence[Detection], detected: bool = True) -> list[Track]:
        """
        Advance one frame.

        :param detections: this frame's faces (may be empty); boxes with a
            non-finite value or a non-positive size are ignored, and of the rest only the
            ``max_faces`` most confident are used.
        :param detected: False for a frame the detector did not run on: the tracks are
            predicted, ``detections`` is ignored and nobody misses a detection.
        :returns: confirmed tracks matched this frame or coasting (at most
            ``max_age`` frames since their last match), sorted by id.
        """
        self.frame_count += 1
        if detected:
            self._detected_at = self.frame_count
        else:
            detections = ()
        self._tracks = [t for t in self._tracks if t.predict(detected)]
        dets = np.array([(d.x, d.y, d.w, d.h, d.score) for d in detections],
                        dtype=float).reshape(-1, 5)
        valid = np.all(np.isfinite(dets), axis=1) & (dets[:, 2] > 0) & (dets[:, 3] > 0)
        points = [d.keypoints for d, ok in zip(detections, valid) if ok]
        dets = dets[valid]
        if len(dets) > self.max_faces:
            # Invalid boxes take no slot; of the rest the most confident are kept.
            keep = strongest(dets[:, 4].tolist(), self.max_faces)
            dets = dets[keep]
            points = [points[i] for i in keep]

        matched_dets = set()
        if len(dets) and self._tracks:
            predicted = np.array([t.box() for t in self._tracks])
            iou = iou_batch(dets[:, :4], predicted)
            rows, cols = linear_sum_assignment(iou, maximize=True)
            for d, t in zip(rows, cols):
                if iou[d, t] >= self.iou_threshold and iou[d, t] > 0.0:
                    self._tracks[t].update(dets[d, :4], float(dets[d, 4]), points[d])
                    matched_dets.add(int(d))
        for d in range(len(dets)):
            if d not in matched_dets:
                self._tracks.append(_KalmanBoxTrack(self._next_id, dets[d, :4],
                                                    float(dets[d, 4]), points[d]))
                self._next_id += 1

        for t in self._tracks:
            if t.time_since_update == 0 and (
                    t.hit_streak >= self.min_hits or self.frame_count <= self.min_hits):
                t.confirmed = True
        self._tracks = [t for t in self._tracks if t.time_since_update <= self.max_age]
        reported = []
        for t in sorted(self._tracks, key=lambda t: t.id):
            if t.confirmed:
                x, y, w, h = (float(v) for v in t.box())
                reported.append(Track(t.id, x, y, w, h, t.score, t.hits, t.time_since_update,
                                      t.keypoints(), t.misses))
        return reported
