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
Tiny ONNX emotion models built at test time with the ``onnx`` helper (no download).

:func:`write_onnx_model` writes a one-layer linear classifier (``Flatten -> MatMul -> Add``,
optionally ``Softmax``) with seeded random weights and its card. The default is FER+-shaped:
8 classes including contempt, 64x64 grey, channels first ``(N, 1, 64, 64)``, raw 0..255
pixels, logits out, a fixed batch of 1, as the ONNX model zoo's FER+ model. :func:`reference`
computes the same model in numpy, to check what a backend returns.
"""

from pathlib import Path
from typing import Optional, Sequence

import numpy as np

# FER+ classes in the package's label vocabulary (FER+ itself says happiness, sadness, anger).
FERPLUS_LABELS = ('neutral', 'happy', 'surprise', 'sad', 'angry', 'disgust', 'fear', 'contempt')
FERPLUS_SIZE = 64  # pixels
# Standard deviation of the random weights, per unit of input (0..255 pixels).
WEIGHT_SCALE = 0.02 / 255.0
ONNX_OPSET = 13  # operator set of the written graphs
# IR version of the written files: onnx 1.23 writes 14 by default, newer than onnxruntime 1.31
# reads; 7 is the one that goes with opset 13 (and what most published models use).
ONNX_IR_VERSION = 7


def model_weights(labels: Sequence[str], inputs: int, seed: int,
                  favour: Optional[str]) -> tuple[np.ndarray, np.ndarray]:
    """
    Return the seeded weights ``(inputs, K)`` and bias ``(K,)`` of a test model.

    :param labels: the classes.
    :param inputs: pixels per face (H * W * C).
    :param seed: random seed.
    :param favour: a label given a large bias, so that it wins on any face; None for none.
    :returns: float32 weights and bias.
    """
    rng = np.random.default_rng(seed)
    weights = (rng.standard_normal((inputs, len(labels))) * WEIGHT_SCALE).astype(np.float32)
    bias = np.zeros(len(labels), np.float32)
    if favour is not None:
        bias[list(labels).index(favour)] = 6.0
    return weights, bias


def write_onnx_model(path: Path, labels: Sequence[str] = FERPLUS_LABELS,
                     size: int = FERPLUS_SIZE, channels: int = 1,
                     channels_first: bool = True, batch: Optional[int] = 1,
                     normalisation: str = 'none', softmax: bool = False,
                     favour: Optional[str] = None, seed: int = 8) -> Path:
    """
    Write an ONNX model and its ``<stem>.card.json``.

    :param path: the ``.onnx`` file.
    :param labels: the card's labels; their count sets the outputs.
    :param size: input height and width in pixels.
    :param channels: input channels (1 grey, 3 BGR).
    :param channels_first: input ``(N, C, H, W)`` if True, else ``(N, H, W, C)``.
    :param batch: a fixed batch size, or None for a dynamic batch axis.
    :param normalisation: the card's input normalisation.
    :param softmax: output probabilities (True) or logits (False).
    :param favour: a label that wins on every face, or None.
    :param seed: seed of the weights.
    :returns: path.
    """
    import onnx
    from onnx import helper, numpy_helper, TensorProto

    from emotion_ros.core.model.model_card import card_path_for, InputSpec, ModelCard, save_card

    shape = [channels, size, size] if channels_first else [size, size, channels]
    batch_dim = batch if batch is not None else 'N'
    weights, bias = model_weights(labels, size * size * channels, seed, favour)
    nodes = [helper.make_node('Flatten', ['pixels'], ['flat'], axis=1),
             helper.make_node('MatMul', ['flat', 'W'], ['mm']),
             helper.make_node('Add', ['mm', 'b'], ['logits' if softmax else 'scores'])]
    if softmax:
        nodes.append(helper.make_node('Softmax', ['logits'], ['scores'], axis=1))
    graph = helper.make_graph(
        nodes, 'tiny_emotion',
        [helper.make_tensor_value_info('pixels', TensorProto.FLOAT, [batch_dim] + shape)],
        [helper.make_tensor_value_info('scores', TensorProto.FLOAT, [batch_dim, len(labels)])],
        initializer=[numpy_helper.from_array(weights, 'W'), numpy_helper.from_array(bias, 'b')])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', ONNX_OPSET)],
                              ir_version=ONNX_IR_VERSION)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    save_card(ModelCard(name='tiny_onnx_ferplus', labels=tuple(labels),
                        input=InputSpec(size, size, channels, normalisation),
                        source='test fixture (onnx.helper, seeded random weights)',
                        license='test fixture', metrics={}, extra={}),
              card_path_for(path))
    return Path(path)


def reference(batch_nhwc: np.ndarray, labels: Sequence[str] = FERPLUS_LABELS,
              channels_first: bool = True, favour: Optional[str] = None,
              seed: int = 8) -> np.ndarray:
    """
    Compute a written model's probabilities in numpy.

    :param batch_nhwc: preprocessed faces ``(N, H, W, C)``, as the core makes them.
    :param labels: as given to :func:`write_onnx_model`.
    :param channels_first: as given to :func:`write_onnx_model`.
    :param favour: as given to :func:`write_onnx_model`.
    :param seed: as given to :func:`write_onnx_model`.
    :returns: ``(N, K)`` softmax probabilities.
    """
    batch = batch_nhwc.transpose(0, 3, 1, 2) if channels_first else batch_nhwc
    flat = batch.reshape(batch.shape[0], -1).astype(np.float64)
    weights, bias = model_weights(labels, flat.shape[1], seed, favour)
    logits = flat @ weights + bias
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)
