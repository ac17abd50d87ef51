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
A process's resident memory and CPU time, read from Linux's /proc.

Used by the nodes' diagnostics (their own process) and by the benches' harness (the nodes'
processes: bench/harness/sampling.py).
On a system without /proc every function returns None instead of failing.
"""

import os
from pathlib import Path
from typing import Optional, Union

# Bytes in one MiB, the unit memory is reported in.
MIB = 1024 * 1024

Pid = Union[int, str]


def rss_bytes(pid: Pid = 'self') -> Optional[int]:
    """
    Return the resident set size of a process.

    :param pid: a process id, or ``'self'`` for this process.
    :returns: the RSS in bytes, or None when the process is gone or /proc is missing.
    """
    try:
        resident_pages = int(Path(f'/proc/{pid}/statm').read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return resident_pages * os.sysconf('SC_PAGE_SIZE')


def cpu_seconds(pid: Pid = 'self') -> Optional[float]:
    """
    Return the CPU time a process has used so far (user + system).

    :param pid: a process id, or ``'self'`` for this process.
    :returns: the CPU time in seconds, or None when the process is gone or /proc is missing.
    """
    try:
        # The command name (field 2) may hold spaces and parentheses: split after its last ')'.
        fields = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None
    return ticks / os.sysconf('SC_CLK_TCK')
