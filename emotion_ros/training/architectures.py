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
Emotion CNN architectures and their registry.

* ``seed``: the original project's CNN, exactly (7,831,815 parameters, 7,827,719 trainable).
  About 45 ms per face and 4.5 training images/s on 2 CPU cores: meant for a GPU.
* ``small``: a compact CNN for CPUs and small robots with the same 48x48x1 input and the same
  input pipeline (see ``bench/bench_training.py`` for its measured speed).

TensorFlow is imported inside the builders, never at import time.
"""

from typing import Callable, Dict, Tuple

INPUT_SHAPE = (48, 48, 1)  # pixels (height, width, channels)
DROPOUT_RATE = 0.22  # fraction of units dropped, as in the original project
DEFAULT_LEARNING_RATE = 1e-3  # Nadam step size, the original value
SEED_PARAMS = 7_831_815  # total parameters of the original CNN (its summary)
SEED_TRAINABLE_PARAMS = 7_827_719  # trainable parameters of the original CNN
# The softmax stays float32 under mixed precision (float16 probabilities lose small classes).
OUTPUT_DTYPE = 'float32'


def _conv_bn(layers, x, filters: int, name: str):
    """Apply a 3x3 'same' ELU convolution followed by batch normalisation."""
    x = layers.Conv2D(filters, (3, 3), padding='same', activation='elu',
                      kernel_initializer='he_normal', name=f'{name}_conv')(x)
    return layers.BatchNormalization(name=f'{name}_bn')(x)


def build_seed(input_shape: Tuple[int, int, int] = INPUT_SHAPE, num_classes: int = 7):
    """
    Build the original CNN of the project (``--arch seed``).

    Three blocks of two 3x3 ELU convolutions with batch normalisation (512/256, 128/128,
    256/512 filters), each closed by 2x2 max pooling and dropout, then Dense 256 + BN +
    dropout and a softmax layer.

    :param input_shape: (height, width, channels) of the input faces.
    :param num_classes: number of output classes.
    :returns: an uncompiled ``keras.Model``.
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=input_shape, name='face')
    x = inputs
    for block, (first, second) in enumerate(((512, 256), (128, 128), (256, 512)), start=1):
        x = _conv_bn(layers, x, first, f'block{block}a')
        x = _conv_bn(layers, x, second, f'block{block}b')
        x = layers.MaxPooling2D(pool_size=(2, 2), name=f'block{block}_pool')(x)
        x = layers.Dropout(DROPOUT_RATE, name=f'block{block}_dropout')(x)
    x = layers.Flatten(name='flatten')(x)
    x = layers.Dense(256, activation='elu', kernel_initializer='he_normal', name='dense')(x)
    x = layers.BatchNormalization(name='dense_bn')(x)
    x = layers.Dropout(DROPOUT_RATE, name='dense_dropout')(x)
    outputs = layers.Dense(num_classes, activation='softmax', name='emotion',
                           dtype=OUTPUT_DTYPE)(x)
    return keras.Model(inputs, outputs, name='seed_cnn')


def build_small(input_shape: Tuple[int, int, int] = INPUT_SHAPE, num_classes: int = 7):
    """
    Build a compact CNN for CPUs (``--arch small``).

    Four stages of 3x3 ELU convolutions with batch normalisation (16, 32, 64, 128 filters),
    max pooling between them, global average pooling, dropout and a softmax layer.

    :param input_shape: (height, width, channels) of the input faces.
    :param num_classes: number of output classes.
    :returns: an uncompiled ``keras.Model``.
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=input_shape, name='face')
    x = inputs
    for stage, filters in enumerate((16, 32, 64), start=1):
        x = _conv_bn(layers, x, filters, f'stage{stage}a')
        x = _conv_bn(layers, x, filters, f'stage{stage}b')
        x = layers.MaxPooling2D(pool_size=(2, 2), name=f'stage{stage}_pool')(x)
    x = _conv_bn(layers, x, 128, 'stage4')
    x = layers.GlobalAveragePooling2D(name='gap')(x)
    x = layers.Dropout(DROPOUT_RATE, name='dropout')(x)
    outputs = layers.Dense(num_classes, activation='softmax', name='emotion',
                           dtype=OUTPUT_DTYPE)(x)
    return keras.Model(inputs, outputs, name='small_cnn')


ARCHITECTURES: Dict[str, Callable] = {
    'seed': build_seed,
    'small': build_small,
}


def build_model(name: str, input_shape: Tuple[int, int, int] = INPUT_SHAPE,
                num_classes: int = 7):
    """
    Build a registered architecture by name.

    :param name: a key of :data:`ARCHITECTURES`.
    :param input_shape: (height, width, channels) of the input faces.
    :param num_classes: number of output classes.
    :returns: an uncompiled ``keras.Model``.
    :raises ValueError: when the name is not registered.
    """
    if name not in ARCHITECTURES:
        raise ValueError(f'unknown architecture {name!r}; choose one of {sorted(ARCHITECTURES)}')
    return ARCHITECTURES[name](input_shape, num_classes)


def compile_model(model, learning_rate: float = DEFAULT_LEARNING_RATE) -> None:
    """
    Compile a model as the original project did: Nadam, categorical cross-entropy, accuracy.

    :param model: the ``keras.Model`` to compile in place.
    :param learning_rate: Nadam learning rate.
    """
    import keras

    model.compile(optimizer=keras.optimizers.Nadam(learning_rate=learning_rate),
                  loss='sparse_categorical_crossentropy', metrics=['accuracy'])
