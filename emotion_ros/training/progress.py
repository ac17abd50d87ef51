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
Keras callbacks for training: a tqdm progress bar and the resume state file.

The classes are built by factory functions so that Keras is imported only when training.
"""

import json
from pathlib import Path
import sys
import time

STATE_FILE = 'state.json'  # name of the resume state file inside a run directory


def make_progress_callback(total_epochs: int, stream=None):
    """
    Build a callback that shows a tqdm bar per epoch (batches) and a line per epoch.

    The postfix shows the running loss and accuracy.

    :param total_epochs: number of the last epoch, for the bar titles.
    :param stream: where to write (stderr by default).
    :returns: a ``keras.callbacks.Callback``.
    """
    import keras
    from tqdm import tqdm

    class TqdmProgress(keras.callbacks.Callback):
        """Progress bar over the batches of each epoch."""

        def on_epoch_begin(self, epoch, logs=None):
            self._bar = tqdm(total=self.params.get('steps'), unit='batch', leave=False,
                             desc=f'epoch {epoch + 1}/{total_epochs}',
                             file=stream or sys.stderr, dynamic_ncols=True)
            self._start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            self._bar.update(1)
            self._bar.set_postfix({k: f'{float(v):.4f}' for k, v in (logs or {}).items()
                                   if k in ('loss', 'accuracy')})

        def on_epoch_end(self, epoch, logs=None):
            self._bar.close()
            seconds = time.perf_counter() - self._start
            shown = ' '.join(f'{k}={float(v):.4f}' for k, v in (logs or {}).items()
                             if k != 'learning_rate')
            print(f'epoch {epoch + 1}/{total_epochs}: {shown} ({seconds:.1f} s)',
                  file=stream or sys.stderr, flush=True)

    return TqdmProgress()


def make_state_callback(run_dir: Path, monitor: str = 'val_accuracy'):
    """
    Build a callback that records the last finished epoch and the best monitored value.

    :param run_dir: the run directory; writes ``state.json`` there after each epoch.
    :param monitor: the metric whose best (highest) value is kept.
    :returns: a ``keras.callbacks.Callback``.
    """
    import keras

    path = Path(run_dir) / STATE_FILE

    class EpochState(keras.callbacks.Callback):
        """
        Write ``{'epoch', 'best', 'stopped_early'}`` after every epoch and at the end.

        ``epoch`` is the count of epochs done; ``stopped_early`` becomes true when a callback
        (early stopping) ended the training before its last epoch.
        """

        def __init__(self):
            super().__init__()
            self.best = read_state(run_dir).get('best')
            self.epochs_done = None

        def _write(self, stopped_early: bool) -> None:
            path.write_text(json.dumps({'epoch': self.epochs_done, 'best': self.best,
                                        'stopped_early': stopped_early}) + '\n')

        def on_epoch_end(self, epoch, logs=None):
            value = (logs or {}).get(monitor)
            if value is not None and (self.best is None or float(value) > self.best):
                self.best = float(value)
            self.epochs_done = epoch + 1
            self._write(False)

        def on_train_end(self, logs=None):
            if self.epochs_done is not None:
                self._write(bool(getattr(self.model, 'stop_training', False)))

    return EpochState()


def read_state(run_dir: Path) -> dict:
    """
    Read a run directory's resume state.

    :param run_dir: the run directory.
    :returns: ``{'epoch': epochs done, 'best': best monitored value, 'stopped_early': bool}``,
        empty when absent.
    :raises ValueError: when the file is not valid JSON.
    """
    path = Path(run_dir) / STATE_FILE
    if not path.is_file():
        return {}
    return json.loads(path.read_text())
