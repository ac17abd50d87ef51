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

Run directory contents: ``model.keras`` (best validation accuracy: the checkpoint writes it
directly), ``model.card.json``, ``history.csv``, ``curves.png``, ``confusion_matrix.png``,
``classification_report.txt``, ``metrics.json``, ``config.json`` and, for ``--resume``,
``last.keras`` + ``state.json``; optionally ``model.tflite`` and ``model.onnx`` (verified
against the Keras predictions; deleted again when the check fails, after the model and card are
written) and ``model_int8.tflite`` with its card ``model_int8.card.json`` (measured, not
verified: quantisation changes some predictions).

Under a distribution strategy (:mod:`emotion_ros.training.distribution`) only the chief writes
the run directory; the other workers train in step and write their checkpoints into a
temporary directory that is deleted when they finish.

The reported metrics come from the node's loading path: the saved ``model.keras`` is loaded
with :meth:`emotion_ros.core.model.classifier.EmotionClassifier.load` and its card, and evaluated
with
:func:`emotion_ros.training.evaluation.predict_faces`.
"""

from dataclasses import asdict, dataclass, field, replace
import json
from pathlib import Path
import shutil
import tempfile
import time
from typing import Dict, List, Tuple

from emotion_ros.training import finetune, reporting, splits
from emotion_ros.training.architectures import compile_model, DEFAULT_LEARNING_RATE, INPUT_SHAPE
from emotion_ros.training.datasets.class_folders import TRAIN_SHAPE
from emotion_ros.training.datasets.layouts import dataset_classes, load_for_training
from emotion_ros.training.datasets.records import FaceSet, LoadReport
from emotion_ros.training.progress import make_progress_callback, make_state_callback, \
    read_state
from emotion_ros.training.tflite_export import CALIBRATION_FACES

NORMALISATION = 'unit'  # x / 255, as the original project scaled its inputs
MONITOR = 'val_accuracy'  # metric for the best checkpoint, early stopping and LR schedule
EARLY_STOP_PATIENCE = 11  # epochs without improvement before stopping (original value)
LR_PATIENCE = 7  # epochs without improvement before halving the learning rate (original)
LR_FACTOR = 0.5  # learning-rate multiplier on a plateau (original value)
MIN_LR = 1e-7  # learning-rate floor
CONFIG_FILE = 'config.json'
LAST_MODEL = 'last.keras'
MODEL_FILE = 'model.keras'
CARD_FILE = 'model.card.json'
TFLITE_FILE = 'model.tflite'
TFLITE_INT8_FILE = 'model_int8.tflite'
ONNX_FILE = 'model.onnx'


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
    strategy: str = 'auto'
    mixed_precision: bool = False
    onnx: bool = False
    tflite_int8: bool = False
    labels: Tuple[str, ...] = field(default_factory=tuple)
    init: str = ''  # the model fine-tuned (--init), '' to train from scratch
    freeze: int = 0  # layers not trained with --init (-1: all but the head)
    add_classes: bool = False  # with --init: new output units for data classes it lacks
    parent: Dict[str, object] = field(default_factory=dict)  # the --init model's identity


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
    :raises TrainingError: when the directory holds no run to resume or its config.json is
        corrupt.
    """
    path = Path(run_dir) / CONFIG_FILE
    if not path.is_file() or not (Path(run_dir) / LAST_MODEL).is_file():
        raise TrainingError(f'{run_dir}: not a run directory with a checkpoint to resume '
                            f'({CONFIG_FILE} and {LAST_MODEL} expected)')
    try:
        data = json.loads(path.read_text())
        data['labels'] = tuple(data.get('labels', ()))
        config = TrainConfig(**data)
    except (ValueError, TypeError, AttributeError) as error:
        raise TrainingError(f'{path}: corrupt run configuration, cannot resume ({error})')
    config.run_dir = str(run_dir)  # where the run is now, also after it was moved
    return config


def read_run_state(run_dir: Path) -> dict:
    """
    Read ``state.json`` of a run for ``--resume``.

    :param run_dir: the run directory.
    :returns: ``{'epoch', 'best', 'stopped_early'}`` (empty when the file is absent).
    :raises TrainingError: when the file is corrupt.
    """
    try:
        state = read_state(run_dir)
        if not isinstance(state, dict):
            raise ValueError(f'expected a JSON object, got {type(state).__name__}')
        int(state.get('epoch', 0))
        return state
    except (ValueError, TypeError) as error:
        raise TrainingError(f'{Path(run_dir) / "state.json"}: corrupt resume state ({error})')


