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
The camera node on an image folder and on a video paced by its reader.

The folder: frames, stamps, camera_info, a bad file, a clean end. The video: pace_ahead against a
reader that answers late.
"""

from pathlib import Path
import time

import cv2
import pytest

from ros_helpers import node_process, REPO_ROOT, spin_until, stop_process
from test_core_camera_info import CALIBRATION_YAML

MEDIA = REPO_ROOT / 'assets' / 'media'
# pace_ahead of the paced test, frames, and how far behind its stand-in pipeline answers, s: the
# camera may then send about PACE_AHEAD frames per ANSWER_LAG, a third of the video's 30 Hz.
PACE_AHEAD = 5
ANSWER_LAG = 0.5
VIDEO_FRAMES = 72  # frames of single_face.mp4
# Bound on the whole run (s).
RUN_TIMEOUT = 60.0


@pytest.mark.ros
def test_folder_source_publishes_each_image_then_exits(rclpy_context, tmp_path: Path) -> None:
    """Readable images are published in order with capture stamps; the rest is reported."""
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node
    from rclpy.qos import QoSProfile
    from sensor_msgs.msg import CameraInfo, Image

    folder = tmp_path / 'frames'
    folder.mkdir()
    for index, name in enumerate(('single_face.jpg', 'multi_face.jpg')):
        image = cv2.resize(cv2.imread(str(MEDIA / name)), (320, 240))
        cv2.imwrite(str(folder / f'{index:02d}.png'), image)
    (folder / '01b_broken.png').write_bytes(b'not a png')
    calibration = tmp_path / 'cal.yaml'
    calibration.write_text(CALIBRATION_YAML)

    node = Node('camera_probe', context=rclpy_context)
    images: list[Image] = []
    infos: list[CameraInfo] = []
    node.create_subscription(Image, 'image_raw', images.append, QoSProfile(depth=10))
    node.create_subscription(CameraInfo, 'camera_info', infos.append, QoSProfile(depth=10))
    executor = SingleThreadedExecutor(context=rclpy_context)
    executor.add_node(node)
    log = tmp_path / 'camera.log'
    camera = node_process('camera_node', log, source=str(folder), framerate=10.0,
                          frame_id='head_camera', camera_info_url=f'file://{calibration}',
                          wait_for_subscribers=1)
    try:
        assert spin_until(executor, lambda: camera.poll() is not None, RUN_TIMEOUT), \
            log.read_text()
        spin_until(executor, lambda: len(infos) >= 2, 5.0)
    finally:
        code = stop_process(camera)
        node.destroy_node()
        executor.shutdown()
    text = log.read_text()
    assert code == 0, text
    assert [(m.width, m.height, m.encoding) for m in images] == [(320, 240, 'bgr8')] * 2, text
    assert all(m.header.frame_id == 'head_camera' for m in images + infos)
    stamps = [m.header.stamp.sec + m.header.stamp.nanosec * 1e-9 for m in images]
    assert stamps[1] > stamps[0]
    assert [m.header.stamp for m in infos] == [m.header.stamp for m in images]
    assert infos[0].k[0] == pytest.approx(615.1) and infos[0].distortion_model == 'plumb_bob'
    assert '01b_broken.png' in text and 'end of' in text and 'Traceback' not in text


@pytest.mark.ros
def test_a_paced_video_waits_for_a_slow_reader_and_loses_nothing(rclpy_context,
                                                                 tmp_path: Path) -> None:
    """
    pace_ahead: a reader 0.5 s behind gets every frame of the video.

    The first frame is sent again until answered, then never more than pace_ahead frames go
    unanswered.

    The test node stands in for a starved pipeline: it answers on ``emotions`` (an EmotionArray
    with the image's header, as the classifier does) each frame only 0.5 s after it came, and
    the first frame only once it came twice.
    """
    from emotion_msgs.msg import EmotionArray
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node
    from rclpy.qos import QoSProfile
    from sensor_msgs.msg import Image

    node = Node('slow_reader', context=rclpy_context)
    received: list[tuple[float, int]] = []  # (arrival, stamp in ns)
    node.create_subscription(Image, 'image_raw', lambda m: received.append(
        (time.monotonic(), m.header.stamp.sec * 10**9 + m.header.stamp.nanosec)),
        QoSProfile(depth=100))
    answers = node.create_publisher(EmotionArray, 'emotions', QoSProfile(depth=10))
    executor = SingleThreadedExecutor(context=rclpy_context)
    executor.add_node(node)
    answered: set[int] = set()
    worst_ahead = 0

    def answer_due() -> bool:
        nonlocal worst_ahead
        distinct = list(dict.fromkeys(stamp for _, stamp in received))
        if len(distinct) == 1 and len(received) < 2:
            return False  # the first frame: answered only once it came again
        due = [stamp for arrival, stamp in received
               if time.monotonic() - arrival >= ANSWER_LAG or len(distinct) == 1]
        if due:
            answered.add(due[-1])
            msg = EmotionArray()
            msg.header.stamp.sec, msg.header.stamp.nanosec = divmod(due[-1], 10**9)
            answers.publish(msg)
        last = max((distinct.index(s) for s in answered), default=-1)
        worst_ahead = max(worst_ahead, len(distinct) - 1 - last if answered else 0)
        return camera.poll() is not None

    log = tmp_path / 'camera.log'
    camera = node_process('camera_node', log, source=str(MEDIA / 'single_face.mp4'),
                          wait_for_subscribers=1, pace_ahead=PACE_AHEAD)
    try:
        assert spin_until(executor, answer_due, RUN_TIMEOUT), log.read_text()
    finally:
        code = stop_process(camera)
        node.destroy_node()
        executor.shutdown()
    text = log.read_text()
    assert code == 0 and f'after {VIDEO_FRAMES} frames' in text, text
    stamps = [stamp for _, stamp in received]
    distinct = list(dict.fromkeys(stamps))
    assert len(distinct) == VIDEO_FRAMES and distinct == sorted(distinct), 'every frame, in order'
    assert stamps[:2] == [distinct[0]] * 2, 'the first frame again before the second'
    assert worst_ahead <= PACE_AHEAD, worst_ahead
    # Paced, the video took longer than its 2.4 s: about PACE_AHEAD frames per ANSWER_LAG.
    assert received[-1][0] - received[0][0] > VIDEO_FRAMES / 30.0 * 2
    assert 'playing on' not in text and 'Traceback' not in text, text
