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
The image-folder reader: ``<class>/*.png`` trees (CK+48 style, or one half of train/test).

Class folder names are matched to the labels, with common aliases ('anger', 'sadness');
``unlabelled/`` (faces ``emotion_collect`` has not sorted yet) is never a class. An image with a
JSON sidecar (same stem, ``.json``, as ``emotion_collect`` writes) holding the face ``box``
``[x, y, w, h]`` in the image's pixels is a wide crop around a face: the face is cut from it
with the classifier's own crop, :func:`~emotion_ros.core.emotion.preprocessing.crop_face` at the
node's first default margin (:data:`SIDECAR_MARGIN`); an image without one is the face. A bad
sidecar is a reported unreadable image. For training the faces become grey (or BGR) ``uint8``
faces of the model's input size, converted and resized by
:func:`emotion_ros.core.emotion.preprocessing.preprocess_faces` exactly as the node does (48x48
grey unless the run fine-tunes a model with another input); for evaluation they keep their own
size and colour (BGR), so that the classifier does the one conversion to the model input, as
in the live pipeline.
"""

from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import cv2
from emotion_ros.core.collection import read_sidecar_box, UNLABELLED
from emotion_ros.core.config import EmotionConfig
from emotion_ros.core.emotion.preprocessing import crop_face, preprocess_faces
from emotion_ros.core.model.model_card import InputSpec
from emotion_ros.training.datasets.records import DatasetError, empty_faceset, FACE_SIZE, \
    FaceSet, LoadReport
import numpy as np

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.pgm', '.tif', '.tiff')
# Folder names of common dataset copies mapped to the FER2013 label strings.
CLASS_ALIASES = {
    'anger': 'angry', 'disgusted': 'disgust', 'fearful': 'fear', 'happiness': 'happy',
    'sadness': 'sad', 'surprised': 'surprise',
}
# Suffix of the sidecar that gives the face box inside a collected image (emotion_collect).
SIDECAR_SUFFIX = '.json'
# Margin (fraction of the box per side) of the face cut from an image with a sidecar: the
# node's first default crop (its first view), so training sees the pixels the node classifies.
SIDECAR_MARGIN = EmotionConfig.crop_margins[0]
# Shape of a training face unless the run says otherwise: 48x48 grey (pixels, channels).
TRAIN_SHAPE = (FACE_SIZE, FACE_SIZE, 1)


def class_name(folder_name: str) -> str:
    """
    Return the label a class folder name stands for: lower case, aliases mapped ('anger').

    :param folder_name: the folder name.
    :returns: e.g. 'angry' for 'Anger'.
    """
    name = folder_name.strip().lower()
    return CLASS_ALIASES.get(name, name)


def class_index(folder_name: str, labels: Sequence[str]) -> Optional[int]:
    """
    Map a class folder name to a label index, accepting common aliases ('anger', 'sadness').

    :param folder_name: the folder name.
    :param labels: class names.
    :returns: the index, or None when the name is not a known class.
    """
    name = class_name(folder_name)
    return labels.index(name) if name in labels else None


def scan_class_folders(root: Path, labels: Sequence[str]
                       ) -> Tuple[List[Tuple[Path, int]], LoadReport]:
    """
    List the images of a ``<class>/*`` tree without reading them.

    Files directly in ``root``, files without an image suffix (:data:`IMAGE_SUFFIXES`) other
    than an image's sidecar, folders nested inside a class folder and the ``unlabelled/``
    folder are not used: each is listed in ``report.skipped_files``.

    :param root: folder holding one sub-folder per class.
    :param labels: class names.
    :returns: sorted (image path, label index) pairs and a report of unknown class folders and
        skipped files.
    :raises DatasetError: when the folder does not exist.
    """
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f'{root}: no such folder')
    report = LoadReport()
    items = []
    for entry in sorted(root.iterdir()):
        if not entry.is_dir():
            report.skipped_files.append(f'{entry}: not inside a class folder')
            continue
        if entry.name == UNLABELLED:
            count = len(_images_in(entry, LoadReport()))
            report.skipped_files.append(f'{entry}: faces not sorted into a class yet, never a '
                                        f'class ({count} images)')
            continue
        index = class_index(entry.name, labels)
        if index is None:
            count = len(_images_in(entry, LoadReport()))
            report.unknown_classes.append(f'{entry} ({count} images skipped)')
            continue
        items += [(image, index) for image in _images_in(entry, report)]
    return items, report


def folder_classes(root: Path) -> List[str]:
    """
    Name the classes of a ``<class>/*`` tree: its folders holding images, aliases mapped.

    :param root: folder holding one sub-folder per class (``unlabelled/`` is not one).
    :returns: the class names, sorted, e.g. ``['angry', 'happy']``.
    :raises DatasetError: when the folder does not exist.
    """
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f'{root}: no such folder')
    return sorted({class_name(entry.name) for entry in root.iterdir()
                   if entry.is_dir() and entry.name != UNLABELLED
                   and _images_in(entry, LoadReport())})


def _images_in(folder: Path, report: LoadReport) -> List[Path]:
    """Return the image files of a class folder, sorted; report everything else in it."""
    images = []
    entries = sorted(folder.iterdir())
    stems = {entry.stem for entry in entries if entry.suffix.lower() in IMAGE_SUFFIXES}
    for entry in entries:
        if entry.is_dir():
            report.skipped_files.append(f'{entry}: nested folder inside a class folder')
        elif entry.suffix == SIDECAR_SUFFIX and entry.stem in stems:
            continue  # an image's sidecar, read with the image
        elif entry.suffix.lower() not in IMAGE_SUFFIXES:
            report.skipped_files.append(f'{entry}: not an image file suffix '
                                        f'({", ".join(IMAGE_SUFFIXES)})')
        else:
            images.append(entry)
    return images


def sidecar_box(path: Path) -> Optional[Tuple[int, int, int, int]]:
    """
    Read the face box of an image from its sidecar (``<stem>.json``), if it has one.

    :param path: image file.
    :returns: ``(x, y, w, h)`` in the image's pixels, or None without a sidecar.
    :raises ValueError: when the sidecar cannot be read or has no valid ``box``.
    """
    try:
        return read_sidecar_box(path)
    except (ValueError, TypeError, AttributeError, OSError) as error:
        # A JSON list or a non-number box raises TypeError or AttributeError, not ValueError.
        raise ValueError(f'bad sidecar {Path(path).with_suffix(SIDECAR_SUFFIX).name}: '
                         f'{error}') from error


def read_face_image(path: Path) -> np.ndarray:
    """
    Read the face of an image at its own size as BGR, for evaluation.

    With a sidecar the face is cut as the node cuts it (:data:`SIDECAR_MARGIN`); the classifier
    preprocesses it.

    :param path: image file.
    :returns: (H, W, 3) uint8 BGR (grey files are replicated to three channels).
    :raises ValueError: when the file cannot be decoded or its sidecar is bad.
    """
    box = sidecar_box(path)
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        raise ValueError('cannot be decoded as an image')
    if box is None:
        return image
    try:
        return crop_face(image, box, SIDECAR_MARGIN)
    except ValueError as error:
        raise ValueError(f'bad sidecar box: {error}') from error


def read_training_face(path: Path, shape: Tuple[int, int, int] = TRAIN_SHAPE) -> np.ndarray:
    """
    Read the face of an image as a training face of the model's input size and colour.

    The face (:func:`read_face_image`) is converted and resized by
    :func:`~emotion_ros.core.emotion.preprocessing.preprocess_faces`, the node's function, and
    kept as ``uint8`` (normalised later, once).

    :param path: image file.
    :param shape: ``(height, width, channels)`` of the faces, channels 1 (grey) or 3 (BGR).
    :returns: (height, width) uint8 grey, or (height, width, 3) uint8 BGR.
    :raises ValueError: when the file cannot be decoded or its sidecar is bad.
    """
    height, width, channels = shape
    pixels = preprocess_faces([read_face_image(path)],
                              InputSpec(height, width, channels, 'none'))[0]
    # 'none' keeps 0..255; grey conversion and INTER_AREA on uint8 give whole numbers.
    face = pixels.astype(np.uint8)
    return face[:, :, 0] if channels == 1 else face


def load_class_folders(root: Path, labels: Sequence[str], keep_size: bool = False,
                       shape: Tuple[int, int, int] = TRAIN_SHAPE) -> Tuple[FaceSet, LoadReport]:
    """
    Read a ``<class>/*.png`` tree (CK+48 style, or one half of a train/test layout).

    :param root: folder holding one sub-folder per class.
    :param labels: class names.
    :param keep_size: False (training): faces of ``shape`` in one array
        (:func:`read_training_face`); True (evaluation): a list of BGR faces at their own size
        (:func:`read_face_image`).
    :param shape: ``(height, width, channels)`` of training faces (default 48x48 grey).
    :returns: the faces and the report (unknown class folders, unreadable images, skipped
        files).
    :raises DatasetError: when the folder does not exist.
    """
    items, report = scan_class_folders(root, labels)
    faces, ids, sources = [], [], []
    for image_path, index in items:
        try:
            faces.append(read_face_image(image_path) if keep_size
                         else read_training_face(image_path, shape))
        except ValueError as error:
            report.unreadable_images.append(f'{image_path}: {error}')
            continue
        ids.append(index)
        sources.append(str(image_path))
    if not faces:
        return empty_faceset(), report
    return FaceSet(faces if keep_size else np.stack(faces), np.asarray(ids, np.int64),
                   sources), report
