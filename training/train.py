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

"""
Train an emotion CNN offline and write a run directory the classifier node can load.

Examples (from the repository root)::

    python training/train.py --data fer2013.csv                       # the original CNN
    python training/train.py --data CK+48 --arch small --split subject --tflite
    python training/train.py --resume runs/20260101-120000_seed --epochs 150
    python training/train.py --data fer2013.csv --strategy mirrored --mixed-precision --onnx
    python training/train.py --data faces --init assets/models/fer_mini_xception.hdf5 \
        --freeze -1 --split subject                   # fine-tune the bundled model's head
    python training/train.py --data faces --init runs/20260101-120000_seed/model.keras \
        --add-classes --epochs 20                     # an earlier run, plus a new class

The data is ``fer2013.csv`` (Usage honoured), ``train/<class>`` + ``test/<class>`` folders or
CK+48-style ``<class>`` folders. The run directory holds ``model.keras``, ``model.card.json``,
``history.csv``, ``curves.png``, ``confusion_matrix.png``, ``classification_report.txt`` and
``metrics.json`` (and ``model.tflite`` with ``--tflite``, ``model.onnx`` with ``--onnx``,
``model_int8.tflite`` and its card with ``--tflite-int8``).

``--strategy multiworker`` runs the same command on every worker, each with its ``TF_CONFIG``;
only the chief writes the run directory.

``--init MODEL`` fine-tunes a Keras model (``.keras``, ``.h5``, ``.hdf5``) that has a card:
the data is read at the card's input size and colour, its classes are mapped to the card's
labels by name (``--add-classes`` adds output units for the others), ``--freeze N`` keeps the
first N layers fixed (-1: all but the head), the learning rate defaults to ``FINETUNE_LR`` and
``--arch`` is ignored; see :mod:`emotion_ros.training.finetune` and doc/training.md.

With ``--resume`` the run keeps its ``config.json``: only ``--epochs``, ``--strategy`` and the
export options are honoured, and any other option given is ignored with a warning.

Imports: ``emotion_ros`` is used from the installed package or ``PYTHONPATH``, else from the
repository root (this file's parent folder), so the script also runs from a plain clone; the
start-up and the error messages are :mod:`emotion_ros.training.command_line`'s. The option
choices and defaults come from the library (``ARCHITECTURES``, ``SPLITS``,
``DEFAULT_SUBJECT_PATTERN``, ``TrainConfig``).
"""

import argparse
from dataclasses import fields
from datetime import datetime
import os
from pathlib import Path
import sys
from typing import Dict, List, Optional

# The repository root, a fallback after the installed package and PYTHONPATH.
sys.path.append(str(Path(__file__).resolve().parent.parent))
from emotion_ros.training import command_line  # noqa: E402 (found through the path above)

# Options honoured with --resume (the others are fixed by the run's config.json).
RESUME_OPTIONS = ('resume', 'epochs', 'tflite', 'onnx', 'tflite_int8', 'strategy')
EXPORTS = ('tflite', 'onnx', 'tflite_int8')  # options that add an export (also when resuming)


def config_defaults() -> Dict[str, object]:
    """
    Return the defaults of the run options, taken from ``TrainConfig``.

    :returns: {field name: default} for the fields that have a plain default.
    """
    from emotion_ros.training.trainer import TrainConfig

    return {f.name: f.default for f in fields(TrainConfig)
            if isinstance(f.default, (int, float, str))}


