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

"""The classifier as a ROS4HRI (REP-155) face provider, through real nodes over DDS."""

import math
from pathlib import Path
import re
import time

import pytest
from ros_helpers import node_process, REPO_ROOT, spin_until, stop_process, wait_for_log

CLIP = REPO_ROOT / 'assets' / 'media' / 'single_face.mp4'
# Whole-run limits, s: start-up (model, detector, discovery) and the looped clip.
START_TIMEOUT = 90.0
# The clip lasts 2.4 s; a per-face topic subscribed when its id first appears misses the
# start of the first loop (discovery up to 2.7 s here), so the clip is looped and collected
# until this many expressions came (about 3 loops at 30 Hz), s and messages.
COLLECT_TIMEOUT = 60.0
EXPRESSIONS_WANTED = 200
# After the camera stops: event_lost_timeout (2 s) plus discovery of the topics' removal, s.
GONE_TIMEOUT = 20.0
# A REP-155 id: short, starts with a letter, a valid topic name token.
ID_PATTERN = re.compile(r'^[a-z][a-z0-9_]{0,15}$')
FACES = '/humans/faces'


class Probe:
    """A node that follows /humans/faces/tracked and subscribes to each new id's topics."""

    def __init__(self, context) -> None:
        """Subscribe to the list, the image stamps (camera_info) and the emotions."""
        from emotion_msgs.msg import EmotionArray
        from hri_msgs.msg import IdsList
        from rclpy.node import Node
        from rclpy.qos import QoSProfile, ReliabilityPolicy
        from sensor_msgs.msg import CameraInfo, Image

        self.node = Node('ros4hri_probe', context=context)
        self.qos = QoSProfile(depth=500, reliability=ReliabilityPolicy.RELIABLE)
        from tf2_msgs.msg import TFMessage
        self.tracked: list = []
        self.tf: list = []
        self.infos: list = []
        self.emotions: list = []
        self.per_face: dict[str, dict[str, list]] = {}
        self.node.create_subscription(IdsList, f'{FACES}/tracked', self._on_tracked, self.qos)
        self.node.create_subscription(TFMessage, '/tf', self.tf.append, self.qos)
        self.node.create_subscription(CameraInfo, 'camera_info', self.infos.append,
                                      QoSProfile(depth=500))
        self.emotions_sub = self.node.create_subscription(EmotionArray, 'emotions',
                                                          self.emotions.append, self.qos)
        # Newest image only, like the tracker: the camera waits for this subscriber too.
        self.node.create_subscription(Image, 'image_raw', lambda m: None, QoSProfile(depth=1))

    def _on_tracked(self, msg) -> None:
        from hri_msgs.msg import Expression, FacialLandmarks, NormalizedRegionOfInterest2D
        from sensor_msgs.msg import Image
        self.tracked.append(msg)
        for face_id in msg.ids:
            if face_id in self.per_face:
                continue
            topics = {'roi': NormalizedRegionOfInterest2D, 'expression': Expression,
                      'cropped': Image, 'landmarks': FacialLandmarks}
            self.per_face[face_id] = {name: [] for name in topics}
            for name, kind in topics.items():
                self.node.create_subscription(kind, f'{FACES}/{face_id}/{name}',
                                              self.per_face[face_id][name].append, self.qos)

    def face_topics(self) -> set[str]:
        """Return the per-face topics that have a publisher now."""
        return {name for name, _ in self.node.get_topic_names_and_types()
                if name.startswith(FACES + '/') and not name.endswith('/tracked')
                and self.node.count_publishers(name) > 0}


def _stamp(msg) -> tuple[int, int]:
    return msg.header.stamp.sec, msg.header.stamp.nanosec


