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

"""Compressed images (image_transport's ``compressed``) through the real nodes over real DDS."""

from pathlib import Path

import numpy as np
import pytest

from ros_helpers import node_process, REPO_ROOT, spin_until, start_process, stop_process
from ros_helpers import wait_for_log

MEDIA = REPO_ROOT / 'assets' / 'media'
PARAMS_FILE = str(REPO_ROOT / 'config' / 'emotion.yaml')
START_TIMEOUT = 60.0  # start-up of the nodes, s
RUN_TIMEOUT = 120.0  # the whole video through both pipelines, s
REACT_TIMEOUT = 30.0  # a message to reach a node and its log line to show, s
BAD_REPEATS = 20  # times each bad message is sent: it must be logged once (per 5 s)
MIN_LABEL_AGREEMENT = 0.9  # frames whose label is the same raw and compressed
MAX_PROBABILITY_GAP = 0.15  # median largest probability difference, raw vs compressed
FRAMES = 72  # frames of single_face.mp4


def _compressed(bgr, sec: int, text: str = '', data=None):
    from emotion_ros.conversions import bgr_to_compressed
    msg = bgr_to_compressed(bgr)
    msg.header.stamp.sec = sec
    msg.header.frame_id = 'camera'
    if text:
        msg.format = text
    if data is not None:
        msg.data = data
    return msg


@pytest.mark.ros
@pytest.mark.parametrize('args, raw, compressed', [
    ([], '/image_raw', '/image_raw/compressed'),
    (['-r', 'image_raw:=/cam1/image'], '/cam1/image', '/cam1/image/compressed'),
    (['-r', '__ns:=/robot'], '/robot/image_raw', '/robot/image_raw/compressed'),
])
def test_compressed_topic_follows_the_remapped_base_like_image_transport(
        rclpy_context, args, raw, compressed) -> None:
    from rclpy.node import Node

    from emotion_ros.nodes.image_input import transport_topic
    node = Node('topic_names', context=rclpy_context, cli_args=['--ros-args', *args])
    try:
        assert transport_topic(node, 'raw') == raw
        assert transport_topic(node, 'compressed') == compressed
        with pytest.raises(ValueError, match='raw, compressed'):
            transport_topic(node, 'theora')
    finally:
        node.destroy_node()


