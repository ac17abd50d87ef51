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
THE face preprocessing, shared by training and inference.

Training calls :func:`preprocess_faces` on whole datasets of 48x48 grey uint8 faces and the
live pipeline on a handful of BGR crops from :func:`crop_face`; both get the same pixels for
the same face. Steps, in this order:

1. colour: BGR (or BGRA) -> grey with OpenCV's BT.601 weights when the model takes 1 channel;
   grey is replicated to 3 channels (BGR order) when the model takes 3;
2. resize to ``(spec.height, spec.width)`` with ``cv2.INTER_AREA`` on uint8 pixels;
3. scale per ``spec.normalisation`` to float32 (:func:`normalise`).
"""

import math
from typing import Optional, Sequence

import cv2
from emotion_ros.core.emotion.alignment import level_region
from emotion_ros.core.model.model_card import InputSpec, NORMALISATIONS
import numpy as np

# Interpolation used to resize every face to the model input (both directions).
RESIZE_INTERPOLATION = cv2.INTER_AREA
# Channel counts accepted for one face: grey (HxW or HxWx1), BGR, BGRA.
_ACCEPTED_CHANNELS: tuple[int, ...] = (1, 3, 4)
# A 3-D array whose last axis is at most this long is a colour image, not an (N, H, W) batch.
_MAX_CHANNEL_AXIS = 4  # pixels


def crop_bounds(image: np.ndarray, box: Sequence[float],
                margin: float = 0.0) -> tuple[int, int, int, int]:
    """
    Find the pixels :func:`crop_face` cuts: the box grown by a margin, clipped to the image.

    The box is grown by ``margin * w`` on the left and right and ``margin * h`` on the top and
    bottom, rounded outwards to whole pixels, then clipped to the image.

    :param image: ``HxW`` grey or ``HxWxC`` image (any dtype).
    :param box: ``(x, y, w, h)`` in pixels of ``image``, top-left origin.
    :param margin: fraction of the box size added on each side, >= 0 (0.1 = 10%).
    :returns: ``(x0, y0, x1, y1)``, the crop is ``image[y0:y1, x0:x1]``.
    :raises ValueError: if the image is not 2-D/3-D, the box is not 4 finite numbers,
        ``w`` or ``h`` is not positive, ``margin`` is negative, or the box lies outside the image.
    """
    frame = np.asarray(image)
    if frame.ndim not in (2, 3) or frame.shape[0] == 0 or frame.shape[1] == 0:
        raise ValueError(f'expected an HxW or HxWxC image, got shape {frame.shape}')
    values = tuple(float(v) for v in box)
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise ValueError(f'box must be 4 finite numbers (x, y, w, h), got {box!r}')
    x, y, w, h = values
    if w <= 0.0 or h <= 0.0:
        raise ValueError(f'box {values} is empty (w and h must be > 0)')
    if not math.isfinite(margin) or margin < 0.0:
        raise ValueError(f'margin must be a finite number >= 0, got {margin!r}')
    height, width = frame.shape[:2]
    x0 = max(math.floor(x - margin * w), 0)
    y0 = max(math.floor(y - margin * h), 0)
    x1 = min(math.ceil(x + w + margin * w), width)
    y1 = min(math.ceil(y + h + margin * h), height)
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f'box {values} with margin {margin} lies outside the '
                         f'{width}x{height} image')
    return x0, y0, x1, y1


def crop_face(image: np.ndarray, box: Sequence[float], margin: float = 0.0) -> np.ndarray:
    """
    Cut a face out of an image, grown by a margin and clipped to the image (:func:`crop_bounds`).

    :param image: ``HxW`` grey or ``HxWxC`` image (any dtype).
    :param box: ``(x, y, w, h)`` in pixels of ``image``, top-left origin.
    :param margin: fraction of the box size added on each side, >= 0 (0.1 = 10%).
    :returns: a copy of the clipped region, ``hxw`` or ``hxwxC``.
    :raises ValueError: as :func:`crop_bounds`.
    """
    x0, y0, x1, y1 = crop_bounds(image, box, margin)
    return np.asarray(image)[y0:y1, x0:x1].copy()


def _as_pixels(array: np.ndarray) -> np.ndarray:
    # uint8 and float32 go straight to OpenCV; other dtypes (0..255 scale) become float32.
    if array.dtype == np.uint8 or array.dtype == np.float32:
        return array
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise ValueError(f'faces must be numeric pixels in [0, 255], got dtype {array.dtype}')
    return array.astype(np.float32)


def _convert_channels(batch: np.ndarray, channels: int) -> np.ndarray:
    """Convert an ``(N, H, W, C)`` batch to ``channels`` (1 or 3); pixel-wise, so vectorised."""
    count, height, width, have = batch.shape
    if have == channels:
        return batch
    if have == 4:
        batch = batch[..., :3]
        have = 3
        if channels == 3:
            return batch
    if have == 3 and channels == 1:
        # cvtColor is pixel-wise: stacking the faces vertically converts all of them in one call.
        flat = np.ascontiguousarray(batch).reshape(count * height, width, 3)
        return cv2.cvtColor(flat, cv2.COLOR_BGR2GRAY).reshape(count, height, width, 1)
    if have == 1 and channels == 3:
        return np.repeat(batch, 3, axis=3)
    raise ValueError(f'cannot convert {have} channels to {channels}')


def _resize(face: np.ndarray, spec: InputSpec) -> np.ndarray:
    """Resize one ``HxWxC`` face to the spec size; returns ``spec.height x spec.width x C``."""
    if face.shape[0] == spec.height and face.shape[1] == spec.width:
        return face
    resized = cv2.resize(face, (spec.width, spec.height), interpolation=RESIZE_INTERPOLATION)
    return resized.reshape(spec.height, spec.width, face.shape[2])


def _to_nhwc(array: np.ndarray, where: str) -> np.ndarray:
    if array.ndim == 2:
        array = array[:, :, np.newaxis]
    if array.ndim != 3 or array.shape[2] not in _ACCEPTED_CHANNELS:
        raise ValueError(f'{where}: expected HxW, HxWx1, HxWx3 or HxWx4, got {array.shape}')
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f'{where}: empty image of shape {array.shape}')
    return array


def _preprocess_batch(batch: np.ndarray, spec: InputSpec) -> np.ndarray:
    """Preprocess an ``(N, H, W, C)`` array of same-size faces (vectorised where possible)."""
    reduce_first = batch.shape[3] > spec.channels
    if reduce_first:
        batch = _convert_channels(batch, spec.channels)
    if batch.shape[1:3] != (spec.height, spec.width):
        # cv2.resize takes one image at a time (INTER_AREA allows at most 4 channels).
        resized = np.empty((batch.shape[0], spec.height, spec.width, batch.shape[3]),
                           dtype=batch.dtype)
        for index, face in enumerate(batch):
            resized[index] = _resize(face, spec)
        batch = resized
    if not reduce_first:
        batch = _convert_channels(batch, spec.channels)
    return normalise(batch, spec.normalisation)


def preprocess_faces(faces: np.ndarray | Sequence[np.ndarray], spec: InputSpec) -> np.ndarray:
    """
    Turn face images into a model input batch.

    :param faces: either a sequence of face images of any sizes (each ``HxW`` grey, ``HxWx1``,
        ``HxWx3`` BGR or ``HxWx4`` BGRA), or one array of same-size faces, ``(N, H, W)`` grey
        or ``(N, H, W, C)``. Pixels are uint8, or numbers on the same 0..255 scale.
    :param spec: the model input (size, channels, normalisation), e.g. ``card.input``.
    :returns: float32 ``(N, spec.height, spec.width, spec.channels)``; ``N`` may be 0.
    :raises ValueError: on a face of an unsupported shape or dtype, or a 3-D array whose last
        axis is 1..4 long (a single image passed where a batch is expected: wrap it in a list).
    """
    if not isinstance(spec, InputSpec):
        raise ValueError(f'spec must be an InputSpec, got {type(spec).__name__}')
    empty = np.zeros((0, spec.height, spec.width, spec.channels), dtype=np.float32)
    if isinstance(faces, np.ndarray):
        if faces.ndim == 3:
            if faces.shape[0] > 0 and faces.shape[2] <= _MAX_CHANNEL_AXIS:
                raise ValueError(
                    f'a {faces.shape} array looks like one image, not an (N, H, W) batch: '
                    'pass [image] for a single face')
            faces = faces[..., np.newaxis]
        if faces.ndim != 4 or faces.shape[3] not in _ACCEPTED_CHANNELS:
            raise ValueError(f'expected an (N, H, W) or (N, H, W, C) array with C in '
                             f'{_ACCEPTED_CHANNELS}, got shape {faces.shape}')
        if faces.shape[0] == 0:
            return empty
        if faces.shape[1] == 0 or faces.shape[2] == 0:
            raise ValueError(f'faces have an empty size: shape {faces.shape}')
        return _preprocess_batch(_as_pixels(faces), spec)
    faces = list(faces)
    if not faces:
        return empty
    out = np.empty((len(faces), spec.height, spec.width, spec.channels), dtype=np.float32)
    for index, face in enumerate(faces):
        pixels = _to_nhwc(_as_pixels(np.asarray(face)), f'face {index}')
        out[index] = _preprocess_batch(pixels[np.newaxis], spec)[0]
    return out


def check_crop_margins(margins: Sequence[float]) -> tuple[float, ...]:
    """
    Validate a set of crop margins.

    :param margins: fractions of the box size added per side, each finite and >= 0.
    :returns: the margins as a tuple of floats, in the given order.
    :raises ValueError: for an empty set, a non-number, a negative or non-finite margin.
    """
    if isinstance(margins, (str, bytes)):
        raise ValueError(f'crop margins must be a list of numbers, got {margins!r}')
    try:
        values = tuple(float(m) for m in margins)
    except (TypeError, ValueError):
        raise ValueError(f'crop margins must be a list of numbers, got {margins!r}') from None
    if not values:
        raise ValueError('crop margins must not be empty (give at least one, e.g. [0.2])')
    bad = [m for m in values if not math.isfinite(m) or m < 0.0]
    if bad:
        raise ValueError(f'crop margins must be finite numbers >= 0, got {list(values)}')
    return values


def face_views(image: np.ndarray, box: Sequence[float], margins: Sequence[float],
               mirror: bool, spec: InputSpec, roll: Optional[float] = None,
               which: Optional[Sequence[int]] = None) -> np.ndarray:
    """
    Preprocess several views of one face: one crop per margin, then their mirror images.

    Each crop is :func:`crop_face` at one margin, preprocessed by :func:`preprocess_faces`.
    With a ``roll``, the crops are cut from the region around the box turned so that the eyes
    are level (:func:`emotion_ros.core.emotion.alignment.level_region`), else from the frame.
    The mirror views are the preprocessed crops flipped left-right: colour conversion and
    scaling are per pixel and the resize is symmetric, so this equals preprocessing the
    flipped crop, at no extra resize.

    :param image: the frame, ``HxW`` grey or ``HxWxC``.
    :param box: ``(x, y, w, h)`` in pixels of ``image``.
    :param margins: crop margins, as accepted by :func:`check_crop_margins`.
    :param mirror: add the mirror image of every crop.
    :param spec: the model input.
    :param roll: the face's roll in degrees
        (:func:`emotion_ros.core.emotion.alignment.roll_degrees`), or None to crop the frame as it
        is.
    :param which: the views to make, as indices into the full list (below), in the order
        wanted; only their crops are cut. None: all of them.
    :returns: float32 ``(V, spec.height, spec.width, spec.channels)``: all
        ``len(margins) * (2 if mirror else 1)`` views, the crops in margin order first, then
        their mirror images; or the views in ``which``.
    :raises ValueError: as :func:`crop_bounds` for a box outside the image, or for an index in
        ``which`` out of range.
    """
    count = len(margins) * (2 if mirror else 1)
    order = list(range(count)) if which is None else [int(v) for v in which]
    if not order or any(v < 0 or v >= count for v in order):
        raise ValueError(f'view indices {order} out of range for {count} views')
    if roll is not None:
        # The region is the widest crop's, whichever views are cut: the same pixels every time.
        image, box = level_region(image, box, crop_bounds(image, box, max(margins)), roll)
    needed = sorted({v % len(margins) for v in order})
    crops = preprocess_faces([crop_face(image, box, margins[m]) for m in needed], spec)
    row = {m: index for index, m in enumerate(needed)}
    views = [crops[row[v % len(margins)]] for v in order]
    return np.stack([view if v < len(margins) else view[:, ::-1, :]
                     for v, view in zip(order, views)])


def normalise(array: np.ndarray, normalisation: str) -> np.ndarray:
    """
    Scale pixel values in ``[0, 255]`` to a model's input range, as float32.

    :param array: uint8 pixels, or floats on the same 0..255 scale; any shape.
    :param normalisation: ``'unit'`` -> x / 255, ``'symmetric'`` -> (x / 255 - 0.5) * 2,
        ``'none'`` -> x.
    :returns: a new float32 array of the same shape.
    :raises ValueError: if ``normalisation`` is not one of :data:`NORMALISATIONS`.
    """
    if normalisation not in NORMALISATIONS:
        raise ValueError(
            f'unknown normalisation {normalisation!r}; expected one of {NORMALISATIONS}')
    out = np.asarray(array).astype(np.float32, copy=True)
    if normalisation == 'unit':
        out *= np.float32(1.0 / 255.0)
    elif normalisation == 'symmetric':
        out *= np.float32(2.0 / 255.0)
        out -= np.float32(1.0)
    return out