def _check_face_frames(probe: Probe, ids: set, image_stamps: set, size: tuple[int, int],
                       landmarks: list, classifier_log: Path) -> None:
    """face_<id>, gaze_<id> on /tf: stamped, in front of the camera, consistent with the eyes."""
    import numpy as np

    from emotion_ros.core.faces.head_pose import FACE_MODEL

    width, height = size
    transforms = [t for msg in probe.tf for t in msg.transforms]
    assert transforms, 'no face frames on /tf'
    assert {t.child_frame_id for t in transforms} <= {f'{kind}_{face_id}' for face_id in ids
                                                      for kind in ('face', 'gaze')}
    faces = {_stamp(t): t for t in transforms if t.child_frame_id.startswith('face_')}
    gazes = {_stamp(t): t for t in transforms if t.child_frame_id.startswith('gaze_')}
    assert set(faces) == set(gazes) and set(faces) <= image_stamps
    assert {t.header.frame_id for t in transforms} == {'camera'}
    pupils = {_stamp(m): (m.landmarks[68], m.landmarks[69]) for m in landmarks}
    # Uncalibrated camera_info: the default camera (focal length = image width), said once.
    focal = float(width)
    log = classifier_log.read_text()
    assert log.count('face frames: ') == 1, log[-3000:]
    implied, offsets = [], []
    for stamp, face in faces.items():
        origin = face.transform.translation
        q = face.transform.rotation
        assert q.x ** 2 + q.y ** 2 + q.z ** 2 + q.w ** 2 == pytest.approx(1.0, abs=1e-6)
        assert 0.2 < origin.z < 3.0, 'a face within reach of a webcam'
        # Face x points out of the face, back towards the camera.
        forward_z = 2 * (q.x * q.z - q.y * q.w)
        assert forward_z < -0.7
        gaze = gazes[stamp].transform
        assert (gaze.translation.x, gaze.translation.z) == (origin.x, origin.z)
        if stamp in pupils:
            right, left = pupils[stamp]
            eye_px = math.hypot((left.x - right.x) * width, (left.y - right.y) * height)
            # The distance between the eyes that this depth implies, against the model's 63 mm.
            implied.append(eye_px * origin.z * 1000.0 / focal)
            # The frame's origin (between the eyes) projected back: between the pupils.
            u = focal * origin.x / origin.z + width / 2.0
            offsets.append(abs(u - (left.x + right.x) / 2.0 * width) / eye_px)
    eye_distance = float(FACE_MODEL[1, 0] - FACE_MODEL[0, 0])
    assert implied, 'no landmarks with the stamp of a face frame'
    assert float(np.median(implied)) == pytest.approx(eye_distance, rel=0.2), implied[:10]
    assert float(np.median(offsets)) < 0.15, offsets[:10]


def start_ros4hri_nodes(tmp_path: Path) -> tuple[dict, dict]:
    """Start the tracker and the classifier with ros4hri; :returns: logs and processes by name."""
    logs = {name: tmp_path / f'{name}.log' for name in ('tracker', 'classifier', 'camera')}
    processes = {
        'tracker': node_process('face_tracker_node', logs['tracker'],
                                wait_for_output_subscribers=1),
        'classifier': node_process('emotion_classifier_node', logs['classifier'],
                                   wait_for_output_subscribers=1, ros4hri=True),
    }
    return logs, processes


