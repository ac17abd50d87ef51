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
Which layout a dataset path holds, and the parts each layout fixes for training and test.

* FER2013 ``fer2013.csv``: Training / PublicTest (validation) / PrivateTest (test);
* Kaggle-style ``train/<class>/*.png`` and ``test/<class>/*.png`` folders;
* CK+48-style ``<class>/*.png`` folders: everything is training data (split later).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from emotion_ros.core.model.labels import FER2013_LABELS
from emotion_ros.training.datasets.class_folders import folder_classes, load_class_folders, \
    TRAIN_SHAPE
from emotion_ros.training.datasets.fer2013_csv import load_fer2013_csv, read_fer2013_csv
from emotion_ros.training.datasets.records import DatasetError, FaceSet, LoadReport

# The three layouts a dataset path can hold (DatasetParts.layout).
LAYOUT_CSV = 'fer2013_csv'
LAYOUT_TRAIN_TEST = 'train_test_folders'
LAYOUT_CLASS_FOLDERS = 'class_folders'


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


def dataset_classes(path: Path) -> List[str]:
    """
    Name the classes a dataset holds, before reading its faces (to map them to a model's).

    :param path: dataset path in any of the three layouts.
    :returns: FER2013's labels for ``fer2013.csv``, else the class folders holding images
        (of ``train/`` and ``test/`` for that layout), aliases mapped, sorted.
    :raises DatasetError: when the path is unusable.
    """
    layout = detect_layout(path)
    if layout == LAYOUT_CSV:
        return list(FER2013_LABELS)
    if layout == LAYOUT_CLASS_FOLDERS:
        return folder_classes(path)
    parts = [Path(path) / 'train'] + ([Path(path) / 'test'] if (Path(path) / 'test').is_dir()
                                      else [])
    return sorted({name for part in parts for name in folder_classes(part)})


@dataclass
class DatasetParts:
    """What a layout provides: training faces and, when the layout has them, fixed sets."""

    layout: str
    train: FaceSet
    validation: Optional[FaceSet]  # fixed by the layout (FER2013 PublicTest), else None
    test: Optional[FaceSet]  # fixed by the layout (PrivateTest, test/), else None
    report: LoadReport


def load_for_training(path: Path, labels: Sequence[str],
                      shape: Tuple[int, int, int] = TRAIN_SHAPE) -> DatasetParts:
    """
    Load a dataset for training, honouring the parts its layout fixes.

    FER2013: Training / PublicTest (validation) / PrivateTest (test). Train/test folders:
    ``train/`` and ``test/``. Class folders: everything is training data (split later).

    :param path: dataset path in any of the three layouts.
    :param labels: class names.
    :param shape: ``(height, width, channels)`` of the faces read from image folders (the
        model's input; fer2013.csv faces stay 48x48 grey and are resized when preprocessed).
    :returns: the parts and the merged load report.
    :raises DatasetError: when the path is unusable or holds no faces.
    """
    layout = detect_layout(path)
    path = Path(path)
    if layout == LAYOUT_CSV:
        sets, report = read_fer2013_csv(path, labels)
        train, validation, test = sets['Training'], sets['PublicTest'], sets['PrivateTest']
    elif layout == LAYOUT_TRAIN_TEST:
        train, report = load_class_folders(path / 'train', labels, shape=shape)
        validation, test = None, None
        if (path / 'test').is_dir():
            test, test_report = load_class_folders(path / 'test', labels, shape=shape)
            report.merge(test_report)
    else:
        train, report = load_class_folders(path, labels, shape=shape)
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
    classifier's :func:`~emotion_ros.core.emotion.preprocessing.preprocess_faces` converts them
    once, exactly as in the live pipeline; fer2013.csv faces are 48x48 grey.

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
