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

Several cameras (``cameras:=cam1,cam2``) get one whole pipeline each (camera, tracker and
classifier) in their own namespace rather than one classifier shared by the cameras: measured
on 2 cores (``bench/bench_cameras.py``, doc/speed.md "Several cameras"), both reach 30 Hz per
camera at 2 cameras with the same CPU; at 4 the shared classifier answered a few more frames
with a worse p95, and batching faces across cameras saves under 0.1 ms per frame set. Separate
pipelines keep cameras isolated and need no node that serves several cameras.
"""

from dataclasses import dataclass, field, replace
from typing import Any

from emotion_ros.core.config import CAMERA_SOURCE, FACES_FROM_CHOICES, StartConfig

PACKAGE = 'emotion_ros'
PARAMS_FILE = 'emotion.yaml'  # in <share>/emotion_ros/config
RVIZ_FILE = 'emotion.rviz'  # in <share>/emotion_ros/config
# Subscribers of image_raw in the graph (tracker and classifier): a finite source waits for them.
IMAGE_SUBSCRIBERS = 2
# Wait after those subscribers matched before a finite source starts, s. The camera sees a
# subscriber once its own side of DDS discovery matched; the subscriber's side can lag (0.4 s
# seen on a loaded 2-core machine), and best-effort frames sent meanwhile are lost.
DISCOVERY_SETTLE = 1.0
# Subscribers of faces (the classifier): with a finite source the tracker reads images only once
# they are matched, so the camera's wait covers that link too (DDS discovery of a late joiner
# sometimes takes about 2.7 s here, longer than a short clip lasts).
FACES_SUBSCRIBERS = 1
# Images the tracker and the classifier (face lists too) queue when their camera plays a file,
# frames (1 s at 30 Hz; a live camera's tracker keeps only the newest). On 2 cores at load
# averages 8-20 a tracker fell up to 0.65 s behind a 72-frame clip: its 3-image queue dropped up
# to 20 frames, the classifier's queues of 5 images and 10 face lists up to 6 and 2
# (doc/launch_stress.md).
FILE_IMAGE_QUEUE_DEPTH = 30
# Images and face lists the classifier holds for pairing when its camera plays a file, frames: a
# tracker a whole queue behind leaves that many images waiting for their faces, plus those whose
# faces wait in the classifier's own queue (10).
FILE_PAIRING_CAPACITY = 2 * FILE_IMAGE_QUEUE_DEPTH
# Frames a file plays beyond the last one its classifier answered on emotions (the camera's
# pace_ahead), frames: half the readers' queues, so a starved tracker pauses the file instead
# of dropping frames. At 30 Hz the pipeline answers within 2-4 frames when not starved.
FILE_PACE_AHEAD = 15
# The camera's subscription to its classifier's emotions (pacing): the classifier of a file
# waits for it, so the camera's first frame finds the answers heard.
PACING_SUBSCRIBERS = 1
# With several cameras and ros4hri: each classifier's own face id list (relative: in its
# camera's namespace), merged onto /humans/faces/tracked by the ros4hri_faces node.
CAMERA_TRACKED_TOPIC = 'ros4hri/tracked'


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
    LaunchArgument('image_transport', '', "how the tracker and classifier read images: 'raw' "
                   "or 'compressed' (<image_topic>/compressed, JPEG; the camera node then also "
                   'publishes it); empty: the params file value'),
    LaunchArgument('rviz', 'false', 'start rviz2 with config/emotion.rviz (full ROS 2 only)'),
    LaunchArgument('namespace', '', 'namespace of the nodes and their topics (cam1: '
                   '/cam1/image_raw, /cam1/emotions); empty: the global namespace'),
    LaunchArgument('cameras', '', 'comma-separated camera names: one pipeline per camera, each '
                   'in its own namespace (under namespace); source and video_device then take '
                   'one value for all or a comma-separated value per camera'),
    LaunchArgument('ros4hri', 'false', 'also publish the faces as ROS4HRI (REP-155): '
                   '/humans/faces/tracked and /humans/faces/<id>/... (needs hri_msgs)'),
    LaunchArgument('faces_from', 'tracker', "'tracker': our camera and tracker find the faces; "
                   "'ros4hri': only the classifier runs, on the face crops of another ROS4HRI "
                   'detector under /humans/faces (needs hri_msgs)'),
)
# Launch-file only: emotion_run takes --no-autostart instead.
AUTOSTART_ARGUMENT = LaunchArgument(
    'autostart', 'true', 'configure and activate the lifecycle nodes at launch; false: leave '
    'them unconfigured for a lifecycle manager (ros2 lifecycle set NODE configure)')
# Launch-file only: emotion_run counts its own listeners (--echo, --record).
LISTENERS_ARGUMENT = LaunchArgument(
    'listeners', '0', "with a video or folder source: subscribers of each camera's emotions "
    'and image_annotated started outside the launch (e.g. ros2 topic echo) that must hear the '
    'first frame: the classifier reads images only once that many listen, so the camera waits '
    'for them too (0: at once); one value for all cameras or one per camera')
# Separator of the per-camera lists in cameras, source, video_device and listeners.
LIST_SEPARATOR = ','


@dataclass(frozen=True)
class NodeSpec:
    """
    One node of the graph: executable, name, parameter overrides and remappings.

    :param namespace: absolute namespace ('' for the global one).
    :param ends_run: a finite source: once every one has exited cleanly, the run
        (``emotion_run``) or the launch (``ros2 launch``) ends.
    """

    executable: str
    name: str
    parameters: dict[str, Any] = field(default_factory=dict)
    remappings: tuple[tuple[str, str], ...] = ()
    package: str = PACKAGE
    namespace: str = ''
    ends_run: bool = False

    @property
    def full_name(self) -> str:
        """Return the node's fully qualified name without the leading slash (cam1/camera)."""
        return f'{self.namespace}/{self.name}'.lstrip('/')


