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
Will Fast DDS's shared memory carry a camera frame? A ROS-free check of the environment.

Fast DDS's default shared-memory segment (512 KB) is smaller than one 640x480 bgr8 frame, so
best-effort image subscribers lose frames unless a profile with a bigger segment is loaded
(``config/fastdds.xml``: 10 MB). Which variable names that profile depends on the Fast DDS
version: Fast DDS 3 (Kilted and later) reads ``FASTDDS_DEFAULT_PROFILES_FILE`` (and, with a
deprecation warning, ``FASTRTPS_DEFAULT_PROFILES_FILE``); Fast DDS 2 (Humble, Iron, Jazzy) reads
only ``FASTRTPS_DEFAULT_PROFILES_FILE``. With the wrong one the profile is silently ignored.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Optional
import xml.etree.ElementTree as ElementTree

FASTDDS_VARIABLE = 'FASTDDS_DEFAULT_PROFILES_FILE'
FASTRTPS_VARIABLE = 'FASTRTPS_DEFAULT_PROFILES_FILE'
# Distributions whose Fast DDS (2.x) reads only FASTRTPS_DEFAULT_PROFILES_FILE.
FAST_DDS_2_DISTROS = frozenset({'foxy', 'galactic', 'humble', 'iron', 'jazzy'})
# RMW_IMPLEMENTATION values that use Fast DDS ('' is the default RMW, Fast DDS).
FAST_DDS_RMWS = frozenset({'', 'rmw_fastrtps_cpp', 'rmw_fastrtps_dynamic_cpp'})
DEFAULT_SEGMENT_SIZE = 512 * 1024  # Fast DDS's shared-memory segment without a profile, bytes
NOMINAL_FRAME_BYTES = 640 * 480 * 3  # a 640x480 bgr8 frame, bytes


def profile_variables(environ: Mapping[str, str]) -> tuple[str, ...]:
    """
    Return the variables the running Fast DDS reads a profile from, by ``ROS_DISTRO``.

    :param environ: the process environment.
    :returns: the variable names (both when the distribution is unknown).
    """
    if environ.get('ROS_DISTRO', '').strip().lower() in FAST_DDS_2_DISTROS:
        return (FASTRTPS_VARIABLE,)
    return (FASTDDS_VARIABLE, FASTRTPS_VARIABLE)


def shm_segment_size(profile: Path) -> Optional[int]:
    """
    Return the largest shared-memory segment a Fast DDS XML profile gives its participants.

    :param profile: the XML file.
    :returns: bytes; :data:`DEFAULT_SEGMENT_SIZE` when it declares no SHM transport or no size
        and keeps the built-in transports; None when it uses no shared memory at all (no SHM
        transport and ``useBuiltinTransports`` false, e.g. ``config/fastdds_udp.xml``).
    :raises OSError: when the file cannot be read.
    :raises ValueError: when it is not valid XML or a size is not a number.
    """
    try:
        root = ElementTree.fromstring(profile.read_bytes())
    except ElementTree.ParseError as error:
        raise ValueError(f'not valid XML ({error})') from None
    shm_sizes = []
    builtin = True
    for element in root.iter():
        tag = element.tag.rsplit('}', 1)[-1]
        if tag == 'useBuiltinTransports' and (element.text or '').strip().lower() == 'false':
            builtin = False
        if tag != 'transport_descriptor':
            continue
        fields = {child.tag.rsplit('}', 1)[-1]: (child.text or '').strip() for child in element}
        if fields.get('type', '').upper() != 'SHM':
            continue
        try:
            shm_sizes.append(int(fields.get('segment_size') or DEFAULT_SEGMENT_SIZE))
        except ValueError:
            raise ValueError(f'segment_size {fields["segment_size"]!r} is not a number') from None
    if not shm_sizes and not builtin:
        return None
    return max(shm_sizes + [DEFAULT_SEGMENT_SIZE])


def frame_loss_warning(environ: Mapping[str, str], frame_bytes: int,
                       profile_hint: str) -> Optional[str]:
    """
    Tell, in one line, why best-effort image subscribers will lose frames, if they will.

    :param environ: the process environment (``os.environ``).
    :param frame_bytes: size of one image, bytes.
    :param profile_hint: the profile to suggest (the package's ``config/fastdds.xml``).
    :returns: the warning, or None when a profile read by this Fast DDS has a segment that
        holds a frame (or the RMW is not Fast DDS).
    """
    if environ.get('RMW_IMPLEMENTATION', '').strip() not in FAST_DDS_RMWS:
        return None
    variables = profile_variables(environ)
    problems = []
    for variable in variables:
        path = environ.get(variable, '').strip()
        if not path:
            continue
        try:
            size = shm_segment_size(Path(path))
        except OSError as error:
            problems.append(f'{variable}={path} cannot be read ({error.strerror})')
            continue
        except ValueError as error:
            problems.append(f'{variable}={path}: {error}')
            continue
        if size is None or size >= frame_bytes:
            return None  # no shared memory in play, or a segment that holds the frame
        problems.append(f'the shared-memory segment of {variable}={path} ({size} bytes) is '
                        f'smaller than one frame ({frame_bytes} bytes)')
    if not problems:
        distro = environ.get('ROS_DISTRO', '') or 'ROS_DISTRO unset'
        problems.append(f'{" or ".join(variables)} not set ({distro}): Fast DDS uses its '
                        f'{DEFAULT_SEGMENT_SIZE // 1024} KB shared-memory segment, smaller '
                        f'than one frame ({frame_bytes} bytes)')
    return (f'best-effort image subscribers will lose frames: {"; ".join(problems)}. Fix: '
            f'{fix_command(environ, profile_hint)}')


def fix_command(environ: Mapping[str, str], profile: str) -> str:
    """
    Return the export that makes this distribution's Fast DDS load ``profile``.

    :param environ: the process environment.
    :param profile: the profile path.
    :returns: a shell command.
    """
    distro = environ.get('ROS_DISTRO', '').strip()
    if distro.lower() in FAST_DDS_2_DISTROS:
        return f'export {FASTRTPS_VARIABLE}={profile}'
    if distro:
        return f'export {FASTDDS_VARIABLE}={profile}'
    return (f'export {FASTDDS_VARIABLE}={profile} {FASTRTPS_VARIABLE}={profile} (Fast DDS 3 '
            'reads the first, Fast DDS 2 of Humble and Jazzy only the second)')
