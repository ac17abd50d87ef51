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
Evaluate a model with a card on a labelled test set (what ``training/predict.py`` runs).

Two modes: dataset faces (already cropped, e.g. 48x48 FER2013) are classified directly;
full photographs (``detect_faces``) go through the live pipeline's stages instead: the face
detector, the largest face, the same crop margin and :class:`FaceEmotionEstimator`. Photos in
which no face is found are counted and listed, not dropped silently.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Sequence

import cv2
from emotion_ros.training import datasets
import numpy as np

EVAL_BATCH = 256  # faces per classifier call


@dataclass
class Predictions:
    """True and predicted class indices plus what could not be classified."""

    y_true: np.ndarray
    y_pred: np.ndarray
    sources: List[str]
    no_face: List[str] = field(default_factory=list)  # photos where no face was found
    report: datasets.LoadReport = field(default_factory=datasets.LoadReport)


def predict_faces(classifier, faces: datasets.FaceSet) -> Predictions:
    """
    Classify already-cropped faces.

    :param classifier: an :class:`emotion_ros.core.classifier.EmotionClassifier`.
    :param faces: the labelled faces.
    :returns: the predictions.
    """
    predicted = [classifier.classify_crops(faces.faces[start:start + EVAL_BATCH]).argmax(1)
                 for start in range(0, len(faces), EVAL_BATCH)]
    y_pred = np.concatenate(predicted) if predicted else np.zeros(0, np.int64)
    return Predictions(faces.labels.copy(), y_pred.astype(np.int64), list(faces.sources))


def predict_photos(classifier, detector, items: Sequence, margin: float) -> Predictions:
    """
    Detect faces in full photographs and classify the largest one, as the live pipeline does.

    :param classifier: an :class:`emotion_ros.core.classifier.EmotionClassifier`.
    :param detector: a face detector with ``detect(bgr) -> list[Detection]``.
    :param items: (image path, true class index) pairs.
    :param margin: crop margin, the live pipeline's ``DEFAULT_FACE_MARGIN``.
    :returns: the predictions; photos without a face are in ``no_face`` and unreadable ones
        in ``report.unreadable_images``.
    """
    from emotion_ros.core.face_emotions import FaceEmotionEstimator
    from emotion_ros.core.smoothing import ProbabilitySmoother

    estimator = FaceEmotionEstimator(classifier, ProbabilitySmoother(0.0), margin)
    index = {label: i for i, label in enumerate(classifier.labels)}
    result = Predictions(np.zeros(0, np.int64), np.zeros(0, np.int64), [])
    y_true, y_pred = [], []
    for path, label in items:
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if bgr is None:
            result.report.unreadable_images.append(f'{path}: cannot be decoded as an image')
            continue
        detections = detector.detect(bgr)
        if not detections:
            result.no_face.append(str(path))
            continue
        largest = max(detections, key=lambda d: d.w * d.h)
        faces, problems = estimator.estimate(bgr, [(1, (largest.x, largest.y, largest.w,
                                                        largest.h))])
        if not faces:
            result.no_face.append(f'{path}: {"; ".join(problems)}')
            continue
        y_true.append(label)
        y_pred.append(index[faces[0].label])
        result.sources.append(str(path))
    result.y_true = np.asarray(y_true, np.int64)
    result.y_pred = np.asarray(y_pred, np.int64)
    return result


def check_labels(model_labels: Sequence[str], data_labels: Sequence[str]) -> None:
    """
    Require the model to know every class of the data, so indices mean the same thing.

    :param model_labels: the card's labels (output order).
    :param data_labels: the labels the dataset is indexed with.
    :raises ValueError: when they differ.
    """
    if tuple(model_labels) != tuple(data_labels):
        raise ValueError(f'the model labels {list(model_labels)} differ from the dataset '
                         f'labels {list(data_labels)}')


def photo_items(path: Path, labels: Sequence[str]):
    """
    List the labelled photographs of a folder layout for ``--detect-faces``.

    :param path: a ``<class>/`` tree or a train/test layout (its ``test/`` is used).
    :param labels: class names.
    :returns: ((image path, class index) pairs, load report).
    :raises datasets.DatasetError: for a CSV file (its faces are already cropped), a missing
        folder, or a folder without images.
    """
    layout = datasets.detect_layout(path)
    if layout == datasets.LAYOUT_CSV:
        raise datasets.DatasetError(f'{path}: --detect-faces needs image folders of full '
                                    'photographs; fer2013.csv holds cropped faces')
    items, report = datasets.scan_class_folders(datasets.evaluation_folder(path, layout), labels)
    if not items:
        raise datasets.DatasetError(f'{path}: no images found ({report.summary()})')
    return items, report
