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
Fine-tuning (``train.py --init MODEL``): start from a Keras model and its card.

The parent's card fixes the input (size, grey or colour, normalisation), so the data is read
at that size, and its labels: the data's classes are mapped to them by name (folder aliases
as :func:`emotion_ros.training.datasets.class_folders.class_name`). A data class the parent
lacks is an error unless ``add_classes``: then the classifier head (the last layer with
weights, a Dense or Conv2D whose units are the classes) gets one new unit per class,
initialised afresh, with the parent's units copied. Parent classes without data keep their
unit.

Layers, for ``--freeze N``: the entries of ``model.layers`` without the input layer, in order
(what ``model.summary()`` lists; the bundled mini-Xception has 45, its head is the 43rd). The
first N are not trained; :data:`FREEZE_ALL_BUT_HEAD` (-1) freezes every layer before the head.
A frozen BatchNormalization layer also keeps its moving statistics (Keras runs it in inference
mode).

What is kept from the parent: weights, input, labels (in order, new ones appended). What is
not: its metrics and the fields measured on it (:data:`MEASURED_FIELDS`: the valence-arousal
table, a calibration temperature); the new card names them in ``not_inherited``.
"""

from dataclasses import dataclass
import hashlib
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple
import zipfile

from emotion_ros.core.model.model_card import card_path_for, InputSpec, load_card, ModelCard, \
    ModelCardError
from emotion_ros.core.model.valence_arousal import CARD_FIELD as VALENCE_AROUSAL_FIELD

# Nadam step size when --init is given and --lr is not: chosen by measurement in
# bench/bench_finetune.py (doc/training.md): the highest rate that broke no face in 44
# leave-one-person-out folds (1e-3 and 3e-3 broke 2 and 10), with every layer training.
FINETUNE_LR = 3e-4
# --freeze value: every layer before the classifier head (the head alone trains).
FREEZE_ALL_BUT_HEAD = -1
# Model files --init can train on (TFLite and ONNX files are not trainable).
INIT_SUFFIXES = ('.keras', '.h5', '.hdf5')
# Card fields measured on one model: a fine-tuned model does not inherit them.
MEASURED_FIELDS = (VALENCE_AROUSAL_FIELD, 'calibration', 'temperature')
# Optional fields of the parent's card recorded in the new card's ``parent``.
PARENT_CARD_FIELDS = ('architecture', 'dataset')
HASH_CHUNK = 1 << 20  # bytes read at a time for the parent's sha256
HDF5_SIGNATURE = b'\x89HDF\r\n\x1a\n'  # first bytes of every HDF5 file (.h5, .hdf5)


class InitError(ValueError):
    """A ``--init`` model, its card or an option with it cannot be used (the message says why)."""


@dataclass(frozen=True)
class Parent:
    """The model a run starts from: its file, card and sha256."""

    path: Path
    card: ModelCard
    sha256: str

    def record(self) -> Dict[str, object]:
        """
        Describe the parent for ``config.json`` and the new card.

        :returns: path, name, sha256, labels, input, source, license and the card's
            architecture and dataset.
        """
        return {'path': str(self.path), 'name': self.card.name, 'sha256': self.sha256,
                'labels': list(self.card.labels), 'input': self.card.input.to_dict(),
                **{key: self.card.extra[key] for key in PARENT_CARD_FIELDS
                   if key in self.card.extra},
                'source': self.card.source, 'license': self.card.license,
                'not_inherited': ['metrics'] + [key for key in MEASURED_FIELDS
                                                if key in self.card.extra]}


def read_parent(path: str) -> Parent:
    """
    Check a ``--init`` model file and read its card, without TensorFlow.

    :param path: a ``.keras``, ``.h5`` or ``.hdf5`` file with ``<stem>.card.json`` beside it.
    :returns: the parent.
    :raises InitError: when the file is missing, not a Keras model file, or its card is missing
        or invalid.
    """
    model = Path(path)
    if not model.is_file():
        raise InitError(f'--init {model}: no such model file')
    if model.suffix.lower() not in INIT_SUFFIXES:
        raise InitError(f'--init {model}: not a trainable Keras model (expected one of '
                        f'{", ".join(INIT_SUFFIXES)})')
    with model.open('rb') as stream:
        head = stream.read(len(HDF5_SIGNATURE))
    if not (zipfile.is_zipfile(model) if model.suffix.lower() == '.keras'
            else head == HDF5_SIGNATURE):
        raise InitError(f'--init {model}: not a model (not a Keras zip or HDF5 file)')
    try:
        card = load_card(card_path_for(model))
    except ModelCardError as error:
        raise InitError(f'--init {model}: {error}') from error
    digest = hashlib.sha256()
    with model.open('rb') as stream:
        for chunk in iter(lambda: stream.read(HASH_CHUNK), b''):
            digest.update(chunk)
    return Parent(model, card, digest.hexdigest())


def run_labels(model_labels: Sequence[str], data_classes: Sequence[str],
               add_classes: bool) -> Tuple[Tuple[str, ...], List[str]]:
    """
    Map the data's classes to a model's labels by name.

    :param model_labels: the parent's labels, in output order.
    :param data_classes: the data's class names (aliases already mapped).
    :param add_classes: give classes the model lacks new output units.
    :returns: the run's labels (the model's, then the added ones) and the added ones.
    :raises InitError: when the data has classes the model lacks and ``add_classes`` is off.
    """
    missing = sorted(set(data_classes) - set(model_labels))
    if missing and not add_classes:
        raise InitError(f'the data has classes the model lacks: {", ".join(missing)} (model '
                        f'labels: {", ".join(model_labels)}); give --add-classes to add an '
                        'output unit for each')
    return tuple(model_labels) + tuple(missing), missing


def trainable_layers(model) -> list:
    """
    List the layers ``--freeze`` counts: ``model.layers`` without the input layer.

    :param model: a ``keras.Model``.
    :returns: the layers, in order.
    """
    import keras

    return [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


def head_index(model) -> int:
    """
    Find the classifier head: the last layer with weights.

    :param model: a ``keras.Model``.
    :returns: its index in :func:`trainable_layers`.
    :raises InitError: when no layer has weights.
    """
    layers = trainable_layers(model)
    for index in range(len(layers) - 1, -1, -1):
        if layers[index].weights:
            return index
    raise InitError(f'model {model.name!r} has no layer with weights to train')


def freeze(model, count: int) -> int:
    """
    Make the first ``count`` layers of a model not trainable (and the others trainable).

    :param model: a ``keras.Model`` (compile it afterwards).
    :param count: layers to freeze, or :data:`FREEZE_ALL_BUT_HEAD`.
    :returns: the number of layers frozen.
    :raises InitError: for a count beyond the layer count or one that leaves nothing to train.
    """
    layers = trainable_layers(model)
    if count == FREEZE_ALL_BUT_HEAD:
        count = head_index(model)
    if not 0 <= count <= len(layers):
        raise InitError(f'--freeze {count}: the model has {len(layers)} layers (give 0 to '
                        f'{len(layers) - 1}, or {FREEZE_ALL_BUT_HEAD} for all but the head)')
    for index, layer in enumerate(layers):
        layer.trainable = index >= count
    if not model.trainable_weights:
        raise InitError(f'--freeze {count} leaves no weights to train (the last layer with '
                        f'weights is layer {head_index(model) + 1} of {len(layers)})')
    return count


def grow_head(model, num_classes: int):
    """
    Give a model's classifier head more output units, keeping the trained ones.

    :param model: a ``keras.Model`` whose head (Dense or Conv2D) has one unit per class.
    :param num_classes: the new number of classes (more than the head has).
    :returns: a new model: the same layers and weights, the head's new units initialised by
        its own initialisers.
    :raises InitError: when the head is not a Dense or Conv2D layer with a unit per class.
    """
    import keras

    head = trainable_layers(model)[head_index(model)]
    key = {keras.layers.Dense: 'units', keras.layers.Conv2D: 'filters'}.get(type(head))
    old = int(model.outputs[0].shape[-1])
    if key is None or head.get_config()[key] != old:
        raise InitError(f'cannot add classes: the last layer with weights, {head.name!r} '
                        f'({type(head).__name__}), is not a Dense or Conv2D layer with one unit '
                        f'per class')
    config = dict(head.get_config(), **{key: num_classes})

    def clone(layer):
        if layer is head:
            return type(head).from_config(config)
        return layer.__class__.from_config(layer.get_config())

    grown = keras.models.clone_model(model, clone_function=clone)
    for layer in model.layers:
        weights = layer.get_weights()
        if layer is head:
            new = grown.get_layer(head.name).get_weights()
            for array, trained in zip(new, weights):
                array[..., :old] = trained  # kernel (..., classes) and bias (classes,)
            weights = new
        grown.get_layer(layer.name).set_weights(weights)
    return grown


def load_parent_model(config, log: Callable[[str], None] = print):
    """
    Load a run's parent model, grow its head for added classes and freeze its first layers.

    Call it inside the distribution strategy's scope; compile the model afterwards.

    :param config: the run's :class:`~emotion_ros.training.trainer.TrainConfig` (``init``,
        ``freeze``, ``labels`` and ``parent`` set by :func:`prepare_config`).
    :param log: where the warning about added classes goes.
    :returns: the uncompiled ``keras.Model``.
    :raises InitError: when the file is not a loadable model or does not match its card, or
        the freeze count is out of range.
    """
    import keras

    path = Path(config.init)
    try:
        model = keras.models.load_model(str(path), compile=False)
    except Exception as error:  # noqa: B902 - zip, h5py and Keras raise many kinds
        raise InitError(f'--init {path}: not a loadable Keras model '
                        f'({type(error).__name__}: {error})') from error
    spec = InputSpec(**config.parent['input'])
    labels = config.parent['labels']
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise InitError(f'--init {path}: expected one input and one output, the model has '
                        f'{len(model.inputs)} and {len(model.outputs)}')
    shapes = (tuple(model.inputs[0].shape[1:]), model.outputs[0].shape[-1])
    if shapes != (spec.shape, len(labels)):
        raise InitError(f'--init {path}: the model (input {shapes[0]}, {shapes[1]} outputs) '
                        f'does not match its card (input {spec.shape}, {len(labels)} labels)')
    if len(config.labels) > len(labels):
        added = list(config.labels[len(labels):])
        log(f'warning: --add-classes: new output units for {", ".join(added)}, initialised '
            'afresh (the other units keep their weights)')
        model = grow_head(model, len(config.labels))
    frozen = freeze(model, config.freeze)
    log(f'fine-tuning {path} ({config.parent["name"]}): {frozen} of '
        f'{len(trainable_layers(model))} layers frozen')
    return model


def prepare_config(config, data_classes: Sequence[str], log: Callable[[str], None] = print):
    """
    Fill in a new fine-tuning run's labels, parent record and architecture from ``--init``.

    ``--mixed-precision`` is turned off with a warning: the parent's layers keep their float32
    dtype policy, so it would change nothing.

    :param config: the run's configuration, with ``init`` set (changed in place).
    :param data_classes: the data's class names.
    :param log: where warnings go.
    :returns: the parent.
    :raises InitError: when the model or its card cannot be used, or a data class is missing.
    """
    parent = read_parent(config.init)
    config.labels, _ = run_labels(parent.card.labels, data_classes, config.add_classes)
    config.parent = parent.record()
    config.arch = str(parent.card.extra.get('architecture', 'finetuned'))
    if config.mixed_precision:
        log('warning: --mixed-precision ignored with --init: the parent model keeps float32')
        config.mixed_precision = False
    return parent


def parent_spec(config) -> InputSpec:
    """
    Return the input of a fine-tuning run: its parent's.

    :param config: the run's configuration, with ``parent`` recorded.
    :returns: the parent card's input.
    """
    return InputSpec(**config.parent['input'])
