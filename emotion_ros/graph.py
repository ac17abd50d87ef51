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
The pipeline graph, described once.

``launch/emotion.launch.py`` (full ROS 2) and ``emotion_run`` (the local runner for machines
without ``ros2 launch``) both build their nodes from :func:`pipeline`, so they cannot drift.
ROS-free: no rclpy or launch import.
"""

from dataclasses import dataclass, field
from typing import Any

from emotion_ros.core.config import CAMERA_SOURCE

PACKAGE = 'emotion_ros'
PARAMS_FILE = 'emotion.yaml'  # in <share>/emotion_ros/config
RVIZ_FILE = 'emotion.rviz'  # in <share>/emotion_ros/config
# Subscribers of image_raw in the graph (tracker and classifier): a finite source waits for them.
IMAGE_SUBSCRIBERS = 2
# Subscribers of faces (the classifier): with a finite source the tracker reads images only once
# they are matched, so the camera's wait covers that link too (DDS discovery of a late joiner
# sometimes takes about 2.7 s here, longer than a short clip lasts).
FACES_SUBSCRIBERS = 1


@dataclass(frozen=True)
class LaunchArgument:
    """A launch argument: ``ros2 launch`` declares it and ``emotion_run`` takes it as a flag."""

    name: str
    default: str
    description: str


LAUNCH_ARGUMENTS = (
    LaunchArgument('source', CAMERA_SOURCE,
                   "'camera': the params file's source (by default the device in video_device); "
                   'else a video file or an image folder'),
    LaunchArgument('video_device', '', 'camera device (/dev/videoN or an index); empty: the '
                   'params file value'),
    LaunchArgument('model', '', 'model file with its .card.json; empty: the params file value '
                   '(the bundled FER2013 mini-Xception)'),
    LaunchArgument('params_file', '', 'parameters YAML; empty: the package config/emotion.yaml'),
    LaunchArgument('use_camera', 'true', 'start the camera node; false: use an existing camera '
                   "driver's image topic (image_topic)"),
    LaunchArgument('image_topic', 'image_raw', 'image topic the tracker and classifier read '
                   '(and the camera node publishes)'),
    LaunchArgument('rviz', 'false', 'start rviz2 with config/emotion.rviz (full ROS 2 only)'),
)


@dataclass(frozen=True)
class NodeSpec:
    """One node of the graph: executable, name, parameter overrides and remappings."""

    executable: str
    name: str
    parameters: dict[str, Any] = field(default_factory=dict)
    remappings: tuple[tuple[str, str], ...] = ()
    package: str = PACKAGE


def is_true(text: str) -> bool:
    """Return whether a launch-style boolean string is true."""
    return str(text).strip().lower() in ('true', '1', 'yes', 'on')


def pipeline(args: dict[str, str]) -> list[NodeSpec]:
    """
    Describe the nodes to start for the given launch arguments.

    :param args: launch argument values by name (missing ones take their defaults).
    :returns: the nodes, camera first.
    :raises ValueError: for an unknown argument name.
    """
    values = {a.name: a.default for a in LAUNCH_ARGUMENTS}
    unknown = set(args) - set(values)
    if unknown:
        raise ValueError(f'unknown launch arguments: {", ".join(sorted(unknown))}')
    values.update({k: str(v) for k, v in args.items()})
    image_topic = values['image_topic'].strip() or 'image_raw'
    remap = (('image_raw', image_topic),) if image_topic != 'image_raw' else ()
    nodes = []
    if is_true(values['use_camera']):
        camera: dict[str, Any] = {}
        if values['video_device']:
            camera['video_device'] = values['video_device']
        if values['source'] != CAMERA_SOURCE:
            camera['source'] = values['source']
            # A file is finite: do not start before the tracker and classifier listen.
            camera['wait_for_subscribers'] = IMAGE_SUBSCRIBERS
        nodes.append(NodeSpec('camera_node', 'camera', camera, remap))
    finite = is_true(values['use_camera']) and values['source'] != CAMERA_SOURCE
    tracker = {'wait_for_output_subscribers': FACES_SUBSCRIBERS} if finite else {}
    nodes.append(NodeSpec('face_tracker_node', 'face_tracker', tracker, remap))
    classifier = {'model': values['model']} if values['model'] else {}
    nodes.append(NodeSpec('emotion_classifier_node', 'emotion_classifier', classifier, remap))
    return nodes