@pytest.mark.ros
def test_tracker_reads_compressed_and_logs_each_bad_kind_once(rclpy_context,
                                                              tmp_path: Path) -> None:
    """Truncated, non-image and unsupported data: one line per kind; a good JPEG gets a face."""
    import array

    import cv2
    from emotion_msgs.msg import FaceArray
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node
    from sensor_msgs.msg import CompressedImage

    from emotion_ros.nodes.qos import RESULT_QOS
    bgr = cv2.imread(str(MEDIA / 'single_face.jpg'))
    good = _compressed(bgr, 1)
    bad = [
        (_compressed(bgr, 2, data=good.data[:len(good.data) // 2]), 'truncated'),
        (_compressed(bgr, 3, data=array.array('B', bytes(500))), 'neither JPEG nor PNG'),
        (_compressed(bgr, 4, text='16UC1; compressedDepth'), 'compressedDepth'),
    ]
    node = Node('compressed_probe', context=rclpy_context)
    publisher = node.create_publisher(CompressedImage, 'image_raw/compressed', 10)
    faces: list[FaceArray] = []
    node.create_subscription(FaceArray, 'faces', faces.append, RESULT_QOS)
    executor = SingleThreadedExecutor(context=rclpy_context)
    executor.add_node(node)
    log = tmp_path / 'tracker.log'
    tracker = node_process('face_tracker_node', log, image_transport='compressed', min_hits=1)
    try:
        assert spin_until(executor, lambda: publisher.get_subscription_count() > 0,
                          START_TIMEOUT), log.read_text()
        for msg, expected in bad:
            assert spin_until(executor, lambda: _send(publisher, msg, log, expected),
                              REACT_TIMEOUT), f'no error with {expected!r}:\n{log.read_text()}'
            for _ in range(BAD_REPEATS):
                publisher.publish(msg)
                spin_until(executor, lambda: False, 0.02)
        assert spin_until(executor, lambda: _send_good(publisher, good, faces), REACT_TIMEOUT)
        assert tracker.poll() is None
    finally:
        code = stop_process(tracker)
        node.destroy_node()
        executor.shutdown()
    text = log.read_text()
    assert code == 0, text
    assert 'Traceback' not in text, text
    assert 'image_raw/compressed' in text, 'the node names the topic it reads'
    for _, expected in bad:
        # Once per kind and 5 s (DistinctThrottle): a slow machine may cross one period.
        assert 1 <= text.count(expected) <= 2, f'{expected!r} logged per frame:\n{text}'
    hit = next(f for f in faces if f.faces)
    assert (hit.header.stamp.sec, hit.header.frame_id) == (1, 'camera'), 'header kept'


def _send(publisher, msg, log: Path, expected: str) -> bool:
    """Publish once, wait briefly; :returns: whether the log shows ``expected``."""
    publisher.publish(msg)
    return wait_for_log(log, expected, 0.5)


def _send_good(publisher, msg, faces: list) -> bool:
    """Publish the good image; :returns: whether a FaceArray with a face came back."""
    publisher.publish(msg)
    return any(f.faces for f in faces)


def _pipeline(suffix: str, transport: str) -> list:
    """Return tracker and classifier specs reading ``transport``, outputs suffixed."""
    from emotion_ros.graph import NodeSpec
    remaps = (('faces', f'faces{suffix}'), ('emotions', f'emotions{suffix}'))
    # Each reads images only once its output is heard (the classifier's faces, the probe's
    # emotions), so the camera's wait for image subscribers covers every link.
    return [NodeSpec('face_tracker_node', f'face_tracker{suffix}',
                     {'image_transport': transport, 'wait_for_output_subscribers': 1}, remaps),
            NodeSpec('emotion_classifier_node', f'emotion_classifier{suffix}',
                     {'image_transport': transport, 'wait_for_output_subscribers': 1}, remaps)]


@pytest.mark.ros
@pytest.mark.slow
def test_compressed_pipeline_gives_the_emotions_of_the_raw_one(rclpy_context,
                                                               tmp_path: Path) -> None:
    """One camera, raw and JPEG pipelines side by side: same stamps, same labels."""
    from emotion_msgs.msg import EmotionArray
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node
    from rclpy.qos import QoSProfile
    from sensor_msgs.msg import CameraInfo, CompressedImage

    from emotion_ros import graph
    from emotion_ros.graph import NodeSpec
    from emotion_ros.nodes.qos import LATEST_IMAGE_QOS, RESULT_QOS
    from emotion_ros.tools.runner import node_command
    node = Node('transport_probe', context=rclpy_context)
    infos: list[CameraInfo] = []
    compressed: list[CompressedImage] = []
    results: dict[str, list[EmotionArray]] = {'raw': [], 'compressed': []}
    reliable = QoSProfile(depth=100, reliability=RESULT_QOS.reliability)
    node.create_subscription(CameraInfo, 'camera_info', infos.append, reliable)
    node.create_subscription(CompressedImage, 'image_raw/compressed', compressed.append,
                             LATEST_IMAGE_QOS)
    subs = [node.create_subscription(EmotionArray, topic, results[key].append, reliable)
            for key, topic in (('raw', 'emotions'), ('compressed', 'emotions_c'))]
    executor = SingleThreadedExecutor(context=rclpy_context)
    executor.add_node(node)
    specs = _pipeline('', 'raw') + _pipeline('_c', 'compressed')
    processes = {s.name: start_process(node_command(s, PARAMS_FILE, autostart=True),
                                       tmp_path / f'{s.name}.log')
                 for s in specs}
    try:
        assert spin_until(executor, lambda: all(s.get_publisher_count() for s in subs),
                          RUN_TIMEOUT), 'the classifiers never matched'
        # 2 raw + 2 compressed pipeline subscribers + this probe's compressed subscription.
        camera = NodeSpec('camera_node', 'camera', {
            'source': str(MEDIA / 'single_face.mp4'), 'publish_compressed': True,
            'wait_for_subscribers': 5, 'start_delay': graph.DISCOVERY_SETTLE})
        processes['camera'] = start_process(node_command(camera, PARAMS_FILE, autostart=True),
                                            tmp_path / 'camera.log')
        assert spin_until(executor, lambda: processes['camera'].poll() is not None, RUN_TIMEOUT)
        spin_until(executor, lambda: False, 3.0)  # the last frames through both pipelines
    finally:
        codes = {name: stop_process(p) for name, p in processes.items()}
        node.destroy_node()
        executor.shutdown()
    report = '\n'.join(f'--- {p.name}\n{p.read_text()[-2000:]}'
                       for p in sorted(tmp_path.glob('*.log')))
    assert set(codes.values()) == {0}, f'{codes}\n{report}'
    assert '[ERROR]' not in report and 'Traceback' not in report, report
    stamps = {(m.header.stamp.sec, m.header.stamp.nanosec) for m in infos}
    assert len(stamps) == FRAMES, report
    assert compressed and {m.format for m in compressed} == {'bgr8; jpeg compressed bgr8'}
    assert all((m.header.stamp.sec, m.header.stamp.nanosec) in stamps for m in compressed)
    by_stamp = {}
    for key, arrays in results.items():
        assert len(arrays) >= FRAMES // 2, f'{key}: {len(arrays)} EmotionArrays\n{report}'
        by_stamp[key] = {(m.header.stamp.sec, m.header.stamp.nanosec): m for m in arrays}
        assert set(by_stamp[key]) <= stamps, f'{key}: an EmotionArray stamp is no frame stamp'
        assert all(m.header.frame_id == 'camera' for m in arrays)
    common = [k for k in sorted(by_stamp['raw']) if k in by_stamp['compressed']
              and by_stamp['raw'][k].emotions and by_stamp['compressed'][k].emotions]
    assert len(common) >= FRAMES // 4, f'only {len(common)} frames classified by both'
    agree, gaps = 0, []
    for key in common:
        raw, jpeg = by_stamp['raw'][key].emotions[0], by_stamp['compressed'][key].emotions[0]
        agree += raw.label == jpeg.label
        gaps.append(np.max(np.abs(np.array(raw.probabilities) - jpeg.probabilities)))
        assert abs(raw.roi.x_offset - jpeg.roi.x_offset) < 0.1 * raw.roi.width
    assert agree / len(common) >= MIN_LABEL_AGREEMENT, f'{agree} of {len(common)} labels agree'
    assert float(np.median(gaps)) <= MAX_PROBABILITY_GAP, gaps