@dataclass
class SplitData:
    """The three parts of a run, with how they were made."""

    train: FaceSet
    validation: FaceSet
    test: FaceSet
    description: str
    report: LoadReport
    warnings: List[str] = field(default_factory=list)  # e.g. a likely leaky split


def prepare_splits(config: TrainConfig, labels,
                   shape: Tuple[int, int, int] = TRAIN_SHAPE) -> SplitData:
    """
    Load the dataset and make the train / validation / test parts.

    Parts fixed by the layout are kept (FER2013 Usage, ``test/``); the others are split off the
    training faces with ``config.split`` (test first, then validation). A stratified split of
    files whose names all carry a subject id (CK+ style) gets a warning: near-duplicate frames
    of one person would land on both sides.

    :param config: the run's configuration.
    :param labels: class names.
    :param shape: ``(height, width, channels)`` of the faces read from image folders.
    :returns: the parts.
    :raises DatasetError: when the data cannot be loaded.
    :raises ValueError: when a split cannot be made.
    """
    parts = load_for_training(Path(config.data), labels, shape)
    train, notes, warnings = parts.train, [f'layout {parts.layout}'], []
    test, validation = parts.test, parts.validation
    if ((test is None or validation is None) and config.split == 'stratified'
            and splits.names_match_subjects(train.sources, config.subject_pattern)):
        warnings.append(
            'warning: every file name matches the subject pattern '
            f"'{config.subject_pattern}' (CK+ style), but --split stratified puts frames of "
            'the same person in train and test: near-duplicates leak and inflate the test '
            'accuracy; use --split subject')
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
    return SplitData(train, validation, test, description, parts.report, warnings)


def _callbacks(config: TrainConfig, resumed: bool, best, run: Path, chief: bool):
    """Build the Keras callbacks of a run writing into ``run`` (a temporary one off the chief)."""
    import keras

    callbacks = [
        # The best model goes straight to model.keras: there is no second copy to keep in sync.
        keras.callbacks.ModelCheckpoint(str(run / MODEL_FILE), monitor=MONITOR, mode='max',
                                        save_best_only=True, initial_value_threshold=best),
        keras.callbacks.ModelCheckpoint(str(run / LAST_MODEL)),
        keras.callbacks.ReduceLROnPlateau(monitor=MONITOR, mode='max', factor=LR_FACTOR,
                                          patience=LR_PATIENCE, min_lr=MIN_LR),
        keras.callbacks.CSVLogger(str(run / 'history.csv'), append=resumed),
        make_state_callback(run, MONITOR),
    ]
    if chief:
        callbacks.append(make_progress_callback(config.epochs))
    if config.early_stopping:
        callbacks.append(keras.callbacks.EarlyStopping(monitor=MONITOR, mode='max',
                                                       patience=EARLY_STOP_PATIENCE))
    return callbacks


def _load_checkpoint(path: Path):
    """Load a Keras checkpoint of this run, or raise TrainingError naming the file."""
    import keras

    try:
        return keras.models.load_model(str(path))
    except Exception as error:  # noqa: B902 - zip, h5py and Keras raise many kinds
        raise TrainingError(f'{path}: corrupt or unreadable checkpoint, cannot resume '
                            f'({type(error).__name__}: {error})') from error


