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

"""One start-up warning when Fast DDS will drop camera frames (see core/health/dds_profile.py)."""

import os
from pathlib import Path

from ament_index_python.packages import get_package_share_directory, PackageNotFoundError
from emotion_ros.core.health.dds_profile import frame_loss_warning, NOMINAL_FRAME_BYTES
from rclpy.node import Node

PROFILE_FILE = 'fastdds.xml'  # in <share>/emotion_ros/config


def _profile_hint() -> str:
    """Return the package's Fast DDS profile path (or its name when not installed)."""
    try:
        return str(Path(get_package_share_directory('emotion_ros')) / 'config' / PROFILE_FILE)
    except PackageNotFoundError:
        return PROFILE_FILE


class FrameLossCheck:
    """Check at start-up, and again when a bigger frame arrives; warn at most once."""

    def __init__(self, node: Node, frame_bytes: int = NOMINAL_FRAME_BYTES) -> None:
        """
        Check the environment for a frame of ``frame_bytes``.

        :param node: the node that logs the warning.
        :param frame_bytes: the expected frame size, bytes (default 640x480 bgr8).
        """
        self._logger = node.get_logger()
        self._checked = 0
        self.warned = False
        self.frame(frame_bytes)

    def frame(self, frame_bytes: int) -> None:
        """Check again if this frame is bigger than any checked before (cheap otherwise)."""
        if self.warned or frame_bytes <= self._checked:
            return
        self._checked = frame_bytes
        warning = frame_loss_warning(os.environ, frame_bytes, _profile_hint())
        if warning:
            self._logger.warning(warning)
            self.warned = True