def is_true(text: str) -> bool:
    """Return whether a launch-style boolean string is true."""
    return str(text).strip().lower() in ('true', '1', 'yes', 'on')


def join_namespace(*parts: str) -> str:
    """
    Join namespace parts into an absolute namespace.

    :param parts: names such as 'robot', '/cam1' or '' (ignored).
    :returns: '/robot/cam1', or '' for the global namespace.
    :raises ValueError: for a part that is not a valid ROS name.
    """
    names = [name for part in parts for name in part.strip().strip('/').split('/') if name]
    for name in names:
        if not (name[0].isalpha() or name[0] == '_') or \
                not all(c.isalnum() or c == '_' for c in name):
            raise ValueError(f'invalid namespace {"/".join(parts)!r}: {name!r} must be letters, '
                             'digits and underscores, not starting with a digit')
    return ''.join('/' + name for name in names)


def _per_camera(value: str, count: int, argument: str) -> list[str]:
    """Split a per-camera list: one value for all cameras, or exactly one per camera."""
    items = [item.strip() for item in value.split(LIST_SEPARATOR)] if count > 1 else [value]
    if len(items) == 1:
        return items * count
    if len(items) != count:
        raise ValueError(f'{argument} has {len(items)} comma-separated values for {count} '
                         'cameras: give one for all or one per camera')
    return items


def _camera_pipeline(values: dict[str, str], namespace: str, source: str,
                     video_device: str, several: bool = False) -> list[NodeSpec]:
    """Describe one camera's nodes (camera, tracker, classifier); ``several``: of several."""
    image_topic = values['image_topic'].strip() or 'image_raw'
    remap = (('image_raw', image_topic),) if image_topic != 'image_raw' else ()
    transport = values['image_transport'].strip()
    readers: dict[str, Any] = {'image_transport': transport} if transport else {}
    nodes = []
    if is_true(values['use_camera']):
        camera: dict[str, Any] = {'publish_compressed': True} if transport == 'compressed' else {}
        if video_device:
            camera['video_device'] = video_device
        if source != CAMERA_SOURCE:
            camera['source'] = source
            # A file is finite: do not start before the tracker and classifier listen.
            camera['wait_for_subscribers'] = IMAGE_SUBSCRIBERS
            camera['start_delay'] = DISCOVERY_SETTLE
            camera['pace_ahead'] = FILE_PACE_AHEAD
        # ends_run: a file or folder ends; with loop (params file) the camera never exits, so
        # the run goes on. A camera device reconnects and never ends the run.
        nodes.append(NodeSpec('camera_node', 'camera', camera, remap, namespace=namespace,
                              ends_run=source != CAMERA_SOURCE))
    finite = is_true(values['use_camera']) and source != CAMERA_SOURCE
    tracker = dict(readers)
    if finite:
        tracker['wait_for_output_subscribers'] = FACES_SUBSCRIBERS
        tracker['image_queue_depth'] = FILE_IMAGE_QUEUE_DEPTH
    nodes.append(NodeSpec('face_tracker_node', 'face_tracker', tracker, remap,
                          namespace=namespace))
    classifier = dict(readers)
    if finite:
        classifier['wait_for_output_subscribers'] = PACING_SUBSCRIBERS
        classifier['pairing_queue_depth'] = FILE_IMAGE_QUEUE_DEPTH
        classifier['pairing_capacity'] = FILE_PAIRING_CAPACITY
    if values['model']:
        classifier['model'] = values['model']
    if is_true(values['ros4hri']):
        classifier['ros4hri'] = True
        if several:
            classifier['ros4hri_tracked_topic'] = CAMERA_TRACKED_TOPIC
    nodes.append(NodeSpec('emotion_classifier_node', 'emotion_classifier', classifier, remap,
                          namespace=namespace))
    return nodes


def camera_namespaces(args: dict[str, str]) -> list[str]:
    """
    Return the namespace of each camera's pipeline.

    :param args: launch argument values by name.
    :returns: one absolute namespace per camera ('' for the global namespace).
    :raises ValueError: for an invalid or repeated name.
    """
    base = str(args.get('namespace', ''))
    cameras = [c.strip() for c in str(args.get('cameras', '')).split(LIST_SEPARATOR)]
    cameras = [c for c in cameras if c]
    if not cameras:
        return [join_namespace(base)]
    namespaces = [join_namespace(base, camera) for camera in cameras]
    if len(set(namespaces)) != len(namespaces):
        raise ValueError(f'cameras repeats a name: {args["cameras"]}')
    return namespaces


