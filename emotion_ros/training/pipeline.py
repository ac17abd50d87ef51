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
The tf.data input pipeline shared by every architecture.

Faces are preprocessed ONCE with :func:`emotion_ros.core.emotion.preprocessing.preprocess_faces`
(the function the classifier node uses at inference), then batched; training batches are augmented
with Keras layers inside ``Dataset.map``: rotation up to 17 degrees, shifts and horizontal flips,
as in the original project.
"""

from typing import Optional

import numpy as np

ROTATION_DEGREES = 17.0  # degrees, maximum random rotation either way
SHIFT_FRACTION = 0.15  # fraction of height / width, maximum random shift either way
SHUFFLE_BUFFER = 4096  # examples held by the shuffle buffer


def prepare_inputs(faces: np.ndarray, spec) -> np.ndarray:
    """
    Preprocess grey faces for a model with the inference preprocessing.

    :param faces: (N, H, W) uint8 grey faces (N may be 0).
    :param spec: the model's :class:`emotion_ros.core.model.model_card.InputSpec`.
    :returns: (N, spec.height, spec.width, spec.channels) float32.
    """
    from emotion_ros.core.emotion.preprocessing import preprocess_faces

    return preprocess_faces(faces, spec)


def make_augmenter(seed: int):
    """
    Build the augmentation block (rotation, shifts, horizontal flips).

    :param seed: seed of the random layers.
    :returns: a ``keras.Sequential`` to call with ``training=True``.
    """
    import keras
    from keras import layers

    return keras.Sequential([
        layers.RandomRotation(ROTATION_DEGREES / 360.0, fill_mode='nearest', seed=seed),
        layers.RandomTranslation(SHIFT_FRACTION, SHIFT_FRACTION, fill_mode='nearest',
                                 seed=seed + 1),
        layers.RandomFlip('horizontal', seed=seed + 2),
    ], name='augmentation')


def make_dataset(inputs: np.ndarray, labels: np.ndarray, batch_size: int, training: bool,
                 seed: int, augmenter: Optional[object] = None):
    """
    Build a batched, prefetched ``tf.data.Dataset`` of preprocessed faces.

    :param inputs: (N, H, W, C) float32 model inputs (already preprocessed).
    :param labels: (N,) class indices.
    :param batch_size: examples per batch.
    :param training: shuffle each epoch and augment when True.
    :param seed: shuffle seed.
    :param augmenter: augmentation block for training (built with :func:`make_augmenter`).
    :returns: the dataset of (inputs, labels) batches.
    """
    import tensorflow as tf

    data = tf.data.Dataset.from_tensor_slices((inputs, labels.astype(np.int64)))
    if training:
        data = data.shuffle(min(len(labels), SHUFFLE_BUFFER), seed=seed,
                            reshuffle_each_iteration=True)
    data = data.batch(batch_size)
    if training and augmenter is not None:
        data = data.map(lambda x, y: (augmenter(x, training=True), y),
                        num_parallel_calls=tf.data.AUTOTUNE)
    return data.prefetch(tf.data.AUTOTUNE)