def run_training(config: TrainConfig, resume: bool = False, log=print) -> Dict[str, object]:
    """
    Train, evaluate and write every artefact of a run directory.

    A resumed run continues from ``last.keras`` after the epochs in ``state.json``, with the
    seed ``config.seed + epochs done`` for its shuffling and augmentation (the splits keep
    ``config.seed``), so the resumed epochs do not repeat the first epochs' random draws.

    :param config: the run's configuration (``run_dir`` is created if needed).
    :param resume: continue from ``last.keras`` and ``state.json`` in ``run_dir``.
    :param log: where progress lines go.
    :returns: the metrics written to ``metrics.json``.
    :raises DatasetError: when the data cannot be loaded.
    :raises TrainingError: when a resume is impossible or the run has nothing to train on.
    :raises ValueError: when a split cannot be made.
    :raises emotion_ros.training.tflite_export.TFLiteExportError: when the TFLite export or
        its check fails (the model, card and metrics are written before).
    :raises emotion_ros.training.onnx_export.OnnxExportError: likewise for the ONNX export.
    :raises emotion_ros.training.distribution.StrategyError: when the strategy cannot be made
        (e.g. ``multiworker`` without ``TF_CONFIG``).
    :raises emotion_ros.training.finetune.InitError: when the ``--init`` model, its card or
        the options with it cannot be used.
    """
    from emotion_ros.core.model.labels import FER2013_LABELS
    from emotion_ros.core.model.model_card import InputSpec

    if config.init and not resume:
        finetune.prepare_config(config, dataset_classes(Path(config.data)), log)
    labels = tuple(config.labels) or FER2013_LABELS
    config.labels = labels
    spec = (finetune.parent_spec(config) if config.init
            else InputSpec(INPUT_SHAPE[0], INPUT_SHAPE[1], INPUT_SHAPE[2], NORMALISATION))
    run = Path(config.run_dir)
    state = read_run_state(run) if resume else {}
    initial_epoch = int(state.get('epoch', 0))
    data = prepare_splits(config, labels, spec.shape)
    log(f'data: {config.data}: {len(data.train)} train, {len(data.validation)} validation, '
        f'{len(data.test)} test faces ({data.description})')
    for warning in data.warnings:
        log(warning)
    if data.report.problem_count:
        log(f'data problems (skipped, see metrics.json):\n{data.report.summary()}')
    if not len(data.validation) or not len(data.train) or not len(data.test):
        raise TrainingError('training, validation and test sets must not be empty')
    # TensorFlow is imported only now, so that data errors are reported at once; the strategy
    # comes first, since a multi-worker one must exist before any other TensorFlow operation.
    from emotion_ros.training.distribution import make_distribution, set_mixed_precision

    dist = make_distribution(config.strategy)
    import keras
    import tensorflow as tf

    from emotion_ros.training.pipeline import prepare_inputs

    if dist.is_chief:
        run.mkdir(parents=True, exist_ok=True)
        write_dir = run
    else:
        write_dir = Path(tempfile.mkdtemp(prefix='emotion_worker_'))
    if dist.replicas > 1 or dist.workers > 1:
        role = 'the chief' if dist.is_chief else 'a worker (writes nothing)'
        log(f'strategy {config.strategy}: {dist.kind}, {dist.replicas} replicas in sync over '
            f'{dist.workers} worker(s); this process is {role}')
    seed = config.seed + initial_epoch
    keras.utils.set_random_seed(seed)
    x_train, x_val = (prepare_inputs(part.faces, spec) for part in (data.train, data.validation))
    policy = set_mixed_precision(config.mixed_precision)
    if config.mixed_precision and not tf.config.list_logical_devices('GPU'):
        log('note: --mixed-precision without a GPU: float16 compute trains correctly on a CPU '
            'but is not faster')
    try:
        seconds = _fit(config, resume, state, dist, write_dir, data, x_train, x_val, seed, log)
    finally:
        set_mixed_precision(False)
        if not dist.is_chief:
            shutil.rmtree(write_dir, ignore_errors=True)
    if not dist.is_chief:
        log('worker done; the chief writes the run directory')
        return {}
    extra = {'distribution': dist.describe(), 'dtype_policy': policy}
    return _finish_run(config, spec, data, seconds, initial_epoch, log, extra)


