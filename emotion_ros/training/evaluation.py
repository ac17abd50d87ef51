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

Two modes: dataset faces (already cropped, e.g. 48x48 FER2013, or folder images at their own
size) are classified directly, preprocessed once by the classifier;
full photographs (``detect_faces``) go through the live pipeline's stages instead: the face
detector, the largest face, the same crops (margins and mirror) averaged by the same
:class:`FaceEmotionEstimator` (without smoothing: the photos are independent). Photos in
which no face is found are counted and listed, not dropped silently.
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence, TextIO, TYPE_CHECKING

import cv2
from emotion_ros.training.datasets.class_folders import scan_class_folders
from emotion_ros.training.datasets.layouts import detect_layout, evaluation_folder, LAYOUT_CSV
from emotion_ros.training.datasets.records import DatasetError, FaceSet, LoadReport
import numpy as np

if TYPE_CHECKING:
    from emotion_ros.core.config import EmotionConfig

EVAL_BATCH = 256  # faces per classifier call


@dataclass
class Predictions:
    """True and predicted class indices plus what could not be classified."""

    y_true: np.ndarray  # (N,) int64 indices into the model's labels
    y_pred: np.ndarray  # (N,) int64
    sources: List[str]  # one per classified face
    probabilities: np.ndarray  # (N, K) float32, the classifier's output
    no_face: List[str] = field(default_factory=list)  # photos where no face was found
    report: LoadReport = field(default_factory=LoadReport)


def predict_faces(classifier, faces: FaceSet) -> Predictions:
    """
    Classify already-cropped faces.

    :param classifier: an :class:`emotion_ros.core.model.classifier.EmotionClassifier`.
    :param faces: the labelled faces (an array of same-size faces or a list of images of any
        size; the classifier preprocesses them for its card).
    :returns: the predictions.
    """
    probs = [classifier.classify_crops(faces.faces[start:start + EVAL_BATCH])
             for start in range(0, len(faces), EVAL_BATCH)]
    probs = (np.concatenate(probs).astype(np.float32) if probs
             else np.zeros((0, len(classifier.labels)), np.float32))
    return Predictions(faces.labels.copy(), probs.argmax(1).astype(np.int64),
                       list(faces.sources), probs)


def predict_photos(classifier, detector, items: Sequence,
                   config: Optional['EmotionConfig'] = None) -> Predictions:
    """
    Detect faces in full photographs and classify the largest one, as the live pipeline does.

    :param classifier: an :class:`emotion_ros.core.model.classifier.EmotionClassifier`.
    :param detector: a face detector with ``detect(bgr) -> list[Detection]``.
    :param items: (image path, true class index) pairs.
    :param config: the emotion stage's settings (crop margins, mirror, roll alignment; its
        smoothing is not used); None for the defaults, as the node has them.
    :returns: the predictions; photos without a face are in ``no_face`` and unreadable ones
        in ``report.unreadable_images``.
    """
    from emotion_ros.core.config import EmotionConfig
    from emotion_ros.core.emotion.face_emotions import FaceEmotionEstimator
    from emotion_ros.core.emotion.smoothing import ProbabilitySmoother

    config = config if config is not None else EmotionConfig()
    estimator = FaceEmotionEstimator(classifier, ProbabilitySmoother(0.0), config.crop_margins,
                                     config.mirror, config.align_roll)
    index = {label: i for i, label in enumerate(classifier.labels)}
    result = Predictions(np.zeros(0, np.int64), np.zeros(0, np.int64), [],
                         np.zeros((0, len(classifier.labels)), np.float32))
    y_true, y_pred, probs = [], [], []
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
        box = (largest.x, largest.y, largest.w, largest.h)
        faces, problems = estimator.estimate(bgr, [(1, box, largest.keypoints)])
        if not faces:
            result.no_face.append(f'{path}: {"; ".join(str(p) for p in problems)}')
            continue
        y_true.append(label)
        y_pred.append(index[faces[0].label])
        probs.append(np.asarray(faces[0].probabilities, np.float32))
        result.sources.append(str(path))
    result.y_true = np.asarray(y_true, np.int64)
    result.y_pred = np.asarray(y_pred, np.int64)
    if probs:
        result.probabilities = np.stack(probs)
    return result


def write_predictions(result: Predictions, labels: Sequence[str], stream: TextIO) -> None:
    """
    Write one CSV row per classified face: source, true and predicted class, probabilities.

    :param result: the predictions.
    :param labels: the model's class names (output order).
    :param stream: a text stream opened with ``newline=''``.
    """
    writer = csv.writer(stream)
    writer.writerow(['source', 'true', 'predicted'] + list(labels))
    for source, true, pred, probs in zip(result.sources, result.y_true, result.y_pred,
                                         result.probabilities):
        writer.writerow([source, labels[true], labels[pred]] + [repr(float(p)) for p in probs])


def photo_items(path: Path, labels: Sequence[str]):
    """
    List the labelled photographs of a folder layout for ``--detect-faces``.

    :param path: a ``<class>/`` tree or a train/test layout (its ``test/`` is used).
    :param labels: class names.
    :returns: ((image path, class index) pairs, load report).
    :raises DatasetError: for a CSV file (its faces are already cropped), a missing
        folder, or a folder without images.
    """
    layout = detect_layout(path)
    if layout == LAYOUT_CSV:
        raise DatasetError(f'{path}: --detect-faces needs image folders of full '
                           'photographs; fer2013.csv holds cropped faces')
    items, report = scan_class_folders(evaluation_folder(path, layout), labels)
    if not items:
        raise DatasetError(f'{path}: no images found ({report.summary()})')
    return items, report
