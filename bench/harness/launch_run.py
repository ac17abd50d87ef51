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
One ``ros2 launch`` run read from outside: its processes (/proc), its log, what its nodes said.

- :func:`descendants`, :func:`alive`, :func:`kill_all`: the process tree below launch.
- :func:`process_ends`: when launch signalled each process and when it ended, with its exit
  code, from launch's own time-stamped ``launch.log`` (under ``ROS_HOME/log``).
- :func:`active_nodes`: the nodes whose activation line is in launch's screen output.
- :func:`marked_lines`: lines holding a mark (a traceback, an escalation), by process.
- :func:`log_time`: when a node logged a line (its ROS time stamp).
- :func:`message_stamps`: the messages an ``emotion_echo --jsonl`` printed.
"""

from collections.abc import Iterable
from dataclasses import dataclass
import json
import os
from pathlib import Path
import re
import signal
from typing import Optional

# What each lifecycle node logs in ``activate`` (its WhenMatched gate either starts the stage,
# which logs the second line, or logs 'waiting for N ...' until its readers are matched).
ACTIVE_MARKS = {
    'camera': ('waiting for', 'publishing '),
    'face_tracker': ('waiting for', 'tracking faces'),
    'emotion_classifier': ('waiting for', 'images from'),
}
# A ROS log line's logger name, e.g. '... [INFO] [1796554068.8] [left.face_tracker]: ...'.
_LOGGER = re.compile(r'\[INFO\] \[[\d.]+\] \[([\w.]+)\]: (.*)')
# Launch's own log: '<wall time, s> [INFO] [camera_node-1]: process has finished cleanly ...'
# (a process is named '<executable>-<N>'; other loggers, e.g. launch_ros's, are not processes).
_LAUNCH_LINE = re.compile(r'^([\d.]+) \[\w+\] \[(\w+-\d+)\]: (.*)$')
_EXIT_CODE = re.compile(r'process has died \[pid \d+, exit code (-?\d+)')
# The prefix launch puts before a process's screen output: '[face_tracker_node-2] ...' (a
# process's own '[ERROR] [emotion_echo]: ...' is not one: no '-<N>').
_PREFIX = re.compile(r'^\[(\w+-\d+)\] ')


def descendants(pid: int) -> list[int]:
    """Return the pids of every process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                with open(f'/proc/{entry}/stat') as handle:
                    parent = int(handle.read().rsplit(')', 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    """Return whether ``pid`` runs (a zombie does not)."""
    try:
        with open(f'/proc/{pid}/stat') as handle:
            return handle.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except (OSError, IndexError):
        return False


def command_name(pid: int) -> str:
    """Return the program a process runs (its first argument that is not an interpreter)."""
    try:
        with open(f'/proc/{pid}/cmdline', 'rb') as handle:
            args = [a.decode(errors='replace') for a in handle.read().split(b'\0') if a]
    except OSError:
        return '?'
    programs = [a for a in args if not a.startswith('-') and 'python' not in Path(a).name]
    return Path(programs[0]).name if programs else (Path(args[0]).name if args else '?')


def kill_all(pids: Iterable[int]) -> list[int]:
    """SIGKILL every pid still alive; :returns: those that were."""
    killed = []
    for pid in pids:
        if alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            except ProcessLookupError:
                pass
    return killed


@dataclass
class ProcessEnd:
    """How one launched process ended, from launch.log (wall-clock times, s)."""

    name: str
    signalled: Optional[float] = None  # launch's first signal to it
    ended: Optional[float] = None
    exit_code: Optional[int] = None

    @property
    def stop_time(self) -> Optional[float]:
        """Return the time from launch's first signal to the exit (None: not signalled)."""
        if self.signalled is None or self.ended is None:
            return None
        return self.ended - self.signalled


def launch_log(ros_home: Path) -> str:
    """Return launch's own log of the run (``ROS_HOME/log/<stamp>/launch.log``), or ''."""
    paths = sorted(ros_home.glob('log/*/launch.log'))
    return paths[-1].read_text(errors='replace') if paths else ''


def process_ends(text: str) -> dict[str, ProcessEnd]:
    """Return each launched process's end, read from launch.log's ``text``."""
    ends: dict[str, ProcessEnd] = {}
    for line in text.splitlines():
        match = _LAUNCH_LINE.match(line)
        if not match:
            continue
        stamp, name, message = float(match.group(1)), match.group(2), match.group(3)
        end = ends.setdefault(name, ProcessEnd(name))
        if message.startswith('sending signal') and end.signalled is None:
            end.signalled = stamp
        elif message.startswith('process has finished cleanly'):
            end.ended, end.exit_code = stamp, 0
        elif message.startswith('process has died'):
            code = _EXIT_CODE.search(message)
            end.ended, end.exit_code = stamp, int(code.group(1)) if code else None
    return ends


def first_signal(text: str) -> Optional[float]:
    """Return the wall time of launch's first signal to a process in launch.log, or None."""
    times = [end.signalled for end in process_ends(text).values() if end.signalled is not None]
    return min(times) if times else None


def active_nodes(screen: str) -> set[str]:
    """Return the loggers (``left.camera``) whose activation line is in launch's output."""
    found = set()
    for line in screen.splitlines():
        match = _LOGGER.search(line)
        if match:
            logger, message = match.groups()
            marks = ACTIVE_MARKS.get(logger.rsplit('.', 1)[-1], ())
            if any(message.startswith(mark) for mark in marks):
                found.add(logger)
    return found


def marked_lines(text: str, marks: Iterable[str], default: str) -> dict[str, int]:
    """
    Count the lines holding one of ``marks``, by the process that printed them.

    :param text: a process's output (launch's holds its processes' lines, each prefixed).
    :param marks: substrings to look for.
    :param default: the name for a line without a launch prefix.
    :returns: lines per process name.
    """
    counts: dict[str, int] = {}
    marks = tuple(marks)
    for line in text.splitlines():
        if any(mark in line for mark in marks):
            prefix = _PREFIX.match(line)
            name = prefix.group(1) if prefix else default
            counts[name] = counts.get(name, 0) + 1
    return counts


def log_time(screen: str, logger: str, start: str) -> Optional[float]:
    """Return the time stamp (s) of ``logger``'s first line starting with ``start``, or None."""
    for line in screen.splitlines():
        match = _LOGGER.search(line)
        if match and match.group(1) == logger and match.group(2).startswith(start):
            return float(re.search(r'\[INFO\] \[([\d.]+)\]', line).group(1))
    return None


def message_stamps(jsonl: str) -> list[float]:
    """Return the distinct header stamps (s), sorted, in an ``emotion_echo --jsonl`` output."""
    stamps = set()
    for line in jsonl.splitlines():
        if line.startswith('{'):
            try:
                stamps.add(json.loads(line)['stamp'])
            except (ValueError, KeyError):
                continue
    return sorted(stamps)
