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
The model card of a trained model, in the format of ``emotion_ros.core.model.model_card``.

A fine-tuned model's card (``--init``) names its parent (path, name, sha256, labels, input,
architecture, dataset, source) in ``parent`` and carries only what was measured on the new
model: the parent's metrics and measured fields (valence-arousal table, calibration) are not
copied, and ``not_inherited`` says which of them the parent had.
"""

from pathlib import Path
from typing import Dict, Mapping

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
    parent = dict(getattr(config, 'parent', None) or {})
    name = f'{config.arch}_{data.stem or data.name}'
    description = (f'{config.arch} CNN ({num_params:,} parameters) trained on {data.name} for '
                   f'{metrics.get("epochs")} epochs')
    lineage: Dict[str, object] = {}
    if parent:
        name = f'{parent["name"]}_finetuned_{data.stem or data.name}'
        description = (f'{parent["name"]} ({num_params:,} parameters) fine-tuned on '
                       f'{data.name} for {metrics.get("epochs")} epochs')
        reset = parent.pop('not_inherited', [])
        lineage = {'parent': parent, 'not_inherited': (
            f'not inherited from the parent, measured anew or reset: {", ".join(reset)} (a '
            'model without a valence_arousal table gets the default one)')}
    card = ModelCard(
        name=name,
        labels=tuple(config.labels),
        input=spec,
        source=f'trained with emotion_ros training/train.py (run {Path(config.run_dir).name})',
        license='depends on the training data; see its license',
        metrics={key: metrics[key] for key in CARD_METRICS if metrics.get(key) is not None},
        extra={
            'description': description,
            'architecture': config.arch,
            'dataset': str(data),
            'split': str(metrics.get('split', config.split)),
            'training': {'epochs': config.epochs, 'batch_size': config.batch_size,
                         'lr': config.lr, 'seed': config.seed,
                         'class_weights': config.class_weights, 'parameters': num_params,
                         # Only when used, so that a float32 run's card stays as it was.
                         **({'mixed_precision': True} if config.mixed_precision else {}),
                         **({'init': config.init, 'freeze': config.freeze,
                             'add_classes': config.add_classes} if parent else {})},
            **lineage,
        })
    return save_card(card, path)
