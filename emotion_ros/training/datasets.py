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
Loaders for the three facial-expression dataset layouts.

* FER2013 ``fer2013.csv`` (columns ``emotion,pixels,Usage``; 2304 pixels per row),
* Kaggle-style ``train/<class>/*.png`` and ``test/<class>/*.png`` folders,
* CK+48-style ``<class>/*.png`` folders.

Every loader returns a :class:`FaceSet` of 48x48 grey ``uint8`` faces and a :class:`LoadReport`
that counts and locates (``file:line`` or path) each malformed row, unreadable image and unknown
class folder: bad input is reported, never silently dropped and never fatal for the run.
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

FACE_SIZE = 48  # pixels, side of the square grey faces in every dataset
FER_PIXELS = FACE_SIZE * FACE_SIZE  # values per fer2013.csv row
FER_USAGES = ('Training', 'PublicTest', 'PrivateTest')  # fer2013.csv Usage column values
IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.pgm', '.tif', '.tiff')
# Folder names of common dataset copies mapped to the FER2013 label strings.
CLASS_ALIASES = {
    'anger': 'angry', 'disgusted': 'disgust', 'fearful': 'fear', 'happiness': 'happy',
    'sadness': 'sad', 'surprised': 'surprise',
}
# Which part of each layout is used for training, validation and test.
LAYOUT_CSV = 'fer2013_csv'
LAYOUT_TRAIN_TEST = 'train_test_folders'
LAYOUT_CLASS_FOLDERS = 'class_folders'


class DatasetError(ValueError):
    """A dataset path that cannot be used at all (missing, empty, unknown layout)."""


@dataclass
class LoadReport:
    """Problems met while loading, each with its location."""

    malformed_rows: List[str] = field(default_factory=list)  # 'file:line: reason'
    unreadable_images: List[str] = field(default_factory=list)  # 'path: reason'
    unknown_classes: List[str] = field(default_factory=list)  # folder paths

    @property
    def problem_count(self) -> int:
        """Return the number of reported problems."""
        return len(self.malformed_rows) + len(self.unreadable_images) + len(self.unknown_classes)

    def merge(self, other: 'LoadReport') -> None:
        """
        Append the problems of another report to this one.

        :param other: the report to merge in.
        """
        self.malformed_rows += other.malformed_rows
        self.unreadable_images += other.unreadable_images
        self.unknown_classes += other.unknown_classes

    def summary(self, limit: int = 10) -> str:
        """
        Describe the problems in a few lines for the console.

        :param limit: how many locations to list per kind.
        :returns: a multi-line text, or 'no problems'.
        """
        if not self.problem_count:
            return 'no problems'
        lines = []
        for title, items in (('malformed rows', self.malformed_rows),
                             ('unreadable images', self.unreadable_images),
                             ('unknown class folders', self.unknown_classes)):
            if items:
                lines.append(f'{len(items)} {title}:')
                lines += [f'  {item}' for item in items[:limit]]
                if len(items) > limit:
                    lines.append(f'  ... and {len(items) - limit} more')
        return '\n'.join(lines)

    def to_dict(self) -> Dict[str, object]:
        """Return the counts and locations, JSON-serialisable."""
        return {'malformed_rows': list(self.malformed_rows),
                'unreadable_images': list(self.unreadable_images),
                'unknown_classes': list(self.unknown_classes),
                'problem_count': self.problem_count}


@dataclass
class FaceSet:
    """Faces with their labels and where each came from."""

    faces: np.ndarray  # (N, 48, 48) uint8 grey
    labels: np.ndarray  # (N,) int64 indices into the label tuple
    sources: List[str]  # 'file:line' or image path, one per face

    def __len__(self) -> int:
        """Return the number of faces."""
        return len(self.labels)

    def subset(self, index: Sequence[int]) -> 'FaceSet':
        """
        Select faces by index.

        :param index: positions to keep.
        :returns: a new FaceSet.
        """
        index = np.asarray(index, dtype=np.int64)
        return FaceSet(self.faces[index], self.labels[index], [self.sources[i] for i in index])

    @staticmethod
    def concatenate(parts: Sequence['FaceSet']) -> 'FaceSet':
        """
        Join several face sets.

        :param parts: the sets to join, in order.
        :returns: a new FaceSet.
        """
        if not parts:
            return empty_faceset()
        return FaceSet(np.concatenate([p.faces for p in parts]),
                       np.concatenate([p.labels for p in parts]),
                       [s for p in parts for s in p.sources])


def empty_faceset() -> FaceSet:
    """Return a FaceSet with no faces."""
    return FaceSet(np.zeros((0, FACE_SIZE, FACE_SIZE), np.uint8), np.zeros(0, np.int64), [])


def read_fer2013_csv(path: Path, labels: Sequence[str]
                     ) -> Tuple[Dict[str, FaceSet], LoadReport]:
    """
    Read ``fer2013.csv`` once, grouping the faces by their ``Usage``.

    :param path: the CSV file.
    :param labels: class names; the emotion column indexes them.
    :returns: a FaceSet per Usage value (all three keys, maybe empty) and the report of
        malformed rows (``file:line: reason``).
    :raises DatasetError: when the file is missing or has no header with the three columns.
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f'{path}: no such file')
    report = LoadReport()
    groups = {usage: ([], [], []) for usage in FER_USAGES}
    with path.open(newline='') as stream:
        reader = csv.reader(stream)
        header = [h.strip() for h in next(reader, [])]
        try:
            col = {name: header.index(name) for name in ('emotion', 'pixels', 'Usage')}
        except ValueError:
            raise DatasetError(f'{path}:1: header must have emotion,pixels,Usage, got {header}')
        for row in reader:
            where = f'{path}:{reader.line_num}'
            parsed = _parse_fer_row(row, col, len(labels))
            if isinstance(parsed, str):
                report.malformed_rows.append(f'{where}: {parsed}')
                continue
            label, pixels, usage = parsed
            faces, ids, sources = groups[usage]
            faces.append(pixels)
            ids.append(label)
            sources.append(where)
    sets = {}
    for usage, (faces, ids, sources) in groups.items():
        sets[usage] = (FaceSet(np.stack(faces), np.asarray(ids, np.int64), sources)
                       if faces else empty_faceset())
    return sets, report


def load_fer2013_csv(path: Path, usages: Sequence[str],
                     labels: Sequence[str]) -> Tuple[FaceSet, LoadReport]:
    """
    Read the rows of ``fer2013.csv`` whose ``Usage`` is one of ``usages``.

    :param path: the CSV file.
    :param usages: Usage values to keep, e.g. ``('Training',)``.
    :param labels: class names; the emotion column indexes them.
    :returns: the faces and the report of malformed rows (``file:line: reason``).
    :raises DatasetError: when the file is missing or has no header with the three columns.
    """
    sets, report = read_fer2013_csv(path, labels)
    return FaceSet.concatenate([sets[u] for u in usages if len(sets.get(u, ()))]), report


def _parse_fer_row(row: List[str], col: Dict[str, int], num_classes: int):
    """Return (label, 48x48 pixels, usage) for a good row, or the reason it is malformed."""
    if len(row) < 3:
        return f'expected 3 columns, got {len(row)}'
    usage = row[col['Usage']].strip()
    if usage not in FER_USAGES:
        return f'unknown Usage {usage!r} (expected one of {", ".join(FER_USAGES)})'
    try:
        label = int(row[col['emotion']])
    except ValueError:
        return f'emotion {row[col["emotion"]]!r} is not an integer'
    if not 0 <= label < num_classes:
        return f'emotion {label} outside 0..{num_classes - 1}'
    values = row[col['pixels']].split()
    if len(values) != FER_PIXELS:
        return f'{len(values)} pixel values, expected {FER_PIXELS}'
    try:
        pixels = np.array(values, dtype=np.int64)
    except ValueError:
        return 'pixels contain a non-integer value'
    if pixels.min() < 0 or pixels.max() > 255:
        return 'pixel value outside 0..255'
    return label, pixels.astype(np.uint8).reshape(FACE_SIZE, FACE_SIZE), usage


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

    :param root: folder holding one sub-folder per class.
    :param labels: class names.
    :returns: sorted (image path, label index) pairs and a report of unknown class folders.
    :raises DatasetError: when the folder does not exist.
    """
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f'{root}: no such folder')
    report = LoadReport()
    items = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        index = class_index(folder.name, labels)
        if index is None:
            count = sum(1 for _ in _images_in(folder))
            report.unknown_classes.append(f'{folder} ({count} images skipped)')
            continue
        items += [(image, index) for image in _images_in(folder)]
    return items, report


def _images_in(folder: Path):
    """Yield the image files of a folder, sorted."""
    return (p for p in sorted(folder.iterdir())
            if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


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


def load_class_folders(root: Path, labels: Sequence[str]) -> Tuple[FaceSet, LoadReport]:
    """
    Read a ``<class>/*.png`` tree (CK+48 style, or one half of a train/test layout).

    :param root: folder holding one sub-folder per class.
    :param labels: class names.
    :returns: the faces and the report (unknown class folders, unreadable images).
    :raises DatasetError: when the folder does not exist.
    """
    items, report = scan_class_folders(root, labels)
    faces, ids, sources = [], [], []
    for image_path, index in items:
        try:
            faces.append(read_grey_face(image_path))
        except ValueError as error:
            report.unreadable_images.append(f'{image_path}: {error}')
            continue
        ids.append(index)
        sources.append(str(image_path))
    if not faces:
        return empty_faceset(), report
    return FaceSet(np.stack(faces), np.asarray(ids, np.int64), sources), report


def detect_layout(path: Path) -> str:
    """
    Tell which of the three layouts a dataset path holds.

    :param path: a ``.csv`` file, a folder with ``train/`` (and ``test/``), or class folders.
    :returns: one of LAYOUT_CSV, LAYOUT_TRAIN_TEST, LAYOUT_CLASS_FOLDERS.
    :raises DatasetError: when the path does not exist or is not a CSV file or folder.
    """
    path = Path(path)
    if path.is_file():
        if path.suffix.lower() == '.csv':
            return LAYOUT_CSV
        raise DatasetError(f'{path}: expected fer2013.csv or a folder')
    if not path.is_dir():
        raise DatasetError(f'{path}: no such file or folder')
    if (path / 'train').is_dir():
        return LAYOUT_TRAIN_TEST
    return LAYOUT_CLASS_FOLDERS


@dataclass
class DatasetParts:
    """What a layout provides: training faces and, when the layout has them, fixed sets."""

    layout: str
    train: FaceSet
    validation: Optional[FaceSet]  # fixed by the layout (FER2013 PublicTest), else None
    test: Optional[FaceSet]  # fixed by the layout (PrivateTest, test/), else None
    report: LoadReport


def load_for_training(path: Path, labels: Sequence[str]) -> DatasetParts:
    """
    Load a dataset for training, honouring the parts its layout fixes.

    FER2013: Training / PublicTest (validation) / PrivateTest (test). Train/test folders:
    ``train/`` and ``test/``. Class folders: everything is training data (split later).

    :param path: dataset path in any of the three layouts.
    :param labels: class names.
    :returns: the parts and the merged load report.
    :raises DatasetError: when the path is unusable or holds no faces.
    """
    layout = detect_layout(path)
    path = Path(path)
    if layout == LAYOUT_CSV:
        sets, report = read_fer2013_csv(path, labels)
        train, validation, test = sets['Training'], sets['PublicTest'], sets['PrivateTest']
    elif layout == LAYOUT_TRAIN_TEST:
        train, report = load_class_folders(path / 'train', labels)
        validation, test = None, None
        if (path / 'test').is_dir():
            test, test_report = load_class_folders(path / 'test', labels)
            report.merge(test_report)
    else:
        train, report = load_class_folders(path, labels)
        validation, test = None, None
    if not len(train):
        raise DatasetError(f'{path}: no training faces found ({report.summary()})')
    return DatasetParts(layout, train, _or_none(validation), _or_none(test), report)


def _or_none(faces: Optional[FaceSet]) -> Optional[FaceSet]:
    """Return None for a missing or empty set."""
    return faces if faces is not None and len(faces) else None


def load_for_evaluation(path: Path, labels: Sequence[str],
                        usages: Sequence[str] = ('PrivateTest',)) -> Tuple[FaceSet, LoadReport]:
    """
    Load the test part of a dataset: CSV rows of ``usages``, ``test/``, or all class folders.

    :param path: dataset path in any of the three layouts.
    :param labels: class names.
    :param usages: fer2013.csv Usage values to evaluate on.
    :returns: the faces and the load report.
    :raises DatasetError: when the path is unusable or holds no faces.
    """
    layout = detect_layout(path)
    path = Path(path)
    if layout == LAYOUT_CSV:
        faces, report = load_fer2013_csv(path, usages, labels)
    else:
        faces, report = load_class_folders(evaluation_folder(path, layout), labels)
    if not len(faces):
        raise DatasetError(f'{path}: no test faces found ({report.summary()})')
    return faces, report


def evaluation_folder(path: Path, layout: str) -> Path:
    """
    Return the class-folder tree evaluated for a folder layout.

    :param path: dataset folder.
    :param layout: LAYOUT_TRAIN_TEST or LAYOUT_CLASS_FOLDERS.
    :returns: ``path/test`` for a train/test layout, else ``path``.
    :raises DatasetError: when a train/test layout has no ``test/`` folder.
    """
    if layout != LAYOUT_TRAIN_TEST:
        return Path(path)
    if not (Path(path) / 'test').is_dir():
        raise DatasetError(f'{path}: has train/ but no test/ folder to evaluate on')
    return Path(path) / 'test'