def build_parser() -> argparse.ArgumentParser:
    """
    Describe the command line; choices and defaults come from the training library.

    :returns: the parser.
    """
    from emotion_ros.training.architectures import ARCHITECTURES
    from emotion_ros.training.distribution import STRATEGIES
    from emotion_ros.training.finetune import FINETUNE_LR, FREEZE_ALL_BUT_HEAD
    from emotion_ros.training.splits import SPLITS

    default = config_defaults()
    parser = command_line.make_parser(__doc__)
    parser.add_argument('--data', help='fer2013.csv, a train/test folder or <class> folders')
    parser.add_argument('--arch', default=default['arch'], choices=sorted(ARCHITECTURES),
                        help=f'architecture (default: {default["arch"]}; seed is the '
                             'original 7.8M-parameter CNN)')
    parser.add_argument('--epochs', type=int, default=None,
                        help=f'last epoch (default: {default["epochs"]}; with --resume: the '
                             "resumed run's value)")
    parser.add_argument('--batch-size', type=int, default=default['batch_size'],
                        help=f'default: {default["batch_size"]}')
    parser.add_argument('--lr', type=float, default=None,
                        help=f'Nadam learning rate (default: {default["lr"]}; with --init: '
                             f'{FINETUNE_LR})')
    parser.add_argument('--val-split', type=float, default=default['val_split'],
                        help='validation share of the training faces (default: '
                             f'{default["val_split"]})')
    parser.add_argument('--test-split', type=float, default=default['test_split'],
                        help='test share when the layout has no test part (default: '
                             f'{default["test_split"]})')
    parser.add_argument('--split', default=default['split'], choices=SPLITS,
                        help='stratified (class ratios kept) or subject (no person on both '
                             'sides; use it for CK+ copies)')
    parser.add_argument('--subject-pattern', default=default['subject_pattern'],
                        help='regex for the subject id in file names (group 1; default: '
                             f'{default["subject_pattern"]})'.replace('%', '%%'))
    parser.add_argument('--seed', type=int, default=default['seed'],
                        help=f'random seed (default: {default["seed"]})')
    parser.add_argument('--class-weights', action='store_true',
                        help='weight classes by inverse frequency (imbalanced data)')
    parser.add_argument('--no-early-stopping', action='store_true',
                        help='train all epochs even without improvement')
    parser.add_argument('--tflite', action='store_true',
                        help='also export model.tflite, checked against Keras')
    parser.add_argument('--onnx', action='store_true',
                        help='also export model.onnx, checked against Keras on the test split')
    parser.add_argument('--tflite-int8', action='store_true',
                        help='also export model_int8.tflite (full integer, calibrated on '
                             'training faces) and its card; its accuracy goes to metrics.json')
    parser.add_argument('--strategy', default=None, choices=STRATEGIES,
                        help=f'distribution (default: {default["strategy"]}: several local GPUs '
                             'mirrored, else one device; multiworker reads TF_CONFIG)')
    parser.add_argument('--mixed-precision', action='store_true',
                        help='mixed_float16 compute with float32 outputs and loss scaling '
                             '(faster on recent GPUs only)')
    parser.add_argument('--init', metavar='MODEL',
                        help='fine-tune this Keras model (.keras, .h5, .hdf5 with its card): '
                             'its input, labels and weights; --arch is ignored')
    parser.add_argument('--freeze', type=int, default=0, metavar='N',
                        help='with --init: the first N layers (model.layers without the input '
                             f'layer) are not trained; {FREEZE_ALL_BUT_HEAD}: all but the head '
                             '(default: 0)')
    parser.add_argument('--add-classes', action='store_true',
                        help='with --init: a data class the model lacks gets a new output unit '
                             '(else it is an error)')
    parser.add_argument('--run-dir', help='run directory (default: runs/<time>_<arch>, '
                                          'runs/<time>_finetune with --init)')
    parser.add_argument('--resume', metavar='RUN_DIR',
                        help='continue a run from its last checkpoint (--epochs may extend it, '
                             '--strategy and exports apply; other options are ignored)')
    return parser


def given_options(argv: Optional[List[str]], dests) -> List[str]:
    """
    List the options given explicitly on a command line.

    :param argv: the arguments (default: ``sys.argv[1:]``).
    :param dests: the destinations of the parser's options (``vars(args)``).
    :returns: the destinations given, sorted, e.g. ``['data', 'resume']``.
    """
    unset = object()
    # argparse fills in a default only for attributes the namespace does not have yet.
    given = build_parser().parse_args(argv, argparse.Namespace(**dict.fromkeys(dests, unset)))
    return sorted(name for name, value in vars(given).items() if value is not unset)


def _resume_config(args, argv, load_config):
    """Load the config of the run to resume; apply --epochs and --tflite, warn about others."""
    config = load_config(Path(args.resume))
    if args.epochs is not None:
        config.epochs = args.epochs
    for name in EXPORTS:
        if getattr(args, name):
            setattr(config, name, True)
    if args.strategy is not None:
        config.strategy = args.strategy
    ignored = [name for name in given_options(argv, vars(args))
               if name not in RESUME_OPTIONS]
    if ignored:
        shown = ', '.join('--' + name.replace('_', '-') for name in ignored)
        print(f'train.py: warning: {shown} ignored with --resume: the run keeps the options '
              f'of {Path(args.resume) / "config.json"}', file=sys.stderr)
    return config


