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
Two "machines" on one host: two network namespaces joined by a veth pair (needs root).

Used by the two-host test and ``bench/bench_transport.py`` to make DDS go over UDP between a
camera and its consumers as it does between two computers. Everything is created under names
unique to the calling process and removed on exit, even after a failure: the namespaces, the
veth pair inside them (deleting a namespace deletes its end of the pair) and any process
still running in them. Addresses are only ever set inside these namespaces.

Shared memory still works across network namespaces (``/dev/shm`` is one file system), so a
Fast DDS participant that finds its peer on the same host would send the data through shared
memory: run the nodes with the UDP-only profile ``config/fastdds_udp.xml``
(:func:`udp_only_env`).
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
import json
import os
from pathlib import Path
import re
import shutil
import signal
import subprocess
import time
from typing import Optional

CAMERA_ADDRESS = '10.200.0.1/30'  # the camera end, only inside the test's namespace
REMOTE_ADDRESS = '10.200.0.2/30'  # the consumers' end, only inside the test's namespace
IP_TIMEOUT = 10.0  # limit per `ip`/`tc` command, s
KILL_WAIT = 5.0  # wait for processes left in a namespace after SIGKILL, s
PROFILE_UDP = 'fastdds_udp.xml'  # in config/: Fast DDS with UDPv4 only, no shared memory


class NetnsUnavailable(RuntimeError):
    """Namespaces or veth pairs cannot be made here (not root, no `ip`, no kernel support)."""


@dataclass(frozen=True)
class VethLink:
    """Two namespaces joined by a veth pair: names and addresses of both ends."""

    camera_ns: str
    remote_ns: str
    camera_dev: str
    remote_dev: str
    camera_ip: str = CAMERA_ADDRESS.split('/')[0]
    remote_ip: str = REMOTE_ADDRESS.split('/')[0]

    def exec_prefix(self, namespace: str) -> list[str]:
        """Return the command prefix that runs a program inside ``namespace``."""
        return ['ip', 'netns', 'exec', namespace]

    def byte_counters(self) -> dict[str, int]:
        """
        Return the bytes sent by each end of the link so far (the kernel's veth counters).

        :returns: ``{'camera_tx': ..., 'remote_tx': ...}`` in bytes.
        """
        result = {}
        for key, namespace, device in (('camera_tx', self.camera_ns, self.camera_dev),
                                       ('remote_tx', self.remote_ns, self.remote_dev)):
            out = _ip(['-n', namespace, '-s', '-j', 'link', 'show', 'dev', device])
            result[key] = int(json.loads(out)[0]['stats64']['tx']['bytes'])
        return result

    def udp_receive_drops(self) -> int:
        """
        Return the UDP datagrams the remote end dropped because a socket buffer was full.

        :returns: ``RcvbufErrors`` of ``/proc/net/snmp`` in the remote namespace.
        """
        out = _run(self.exec_prefix(self.remote_ns) + ['cat', '/proc/net/snmp'])
        header, values = [line.split() for line in out.splitlines() if line.startswith('Udp:')]
        return int(values[header.index('RcvbufErrors')])

    def shape(self, spec: Sequence[str]) -> None:
        """
        Put a tc qdisc on both ends, e.g. ``['netem', 'delay', '5ms', '2ms', 'loss', '1%']``.

        :param spec: the qdisc and its options (``tc qdisc add dev D root <spec>``).
        :raises NetnsUnavailable: when the kernel lacks that qdisc (e.g. no sch_netem).
        """
        for namespace, device in ((self.camera_ns, self.camera_dev),
                                  (self.remote_ns, self.remote_dev)):
            try:
                _ip(['-n', namespace, 'link', 'show', device])
                _run(['ip', 'netns', 'exec', namespace, 'tc', 'qdisc', 'replace', 'dev', device,
                      'root', *spec])
            except NetnsUnavailable as error:
                raise NetnsUnavailable(f'tc qdisc {" ".join(spec)}: {error}') from None

    def pids(self) -> list[int]:
        """Return the processes running in either namespace."""
        found = []
        for namespace in (self.camera_ns, self.remote_ns):
            out = _run(['ip', 'netns', 'pids', namespace], check=False)
            found += [int(p) for p in out.split()]
        return found


