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

"""The model card of a trained model, in the format of ``emotion_ros.core.model.model_card``."""

from pathlib import Path
from typing import Mapping

from emotion_ros.core.model.model_card import InputSpec, ModelCard, save_card

CARD_METRICS = ('accuracy', 'macro_f1', 'n', 'evaluated_on', 'epochs',
                'train_images_per_second')  # metrics copied from metrics.json to the card


def write_card(path: Path, config, spec: InputSpec, metrics: Mapping[str, object],
               num_params: int) -> Path:
    """
    Write ``model.card.json`` for a trained model.

    :param path: the card file (``<stem>.card.json`` next to the model).
    :param config: the run's :class:`~emotion_ros.training.trainer.TrainConfig`.
    :param spec: the model input (size, channels, normalisation).
    :param metrics: the evaluation metrics of the run.
    :param num_params: the model's parameter count.
    :returns: the path written.
    """
    data = Path(config.data)
    card = ModelCard(
        name=f'{config.arch}_{data.stem or data.name}',
        labels=tuple(config.labels),
        input=spec,
        source=f'trained with emotion_ros training/train.py (run {Path(config.run_dir).name})',
        license='depends on the training data; see its license',
        metrics={key: metrics[key] for key in CARD_METRICS if metrics.get(key) is not None},
        extra={
            'description': f'{config.arch} CNN ({num_params:,} parameters) trained on '
                           f'{data.name} for {metrics.get("epochs")} epochs',
            'architecture': config.arch,
            'dataset': str(data),
            'split': str(metrics.get('split', config.split)),
            'training': {'epochs': config.epochs, 'batch_size': config.batch_size,
                         'lr': config.lr, 'seed': config.seed,
                         'class_weights': config.class_weights, 'parameters': num_params,
                         # Only when used, so that a float32 run's card stays as it was.
                         **({'mixed_precision': True} if config.mixed_precision else {})},
        })
    return save_card(card, path)
