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
One training run: data, splits, model, callbacks, fit, evaluation and the run directory.

Run directory contents: ``model.keras`` (best validation accuracy), ``model.card.json``,
``history.csv``, ``curves.png``, ``confusion_matrix.png``, ``classification_report.txt``,
``metrics.json``, ``config.json`` and, for ``--resume``, ``last.keras`` + ``state.json``;
optionally ``model.tflite`` (verified against the Keras predictions).
"""

from dataclasses import asdict, dataclass, field
import json
from pathlib import Path
import time
from typing import Dict, Tuple

from emotion_ros.training import datasets, reporting, splits
from emotion_ros.training.architectures import compile_model, DEFAULT_LEARNING_RATE, INPUT_SHAPE
from emotion_ros.training.progress import make_progress_callback, make_state_callback, \
    read_state
import numpy as np

NORMALISATION = 'unit'  # x / 255, as the original project scaled its inputs
MONITOR = 'val_accuracy'  # metric for the best checkpoint, early stopping and LR schedule
EARLY_STOP_PATIENCE = 11  # epochs without improvement before stopping (original value)
LR_PATIENCE = 7  # epochs without improvement before halving the learning rate (original)
LR_FACTOR = 0.5  # learning-rate multiplier on a plateau (original value)
MIN_LR = 1e-7  # learning-rate floor
EVAL_BATCH = 256  # faces per evaluation batch
CONFIG_FILE = 'config.json'
BEST_MODEL = 'best.keras'
LAST_MODEL = 'last.keras'
MODEL_FILE = 'model.keras'


class TrainingError(RuntimeError):
    """A training run that cannot start or continue (message says why)."""


@dataclass
class TrainConfig:
    """Every option of a run; saved as ``config.json`` so that a run can resume."""

    data: str
    run_dir: str
    arch: str = 'seed'
    epochs: int = 100
    batch_size: int = 64
    lr: float = DEFAULT_LEARNING_RATE
    val_split: float = 0.1
    test_split: float = 0.1
    split: str = 'stratified'
    subject_pattern: str = splits.DEFAULT_SUBJECT_PATTERN
    seed: int = 42
    class_weights: bool = False
    tflite: bool = False
    early_stopping: bool = True
    labels: Tuple[str, ...] = field(default_factory=tuple)


def save_config(config: TrainConfig) -> None:
    """
    Write ``config.json`` into the run directory.

    :param config: the run's configuration.
    """
    reporting.write_json(asdict(config), Path(config.run_dir) / CONFIG_FILE)


def load_config(run_dir: Path) -> TrainConfig:
    """
    Read the configuration of an earlier run for ``--resume``.

    :param run_dir: the run directory.
    :returns: its configuration.
    :raises TrainingError: when the directory holds no run to resume.
    """
    path = Path(run_dir) / CONFIG_FILE
    if not path.is_file() or not (Path(run_dir) / LAST_MODEL).is_file():
        raise TrainingError(f'{run_dir}: not a run directory with a checkpoint to resume '
                            f'({CONFIG_FILE} and {LAST_MODEL} expected)')
    data = json.loads(path.read_text())
    data['labels'] = tuple(data.get('labels', ()))
    return TrainConfig(**data)


@dataclass
class SplitData:
    """The three parts of a run, with how they were made."""

    train: datasets.FaceSet
    validation: datasets.FaceSet
    test: datasets.FaceSet
    description: str
    report: datasets.LoadReport


def prepare_splits(config: TrainConfig, labels) -> SplitData:
    """
    Load the dataset and make the train / validation / test parts.

    Parts fixed by the layout are kept (FER2013 Usage, ``test/``); the others are split off the
    training faces with ``config.split`` (test first, then validation).

    :param config: the run's configuration.
    :param labels: class names.
    :returns: the parts.
    :raises datasets.DatasetError: when the data cannot be loaded.
    :raises ValueError: when a split cannot be made.
    """
    parts = datasets.load_for_training(Path(config.data), labels)
    train, notes = parts.train, [f'layout {parts.layout}']
    test, validation = parts.test, parts.validation
    for name, fraction in (('test', config.test_split), ('validation', config.val_split)):
        if (test if name == 'test' else validation) is not None:
            notes.append(f'{name}: fixed by the layout')
            continue
        kept, held = splits.split_indices(train.labels, train.sources, config.split,
                                          fraction, config.seed, config.subject_pattern)
        if name == 'test':
            test = train.subset(held)
        else:
            validation = train.subset(held)
        train = train.subset(kept)
        notes.append(f'{name}: {config.split} split, {fraction:.0%} of the rest')
    description = '; '.join(notes)
    return SplitData(train, validation, test, description, parts.report)


def _callbacks(config: TrainConfig, resumed: bool):
    """Build the Keras callbacks of a run."""
    import keras

    run = Path(config.run_dir)
    best = read_state(run).get('best') if resumed else None
    callbacks = [
        keras.callbacks.ModelCheckpoint(str(run / BEST_MODEL), monitor=MONITOR, mode='max',
                                        save_best_only=True, initial_value_threshold=best),
        keras.callbacks.ModelCheckpoint(str(run / LAST_MODEL)),
        keras.callbacks.ReduceLROnPlateau(monitor=MONITOR, mode='max', factor=LR_FACTOR,
                                          patience=LR_PATIENCE, min_lr=MIN_LR),
        keras.callbacks.CSVLogger(str(run / 'history.csv'), append=resumed),
        make_state_callback(run, MONITOR),
        make_progress_callback(config.epochs),
    ]
    if config.early_stopping:
        callbacks.append(keras.callbacks.EarlyStopping(monitor=MONITOR, mode='max',
                                                       patience=EARLY_STOP_PATIENCE))
    return callbacks


def run_training(config: TrainConfig, resume: bool = False, log=print) -> Dict[str, object]:
    """
    Train, evaluate and write every artefact of a run directory.

    :param config: the run's configuration (``run_dir`` is created if needed).
    :param resume: continue from ``last.keras`` and ``state.json`` in ``run_dir``.
    :param log: where progress lines go.
    :returns: the metrics written to ``metrics.json``.
    :raises datasets.DatasetError: when the data cannot be loaded.
    :raises TrainingError: when a resume is impossible or the run has nothing to train on.
    :raises ValueError: when a split cannot be made.
    """
    from emotion_ros.core.labels import FER2013_LABELS
    from emotion_ros.core.model_card import InputSpec

    labels = tuple(config.labels) or FER2013_LABELS
    config.labels = labels
    run = Path(config.run_dir)
    data = prepare_splits(config, labels)
    run.mkdir(parents=True, exist_ok=True)
    log(f'data: {config.data}: {len(data.train)} train, {len(data.validation)} validation, '
        f'{len(data.test)} test faces ({data.description})')
    if data.report.problem_count:
        log(f'data problems (skipped, see metrics.json):\n{data.report.summary()}')
    if not len(data.validation) or not len(data.train):
        raise TrainingError('training and validation sets must not be empty')
    # TensorFlow is imported only now, so that data errors are reported at once.
    import keras

    from emotion_ros.training.architectures import build_model
    from emotion_ros.training.pipeline import make_augmenter, make_dataset, prepare_inputs

    keras.utils.set_random_seed(config.seed)
    spec = InputSpec(INPUT_SHAPE[0], INPUT_SHAPE[1], INPUT_SHAPE[2], NORMALISATION)
    x_train, x_val, x_test = (prepare_inputs(part.faces, spec)
                              for part in (data.train, data.validation, data.test))
    initial_epoch = 0
    if resume:
        model = keras.models.load_model(str(run / LAST_MODEL))
        initial_epoch = int(read_state(run).get('epoch', 0))
        log(f'resuming {run} after epoch {initial_epoch}')
    else:
        model = build_model(config.arch, INPUT_SHAPE, len(labels))
        compile_model(model, config.lr)
    save_config(config)
    weights = (splits.class_weights(data.train.labels, len(labels))
               if config.class_weights else None)
    train_ds = make_dataset(x_train, data.train.labels, config.batch_size, True, config.seed,
                            make_augmenter(config.seed))
    val_ds = make_dataset(x_val, data.validation.labels, config.batch_size, False, config.seed)
    start = time.perf_counter()
    if initial_epoch < config.epochs:
        model.fit(train_ds, validation_data=val_ds, epochs=config.epochs,
                  initial_epoch=initial_epoch, class_weight=weights, shuffle=False,
                  callbacks=_callbacks(config, resume), verbose=0)
    seconds = time.perf_counter() - start
    if (run / BEST_MODEL).is_file():
        model = keras.models.load_model(str(run / BEST_MODEL))
    model.save(str(run / MODEL_FILE))
    return _finish_run(config, model, spec, data, (x_test, x_val), seconds, initial_epoch, log)


def _finish_run(config: TrainConfig, model, spec, data: SplitData, inputs, seconds: float,
                initial_epoch: int, log) -> Dict[str, object]:
    """Evaluate the best model and write the reports, the card and the optional TFLite."""
    from emotion_ros.training.card import write_card

    run = Path(config.run_dir)
    x_test, x_val = inputs
    evaluated_on, x_eval, part = 'test', x_test, data.test
    if not len(part):
        evaluated_on, x_eval, part = 'validation', x_val, data.validation
    probs = model.predict(x_eval, batch_size=EVAL_BATCH, verbose=0)
    y_pred = np.asarray(probs).argmax(axis=1)
    labels = tuple(config.labels)
    metrics = reporting.compute_metrics(part.labels, y_pred, labels)
    (run / 'classification_report.txt').write_text(
        f'evaluated on the {evaluated_on} set ({len(part)} faces)\n\n'
        + reporting.classification_text(part.labels, y_pred, labels))
    reporting.plot_confusion_matrix(metrics['confusion_matrix'], labels,
                                    run / 'confusion_matrix.png',
                                    f'{config.arch}: {evaluated_on} set')
    history = reporting.read_history_csv(run / 'history.csv')
    reporting.plot_curves(history, run / 'curves.png')
    epochs_run = len(history.get('epoch', []))
    images = len(data.train) * max(epochs_run - initial_epoch, 0)
    metrics.update({
        'evaluated_on': evaluated_on, 'split': data.description, 'epochs': epochs_run,
        'train_faces': len(data.train), 'validation_faces': len(data.validation),
        'test_faces': len(data.test), 'train_seconds': round(seconds, 3),
        'train_images_per_second': round(images / seconds, 2) if seconds > 0 else None,
        'data_problems': data.report.to_dict(),
    })
    if config.tflite:
        from emotion_ros.training.tflite_export import export_tflite, verify_tflite

        check = x_eval if len(x_eval) else x_val
        export_tflite(model, run / 'model.tflite')
        metrics['tflite_check'] = verify_tflite(model, run / 'model.tflite', check)
        log(f'TFLite export verified: {metrics["tflite_check"]}')
    reporting.write_json(metrics, run / 'metrics.json')
    write_card(run / 'model.card.json', config, spec, metrics, model.count_params())
    log(f'{evaluated_on} accuracy {metrics["accuracy"]:.4f}, macro F1 '
        f'{metrics["macro_f1"]:.4f} on {metrics["n"]} faces; run directory: {run}')
    return metrics