def expected_errors() -> command_line.Errors:
    """Return the errors of bad data, options or exports: each is printed as one line."""
    from emotion_ros.training.datasets.records import DatasetError
    from emotion_ros.training.distribution import StrategyError
    from emotion_ros.training.finetune import InitError
    from emotion_ros.training.onnx_export import OnnxExportError
    from emotion_ros.training.tflite_export import TFLiteExportError
    from emotion_ros.training.trainer import TrainingError

    return (DatasetError, TrainingError, TFLiteExportError, OnnxExportError, StrategyError,
            InitError, ValueError, OSError)


def train(parser: argparse.ArgumentParser, args: argparse.Namespace,
          argv: Optional[List[str]]) -> None:
    """
    Check the options, then start a new run or resume one.

    :param parser: the command line's parser (for its option errors).
    :param args: the parsed command line.
    :param argv: the arguments parsed (to tell which options were given with --resume).
    """
    if (args.epochs is not None and args.epochs < 1 or args.batch_size < 1
            or args.lr is not None and args.lr <= 0):
        parser.error('--epochs and --batch-size must be >= 1 and --lr > 0')
    from emotion_ros.training import distribution, finetune, trainer

    given = given_options(argv, vars(args))
    if not args.init and not args.resume and ('freeze' in given or args.add_classes):
        parser.error('--freeze and --add-classes need --init MODEL')

    if args.resume:
        config = _resume_config(args, argv, trainer.load_config)
    else:
        if not args.data:
            raise trainer.TrainingError('--data is required (or --resume RUN_DIR)')
        if args.init and 'arch' in given:
            print(f'train.py: warning: --arch ignored with --init: the run keeps the '
                  f'architecture of {args.init}', file=sys.stderr)
        run_dir = args.run_dir or str(
            Path('runs') / f'{datetime.now():%Y%m%d-%H%M%S}_'
                           f'{"finetune" if args.init else args.arch}')
        # Another worker's chief may have started the run already: only the chief checks.
        chief = distribution.is_chief_process(args.strategy or config_defaults()['strategy'])
        if chief and (Path(run_dir) / 'config.json').exists():
            raise trainer.TrainingError(f'{run_dir} already holds a run: use --resume '
                                        f'{run_dir} or another --run-dir')
        config = trainer.TrainConfig(
            data=args.data, run_dir=run_dir, arch=args.arch,
            epochs=config_defaults()['epochs'] if args.epochs is None else args.epochs,
            batch_size=args.batch_size, val_split=args.val_split,
            lr=(args.lr if args.lr is not None
                else finetune.FINETUNE_LR if args.init else config_defaults()['lr']),
            test_split=args.test_split, split=args.split,
            subject_pattern=args.subject_pattern, seed=args.seed,
            class_weights=args.class_weights, tflite=args.tflite,
            early_stopping=not args.no_early_stopping,
            strategy=args.strategy or config_defaults()['strategy'],
            mixed_precision=args.mixed_precision, onnx=args.onnx,
            tflite_int8=args.tflite_int8, init=args.init or '', freeze=args.freeze,
            add_classes=args.add_classes)
    trainer.run_training(config, resume=bool(args.resume))


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line on ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    arguments = sys.argv[1:] if argv is None else argv
    if any(arg == '--init' or arg.startswith('--init=') for arg in arguments):
        # Fitting the bundled .hdf5 with every layer trainable aborted in its first step with
        # TensorFlow 2.21's oneDNN custom operations on (free(): invalid pointer, 3 of 3 tries;
        # doc/training.md); set before TensorFlow is imported, and a user's own value wins.
        os.environ.setdefault('TF_ENABLE_ONEDNN_OPTS', '0')
    return command_line.run(__file__, build_parser, expected_errors,
                            lambda parser, args: train(parser, args, argv), argv)


if __name__ == '__main__':
    sys.exit(main())