def _fit(config: TrainConfig, resume: bool, state: dict, dist, write_dir: Path,
         data: SplitData, x_train, x_val, seed: int, log) -> float:
    """Build or load the model under the strategy and train it; return the seconds taken."""
    from emotion_ros.training.architectures import build_model
    from emotion_ros.training.distribution import shard_by_data
    from emotion_ros.training.pipeline import make_augmenter, make_dataset

    run = Path(config.run_dir)
    labels = tuple(config.labels)
    initial_epoch = int(state.get('epoch', 0))
    with dist.strategy.scope():
        if resume:
            model = _load_checkpoint(run / LAST_MODEL)
            log(f'resuming {run} after epoch {initial_epoch} (seed {seed})')
            if state.get('stopped_early'):
                log(f'note: this run stopped early after epoch {initial_epoch} ({MONITOR} did '
                    f'not improve for {EARLY_STOP_PATIENCE} epochs); training it further may '
                    'not help')
        elif config.init:
            model = finetune.load_parent_model(config, log)
            compile_model(model, config.lr)
        else:
            model = build_model(config.arch, INPUT_SHAPE, len(labels))
            compile_model(model, config.lr)
    if dist.is_chief:
        save_config(config)
    weights = (splits.class_weights(data.train.labels, len(labels))
               if config.class_weights else None)
    train_ds = make_dataset(x_train, data.train.labels, config.batch_size, True, seed,
                            make_augmenter(seed))
    val_ds = make_dataset(x_val, data.validation.labels, config.batch_size, False, seed)
    if dist.workers > 1:
        train_ds, val_ds = shard_by_data(train_ds), shard_by_data(val_ds)
    start = time.perf_counter()
    if initial_epoch < config.epochs:
        model.fit(train_ds, validation_data=val_ds, epochs=config.epochs,
                  initial_epoch=initial_epoch, class_weight=weights, shuffle=False,
                  callbacks=_callbacks(config, resume, state.get('best'), write_dir,
                                       dist.is_chief), verbose=0)
    seconds = time.perf_counter() - start
    if not (write_dir / MODEL_FILE).is_file():
        # No epoch improved on the threshold (or none ran): keep the current weights.
        model.save(str(write_dir / MODEL_FILE))
    return seconds


def _finish_run(config: TrainConfig, spec, data: SplitData, seconds: float,
                initial_epoch: int, log, extra: Dict[str, object]) -> Dict[str, object]:
    """Evaluate the saved model as the node loads it; write reports, card and exports."""
    import keras

    from emotion_ros.core.model.classifier import EmotionClassifier
    from emotion_ros.training.card_writer import write_card
    from emotion_ros.training.evaluation import predict_faces

    run = Path(config.run_dir)
    labels = tuple(config.labels)
    part = data.test
    if config.mixed_precision:
        _save_as_float32(run / MODEL_FILE, config)
    model = keras.models.load_model(str(run / MODEL_FILE), compile=False)
    # The card must exist for the classifier to load the model; its metrics are filled below.
    write_card(run / CARD_FILE, config, spec, {}, model.count_params())
    classifier = EmotionClassifier.load(run / MODEL_FILE, run / CARD_FILE)
    result = predict_faces(classifier, part)
    metrics = reporting.compute_metrics(result.y_true, result.y_pred, labels)
    (run / 'classification_report.txt').write_text(
        f'evaluated on the test set ({len(part)} faces)\n\n'
        + reporting.classification_text(result.y_true, result.y_pred, labels))
    reporting.plot_confusion_matrix(metrics['confusion_matrix'], labels,
                                    run / 'confusion_matrix.png', f'{config.arch}: test set')
    history = reporting.read_history_csv(run / 'history.csv')
    reporting.plot_curves(history, run / 'curves.png')
    epochs_run = len(history.get('epoch', []))
    images = len(data.train) * max(epochs_run - initial_epoch, 0)
    metrics.update({
        'evaluated_on': 'test', 'split': data.description, 'epochs': epochs_run,
        'train_faces': len(data.train), 'validation_faces': len(data.validation),
        'test_faces': len(data.test), 'train_seconds': round(seconds, 3),
        'train_images_per_second': round(images / seconds, 2) if seconds > 0 else None,
        'data_problems': data.report.to_dict(), **extra,
    })
    reporting.write_json(metrics, run / 'metrics.json')
    write_card(run / CARD_FILE, config, spec, metrics, model.count_params())
    log(f'test accuracy {metrics["accuracy"]:.4f}, macro F1 {metrics["macro_f1"]:.4f} on '
        f'{metrics["n"]} faces; run directory: {run}')
    if config.tflite:
        _export_tflite(run, model, spec, part, metrics, log)
    if config.onnx:
        _export_onnx(run, model, spec, part, metrics, log)
    if config.tflite_int8:
        _export_tflite_int8(run, model, spec, data, metrics, config.seed, log)
    return metrics


def _save_as_float32(path: Path, config: TrainConfig) -> None:
    """
    Rewrite a model trained with mixed precision as a float32 model with the same weights.

    Its variables are float32 already; only the compute dtype changes. Robot CPUs run float16
    convolutions slowly or not at all, and TFLite has no float16 Conv2D: the deployed
    ``model.keras`` and its exports are float32 (``last.keras`` keeps the mixed policy, so a
    resumed run trains on as before).
    """
    import keras

    from emotion_ros.training.architectures import build_model

    trained = keras.models.load_model(str(path), compile=False)
    model = build_model(config.arch, INPUT_SHAPE, len(config.labels))
    model.set_weights(trained.get_weights())
    model.save(str(path))


