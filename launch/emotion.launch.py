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
Launch the emotion pipeline: camera, face tracker and emotion classifier (and RViz).

    ros2 launch emotion_ros emotion.launch.py source:=/path/video.mp4
    ros2 launch emotion_ros emotion.launch.py use_camera:=false image_topic:=/camera/image_raw
    ros2 launch emotion_ros emotion.launch.py namespace:=front
    ros2 launch emotion_ros emotion.launch.py cameras:=cam1,cam2 source:=a.mp4,b.mp4

The node list comes from emotion_ros.graph.pipeline(), which emotion_run also uses. A file
source (not a camera) ends the launch when it ends, as emotion_run does.
"""

import os

from ament_index_python.packages import get_package_share_directory
from emotion_ros.graph import is_true, LAUNCH_ARGUMENTS, PACKAGE, PARAMS_FILE, pipeline
from emotion_ros.graph import RVIZ_FILE
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction, RegisterEventHandler, Shutdown
from launch.event_handlers import OnProcessExit
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node


def _nodes(context):
    """Resolve the launch arguments and build the nodes from the shared graph description."""
    args = {a.name: LaunchConfiguration(a.name).perform(context) for a in LAUNCH_ARGUMENTS}
    config = os.path.join(get_package_share_directory(PACKAGE), 'config')
    params_file = args.pop('params_file') or os.path.join(config, PARAMS_FILE)
    rviz = is_true(args.pop('rviz'))
    actions = []
    for spec in pipeline(args):
        node = Node(package=spec.package, executable=spec.executable, name=spec.name,
                    namespace=spec.namespace, parameters=[params_file, spec.parameters],
                    remappings=list(spec.remappings), output='screen', emulate_tty=True)
        actions.append(node)
        if spec.ends_run:
            # A video file or folder ended (the camera exits): end the launch, like emotion_run.
            actions.append(RegisterEventHandler(OnProcessExit(
                target_action=node,
                on_exit=[Shutdown(reason=f'{spec.full_name}: source finished')])))
    if rviz:
        actions.append(Node(package='rviz2', executable='rviz2', name='rviz2',
                            arguments=['-d', os.path.join(config, RVIZ_FILE)]))
    return actions


def generate_launch_description():
    """Declare the arguments and build the nodes once they are known."""
    return LaunchDescription(
        [DeclareLaunchArgument(a.name, default_value=a.default, description=a.description)
         for a in LAUNCH_ARGUMENTS]
        + [OpaqueFunction(function=_nodes)])