@pytest.mark.ros
@pytest.mark.slow
def test_looped_clip_as_ros4hri_faces(rclpy_context, tmp_path: Path) -> None:
    """Ids, roi, expression (neutral then happy), 128x128 crops, stamps; topics gone at the end."""
    from rclpy.executors import SingleThreadedExecutor

    from emotion_ros import graph

    probe = Probe(rclpy_context)
    executor = SingleThreadedExecutor(context=rclpy_context)
    executor.add_node(probe.node)
    logs, processes = start_ros4hri_nodes(tmp_path)
    report = ''
    try:
        assert spin_until(executor, lambda: probe.emotions_sub.get_publisher_count() > 0,
                          START_TIMEOUT), 'the classifier never matched'
        processes['camera'] = node_process(
            'camera_node', logs['camera'], source=str(CLIP), loop=True,
            wait_for_subscribers=3, start_delay=graph.DISCOVERY_SETTLE)

        def expression_count() -> int:
            return sum(len(t['expression']) for t in probe.per_face.values())
        spin_until(executor, lambda: expression_count() >= EXPRESSIONS_WANTED, COLLECT_TIMEOUT)
        topics_while_running = probe.face_topics()
        code = stop_process(processes.pop('camera'))
        gone = spin_until(executor, lambda: not probe.face_topics(), GONE_TIMEOUT)
        spin_until(executor, lambda: bool(probe.tracked) and not probe.tracked[-1].ids, 5.0)
        alive = processes['classifier'].poll() is None
    finally:
        codes = {name: stop_process(p) for name, p in processes.items()}
        report = '\n'.join(f'--- {n}\n{p.read_text()[-3000:]}' for n, p in logs.items())
        executor.shutdown()
        probe.node.destroy_node()
    assert code == 0 and alive and codes['classifier'] == 0, report

    image_stamps = {_stamp(m) for m in probe.infos}
    width, height = probe.infos[0].width, probe.infos[0].height
    assert probe.tracked, f'no /humans/faces/tracked\n{report}'
    ids = {face_id for msg in probe.tracked for face_id in msg.ids}
    assert ids and all(ID_PATTERN.match(face_id) for face_id in ids), ids
    assert all(len(msg.ids) <= 1 for msg in probe.tracked), 'one face in the clip'
    for msg in probe.tracked[:-1]:
        assert _stamp(msg) in image_stamps, 'tracked carries the image header'
    assert probe.tracked[-1].ids == [], 'the lost face leaves the list'

    # The roi is the face box of the same frame's Emotion, normalised.
    boxes = {_stamp(m): m.emotions[0].roi for m in probe.emotions if m.emotions}
    rois = [m for topics in probe.per_face.values() for m in topics['roi']]
    assert rois, f'no roi\n{report}'
    matched = 0
    for roi in rois:
        assert _stamp(roi) in image_stamps
        assert 0.0 <= roi.xmin < roi.xmax <= 1.0 and 0.0 <= roi.ymin < roi.ymax <= 1.0
        assert 0.0 < roi.c <= 1.0 or roi.c == 0.0
        box = boxes.get(_stamp(roi))
        if box is not None:
            matched += 1
            assert roi.xmin == pytest.approx(box.x_offset / width, abs=1.5 / width)
            assert roi.ymin == pytest.approx(box.y_offset / height, abs=1.5 / height)
            assert roi.xmax == pytest.approx((box.x_offset + box.width) / width,
                                             abs=1.5 / width)
            assert roi.ymax == pytest.approx((box.y_offset + box.height) / height,
                                             abs=1.5 / height)
    assert matched >= len(rois) // 2

    # Expressions: neutral, then happy with a higher valence, every stamp an image stamp.
    expressions = sorted((m for t in probe.per_face.values() for m in t['expression']),
                         key=_stamp)
    assert len(expressions) >= EXPRESSIONS_WANTED // 2, f'{len(expressions)}\n{report}'
    names = [m.expression for m in expressions]
    assert set(names) <= {'neutral', 'angry', 'sad', 'happy', 'surprised', 'disgusted',
                          'scared'}, set(names)
    assert all(_stamp(m) in image_stamps for m in expressions)
    assert all(0.0 <= m.confidence <= 1.0 for m in expressions)
    first_neutral = names.index('neutral')
    assert 'happy' in names[first_neutral:], names
    valence = {name: [m.valence for m in expressions if m.expression == name]
               for name in ('neutral', 'happy')}
    assert max(valence['happy']) > 0.3
    assert sum(valence['happy']) / len(valence['happy']) > \
        sum(valence['neutral']) / len(valence['neutral']) + 0.2

    crops = [m for t in probe.per_face.values() for m in t['cropped']]
    assert crops, f'no cropped image\n{report}'
    assert {(m.width, m.height, m.encoding) for m in crops} == {(128, 128, 'bgr8')}
    assert all(_stamp(m) in image_stamps for m in crops)
    landmarks = [m for t in probe.per_face.values() for m in t['landmarks']]
    assert landmarks, f'no landmarks\n{report}'
    for msg in landmarks[:20]:
        assert (msg.width, msg.height) == (width, height) and len(msg.landmarks) == 70
        placed = {i for i, point in enumerate(msg.landmarks) if point.c > 0}
        assert placed <= {30, 68, 69}
        left, right = msg.landmarks[69], msg.landmarks[68]
        assert placed != {} and right.x < left.x, 'the right pupil is on the image left'

    _check_face_frames(probe, ids, image_stamps, (width, height), landmarks, logs['classifier'])

    # Every per-face topic was there while the face was, and is gone once it is lost.
    for face_id in probe.per_face:
        assert any(topic.startswith(f'{FACES}/{face_id}/') for topic in topics_while_running)
    assert gone, f'per-face topics left after the face was lost: {probe.face_topics()}'


def test_graph_turns_ros4hri_on_and_merges_several_cameras() -> None:
    """ros4hri:=true reaches the classifiers; several cameras add ros4hri_faces over the lists."""
    from emotion_ros.graph import pipeline
    from emotion_ros.tools.runner import build_parser

    assert build_parser().parse_args(['--ros4hri']).ros4hri == 'true'
    assert build_parser().parse_args([]).ros4hri == 'false'
    assert all('ros4hri' not in n.parameters for n in pipeline({}))
    one = pipeline({'ros4hri': 'true'})
    assert [n.parameters for n in one if n.executable == 'emotion_classifier_node'] == [
        {'ros4hri': True}]
    assert 'ros4hri_faces_node' not in [n.executable for n in one]
    two = pipeline({'ros4hri': 'true', 'cameras': 'cam1,cam2', 'namespace': 'robot'})
    classifiers = [n for n in two if n.executable == 'emotion_classifier_node']
    assert all(n.parameters['ros4hri_tracked_topic'] == 'ros4hri/tracked' for n in classifiers)
    merger = two[-1]
    assert (merger.executable, merger.full_name) == ('ros4hri_faces_node', 'robot/ros4hri_faces')
    assert merger.parameters == {
        'ros4hri_inputs': '/robot/cam1/ros4hri/tracked,/robot/cam2/ros4hri/tracked'}
    assert (REPO_ROOT / 'bin' / merger.executable).is_file()


