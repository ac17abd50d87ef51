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

"""Summaries (median, p95), number formatting, the machine and its load average, JSON output."""

from collections.abc import Sequence
import json
import os
from pathlib import Path
import platform
import sys
from typing import Any, Optional

from harness.processes import REPO_ROOT


def summary(values: Sequence[float]) -> dict[str, Optional[float]]:
    """
    Summarise a sample.

    :param values: the sample (e.g. latencies in ms).
    :returns: ``n``, ``median``, ``p95`` and ``max`` (None when empty).
    """
    import numpy as np

    if not values:
        return {'n': 0, 'median': None, 'p95': None, 'max': None}
    data = np.asarray(values, dtype=np.float64)
    return {'n': int(data.size), 'median': float(np.median(data)),
            'p95': float(np.percentile(data, 95)), 'max': float(data.max())}


def fmt(value: Optional[float], digits: int = 1) -> str:
    """Return a number for the table, '-' for None."""
    return '-' if value is None else f'{value:.{digits}f}'


def warn_if_stale(tag: str = 'bench') -> None:
    """Warn on standard error when the nodes would run an installed copy older than the source."""
    stale = install_is_stale()
    if stale:
        print(f'[{tag}] warning: install/ differs from the source tree ({", ".join(stale[:5])}'
              f'{" ..." if len(stale) > 5 else ""}): the nodes run the installed copy; '
              'colcon build first for figures of the current code', file=sys.stderr)


def install_is_stale() -> list[str]:
    """Return source files of the package that differ from the installed copies."""
    import emotion_ros

    installed = Path(emotion_ros.__file__).resolve().parent
    source = REPO_ROOT / 'emotion_ros'
    if installed == source.resolve():
        return []
    stale = []
    for path in sorted(source.rglob('*.py')):
        copy = installed / path.relative_to(source)
        if not copy.exists() or copy.read_bytes() != path.read_bytes():
            stale.append(str(path.relative_to(REPO_ROOT)))
    return stale


def machine_info() -> dict[str, Any]:
    """Return what the figures depend on: cores, CPU, load average."""
    model = ''
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'):
                model = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    return {'cores': os.cpu_count(), 'cpu': model, 'python': platform.python_version(),
            'loadavg_1_5_15': list(os.getloadavg())}


def finish_report(report: dict[str, Any], json_path: Optional[Path], tag: str = 'bench') -> None:
    """
    Record and print the load average at the end, and write the figures as JSON when asked.

    :param report: the figures, with ``machine_start`` (:func:`machine_info`); gains
        ``machine_end``.
    :param json_path: where to write them, or None.
    :param tag: the bench's name in its messages.
    """
    report['machine_end'] = machine_info()
    print(f'\nload average (1, 5, 15 min): start {report["machine_start"]["loadavg_1_5_15"]}, '
          f'end {report["machine_end"]["loadavg_1_5_15"]} on {os.cpu_count()} cores')
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps(report, indent=2) + '\n')
        print(f'[{tag}] figures written to {json_path}')


def parse_node_env(items: Sequence[str]) -> Optional[dict[str, str]]:
    """Return ``--node-env NAME=VALUE`` items as a dict, None when one has no '='."""
    try:
        return dict(item.split('=', 1) for item in items)
    except ValueError:
        return None