def listener_counts(args: dict[str, str], value: str) -> dict[str, int]:
    """
    Parse the ``listeners`` launch argument.

    :param args: launch argument values by name (for the camera namespaces).
    :param value: one count for every camera, or a comma-separated count per camera.
    :returns: the count per camera namespace (as :func:`camera_namespaces` names them).
    :raises ValueError: for a count that is not a valid ``wait_for_output_subscribers``, or a
        list whose length is not the number of cameras.
    """
    namespaces = camera_namespaces(args)
    counts = {}
    for namespace, item in zip(namespaces, _per_camera(value, len(namespaces), 'listeners')):
        text = item.strip() or '0'
        if not text.lstrip('-').isdigit():
            raise ValueError(f'listeners is {value!r}: {text!r} is not a count of subscribers')
        try:
            counts[namespace] = StartConfig(
                wait_for_output_subscribers=int(text)).wait_for_output_subscribers
        except ValueError as error:
            raise ValueError(f'listeners is {value!r}: {error}') from None
    return counts


def wait_for_listeners(specs: list[NodeSpec], counts: dict[str, int]) -> list[NodeSpec]:
    """
    Make the classifier of each finite source wait for its camera's listeners.

    The classifier then reads images only once its outputs have that many subscribers, and the
    camera, which waits for its image subscribers, starts only after them: a short clip cannot
    end before a listener's DDS discovery. A live camera has nothing to wait for.

    :param specs: the nodes from :func:`pipeline`.
    :param counts: subscribers to wait for, per camera namespace (missing: 0).
    :returns: ``specs``, the classifiers of finite sources waiting for these subscribers too
        (added to the camera's own pacing subscription).
    """
    finite = {spec.namespace for spec in specs if spec.ends_run}
    waiting = []
    for spec in specs:
        count = counts.get(spec.namespace, 0)
        if spec.executable == 'emotion_classifier_node' and spec.namespace in finite and count:
            count += spec.parameters.get('wait_for_output_subscribers', 0)
            spec = replace(spec, parameters={**spec.parameters,
                                             'wait_for_output_subscribers': count})
        waiting.append(spec)
    return waiting


def _consumer(values: dict[str, str], namespaces: list[str], several: bool) -> NodeSpec:
    """Describe the classifier alone, on another ROS4HRI detector's faces (faces_from)."""
    # /humans/faces is absolute: one consumer serves every camera the detector sees.
    if several:
        raise ValueError('faces_from ros4hri takes no cameras: one classifier reads every face '
                         'of /humans/faces')
    if is_true(values['ros4hri']):
        raise ValueError('faces_from ros4hri and ros4hri true exclude each other: the '
                         'classifier would publish on /humans/faces the faces it reads there')
    classifier: dict[str, Any] = {'faces_from': 'ros4hri'}
    if values['model']:
        classifier['model'] = values['model']
    return NodeSpec('emotion_classifier_node', 'emotion_classifier', classifier,
                    namespace=namespaces[0])


def pipeline(args: dict[str, str]) -> list[NodeSpec]:
    """
    Describe the nodes to start for the given launch arguments.

    :param args: launch argument values by name (missing ones take their defaults).
    :returns: the nodes, per camera: camera first.
    :raises ValueError: for an unknown argument name or inconsistent per-camera values.
    """
    values = {a.name: a.default for a in LAUNCH_ARGUMENTS}
    unknown = set(args) - set(values)
    if unknown:
        raise ValueError(f'unknown launch arguments: {", ".join(sorted(unknown))}')
    values.update({k: str(v) for k, v in args.items()})
    namespaces = camera_namespaces(values)
    sources = _per_camera(values['source'], len(namespaces), 'source')
    devices = _per_camera(values['video_device'], len(namespaces), 'video_device')
    nodes = []
    several = len(namespaces) > 1
    faces_from = values['faces_from'].strip() or 'tracker'
    if faces_from not in FACES_FROM_CHOICES:
        raise ValueError(f'faces_from is {faces_from!r}: expected one of '
                         f'{", ".join(FACES_FROM_CHOICES)}')
    if faces_from == 'ros4hri':
        return [_consumer(values, namespaces, several)]
    for namespace, source, device in zip(namespaces, sources, devices):
        nodes += _camera_pipeline(values, namespace, source, device, several)
    if several and is_true(values['ros4hri']):
        # REP-155's /humans/faces/tracked is absolute: one node publishes every camera's faces.
        inputs = LIST_SEPARATOR.join(f'{ns}/{CAMERA_TRACKED_TOPIC}' for ns in namespaces)
        nodes.append(NodeSpec('ros4hri_faces_node', 'ros4hri_faces', {'ros4hri_inputs': inputs},
                              namespace=join_namespace(values['namespace'])))
    return nodes
