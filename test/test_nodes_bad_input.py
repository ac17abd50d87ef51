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

"""Bad input to the real nodes: a clear logged error, and the node runs on or exits non-zero."""

from pathlib import Path

import numpy as np
import pytest

from ros_helpers import node_process, spin_until, stop_process, wait_for_log

# Start-up of a node without TensorFlow, and a generous bound for one with it (s).
START_TIMEOUT = 60.0
# Time for a message to reach a node and its reaction to show (s).
REACT_TIMEOUT = 30.0


def _image(encoding: str, width: int, height: int, step: int, data: bytes, sec: int = 1):
    from sensor_msgs.msg import Image
    msg = Image(encoding=encoding, width=width, height=height, step=step, data=data)
    msg.header.stamp.sec = sec
    msg.header.frame_id = 'camera'
    return msg


def _face_image(sec: int):
    import cv2

    from emotion_ros.conversions import bgr_to_imgmsg
    from ros_helpers import REPO_ROOT
    bgr = cv2.imread(str(REPO_ROOT / 'assets' / 'media' / 'single_face.jpg'))
    msg = bgr_to_imgmsg(bgr)
    msg.header.stamp.sec = sec
    msg.header.frame_id = 'camera'
    return msg


class _Probe:
    """Publish images (and faces) to a node under test and collect what it publishes."""

    def __init__(self, context) -> None:
        from emotion_msgs.msg import EmotionArray, FaceArray
        from rclpy.executors import SingleThreadedExecutor
        from rclpy.node import Node
        from sensor_msgs.msg import Image

        from emotion_ros.nodes.qos import RESULT_QOS
        self.node = Node('bad_input_probe', context=context)
        self.images = self.node.create_publisher(Image, 'image_raw', 10)
        self.faces_pub = self.node.create_publisher(FaceArray, 'faces', RESULT_QOS)
        self.faces: list = []
        self.emotions: list = []
        self.node.create_subscription(FaceArray, 'faces', self.faces.append, RESULT_QOS)
        self.node.create_subscription(EmotionArray, 'emotions', self.emotions.append,
                                      RESULT_QOS)
        self.annotated: list = []
        self.annotated_sub = self.node.create_subscription(
            Image, 'image_annotated', self.annotated.append, 10)
        self.executor = SingleThreadedExecutor(context=context)
        self.executor.add_node(self.node)

    def spin_until(self, predicate, timeout: float = REACT_TIMEOUT) -> bool:
        return spin_until(self.executor, predicate, timeout)

    def close(self) -> None:
        self.node.destroy_node()
        self.executor.shutdown()


@pytest.fixture
def probe(rclpy_context):
    """Make a probe node on the test's domain."""
    result = _Probe(rclpy_context)
    yield result
    result.close()


@pytest.mark.ros
def test_tracker_survives_bad_images(probe, tmp_path: Path) -> None:
    """Unknown encoding, zero size, a huge size and short data: logged, skipped, still alive."""
    log = tmp_path / 'tracker.log'
    tracker = node_process('face_tracker_node', log)
    try:
        assert probe.spin_until(lambda: probe.images.get_subscription_count() > 0, START_TIMEOUT)
        bad = [
            (_image('32FC1', 4, 4, 16, bytes(64), sec=1), '32FC1'),
            (_image('bgr8', 0, 0, 0, b'', sec=2), 'zero size'),
            (_image('bgr8', 100000, 100000, 300000, bytes(30), sec=3), '100000x100000'),
            (_image('bgr8', 640, 480, 1920, bytes(100), sec=4), 'image at 4.000000000'),
        ]
        for msg, expected in bad:
            # Best effort, newest frame only: publish until the node has reported this one.
            assert probe.spin_until(lambda: _publish_bad(probe, msg, log, expected)), \
                f'no error mentioning {expected!r}:\n{log.read_text()}'
        # Still running and still working: a real face image gets a face.
        assert probe.spin_until(lambda: _publish_until(probe, lambda: any(
            f.faces for f in probe.faces), sec=10))
        assert tracker.poll() is None
    finally:
        code = stop_process(tracker)
    text = log.read_text()
    assert code == 0, text
    assert 'Traceback' not in text
    assert 'encoding' in text and 'skipped' in text


def _publish_bad(probe: _Probe, msg, log: Path, expected: str) -> bool:
    """Publish ``msg`` once and wait briefly; :returns: whether the log shows ``expected``."""
    probe.images.publish(msg)
    return wait_for_log(log, expected, 0.5)


def _publish_until(probe: _Probe, done, sec: int) -> bool:
    """Publish a face image and spin briefly; :returns: whether ``done()`` holds."""
    probe.images.publish(_face_image(sec))
    probe.spin_until(done, 1.0)
    return done()