def _run(command: list[str], check: bool = True) -> str:
    """Run a command, return its stdout; raise NetnsUnavailable with its stderr on failure."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=IP_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise NetnsUnavailable(f'{" ".join(command)}: {error}') from None
    if check and done.returncode != 0:
        raise NetnsUnavailable(f'{" ".join(command)}: {done.stderr.strip()}')
    return done.stdout


def _ip(args: list[str]) -> str:
    return _run(['ip', *args])


def unavailable_reason() -> Optional[str]:
    """Return why namespaces cannot be made here, or None when they probably can."""
    if os.geteuid() != 0:
        return 'network namespaces need root (ip netns add)'
    if shutil.which('ip') is None:
        return "the 'ip' command (iproute2) is not installed"
    if not Path('/proc/self/ns/net').exists():
        return 'the kernel has no network namespaces'
    return None


def _kill_all(link: VethLink) -> list[int]:
    """SIGKILL whatever still runs in the link's namespaces; return those pids."""
    leftover = link.pids()
    for pid in leftover:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + KILL_WAIT
    while link.pids() and time.monotonic() < deadline:
        time.sleep(0.05)
    return leftover


def remove_stale(tag: str) -> list[str]:
    """
    Delete namespaces left by a run of ``tag`` whose process died without cleaning up (SIGKILL).

    :param tag: the tag given to :func:`veth_link`.
    :returns: the namespaces removed.
    """
    pattern = re.compile(rf'^{re.escape(tag[:5])}(\d+)_(cam|rem)$')
    removed = []
    for line in _run(['ip', 'netns', 'list'], check=False).splitlines():
        match = pattern.match(line.split(' ')[0]) if line else None
        if match is None or Path(f'/proc/{match.group(1)}').exists():
            continue
        name = match.group(0)
        for pid in _run(['ip', 'netns', 'pids', name], check=False).split():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
        _run(['ip', 'netns', 'delete', name], check=False)
        removed.append(name)
    return removed


@contextmanager
def veth_link(tag: str = 'emo') -> Iterator[VethLink]:
    """
    Create two namespaces joined by a veth pair with 10.200.0.1/30 and .2; remove them after.

    :param tag: up to 5 letters put in the names (interface names are limited to 15 bytes).
    :yields: the link.
    :raises NetnsUnavailable: when they cannot be made (the reason is in the message).
    """
    reason = unavailable_reason()
    if reason is not None:
        raise NetnsUnavailable(reason)
    remove_stale(tag)
    suffix = f'{tag[:5]}{os.getpid()}'
    link = VethLink(camera_ns=f'{suffix}_cam', remote_ns=f'{suffix}_rem',
                    camera_dev=f'{suffix}c', remote_dev=f'{suffix}r')
    made: list[str] = []
    try:
        for namespace in (link.camera_ns, link.remote_ns):
            _ip(['netns', 'add', namespace])
            made.append(namespace)
        _ip(['link', 'add', link.camera_dev, 'netns', link.camera_ns, 'type', 'veth', 'peer',
             'name', link.remote_dev, 'netns', link.remote_ns])
        for namespace, device, address in ((link.camera_ns, link.camera_dev, CAMERA_ADDRESS),
                                           (link.remote_ns, link.remote_dev, REMOTE_ADDRESS)):
            _ip(['-n', namespace, 'addr', 'add', address, 'dev', device])
            _ip(['-n', namespace, 'link', 'set', device, 'up'])
            _ip(['-n', namespace, 'link', 'set', 'lo', 'up'])
            # DDS discovery multicasts to 239.255.0.1: route it out of the veth.
            _ip(['-n', namespace, 'route', 'add', '224.0.0.0/4', 'dev', device])
        yield link
    finally:
        if made:
            _kill_all(link)
        for namespace in made:
            _run(['ip', 'netns', 'delete', namespace], check=False)


def udp_only_env(env: dict[str, str], config_dir: Path) -> dict[str, str]:
    """
    Return ``env`` set up for DDS between namespaces: UDP only, discovery beyond localhost.

    :param env: the base environment (not modified).
    :param config_dir: the package's config folder (holds ``fastdds_udp.xml``).
    :returns: a new environment.
    """
    profile = str(config_dir / PROFILE_UDP)
    result = dict(env)
    # Fast DDS 3 (Kilted) reads the first name, Fast DDS 2 (Humble, Jazzy) the second.
    result.update({'FASTDDS_DEFAULT_PROFILES_FILE': profile,
                   'FASTRTPS_DEFAULT_PROFILES_FILE': profile,
                   'ROS_AUTOMATIC_DISCOVERY_RANGE': 'SUBNET'})
    return result
