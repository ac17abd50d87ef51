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

"""A camera publishing as real drivers do (Bayer, UYVY, NV12, bgra8), through the real nodes."""

from pathlib import Path

import pytest

from ros_helpers import node_process, REPO_ROOT, spin_until, stop_process, wait_for_log

STILL = REPO_ROOT / 'assets' / 'media' / '0-f15-hao-ph.jpg'  # one happy face, 512x512
START_TIMEOUT = 60.0  # start-up of the nodes, TensorFlow-free classifier included, s
ANSWER_TIMEOUT = 60.0  # a camera's first frames through tracker and classifier, s
REACT_TIMEOUT = 30.0  # a bad message to reach the tracker and its log line to show, s
FRAMES_PER_ENCODING = 3  # EmotionArrays with a face collected from each camera
CAMERA_RATE = 5.0  # Hz: the still, repeated
MIN_IOU = 0.8  # face box of each encoding against bgr8's
# bgr8 first: the reference. One Bayer pattern, UYVY, NV12 and a simulator's bgra8.
ENCODINGS = ('bgr8', 'bayer_rggb8', 'uyvy', 'nv12', 'bgra8')
DEPTH_REPEATS = 20  # depth images sent: the tracker must say so once (per 5 s)


def _iou(a, b) -> float:
    w = max(0, min(a.x_offset + a.width, b.x_offset + b.width) - max(a.x_offset, b.x_offset))
    h = max(0, min(a.y_offset + a.height, b.y_offset + b.height) - max(a.y_offset, b.y_offset))
    inter = w * h
    return inter / (a.width * a.height + b.width * b.height - inter)


class _Probe:
    """Collect the classifier's EmotionArrays; publish raw images of its own."""

    def __init__(self, context) -> None:
        from emotion_msgs.msg import EmotionArray
        from rclpy.executors import SingleThreadedExecutor
        from rclpy.node import Node
        from sensor_msgs.msg import Image

        from emotion_ros.nodes.qos import LATEST_IMAGE_QOS, RESULT_QOS
        self.node = Node('encoding_probe', context=context)
        self.seen: dict[str, set] = {}  # frame_id -> encodings seen on image_raw
        self.node.create_subscription(Image, 'image_raw', self._on_image, LATEST_IMAGE_QOS)
        self.emotions: list = []
        self.subscription = self.node.create_subscription(
            EmotionArray, 'emotions', self.emotions.append, RESULT_QOS)
        self.images = self.node.create_publisher(Image, 'image_raw', 10)
        self.executor = SingleThreadedExecutor(context=context)
        self.executor.add_node(self.node)

    def _on_image(self, msg) -> None:
        self.seen.setdefault(msg.header.frame_id, set()).add(msg.encoding)

    def answered(self, frame_id: str) -> list:
        """Return the EmotionArrays with a face from the camera named ``frame_id``."""
        return [m for m in self.emotions if m.header.frame_id == frame_id and m.emotions]

    def close(self) -> None:
        self.node.destroy_node()
        self.executor.shutdown()


@pytest.fixture
def probe(rclpy_context):
    result = _Probe(rclpy_context)
    yield result
    result.close()