@pytest.mark.ros
@pytest.mark.slow
def test_classifier_skips_face_box_outside_image(probe, tmp_path: Path) -> None:
    """A face box outside the image is skipped with a warning; the frame is still answered."""
    from emotion_msgs.msg import Face, FaceArray
    from sensor_msgs.msg import RegionOfInterest
    log = tmp_path / 'classifier.log'
    classifier = node_process('emotion_classifier_node', log, smoothing=0.0)
    try:
        assert probe.spin_until(lambda: probe.faces_pub.get_subscription_count() > 0
                                and probe.images.get_subscription_count() > 0
                                and probe.annotated_sub.get_publisher_count() > 0,
                                START_TIMEOUT)
        image = _face_image(sec=42)
        faces = FaceArray(header=image.header, faces=[
            Face(id=1, roi=RegionOfInterest(x_offset=5000, y_offset=5000, width=80, height=80)),
            Face(id=2, roi=RegionOfInterest(x_offset=240, y_offset=60, width=160, height=200)),
        ])

        def publish_pair() -> bool:
            # The first best-effort image can precede the match on the node's side: repeat.
            probe.images.publish(image)
            probe.faces_pub.publish(faces)
            probe.spin_until(lambda: bool(probe.emotions and probe.annotated), 1.0)
            return bool(probe.emotions and probe.annotated)

        assert probe.spin_until(publish_pair), log.read_text()
        assert classifier.poll() is None
    finally:
        code = stop_process(classifier)
    answer = probe.emotions[0]
    assert answer.header.stamp.sec == 42
    assert [e.face_id for e in answer.emotions] == [2]
    # The overlay (drawn because this probe subscribes) carries the header and the box.
    overlay, original = probe.annotated[0], image
    assert overlay.header.stamp.sec == 42 and overlay.header.frame_id == 'camera'
    assert (overlay.width, overlay.height) == (original.width, original.height)
    changed = np.frombuffer(bytes(overlay.data), np.uint8) != np.frombuffer(
        bytes(original.data), np.uint8)
    rows = np.nonzero(changed.reshape(original.height, -1).any(axis=1))[0]
    # Face 2's box spans rows 60..260; its label sits just above it. Face 1 draws nothing.
    assert rows.size and 60 - 40 <= rows.min() and rows.max() <= 260 + 5
    text = log.read_text()
    assert code == 0, text
    assert 'face 1 skipped' in text and 'outside' in text, text


