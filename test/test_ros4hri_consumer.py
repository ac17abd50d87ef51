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

"""The classifier as a ROS4HRI consumer (faces_from ros4hri), through real nodes over DDS."""

from pathlib import Path
import time

import pytest
from ros_helpers import node_process, REPO_ROOT, spin_until, stop_process

FACES = '/humans/faces'
MODEL_DIR = REPO_ROOT / 'assets' / 'models'
# Real faces, cut as hri_face_detect cuts them (128x128, aspect kept, zero-padded): id -> image.
FACE_IMAGES = {
    'smile': REPO_ROOT / 'assets' / 'media' / 'single_face.jpg',
    'ckhappy': REPO_ROOT / 'assets' / 'labelled' / 'emopy' / 'image_data' /
    'sample_happy_image.png',
    'ckangry': REPO_ROOT / 'assets' / 'labelled' / 'emopy' / 'image_data' /
    'sample_anger_image2.png',
}
HAPPY_IDS = ('smile', 'ckhappy')
# Start-up (model load) and per-id discovery (up to 2.7 s here, more under load), s.
START_TIMEOUT = 90.0
MATCH_TIMEOUT = 30.0
# Crops played per face once its topics matched, at this rate (Hz), and the wait for the last
# expressions, s.
CROPS_PER_FACE = 30
RATE = 30.0
ANSWER_TIMEOUT = 20.0
# The classifier's wait for a listed face's first crop in this test, s.
CROP_TIMEOUT = 1.0
# More ids than max_faces (20) in one list.
MANY_IDS = 5000


def hri_crop(path: Path):
    """Cut the largest face of an image the way hri_face_detect does."""
    import cv2

    from emotion_ros.core.config import DetectorConfig
    from emotion_ros.core.faces.detection import make_detector
    from emotion_ros.core.faces.rep155 import letterbox_crop

    frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
    detections = make_detector(DetectorConfig(), MODEL_DIR).detect(frame)
    d = max(detections, key=lambda d: d.w * d.h)
    return letterbox_crop(frame, (d.x, d.y, d.w, d.h))


class Player:
    """A REP-155 face detector stand-in: plays an id list and per-id crops; hears expressions."""

    def __init__(self, context) -> None:
        """Create the list publisher and the /diagnostics reader."""
        from diagnostic_msgs.msg import DiagnosticArray
        from hri_msgs.msg import IdsList
        from rclpy.node import Node
        from rclpy.qos import QoSProfile, ReliabilityPolicy

        self.node = Node('ros4hri_player', context=context)
        self.qos = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE)
        self.tracked = self.node.create_publisher(IdsList, f'{FACES}/tracked', 1)
        self.crops: dict = {}
        self.expressions: dict[str, list] = {}
        self.expression_subs: dict = {}
        self.diagnostics: list = []
        self.node.create_subscription(DiagnosticArray, '/diagnostics', self.diagnostics.append,
                                      10)
        self.stamp_ns = 1_000_000_000

    def face(self, face_id: str, best_effort: bool = False) -> None:
        """Publish crops for ``face_id`` and listen to its expressions."""
        from hri_msgs.msg import Expression
        from rclpy.event_handler import PublisherEventCallbacks
        from rclpy.qos import qos_profile_sensor_data
        from sensor_msgs.msg import Image

        # The reader's mismatch is what is tested: nothing to report on this side.
        self.crops[face_id] = self.node.create_publisher(
            Image, f'{FACES}/{face_id}/cropped',
            qos_profile_sensor_data if best_effort else self.qos,
            event_callbacks=PublisherEventCallbacks(incompatible_qos=lambda _: None))
        self.expressions[face_id] = []
        self.expression_subs[face_id] = self.node.create_subscription(
            Expression, f'{FACES}/{face_id}/expression', self.expressions[face_id].append,
            self.qos)

    def matched(self, face_id: str) -> bool:
        """Return whether the classifier reads this face's crops and we hear its expressions."""
        return (self.crops[face_id].get_subscription_count() > 0
                and self.expression_subs[face_id].get_publisher_count() > 0)

    def publish_list(self, ids) -> None:
        """Publish one id list."""
        from hri_msgs.msg import IdsList
        self.tracked.publish(IdsList(ids=list(ids)))

    def publish_crop(self, face_id: str, image=None, **fields) -> tuple[int, int]:
        """Publish one crop (bgr8 unless ``fields`` say otherwise); :returns: its stamp."""
        from emotion_ros.conversions import bgr_to_imgmsg

        self.stamp_ns += 10_000_000
        msg = bgr_to_imgmsg(image)
        msg.header.stamp.sec, msg.header.stamp.nanosec = divmod(self.stamp_ns, 1_000_000_000)
        msg.header.frame_id = 'camera'
        for name, value in fields.items():
            setattr(msg, name, value)
        self.crops[face_id].publish(msg)
        return msg.header.stamp.sec, msg.header.stamp.nanosec

    def errors(self) -> dict[str, int]:
        """Return the classifier's newest error counts on /diagnostics."""
        for array in reversed(self.diagnostics):
            for status in array.status:
                if status.name.endswith('emotion_classifier'):
                    return {kv.key[len('errors: '):]: int(kv.value) for kv in status.values
                            if kv.key.startswith('errors: ')}
        return {}

    def counter(self, key: str) -> int:
        """Return one of the classifier's counters on /diagnostics (-1: not reported yet)."""
        for array in reversed(self.diagnostics):
            for status in array.status:
                for kv in status.values:
                    if status.name.endswith('emotion_classifier') and kv.key == 'count: ' + key:
                        return int(kv.value)
        return -1


