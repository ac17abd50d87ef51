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

Class folder names are matched to the labels, with common aliases ('anger', 'sadness').
For training the images become 48x48 grey ``uint8`` faces; for evaluation they keep their own
size and colour (BGR), so that
:func:`emotion_ros.core.emotion.preprocessing.preprocess_faces` does the one conversion to the
model input, as in the live pipeline.
"""

from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import cv2
from emotion_ros.training.datasets.records import DatasetError, empty_faceset, FACE_SIZE, \
    FaceSet, LoadReport
import numpy as np

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.pgm', '.tif', '.tiff')
# Folder names of common dataset copies mapped to the FER2013 label strings.
CLASS_ALIASES = {
    'anger': 'angry', 'disgusted': 'disgust', 'fearful': 'fear', 'happiness': 'happy',
    'sadness': 'sad', 'surprised': 'surprise',
}


def class_index(folder_name: str, labels: Sequence[str]) -> Optional[int]:
    """
    Map a class folder name to a label index, accepting common aliases ('anger', 'sadness').

    :param folder_name: the folder name.
    :param labels: class names.
    :returns: the index, or None when the name is not a known class.
    """
    name = folder_name.strip().lower()
    name = CLASS_ALIASES.get(name, name)
    return labels.index(name) if name in labels else None


def scan_class_folders(root: Path, labels: Sequence[str]
                       ) -> Tuple[List[Tuple[Path, int]], LoadReport]:
    """
    List the images of a ``<class>/*`` tree without reading them.

    Files directly in ``root``, files without an image suffix (:data:`IMAGE_SUFFIXES`) and
    folders nested inside a class folder are not used: each is listed in
    ``report.skipped_files``.

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
        index = class_index(entry.name, labels)
        if index is None:
            count = len(_images_in(entry, LoadReport()))
            report.unknown_classes.append(f'{entry} ({count} images skipped)')
            continue
        items += [(image, index) for image in _images_in(entry, report)]
    return items, report


def _images_in(folder: Path, report: LoadReport) -> List[Path]:
    """Return the image files of a class folder, sorted; report everything else in it."""
    images = []
    for entry in sorted(folder.iterdir()):
        if entry.is_dir():
            report.skipped_files.append(f'{entry}: nested folder inside a class folder')
        elif entry.suffix.lower() not in IMAGE_SUFFIXES:
            report.skipped_files.append(f'{entry}: not an image file suffix '
                                        f'({", ".join(IMAGE_SUFFIXES)})')
        else:
            images.append(entry)
    return images


def read_face_image(path: Path) -> np.ndarray:
    """
    Read an image at its own size as BGR, for evaluation (the classifier preprocesses it).

    :param path: image file.
    :returns: (H, W, 3) uint8 BGR (grey files are replicated to three channels).
    :raises ValueError: when the file cannot be decoded.
    """
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None or image.size == 0:
        raise ValueError('cannot be decoded as an image')
    return image


def read_grey_face(path: Path) -> np.ndarray:
    """
    Read an image as a 48x48 grey face (resized with INTER_AREA when needed).

    :param path: image file.
    :returns: (48, 48) uint8.
    :raises ValueError: when the file cannot be decoded.
    """
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if image is None or image.size == 0:
        raise ValueError('cannot be decoded as an image')
    if image.shape != (FACE_SIZE, FACE_SIZE):
        image = cv2.resize(image, (FACE_SIZE, FACE_SIZE), interpolation=cv2.INTER_AREA)
    return image


def load_class_folders(root: Path, labels: Sequence[str],
                       keep_size: bool = False) -> Tuple[FaceSet, LoadReport]:
    """
    Read a ``<class>/*.png`` tree (CK+48 style, or one half of a train/test layout).

    :param root: folder holding one sub-folder per class.
    :param labels: class names.
    :param keep_size: False (training): 48x48 grey faces in one array; True (evaluation): a
        list of BGR images at their own size (:func:`read_face_image`).
    :returns: the faces and the report (unknown class folders, unreadable images, skipped
        files).
    :raises DatasetError: when the folder does not exist.
    """
    items, report = scan_class_folders(root, labels)
    read = read_face_image if keep_size else read_grey_face
    faces, ids, sources = [], [], []
    for image_path, index in items:
        try:
            faces.append(read(image_path))
        except ValueError as error:
            report.unreadable_images.append(f'{image_path}: {error}')
            continue
        ids.append(index)
        sources.append(str(image_path))
    if not faces:
        return empty_faceset(), report
    return FaceSet(faces if keep_size else np.stack(faces), np.asarray(ids, np.int64),
                   sources), report