def _hostile_faces(header, count: int, width: int, height: int):
    """Return a FaceArray of ``count`` real-looking boxes, then two faces of each bad kind."""
    import random

    from emotion_msgs.msg import Face, FaceArray
    from geometry_msgs.msg import Point
    from sensor_msgs.msg import RegionOfInterest

    def face(face_id: int, x: int, y: int, w: int, h: int, points=None) -> Face:
        if points is None:
            points = [(x + w * 0.3, y + h * 0.4), (x + w * 0.7, y + h * 0.4)]
        return Face(id=face_id, roi=RegionOfInterest(x_offset=x, y_offset=y, width=w, height=h),
                    detection_confidence=0.9,
                    keypoints=[Point(x=float(px), y=float(py), z=0.0) for px, py in points])

    rng = random.Random(14)
    faces = []
    for index in range(count):
        size = rng.randint(20, min(width, height) // 2)
        faces.append(face(index + 1, rng.randint(0, width - size), rng.randint(0, height - size),
                          size, size))
    bad = count + 1
    for _ in range(2):
        faces += [face(bad, 5000, 5000, 80, 80), face(bad + 1, 10, 10, 0, 80),
                  face(bad + 2, 10, 10, 80, 80, [(1.0, 2.0)] * 50),
                  face(bad + 3, 10, 10, 80, 80, [(float('nan'), 2.0)])]
        bad += 4
    return FaceArray(header=header, faces=faces)


@pytest.mark.ros
@pytest.mark.slow
def test_classifier_bounds_a_3000_face_array(probe, tmp_path: Path) -> None:
    """
    A foreign 3,000-box FaceArray paired with a real image costs one bounded frame.

    The frame is answered with at most max_faces emotions, each impossible kind of face is
    logged once, and every real frame after it is answered.
    """
    from emotion_msgs.msg import Face, FaceArray
    from sensor_msgs.msg import RegionOfInterest

    from emotion_ros.core.config import FaceLimitConfig
    max_faces = FaceLimitConfig.max_faces
    log = tmp_path / 'classifier.log'
    classifier = node_process('emotion_classifier_node', log, smoothing=0.0)
    answered: dict[int, int] = {}
    try:
        assert probe.spin_until(lambda: probe.faces_pub.get_subscription_count() > 0
                                and probe.images.get_subscription_count() > 0,
                                START_TIMEOUT)
        image = _face_image(sec=100)
        hostile = _hostile_faces(image.header, 3000, image.width, image.height)

        def publish_pair(img, faces) -> bool:
            # The first best-effort image can precede the match on the node's side: repeat.
            sec = img.header.stamp.sec
            probe.faces_pub.publish(faces)
            probe.images.publish(img)
            probe.spin_until(lambda: any(e.header.stamp.sec == sec for e in probe.emotions),
                             2.0)
            return any(e.header.stamp.sec == sec for e in probe.emotions)

        assert probe.spin_until(lambda: publish_pair(image, hostile)), log.read_text()
        # The real frames after it: one face each, every one answered.
        for sec in range(101, 131):
            frame = _face_image(sec)
            faces = FaceArray(header=frame.header, faces=[Face(id=1, roi=RegionOfInterest(
                x_offset=240, y_offset=60, width=160, height=200))])
            assert probe.spin_until(lambda: publish_pair(frame, faces)), \
                f'frame {sec} not answered:\n{log.read_text()}'
        assert classifier.poll() is None
    finally:
        code = stop_process(classifier)
    for msg in probe.emotions:
        answered.setdefault(msg.header.stamp.sec, len(msg.emotions))
    assert 0 < answered[100] <= max_faces
    assert all(answered[sec] == 1 for sec in range(101, 131)), answered
    text = log.read_text()
    assert code == 0, text
    assert 'Traceback' not in text
    # One line per kind (the second face of each kind, the next frames: throttled).
    for reason in ('faces in one frame: classified the', 'lies outside the', 'is empty',
                   'keypoints or more', 'is not two finite numbers'):
        assert text.count(reason) == 1, f'{reason!r}:\n{text}'


@pytest.mark.ros
@pytest.mark.parametrize('model, expected', [
    ('/nonexistent/model.tflite', '/nonexistent/model.tflite'),
    ('{tmp}/broken.keras', 'broken.keras'),
])
def test_classifier_refuses_bad_model(ros_domain, tmp_path: Path, model: str,
                                      expected: str) -> None:
    """A missing or corrupt model: configure fails, one line names the file (autostart: exit 1)."""
    broken = tmp_path / 'broken.keras'
    broken.write_bytes(b'not a model')
    (tmp_path / 'broken.card.json').write_text(
        (Path(__file__).parent.parent / 'assets' / 'models' / 'fer_mini_xception.card.json')
        .read_text())
    log = tmp_path / 'classifier.log'
    classifier = node_process('emotion_classifier_node', log, model=model.format(tmp=tmp_path))
    assert classifier.wait(START_TIMEOUT) == 1, log.read_text()
    text = log.read_text()
    assert 'cannot configure' in text and expected in text, text
    assert 'Traceback' not in text, text


@pytest.mark.ros
def test_missing_camera_is_retried(ros_domain, tmp_path: Path) -> None:
    """A camera that does not exist is reported and retried; Ctrl-C then exits 0."""
    log = tmp_path / 'camera.log'
    camera = node_process('camera_node', log, video_device='/dev/video99',
                          reconnect_interval=0.5)
    try:
        assert wait_for_log(log, '/dev/video99', START_TIMEOUT), log.read_text()
        assert wait_for_log(log, 'retrying', REACT_TIMEOUT), log.read_text()
        assert camera.poll() is None, 'the camera node must keep running and retry'
    finally:
        code = stop_process(camera)
    assert code == 0, log.read_text()
    assert 'Traceback' not in log.read_text()


@pytest.mark.ros
@pytest.mark.parametrize('executable, parameters, expected', [
    ('face_tracker_node', {'detector': 'dlib'}, "detector='dlib' refused"),
    ('face_tracker_node', {'iou_threshold': 1.5}, 'iou_threshold'),
    ('camera_node', {'source': '/nonexistent/video.mp4'}, '/nonexistent/video.mp4'),
    ('camera_node', {'reliability': 'sometimes'}, "reliability='sometimes' refused"),
    ('camera_node', {'camera_info_url': 'file:///nonexistent/cal.yaml'}, 'cal.yaml'),
])
def test_bad_parameters_exit_with_reason(ros_domain, tmp_path: Path, executable: str,
                                         parameters: dict, expected: str) -> None:
    """An invalid parameter or a missing file stops the node with code 1 and the reason."""
    log = tmp_path / 'node.log'
    process = node_process(executable, log, **parameters)
    assert process.wait(START_TIMEOUT) == 1, log.read_text()
    text = log.read_text()
    assert expected in text and 'Traceback' not in text, text