def _stamp(msg) -> tuple[int, int]:
    return msg.header.stamp.sec, msg.header.stamp.nanosec


@pytest.mark.ros
@pytest.mark.slow
def test_expressions_for_every_crop_and_bad_input(rclpy_context, tmp_path: Path) -> None:
    """Every crop gets its expression with its stamp; bad input is logged, counted, survived."""
    import numpy as np
    from rclpy.executors import SingleThreadedExecutor

    crops = {face_id: hri_crop(path) for face_id, path in FACE_IMAGES.items()}
    player = Player(rclpy_context)
    executor = SingleThreadedExecutor(context=rclpy_context)
    executor.add_node(player.node)
    log = tmp_path / 'classifier.log'
    process = node_process('emotion_classifier_node', log, faces_from='ros4hri',
                           ros4hri_crop_timeout=CROP_TIMEOUT)
    ids = list(crops)
    for face_id in ids + ['silent']:
        player.face(face_id)
    player.face('besteffort', best_effort=True)
    sent: dict[str, set] = {face_id: set() for face_id in ids}

    def play(listed, until, timeout: float, crop_ids=()) -> bool:
        """Publish the list (and a crop per id in crop_ids) at RATE until ``until()``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            player.publish_list(listed)
            for face_id in crop_ids:
                sent[face_id].add(player.publish_crop(face_id, crops[face_id]))
            if until():
                return True
            spin_until(executor, lambda: False, 1.0 / RATE)
        return until()

    def answered(face_id: str) -> set:
        return {_stamp(m) for m in player.expressions[face_id]}

    try:
        # Phase 1: three real faces; crops only once each face's topics matched both ways.
        assert play(ids, lambda: all(player.matched(f) for f in ids),
                    START_TIMEOUT + MATCH_TIMEOUT), f'never matched\n{log.read_text()}'
        for _ in range(CROPS_PER_FACE):
            player.publish_list(ids)
            for face_id in ids:
                sent[face_id].add(player.publish_crop(face_id, crops[face_id]))
            spin_until(executor, lambda: False, 1.0 / RATE)
        every = play(ids, lambda: all(answered(f) >= sent[f] for f in ids), ANSWER_TIMEOUT)
        first = {f: sorted(player.expressions[f], key=_stamp) for f in ids}

        # Phase 2: bad input, each while the smile keeps being served.
        player.publish_crop('smile', crops['smile'][:64, :64].copy())  # another size
        player.publish_crop('smile', crops['smile'], encoding='foo8')  # unknown encoding
        player.publish_crop('smile', crops['smile'], data=[])  # empty data
        play(['smile', 'a/b', '1abc', 'silent', 'besteffort'], lambda: False, CROP_TIMEOUT + 2.0,
             ['smile'])
        play(['smile'] + [f'f{i}' for i in range(MANY_IDS)],
             lambda: player.counter('ros4hri faces followed') == 20, 10.0, ['smile'])
        followed_many = player.counter('ros4hri faces followed')
        # Phase 3: every face but the smile leaves; its crop subscription and expression go.
        before = len(player.expressions['smile'])
        gone = play(['smile'], lambda: all(
            player.expression_subs[f].get_publisher_count() == 0
            and player.crops[f].get_subscription_count() == 0 for f in ('ckhappy', 'ckangry')),
            20.0, ['smile'])
        play(['smile'], lambda: len(player.expressions['smile']) > before + 10, 10.0, ['smile'])
        served_after = len(player.expressions['smile']) - before
        spin_until(executor, lambda: player.errors().get('no_crop', 0) > 0, 3.0)
        errors = player.errors()
        alive = process.poll() is None
    finally:
        code = stop_process(process)
        executor.shutdown()
        player.node.destroy_node()
    text = log.read_text()
    assert alive and code == 0 and 'Traceback' not in text, text[-5000:]
    missing = {f: len(sent[f] - answered(f)) for f in ids}
    assert every, f'crops without an expression: {missing}\n{text[-3000:]}'
    for face_id in ids:
        msgs = first[face_id]
        assert len(msgs) == CROPS_PER_FACE, (face_id, len(msgs))
        assert all(m.header.frame_id == 'camera' for m in msgs)
        assert all(0.0 < m.confidence <= 1.0 for m in msgs)
    for face_id in HAPPY_IDS:
        assert {m.expression for m in first[face_id]} == {'happy'}, face_id
        assert np.mean([m.valence for m in first[face_id]]) > 0.3
    # Bad input: one clear line each, counted on /diagnostics, and the smile still served.
    assert 'not the 128x128 of a REP-155 face crop' in text
    assert 'foo8' in text
    # Logged once per kind and period (the second bad id is counted, not logged).
    assert text.count('is not a topic name token') == 1 and "face id 'a/b'" in text
    assert f'{MANY_IDS + 1} face ids in one list' in text
    assert 'face silent listed for 1.0 s without a crop' in text
    assert text.count('face silent listed') == 1
    assert errors.get('bad_crop', 0) >= 3, errors
    assert errors.get('bad_face_id', 0) >= 2 and errors.get('too_many_faces', 0) >= 1, errors
    assert 'ros4hri_crops_reliability best_effort' in text
    assert errors.get('incompatible_qos', 0) >= 1, errors
    assert errors.get('no_crop', 0) >= 1, errors  # silent, and the f<i> ids of the long list
    assert followed_many == 20
    assert gone and served_after > 10


def test_graph_runs_the_classifier_alone_for_faces_from_ros4hri() -> None:
    """faces_from:=ros4hri: no camera, no tracker; refused with cameras or with ros4hri."""
    from emotion_ros.graph import pipeline
    from emotion_ros.tools.runner import build_parser

    assert build_parser().parse_args(['--faces-from', 'ros4hri']).faces_from == 'ros4hri'
    assert build_parser().parse_args([]).faces_from == 'tracker'
    assert all('faces_from' not in n.parameters for n in pipeline({}))
    nodes = pipeline({'faces_from': 'ros4hri', 'model': 'x.onnx', 'namespace': 'robot'})
    assert [(n.executable, n.full_name, n.parameters) for n in nodes] == [
        ('emotion_classifier_node', 'robot/emotion_classifier',
         {'faces_from': 'ros4hri', 'model': 'x.onnx'})]
    for bad in ({'faces_from': 'camera'}, {'faces_from': 'ros4hri', 'cameras': 'a,b'},
                {'faces_from': 'ros4hri', 'ros4hri': 'true'}):
        with pytest.raises(ValueError):
            pipeline(bad)
