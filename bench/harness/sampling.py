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

"""CPU, RSS and threads of the node processes, read from Linux's /proc."""

from pathlib import Path
from typing import Any, Optional

from emotion_ros.core.health.proc_stats import cpu_seconds, MIB, rss_bytes

__all__ = ['cpu_percent', 'cpu_seconds', 'sample_processes', 'thread_count']


def thread_count(pid: int) -> Optional[int]:
    """Return the number of threads of a process (None when it is gone)."""
    try:
        for line in Path(f'/proc/{pid}/status').read_text().splitlines():
            if line.startswith('Threads:'):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_percent(before: Optional[float], after: Optional[float],
                seconds: float) -> Optional[float]:
    """
    Return CPU use between two samples of :func:`cpu_seconds`, % of one core.

    :returns: None when a sample is missing (the process was gone) or no time passed.
    """
    if before is None or after is None or seconds <= 0.0:
        return None
    return 100.0 * (after - before) / seconds


def sample_processes(nodes: list[Any], previous: dict[str, Optional[float]],
                     elapsed: float) -> dict[str, Any]:
    """
    Read every node's RSS and CPU time from /proc.

    :param nodes: the node processes (``name`` and ``pid``).
    :param previous: CPU seconds per node at the previous sample (updated in place).
    :param elapsed: wall time since the previous sample, s (0: no CPU figure yet).
    :returns: ``{'rss_mb': {node: MB}, 'cpu_percent': {node: % of one core}}``.
    """
    rss, cpu = {}, {}
    for node in nodes:
        memory = rss_bytes(node.pid)
        rss[node.name] = None if memory is None else memory / MIB
        used = cpu_seconds(node.pid)
        cpu[node.name] = cpu_percent(previous.get(node.name), used, elapsed)
        previous[node.name] = used
    return {'rss_mb': rss, 'cpu_percent': cpu}
