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

"""Tests of the training architectures: the original CNN exactly, and the small CPU one."""

from emotion_ros.training.architectures import ARCHITECTURES, build_model, SEED_PARAMS, \
    SEED_TRAINABLE_PARAMS
import pytest

# (layer class, output shape without batch, parameters) of the original CNN, in order.
SEED_TABLE = [
    ('InputLayer', (48, 48, 1), 0),
    ('Conv2D', (48, 48, 512), 5_120), ('BatchNormalization', (48, 48, 512), 2_048),
    ('Conv2D', (48, 48, 256), 1_179_904), ('BatchNormalization', (48, 48, 256), 1_024),
    ('MaxPooling2D', (24, 24, 256), 0), ('Dropout', (24, 24, 256), 0),
    ('Conv2D', (24, 24, 128), 295_040), ('BatchNormalization', (24, 24, 128), 512),
    ('Conv2D', (24, 24, 128), 147_584), ('BatchNormalization', (24, 24, 128), 512),
    ('MaxPooling2D', (12, 12, 128), 0), ('Dropout', (12, 12, 128), 0),
    ('Conv2D', (12, 12, 256), 295_168), ('BatchNormalization', (12, 12, 256), 1_024),
    ('Conv2D', (12, 12, 512), 1_180_160), ('BatchNormalization', (12, 12, 512), 2_048),
    ('MaxPooling2D', (6, 6, 512), 0), ('Dropout', (6, 6, 512), 0),
    ('Flatten', (18432,), 0),
    ('Dense', (256,), 4_718_848), ('BatchNormalization', (256,), 1_024), ('Dropout', (256,), 0),
    ('Dense', (7,), 1_799),
]


def _trainable(model) -> int:
    return sum(int(w.numpy().size) for w in model.trainable_weights)


@pytest.fixture(scope='module')
def seed_model():
    return build_model('seed')


def test_seed_layer_table(seed_model):
    table = [(type(layer).__name__, tuple(layer.output.shape[1:]), layer.count_params())
             for layer in seed_model.layers]
    assert table == SEED_TABLE


def test_seed_hyperparameters(seed_model):
    convs = [la for la in seed_model.layers if type(la).__name__ == 'Conv2D']
    assert all(c.kernel_size == (3, 3) and c.padding == 'same' for c in convs)
    assert all(c.activation.__name__ == 'elu' for c in convs)
    drops = [la.rate for la in seed_model.layers if type(la).__name__ == 'Dropout']
    assert drops == [0.22] * 4
    assert seed_model.layers[-1].activation.__name__ == 'softmax'


def test_seed_parameter_counts(seed_model):
    assert seed_model.count_params() == SEED_PARAMS == 7_831_815
    assert _trainable(seed_model) == SEED_TRAINABLE_PARAMS == 7_827_719


def test_small_is_registered_and_small():
    model = build_model('small')
    assert set(ARCHITECTURES) >= {'seed', 'small'}
    assert model.input_shape == (None, 48, 48, 1)
    assert model.output_shape == (None, 7)
    assert model.count_params() == 147_959
    assert model.count_params() < SEED_PARAMS / 50


def test_unknown_architecture_names_the_choices():
    with pytest.raises(ValueError, match='seed'):
        build_model('resnet')
