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
    ros2 launch emotion_ros emotion.launch.py autostart:=false   # for a lifecycle manager
    ros2 launch emotion_ros emotion.launch.py source:=clip.mp4 listeners:=1  # + 1 echo outside

The node list comes from emotion_ros.graph.pipeline(), which emotion_run also uses. The three
nodes are lifecycle nodes: with autostart (the default) each configures and activates itself
(its ``autostart`` parameter), so no transition depends on launch_ros seeing a volatile
``transition_event`` that a node may publish before launch_ros's subscription is matched. A
node that fails to configure exits 1, which ends the launch with one line and exit code 1. With
autostart:=false the nodes wait unconfigured for a lifecycle manager. File sources (not cameras)
end the launch once every one of them has ended cleanly, as in emotion_run. With listeners:=N
a file source starts only once N subscribers outside the launch hear its classifier (what
emotion_run --echo does for its own echo), so a short clip cannot end before they are matched.
"""

import os

from ament_index_python.packages import get_package_share_directory
from emotion_ros.graph import AUTOSTART_ARGUMENT, is_true, LAUNCH_ARGUMENTS, listener_counts
from emotion_ros.graph import LISTENERS_ARGUMENT, PACKAGE, PARAMS_FILE, pipeline, RVIZ_FILE
from emotion_ros.graph import wait_for_listeners
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.actions import RegisterEventHandler, Shutdown
from launch.event_handlers import OnProcessExit
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import LifecycleNode, Node


# Seconds a node gets after launch's SIGINT before launch escalates to SIGTERM (launch's
# default is 5): under a load average of 13 on 2 cores a clean stop took up to 5.5 s. The
# escalation itself changes nothing for these nodes (a second stop signal is ignored); their
# DDS teardown is bounded at 2 s on its own (emotion_ros/teardown_deadline.py).
NODE_STOP_TIMEOUT = '10'


class NodeFailed(RuntimeError):
    """A node exited with an error (e.g. it could not configure): launch logs it and exits 1."""


def _nodes(context):
    """Resolve the launch arguments and build the nodes from the shared graph description."""
    args = {a.name: LaunchConfiguration(a.name).perform(context) for a in LAUNCH_ARGUMENTS}
    autostart = is_true(LaunchConfiguration(AUTOSTART_ARGUMENT.name).perform(context))
    listeners = LaunchConfiguration(LISTENERS_ARGUMENT.name).perform(context)
    config = os.path.join(get_package_share_directory(PACKAGE), 'config')
    params_file = args.pop('params_file') or os.path.join(config, PARAMS_FILE)
    rviz = is_true(args.pop('rviz'))
    specs = wait_for_listeners(pipeline(args), listener_counts(args, listeners))
    # The launch ends once every file source has ended (not at the first one).
    running_sources = {spec.full_name for spec in specs if spec.ends_run}
    actions = []
    for spec in specs:
        # With autostart the node configures and activates itself (see the module docstring).
        parameters = [params_file, spec.parameters, {'autostart': autostart}]
        node = LifecycleNode(package=spec.package, executable=spec.executable, name=spec.name,
                             namespace=spec.namespace, parameters=parameters,
                             remappings=list(spec.remappings), output='screen',
                             emulate_tty=True, sigterm_timeout=NODE_STOP_TIMEOUT)
        actions.append(node)

        def exited(event, context, name=spec.full_name, ends_run=spec.ends_run):
            if context.is_shutdown:
                return None  # already stopping (Ctrl-C, or every source finished)
            if event.returncode != 0:
                raise NodeFailed(f'{name} exited with code {event.returncode} (its reason is '
                                 'logged above)')
            if not ends_run:
                return None
            running_sources.discard(name)
            if running_sources:
                return None  # more to play
            return [Shutdown(reason='every source finished')]

        actions.append(RegisterEventHandler(OnProcessExit(target_action=node, on_exit=exited)))
    if rviz:
        actions.append(Node(package='rviz2', executable='rviz2', name='rviz2',
                            arguments=['-d', os.path.join(config, RVIZ_FILE)]))
    return actions


def generate_launch_description():
    """Declare the arguments and build the nodes once they are known."""
    return LaunchDescription(
        [DeclareLaunchArgument(a.name, default_value=a.default, description=a.description)
         for a in (*LAUNCH_ARGUMENTS, AUTOSTART_ARGUMENT, LISTENERS_ARGUMENT)]
        + [OpaqueFunction(function=_nodes)])
