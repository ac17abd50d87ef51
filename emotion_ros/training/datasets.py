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

The training loaders return a :class:`FaceSet` of 48x48 grey ``uint8`` faces; the evaluation
loader keeps folder images at their own size and colour (a list of BGR arrays), so that
:func:`emotion_ros.core.preprocessing.preprocess_faces` does the one conversion to the model
input, as in the live pipeline. The ``emotion`` integers of ``fer2013.csv`` always index
:data:`~emotion_ros.core.labels.FER2013_LABELS`; they are mapped by name to the wanted labels.

Each loader also returns a :class:`LoadReport` that counts and locates (``file:line`` or path)
each malformed row, row of a class outside the wanted labels, unreadable image, unknown class
folder and skipped file: bad input is reported, never silently dropped and never fatal for the
run (only a file that cannot be parsed at all raises :class:`DatasetError`).
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
from emotion_ros.core.labels import FER2013_LABELS
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
    excluded_rows: List[str] = field(default_factory=list)  # 'file:line: class not in labels'
    unreadable_images: List[str] = field(default_factory=list)  # 'path: reason'
    unknown_classes: List[str] = field(default_factory=list)  # folder paths
    skipped_files: List[str] = field(default_factory=list)  # 'path: reason'

    def _kinds(self):
        """Return (title, key, items) for each kind of problem, in report order."""
        return (('malformed rows', 'malformed_rows', self.malformed_rows),
                ('rows of classes not in the labels', 'excluded_rows', self.excluded_rows),
                ('unreadable images', 'unreadable_images', self.unreadable_images),
                ('unknown class folders', 'unknown_classes', self.unknown_classes),
                ('skipped files', 'skipped_files', self.skipped_files))

    @property
    def problem_count(self) -> int:
        """Return the number of reported problems."""
        return sum(len(items) for _, _, items in self._kinds())

    def merge(self, other: 'LoadReport') -> None:
        """
        Append the problems of another report to this one.

        :param other: the report to merge in.
        """
        for _, key, items in other._kinds():
            getattr(self, key).extend(items)

    def summary(self, limit: int = 10) -> str:
        """
        Describe the problems in a few lines for the console.

        :param limit: how many locations to list per kind.
        :returns: a multi-line text, or 'no problems'.
        """
        if not self.problem_count:
            return 'no problems'
        lines = []
        for title, _, items in self._kinds():
            if items:
                lines.append(f'{len(items)} {title}:')
                lines += [f'  {item}' for item in items[:limit]]
                if len(items) > limit:
                    lines.append(f'  ... and {len(items) - limit} more')
        return '\n'.join(lines)

    def to_dict(self) -> Dict[str, object]:
        """Return the counts and locations, JSON-serialisable."""
        data: Dict[str, object] = {key: list(items) for _, key, items in self._kinds()}
        data['problem_count'] = self.problem_count
        return data


@dataclass
class FaceSet:
    """Faces with their labels and where each came from."""

    # (N, 48, 48) uint8 grey for training; for evaluation of image folders a list of images at
    # their own size (BGR uint8), preprocessed later by the classifier.
    faces: Union[np.ndarray, List[np.ndarray]]
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
        faces = (self.faces[index] if isinstance(self.faces, np.ndarray)
                 else [self.faces[i] for i in index])
        return FaceSet(faces, self.labels[index], [self.sources[i] for i in index])

    @staticmethod
    def concatenate(parts: Sequence['FaceSet']) -> 'FaceSet':
        """
        Join several face sets.

        :param parts: the sets to join, in order.
        :returns: a new FaceSet.
        """
        if not parts:
            return empty_faceset()
        if all(isinstance(p.faces, np.ndarray) for p in parts):
            faces = np.concatenate([p.faces for p in parts])
        else:
            faces = [face for p in parts for face in p.faces]
        return FaceSet(faces,
                       np.concatenate([p.labels for p in parts]),
                       [s for p in parts for s in p.sources])


def empty_faceset() -> FaceSet:
    """Return a FaceSet with no faces."""
    return FaceSet(np.zeros((0, FACE_SIZE, FACE_SIZE), np.uint8), np.zeros(0, np.int64), [])


