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
Distribution strategies and mixed precision for a training run (``--strategy``).

* ``auto``: ``MirroredStrategy`` over the local GPUs when there are several, else TensorFlow's
  default strategy (one device);
* ``mirrored``: ``MirroredStrategy`` over every local GPU, or over every logical CPU device when
  there is no GPU (one CPU unless ``tf.config.set_logical_device_configuration`` split it);
* ``multiworker``: ``MultiWorkerMirroredStrategy`` across processes or machines, configured by
  the ``TF_CONFIG`` environment variable (every worker runs the same command line);
* ``none``: the default strategy.

The batch size stays the global batch (Keras splits it over the replicas), so a run gives the
same model whatever the strategy. Only the chief (the ``chief`` task, else worker 0) writes the
run directory; the other workers write their checkpoints into a temporary directory, deleted at
the end, as tf.distribute's multi-worker guide does.
"""

from dataclasses import dataclass
import json
import os
from typing import Any, Optional

STRATEGIES = ('auto', 'mirrored', 'multiworker', 'none')
DEFAULT_STRATEGY = 'auto'
MIXED_POLICY = 'mixed_float16'  # float16 compute, float32 variables (Keras' GPU policy)
TF_CONFIG = 'TF_CONFIG'  # the environment variable of a multi-worker cluster


class StrategyError(ValueError):
    """A strategy that cannot be made here (the message says why)."""


@dataclass
class Distribution:
    """The strategy of a run and this process's place in it."""

    strategy: Any  # a tf.distribute.Strategy
    name: str  # the strategy asked for, one of STRATEGIES
    kind: str  # the strategy's class name, e.g. 'MirroredStrategy'
    replicas: int  # replicas in sync, over every worker
    workers: int  # processes taking part (1 unless multiworker)
    is_chief: bool  # whether this process writes the run directory

    def describe(self) -> dict:
        """Return what ``metrics.json`` records about the distribution."""
        return {'strategy': self.name, 'kind': self.kind, 'replicas': self.replicas,
                'workers': self.workers}


def _cluster_place(tf_config: Optional[str]) -> tuple:
    """
    Read the workers and this task's role from a ``TF_CONFIG`` value.

    :param tf_config: the JSON text of ``TF_CONFIG`` (None or '' for none).
    :returns: (number of workers incl. the chief, whether this task is the chief).
    :raises StrategyError: when the value is not the JSON tf.distribute expects.
    """
    if not tf_config:
        raise StrategyError(f'--strategy multiworker needs the {TF_CONFIG} environment '
                            'variable (cluster and task, see doc/training.md)')
    try:
        data = json.loads(tf_config)
        cluster, task = data['cluster'], data['task']
        workers = sum(len(cluster.get(kind, ())) for kind in ('chief', 'worker'))
        task_type, task_id = task['type'], int(task['index'])
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise StrategyError(f'{TF_CONFIG} is not a cluster and task description: {error}')
    chief = task_type == 'chief' or (task_type == 'worker' and task_id == 0
                                     and not cluster.get('chief'))
    return workers, chief


def is_chief_process(name: str) -> bool:
    """
    Tell, without TensorFlow, whether this process writes the run directory.

    :param name: the strategy asked for.
    :returns: False only for a multi-worker run whose ``TF_CONFIG`` names another chief.
    :raises StrategyError: for a multi-worker run without a valid ``TF_CONFIG``.
    """
    return name != 'multiworker' or _cluster_place(os.environ.get(TF_CONFIG))[1]


def make_distribution(name: str) -> Distribution:
    """
    Create the strategy of a run; call it before any other TensorFlow operation.

    ``MultiWorkerMirroredStrategy`` configures the collective ops of the process, which
    TensorFlow allows only before it has run anything.

    :param name: one of :data:`STRATEGIES`.
    :returns: the strategy and this process's place in it.
    :raises StrategyError: for an unknown name or a multi-worker run without ``TF_CONFIG``.
    """
    if name not in STRATEGIES:
        raise StrategyError(f'unknown strategy {name!r}; choose one of {list(STRATEGIES)}')
    workers, chief = 1, True
    if name == 'multiworker':
        workers, chief = _cluster_place(os.environ.get(TF_CONFIG))
    import tensorflow as tf

    if name == 'multiworker':
        # Before anything else: listing the devices would already start the runtime.
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
        _reduce_each_value(strategy)
    else:
        gpus = tf.config.list_logical_devices('GPU')
        if name == 'mirrored' or (name == 'auto' and len(gpus) > 1):
            devices = gpus or tf.config.list_logical_devices('CPU')
            strategy = tf.distribute.MirroredStrategy([device.name for device in devices])
        else:
            strategy = tf.distribute.get_strategy()
    return Distribution(strategy, name, type(strategy).__name__,
                        int(strategy.num_replicas_in_sync), workers, chief)


def _reduce_each_value(strategy) -> None:
    """
    Make ``strategy.reduce`` take what Keras 3.15's ``fit`` gives a multi-worker strategy.

    Two mismatches, each of which stops ``fit`` under MultiWorkerMirroredStrategy:
    ``fit`` reduces the first (inputs, labels) batch as one structure to build the model,
    while the strategy's cross-device reduce takes one value ("Attempt to convert a value
    (PerReplica...)"); and it reduces each step's scalar losses and metrics along ``axis=0``,
    which a scalar does not have ("Invalid reduction dimension 0"). Here each value is reduced
    in turn, as MirroredStrategy does, and a scalar only across the replicas.
    """
    import tensorflow as tf

    reduce = strategy.reduce

    def reduce_one(reduce_op, item, axis):
        local = strategy.experimental_local_results(item)
        if axis is not None and local and getattr(local[0], 'shape', None) is not None \
                and local[0].shape.rank == 0:
            axis = None
        return reduce(reduce_op, item, axis)

    def reduce_each(reduce_op, value, axis=None):
        return tf.nest.map_structure(lambda item: reduce_one(reduce_op, item, axis), value)

    strategy.reduce = reduce_each


def set_mixed_precision(enabled: bool) -> str:
    """
    Set Keras' global dtype policy for the models built next.

    With ``mixed_float16`` layers compute in float16 and keep float32 variables; the output
    layers of :mod:`emotion_ros.training.architectures` stay float32, and ``compile`` wraps
    the optimizer in Keras' ``LossScaleOptimizer`` (dynamic loss scaling). On a CPU it trains
    correctly but is not faster; GPUs of compute capability 7.0 or later gain from it.

    :param enabled: True for ``mixed_float16``, False for ``float32``.
    :returns: the policy set.
    """
    import keras

    policy = MIXED_POLICY if enabled else 'float32'
    keras.mixed_precision.set_global_policy(policy)
    return policy


def shard_by_data(dataset):
    """
    Shard a dataset by element across workers (in-memory arrays have no files to shard).

    :param dataset: a ``tf.data.Dataset``.
    :returns: the dataset with the DATA auto-shard policy.
    """
    import tensorflow as tf

    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return dataset.with_options(options)