@pytest.mark.ros
@pytest.mark.slow
def test_driver_encodings_give_the_face_and_label_of_bgr8(probe, tmp_path: Path) -> None:
    """One tracker and classifier; a camera per encoding in turn, each with its own frame_id."""
    tracker = node_process('face_tracker_node', tmp_path / 'tracker.log', min_hits=1)
    classifier = node_process('emotion_classifier_node', tmp_path / 'classifier.log',
                              smoothing=0.0)
    answers = {}
    try:
        assert spin_until(probe.executor, lambda: probe.subscription.get_publisher_count() > 0
                          and probe.images.get_subscription_count() >= 3, START_TIMEOUT), \
            (tmp_path / 'classifier.log').read_text()
        for encoding in ENCODINGS:
            frame_id = f'camera_{encoding}'
            log = tmp_path / f'camera_{encoding}.log'
            camera = node_process('camera_node', log, source=str(STILL), loop=True,
                                  framerate=CAMERA_RATE, output_encoding=encoding,
                                  frame_id=frame_id)
            try:
                # The probe's own image_raw match can come seconds after the nodes' (DDS
                # discovery): wait for both, the answers and one image seen here.
                got = spin_until(probe.executor, lambda: len(probe.answered(frame_id))
                                 >= FRAMES_PER_ENCODING and frame_id in probe.seen,
                                 ANSWER_TIMEOUT)
            finally:
                code = stop_process(camera)
            text = log.read_text()
            assert got, f'{encoding}: no emotions\n{text}\n{_tail(tmp_path)}'
            assert code == 0 and 'Traceback' not in text and '[ERROR]' not in text, text
            answers[encoding] = probe.answered(frame_id)
        assert tracker.poll() is None and classifier.poll() is None
    finally:
        codes = [stop_process(tracker), stop_process(classifier)]
    assert codes == [0, 0], _tail(tmp_path)
    # The camera really published each encoding (what the nodes had to decode).
    assert {e: probe.seen.get(f'camera_{e}') for e in ENCODINGS} == {e: {e} for e in ENCODINGS}
    reference = answers['bgr8'][0].emotions[0]
    assert reference.label == 'happy'
    for encoding, arrays in answers.items():
        for array in arrays:
            assert len(array.emotions) == 1, (encoding, array)
            face = array.emotions[0]
            assert face.label == reference.label, (encoding, face.label)
            assert _iou(face.roi, reference.roi) > MIN_IOU, (encoding, face.roi, reference.roi)


def _tail(tmp_path: Path) -> str:
    """Return the end of every node log of the test."""
    return '\n'.join(f'--- {p.name}\n{p.read_text()[-1500:]}'
                     for p in sorted(tmp_path.glob('*.log')))


@pytest.mark.ros
def test_tracker_says_once_that_a_depth_image_was_remapped(probe, tmp_path: Path) -> None:
    """32FC1 on image_raw: one clear line per period, no traceback, and the node runs on."""
    from sensor_msgs.msg import Image
    log = tmp_path / 'tracker.log'
    tracker = node_process('face_tracker_node', log)
    depth = Image(encoding='32FC1', width=8, height=6, step=32, data=bytes(6 * 32))
    depth.header.frame_id = 'depth_camera'
    expected = 'encoding 32FC1 is a depth or non-colour image; was a depth topic remapped'
    try:
        assert spin_until(probe.executor, lambda: probe.images.get_subscription_count() > 0,
                          START_TIMEOUT), log.read_text()

        def send() -> bool:
            probe.images.publish(depth)
            return wait_for_log(log, expected, 0.5)

        assert spin_until(probe.executor, send, REACT_TIMEOUT), log.read_text()
        for _ in range(DEPTH_REPEATS):
            probe.images.publish(depth)
            spin_until(probe.executor, lambda: False, 0.02)
        spin_until(probe.executor, lambda: False, 1.0)
        assert tracker.poll() is None, 'the tracker must keep running'
    finally:
        code = stop_process(tracker)
    text = log.read_text()
    assert code == 0 and 'Traceback' not in text, text
    # Once per kind and 5 s (DistinctThrottle): a slow machine may cross one period.
    assert 1 <= text.count(expected) <= 2, text


@pytest.mark.ros
def test_camera_says_once_that_an_odd_frame_cannot_be_nv12(ros_domain, tmp_path: Path) -> None:
    """An odd-sized source with output_encoding nv12: one clear line, and the camera runs on."""
    import cv2
    odd = tmp_path / 'odd.png'
    cv2.imwrite(str(odd), cv2.resize(cv2.imread(str(STILL)), (321, 241)))
    log = tmp_path / 'camera.log'
    camera = node_process('camera_node', log, source=str(odd), loop=True,
                          framerate=20.0, output_encoding='nv12')
    expected = 'image_raw not published: nv12 needs an even width and height, got 321x241'
    try:
        assert wait_for_log(log, expected, START_TIMEOUT), log.read_text()
        # About 20 more frames: still one line, still running.
        wait_for_log(log, 'never printed', 1.0)
        assert camera.poll() is None, log.read_text()
    finally:
        code = stop_process(camera)
    text = log.read_text()
    assert code == 0 and 'Traceback' not in text, text
    assert text.count('image_raw not published') == 1, text