def read_fer2013_csv(path: Path, labels: Sequence[str]
                     ) -> Tuple[Dict[str, FaceSet], LoadReport]:
    """
    Read ``fer2013.csv`` once, grouping the faces by their ``Usage``.

    The ``emotion`` column always indexes :data:`~emotion_ros.core.labels.FER2013_LABELS` (the
    dataset's own order); each class is mapped by name to its index in ``labels``. Rows of a
    class that ``labels`` lacks are counted in ``report.excluded_rows``, not as malformed.

    :param path: the CSV file.
    :param labels: the class names (in output order) the returned labels index.
    :returns: a FaceSet per Usage value (all three keys, maybe empty) and the report of
        malformed and excluded rows (``file:line: reason``).
    :raises DatasetError: when the file is missing, has no header with the three columns, or
        cannot be parsed as CSV (e.g. an unbalanced quote running past the field size limit).
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f'{path}: no such file')
    report = LoadReport()
    groups = {usage: ([], [], []) for usage in FER_USAGES}
    to_labels = [labels.index(name) if name in labels else None for name in FER2013_LABELS]
    with path.open(newline='') as stream:
        reader = csv.reader(stream)
        start = 1  # line on which the row being read starts
        try:
            header = [h.strip() for h in next(reader, [])]
            try:
                col = {name: header.index(name) for name in ('emotion', 'pixels', 'Usage')}
            except ValueError:
                raise DatasetError(
                    f'{path}:1: header must have emotion,pixels,Usage, got {header}')
            start = reader.line_num + 1
            for row in reader:
                where = f'{path}:{start}'
                parsed = _parse_fer_row(row, col, start, reader.line_num)
                start = reader.line_num + 1
                if isinstance(parsed, str):
                    report.malformed_rows.append(f'{where}: {parsed}')
                    continue
                label, pixels, usage = parsed
                if to_labels[label] is None:
                    report.excluded_rows.append(f'{where}: class {FER2013_LABELS[label]!r} '
                                                f'(emotion {label}) is not in the labels')
                    continue
                faces, ids, sources = groups[usage]
                faces.append(pixels)
                ids.append(to_labels[label])
                sources.append(where)
        except csv.Error as error:
            raise DatasetError(f'{path}:{start}: {error}' + _runs_on(start, reader.line_num))
        except UnicodeDecodeError as error:
            raise DatasetError(f'{path}: not a text CSV file ({error})')
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
    :param labels: the class names the returned labels index (mapped by name from FER2013's).
    :returns: the faces and the report of malformed and excluded rows (``file:line: reason``).
    :raises DatasetError: when the file is missing or has no header with the three columns.
    """
    sets, report = read_fer2013_csv(path, labels)
    return FaceSet.concatenate([sets[u] for u in usages if len(sets.get(u, ()))]), report


def _runs_on(start: int, end: int) -> str:
    """Explain a CSV row spanning several lines (an unbalanced quote), or return ''."""
    if end <= start:
        return ''
    return f' (the row starting here runs on to line {end}: unbalanced quote?)'


def _parse_fer_row(row: List[str], col: Dict[str, int], start: int, end: int):
    """
    Return (FER2013 class index, 48x48 pixels, usage) for a good row, or why it is malformed.

    :param row: the CSV fields.
    :param col: column index of 'emotion', 'pixels' and 'Usage'.
    :param start: first line of the row in the file.
    :param end: last line of the row (larger than start when a quote spans lines).
    """
    if end > start:
        return f'unbalanced quote: the row spans lines {start} to {end}'
    if len(row) < 3:
        return f'expected 3 columns, got {len(row)}'
    usage = row[col['Usage']].strip()
    if usage not in FER_USAGES:
        return f'unknown Usage {usage!r} (expected one of {", ".join(FER_USAGES)})'
    try:
        label = int(row[col['emotion']])
    except ValueError:
        return f'emotion {row[col["emotion"]]!r} is not an integer'
    if not 0 <= label < len(FER2013_LABELS):
        return f'emotion {label} outside 0..{len(FER2013_LABELS) - 1}'
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

    Folder images are kept at their own size and colour (a list of BGR arrays) so that the
    classifier's :func:`~emotion_ros.core.preprocessing.preprocess_faces` converts them once,
    exactly as in the live pipeline; fer2013.csv faces are 48x48 grey.

    :param path: dataset path in any of the three layouts.
    :param labels: the model's class names (output order); data classes are mapped by name.
    :param usages: fer2013.csv Usage values to evaluate on.
    :returns: the faces and the load report.
    :raises DatasetError: when the path is unusable or holds no faces.
    """
    layout = detect_layout(path)
    path = Path(path)
    if layout == LAYOUT_CSV:
        faces, report = load_fer2013_csv(path, usages, labels)
    else:
        faces, report = load_class_folders(evaluation_folder(path, layout), labels,
                                           keep_size=True)
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
