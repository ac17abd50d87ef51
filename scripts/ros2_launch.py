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
What ``ros2 launch emotion_ros emotion.launch.py ARGS`` does (ros2launch.api), without ros2cli.

For the tests and benches on a machine with launch and launch_ros importable but no ros2cli:
    python scripts/ros2_launch.py source:=video.mp4 cameras:=left,right
    python scripts/ros2_launch.py --launch-file other.launch.py source:=video.mp4

``--launch-file`` runs another launch file (e.g. an earlier version) instead of the installed one.
"""

import sys

from ament_index_python.packages import get_package_share_directory
import launch
from launch.launch_description_sources import AnyLaunchDescriptionSource


def main() -> int:
    """Run the package's launch file with the ``name:=value`` arguments given."""
    argv = sys.argv[1:]
    path = get_package_share_directory('emotion_ros') + '/launch/emotion.launch.py'
    if argv[:1] == ['--launch-file'] and len(argv) > 1:
        path, argv = argv[1], argv[2:]
    service = launch.LaunchService(argv=argv, noninteractive=True)
    service.include_launch_description(launch.LaunchDescription([
        launch.actions.IncludeLaunchDescription(
            AnyLaunchDescriptionSource(path),
            launch_arguments=[a.split(':=', 1) for a in argv])]))
    return service.run()


if __name__ == '__main__':
    sys.exit(main())
