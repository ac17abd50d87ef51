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
Evaluation metrics and report files: metrics JSON, classification report, PNG plots.

matplotlib is imported lazily with the Agg backend (no display needed).
"""

import csv
import json
from pathlib import Path
from typing import Dict, List, Mapping, Sequence

import numpy as np

FIGURE_DPI = 100  # dots per inch of the saved PNGs


def compute_metrics(y_true: np.ndarray, y_pred: np.ndarray,
                    classes: Sequence[str]) -> Dict[str, object]:
    """
    Compute accuracy, macro F1, the per-class report and the confusion matrix.

    :param y_true: (N,) true class indices.
    :param y_pred: (N,) predicted class indices.
    :param classes: class names in index order.
    :returns: ``{'accuracy', 'macro_f1', 'n', 'per_class', 'confusion_matrix', 'classes'}``;
        ``macro_f1`` averages over the classes that occur in ``y_true`` or ``y_pred``;
        ``per_class`` maps each class name to precision, recall, f1-score and support. With no
        faces (N = 0) every value is 0 (scikit-learn is not called: it rejects empty input).
    """
    y_true = np.asarray(y_true, np.int64)
    y_pred = np.asarray(y_pred, np.int64)
    n = int(len(y_true))
    if not n:
        return _zero_metrics(classes)
    from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score

    index = list(range(len(classes)))
    report = classification_report(y_true, y_pred, labels=index, target_names=list(classes),
                                   output_dict=True, zero_division=0)
    per_class = {name: {key: float(value) for key, value in report[name].items()}
                 for name in classes}
    return {
        'accuracy': float(accuracy_score(y_true, y_pred)),
        # Over the classes that occur (true or predicted): a class with no test face and no
        # prediction would count 0 and make a perfect 2-class run 0.29 of 7 labels.
        'macro_f1': float(f1_score(y_true, y_pred, labels=sorted(set(y_true) | set(y_pred)),
                                   average='macro', zero_division=0)),
        'n': n,
        'per_class': per_class,
        'confusion_matrix': confusion_matrix(y_true, y_pred, labels=index).tolist(),
        'classes': list(classes),
    }


def _zero_metrics(classes: Sequence[str]) -> Dict[str, object]:
    """Return the metrics of an evaluation without any face: all zero."""
    keys = ('precision', 'recall', 'f1-score', 'support')
    return {
        'accuracy': 0.0,
        'macro_f1': 0.0,
        'n': 0,
        'per_class': {name: dict.fromkeys(keys, 0.0) for name in classes},
        'confusion_matrix': [[0] * len(classes) for _ in classes],
        'classes': list(classes),
    }


def classification_text(y_true: np.ndarray, y_pred: np.ndarray, classes: Sequence[str]) -> str:
    """
    Format scikit-learn's classification report plus the confusion matrix as text.

    :param y_true: (N,) true class indices.
    :param y_pred: (N,) predicted class indices.
    :param classes: class names in index order.
    :returns: the report text.
    """
    from sklearn.metrics import classification_report, confusion_matrix

    index = list(range(len(classes)))
    text = classification_report(y_true, y_pred, labels=index, target_names=list(classes),
                                 digits=3, zero_division=0)
    matrix = confusion_matrix(y_true, y_pred, labels=index)
    width = max(len(c) for c in classes) + 1
    lines = ['confusion matrix (rows: true, columns: predicted)',
             ' ' * width + ' '.join(f'{c[:5]:>5}' for c in classes)]
    lines += [f'{name:<{width}}' + ' '.join(f'{v:>5}' for v in row)
              for name, row in zip(classes, matrix)]
    return text + '\n' + '\n'.join(lines) + '\n'


def write_json(data: Mapping, path: Path) -> Path:
    """
    Write a JSON file with sorted, indented keys.

    :param data: a JSON-serialisable mapping.
    :param path: output file.
    :returns: the path written.
    """
    path = Path(path)
    path.write_text(json.dumps(data, indent=2) + '\n', encoding='utf-8')
    return path


def read_history_csv(path: Path) -> Dict[str, List[float]]:
    """
    Read a Keras ``CSVLogger`` file into columns.

    :param path: the history CSV.
    :returns: {column: values}, 'epoch' included.
    """
    columns: Dict[str, List[float]] = {}
    with Path(path).open(newline='') as stream:
        for row in csv.DictReader(stream):
            for key, value in row.items():
                columns.setdefault(key, []).append(float(value))
    return columns


def _pyplot():
    """Import pyplot with the Agg backend."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def plot_curves(history: Mapping[str, Sequence[float]], path: Path) -> Path:
    """
    Plot loss and accuracy per epoch (training and validation) side by side.

    :param history: columns as read by :func:`read_history_csv`.
    :param path: output PNG.
    :returns: the path written.
    """
    plt = _pyplot()
    epochs = [int(e) + 1 for e in history.get('epoch', [])]
    figure, axes = plt.subplots(1, 2, figsize=(10, 4))
    for axis, metric in zip(axes, ('loss', 'accuracy')):
        for key, style in ((metric, '-'), (f'val_{metric}', '--')):
            if key in history:
                axis.plot(epochs, history[key], style, marker='o', label=key)
        axis.set_xlabel('epoch')
        axis.set_ylabel(metric)
        axis.grid(True, alpha=0.3)
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=FIGURE_DPI)
    plt.close(figure)
    return Path(path)


def plot_confusion_matrix(matrix: Sequence[Sequence[int]], classes: Sequence[str], path: Path,
                          title: str = 'confusion matrix') -> Path:
    """
    Draw a confusion matrix with counts in the cells.

    :param matrix: (K, K) counts, rows = true class, columns = predicted class.
    :param classes: class names.
    :param path: output PNG.
    :param title: figure title.
    :returns: the path written.
    """
    plt = _pyplot()
    matrix = np.asarray(matrix)
    figure, axis = plt.subplots(figsize=(7, 6))
    image = axis.imshow(matrix, cmap='Blues')
    figure.colorbar(image, ax=axis)
    axis.set_xticks(range(len(classes)), labels=classes, rotation=45, ha='right')
    axis.set_yticks(range(len(classes)), labels=classes)
    axis.set_xlabel('predicted')
    axis.set_ylabel('true')
    axis.set_title(title)
    threshold = matrix.max() / 2.0 if matrix.size and matrix.max() else 0.5
    for (row, col), value in np.ndenumerate(matrix):
        axis.text(col, row, str(value), ha='center', va='center',
                  color='white' if value > threshold else 'black')
    figure.tight_layout()
    figure.savefig(path, dpi=FIGURE_DPI)
    plt.close(figure)
    return Path(path)