def _export_tflite(run: Path, model, spec, part: FaceSet, metrics: Dict[str, object],
                   log) -> None:
    """
    Export ``model.tflite`` and check it on the test faces; record the check in the metrics.

    Called after ``model.keras``, its card and ``metrics.json`` are written, so a failed check
    loses nothing: the TFLite file is deleted, the error is recorded in
    ``metrics['tflite_check']`` and ``metrics.json``, and the error is raised again.

    :raises TFLiteExportError: when the conversion or the check fails.
    """
    from emotion_ros.training.pipeline import prepare_inputs
    from emotion_ros.training.tflite_export import export_tflite, TFLiteExportError, \
        verify_tflite

    path = run / TFLITE_FILE
    try:
        export_tflite(model, path)
        metrics['tflite_check'] = verify_tflite(model, path, prepare_inputs(part.faces, spec))
    except TFLiteExportError as error:
        path.unlink(missing_ok=True)
        metrics['tflite_check'] = {'error': str(error)}
        reporting.write_json(metrics, run / 'metrics.json')
        log(f'warning: TFLite export failed; {path.name} deleted')
        raise TFLiteExportError(f'{error} ({path.name} deleted; {MODEL_FILE}, {CARD_FILE} and '
                                f'metrics.json are complete in {run})') from error
    reporting.write_json(metrics, run / 'metrics.json')
    log(f'TFLite export verified: {metrics["tflite_check"]}')


def _export_onnx(run: Path, model, spec, part: FaceSet, metrics: Dict[str, object],
                 log) -> None:
    """
    Export ``model.onnx`` and check its top class on the test faces, as :func:`_export_tflite`.

    :raises OnnxExportError: when the conversion or the check fails (the file is deleted).
    """
    from emotion_ros.training.onnx_export import export_onnx, OnnxExportError, verify_onnx
    from emotion_ros.training.pipeline import prepare_inputs

    path = run / ONNX_FILE
    try:
        export_onnx(model, path)
        metrics['onnx_check'] = verify_onnx(model, path, prepare_inputs(part.faces, spec))
    except OnnxExportError as error:
        path.unlink(missing_ok=True)
        metrics['onnx_check'] = {'error': str(error)}
        reporting.write_json(metrics, run / 'metrics.json')
        raise OnnxExportError(f'{error} ({path.name} deleted; {MODEL_FILE}, {CARD_FILE} and '
                              f'metrics.json are complete in {run})') from error
    reporting.write_json(metrics, run / 'metrics.json')
    log(f'ONNX export verified: {metrics["onnx_check"]}')


def _export_tflite_int8(run: Path, model, spec, data: SplitData, metrics: Dict[str, object],
                        seed: int, log) -> None:
    """
    Export ``model_int8.tflite`` calibrated on the training faces; measure it on the test faces.

    Its card ``model_int8.card.json`` is the run's card with the int8 model's own accuracy, so
    the node loads the file like any other model.

    :raises TFLiteExportError: when the conversion fails.
    """
    from emotion_ros.core.model.model_card import card_path_for, load_card, save_card
    from emotion_ros.training.pipeline import prepare_inputs
    from emotion_ros.training.tflite_export import check_int8, export_tflite_int8

    path = run / TFLITE_INT8_FILE
    export_tflite_int8(model, path, prepare_inputs(data.train.faces, spec), seed)
    check = check_int8(model, path, prepare_inputs(data.test.faces, spec), data.test.labels)
    metrics['tflite_int8_check'] = check
    reporting.write_json(metrics, run / 'metrics.json')
    card = load_card(run / CARD_FILE)
    quantisation = ('full integer (int8), calibrated on '
                    f'{min(len(data.train), CALIBRATION_FACES)} training faces')
    save_card(replace(card, metrics=dict(card.metrics, accuracy=check['accuracy'],
                                         float_accuracy=check['float_accuracy']),
                      extra=dict(card.extra, quantisation=quantisation)), card_path_for(path))
    log(f'int8 TFLite export: {check["size_bytes"]:,} bytes, top class as Keras on '
        f'{check["argmax_agreement"]:.1%} of {check["n"]} test faces, accuracy '
        f'{check["accuracy"]:.4f} (float {check["float_accuracy"]:.4f})')
