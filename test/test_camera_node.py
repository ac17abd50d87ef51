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

"""The camera node on an image folder: frames, stamps, camera_info, a bad file, a clean end."""

from pathlib import Path

import cv2
import pytest

from ros_helpers import node_process, REPO_ROOT, spin_until, stop_process
from test_core_camera_info import CALIBRATION_YAML

MEDIA = REPO_ROOT / 'assets' / 'media'
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