@pytest.mark.ros
def test_ros4hri_without_hri_msgs_fails_in_one_line(ros_domain, tmp_path: Path) -> None:
    """Without hri_msgs on the paths, configure fails with one line naming the package."""
    import os
    import subprocess

    import hri_msgs

    from emotion_ros.graph import NodeSpec
    from emotion_ros.tools.runner import node_command

    if 'install-test' not in hri_msgs.__file__:
        pytest.skip('the real hri_msgs is installed: no way to take it away here')
    env = dict(os.environ)
    env['PYTHONPATH'] = os.pathsep.join(
        p for p in env.get('PYTHONPATH', '').split(os.pathsep) if 'install-test' not in p)
    log = tmp_path / 'classifier.log'
    spec = NodeSpec('emotion_classifier_node', 'emotion_classifier',
                    {'autostart': True, 'ros4hri': True})
    with open(log, 'w') as out:
        process = subprocess.Popen(node_command(spec, str(REPO_ROOT / 'config' / 'emotion.yaml')),
                                   stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        distro = os.environ.get('ROS_DISTRO', '')
        assert wait_for_log(log, 'cannot configure', 60.0), log.read_text()
        time.sleep(0.5)
    finally:
        stop_process(process)
    text = log.read_text()
    lines = [line for line in text.splitlines() if 'cannot configure' in line]
    assert len(lines) == 1 and f'ros-{distro}-hri-msgs' in lines[0], text
    assert 'Traceback' not in text, text


@pytest.mark.ros
@pytest.mark.slow
def test_two_cameras_share_no_id_and_the_union_never_drops_a_face(
        rclpy_context, tmp_path: Path) -> None:
    """emotion_run --cameras cam1,cam2 --ros4hri: ids apart; /humans/faces/tracked the union."""
    from hri_msgs.msg import IdsList
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node
    from rclpy.qos import QoSProfile, ReliabilityPolicy

    from ros_helpers import executable, start_process

    params = tmp_path / 'looped.yaml'
    params.write_text((REPO_ROOT / 'config' / 'emotion.yaml').read_text().replace(
        'loop: false', 'loop: true'))
    node = Node('ros4hri_union_probe', context=rclpy_context)
    qos = QoSProfile(depth=1000, reliability=ReliabilityPolicy.RELIABLE)
    lists: dict[str, list] = {topic: [] for topic in (
        f'{FACES}/tracked', '/cam1/ros4hri/tracked', '/cam2/ros4hri/tracked')}
    for topic, received in lists.items():
        node.create_subscription(IdsList, topic, received.append, qos)
    executor = SingleThreadedExecutor(context=rclpy_context)
    executor.add_node(node)
    log = tmp_path / 'emotion_run.log'
    process = start_process([executable('emotion_run'), '--cameras', 'cam1,cam2', '--source',
                             str(CLIP), '--ros4hri', '--params-file', str(params)], log)

    def enough() -> bool:
        with_ids = [sum(1 for m in lists[f'/cam{i}/ros4hri/tracked'] if m.ids) for i in (1, 2)]
        return min(with_ids) >= 60 and len(lists[f'{FACES}/tracked']) >= 150
    try:
        collected = spin_until(executor, lambda: enough() or process.poll() is not None,
                               START_TIMEOUT + COLLECT_TIMEOUT) and enough()
    finally:
        code = stop_process(process)
        executor.shutdown()
        node.destroy_node()
    report = log.read_text()[-5000:]
    assert collected, f'{ {t: len(m) for t, m in lists.items()} }\n{report}'
    assert code == 0, report
    cam1 = {i for m in lists['/cam1/ros4hri/tracked'] for i in m.ids}
    cam2 = {i for m in lists['/cam2/ros4hri/tracked'] for i in m.ids}
    assert cam1 and cam2 and not cam1 & cam2, (cam1, cam2)
    union = [set(m.ids) for m in lists[f'{FACES}/tracked']]
    assert union[-1] or any(len(ids) == 2 for ids in union)
    assert set().union(*union) <= cam1 | cam2
    # Ids are never reused: an id missing from one union message and present in a later one
    # was dropped by mistake (each camera's own list holds only its own faces).
    last_seen = {face_id: max(i for i, ids in enumerate(union) if face_id in ids)
                 for face_id in set().union(*union)}
    first_seen = {face_id: min(i for i, ids in enumerate(union) if face_id in ids)
                  for face_id in last_seen}
    drops = [(i, face_id) for face_id in last_seen
             for i in range(first_seen[face_id], last_seen[face_id])
             if face_id not in union[i]]
    assert not drops, f'{len(drops)} union messages dropped a face that came back: {drops[:5]}'
    both = sum(1 for ids in union if len(ids) == 2)
    assert both >= len(union) // 2, f'{both} of {len(union)} union messages hold both faces'
