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

"""Errors a user can read, with real nodes: params files, throttled bad input, camera logs."""

from pathlib import Path
import subprocess

import cv2
import pytest
from ros_helpers import executable, node_process, REPO_ROOT, spin_until, stop_process
from ros_helpers import wait_for_log

MEDIA = REPO_ROOT / 'assets' / 'media'
# Bound on a node's start-up and on any single run (s).
START_TIMEOUT = 60.0
# How long bad images are sent to the tracker: within one throttle period (s).
BAD_STREAM_TIME = 3.0


@pytest.mark.ros
def test_runner_refuses_a_missing_params_file_before_starting(ros_domain, tmp_path) -> None:
    """emotion_run --params-file /nope.yaml: one line naming it, exit 2, nothing started."""
    missing = tmp_path / 'nope.yaml'
    result = subprocess.run([str(executable('emotion_run')), '--params-file', str(missing)],
                            capture_output=True, text=True, timeout=START_TIMEOUT)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        f'[emotion_run] params file {missing} does not exist or is not readable']


@pytest.mark.ros
@pytest.mark.parametrize('node', ['camera_node', 'face_tracker_node', 'emotion_classifier_node'])
def test_node_refuses_a_missing_params_file_in_one_line(ros_domain, tmp_path, node) -> None:
    """A node started with --params-file /nope.yaml: one line naming the file, exit 1."""
    missing = tmp_path / 'nope.yaml'
    result = subprocess.run(
        [str(executable(node)), '--ros-args', '--params-file', str(missing)],
        capture_output=True, text=True, timeout=START_TIMEOUT)
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert result.returncode == 1, lines
    assert len(lines) == 1 and str(missing) in lines[0] and 'cannot start' in lines[0], lines


@pytest.mark.ros
def test_node_refuses_a_broken_params_file_without_traceback(ros_domain, tmp_path) -> None:
    """A params file rcl cannot parse stops the node with its reason, not an RCLError trace."""
    broken = tmp_path / 'broken.yaml'
    broken.write_text('/**:\n  ros__parameters:\n    smoothing: [0.5\n')
    result = subprocess.run(
        [str(executable('camera_node')), '--ros-args', '--params-file', str(broken)],
        capture_output=True, text=True, timeout=START_TIMEOUT)
    text = result.stdout + result.stderr
    assert result.returncode == 1, text
    assert 'cannot start' in text and 'broken.yaml' in text, text
    assert 'Traceback' not in text and 'RCLError' not in text, text


@pytest.mark.ros
def test_tracker_logs_a_varying_fault_once_per_period(rclpy_context, tmp_path) -> None:
    """Short data of a different length on every frame: one error line, not one per frame."""
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node
    from sensor_msgs.msg import Image

    node = Node('bad_stream_probe', context=rclpy_context)
    publisher = node.create_publisher(Image, 'image_raw', 10)
    executor = SingleThreadedExecutor(context=rclpy_context)
    executor.add_node(node)
    log = tmp_path / 'tracker.log'
    tracker = node_process('face_tracker_node', log)
    sent = 0

    def send_bad() -> bool:
        nonlocal sent
        sent += 1
        msg = Image(encoding='bgr8', width=640, height=480, step=1920, data=bytes(sent * 10))
        msg.header.stamp.sec = sent
        publisher.publish(msg)
        return False

    try:
        assert spin_until(executor, lambda: publisher.get_subscription_count() > 0,
                          START_TIMEOUT), log.read_text()
        assert spin_until(executor, lambda: send_bad() or 'less than step' in log.read_text(),
                          START_TIMEOUT), log.read_text()
        spin_until(executor, send_bad, BAD_STREAM_TIME)  # ~60 more frames, each text new
        alive = tracker.poll() is None
    finally:
        code = stop_process(tracker)
        node.destroy_node()
        executor.shutdown()
    text = log.read_text()
    assert alive and code == 0, text
    assert sent > 30, sent
    assert text.count('less than step') == 1, text


@pytest.mark.ros
def test_camera_skips_a_truncated_jpeg_once_through_its_logger(rclpy_context, tmp_path) -> None:
    """A cut JPEG in a looping folder: one node-logger warning, never published, no libjpeg."""
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node
    from rclpy.qos import QoSProfile
    from sensor_msgs.msg import Image

    folder = tmp_path / 'frames'
    folder.mkdir()
    face = cv2.imread(str(MEDIA / 'single_face.jpg'))
    cv2.imwrite(str(folder / 'a.jpg'), cv2.resize(face, (320, 240)))
    cv2.imwrite(str(folder / 'c.jpg'), cv2.resize(face, (320, 240)))
    whole = cv2.imencode('.jpg', cv2.resize(face, (200, 150)))[1].tobytes()
    (folder / 'b_cut.jpg').write_bytes(whole[:len(whole) * 2 // 3])

    node = Node('camera_probe', context=rclpy_context)
    images: list = []
    node.create_subscription(Image, 'image_raw', images.append, QoSProfile(depth=10))
    executor = SingleThreadedExecutor(context=rclpy_context)
    executor.add_node(node)
    log = tmp_path / 'camera.log'
    camera = node_process('camera_node', log, source=str(folder), loop=True, framerate=20.0,
                          wait_for_subscribers=1)
    try:
        # Three times round the folder.
        assert spin_until(executor, lambda: len(images) >= 6, START_TIMEOUT), log.read_text()
    finally:
        code = stop_process(camera)
        node.destroy_node()
        executor.shutdown()
    text = log.read_text()
    assert code == 0, text
    assert {(m.width, m.height) for m in images} == {(320, 240)}, 'the cut image was published'
    skips = [line for line in text.splitlines() if 'skipping unreadable image' in line]
    assert len(skips) == 1, text
    assert '[camera]' in skips[0] and 'b_cut.jpg' in skips[0] and 'truncated' in skips[0]
    assert 'Premature end of JPEG' not in text, text
    assert text.count('publishing') == 1 and 'Traceback' not in text, text


@pytest.mark.ros
def test_missing_camera_does_not_claim_to_publish(ros_domain, tmp_path: Path) -> None:
    """'/dev/video9 does not exist; retrying', and no 'publishing' while no frame flows."""
    log = tmp_path / 'camera.log'
    camera = node_process('camera_node', log, video_device='/dev/video9', reconnect_interval=0.2)
    try:
        # Before the fix, 'publishing camera /dev/video9 at 30.0 Hz' came right after this.
        assert wait_for_log(log, 'camera /dev/video9 does not exist; retrying', START_TIMEOUT), \
            log.read_text()
    finally:
        code = stop_process(camera)
    text = log.read_text()
    assert code == 0, text
    assert 'publishing' not in text, text
