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

"""The face-tracker node publishes BlazeFace keypoints and head pose in emotion_msgs/Face (DDS)."""

import math

import pytest

from ros_helpers import node_process, REPO_ROOT, spin_until, stop_process

# Node start-up plus discovery plus min_hits frames, generous for a loaded machine (s).
TIMEOUT = 90.0
# Ear tragions sit on the face outline: allowed this fraction of the box outside it.
EAR_SLACK = 0.15


def _faces_for(rclpy_context, tmp_path, image_name: str, **parameters):
    """Start the tracker, publish a real photo until faces come back, return them."""
    import cv2
    from emotion_msgs.msg import FaceArray
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node
    from sensor_msgs.msg import Image

    from emotion_ros.conversions import bgr_to_imgmsg
    from emotion_ros.nodes.qos import RESULT_QOS

    bgr = cv2.imread(str(REPO_ROOT / 'assets' / 'media' / image_name))
    assert bgr is not None, f'{image_name} missing: run scripts/fetch_assets.py'
    node = Node('keypoint_probe', context=rclpy_context)
    images = node.create_publisher(Image, 'image_raw', 10)
    received: list = []
    node.create_subscription(FaceArray, 'faces', received.append, RESULT_QOS)
    executor = SingleThreadedExecutor(context=rclpy_context)
    executor.add_node(node)
    log = tmp_path / 'tracker.log'
    tracker = node_process('face_tracker_node', log, **parameters)
    sec = 0

    def publish_and_check() -> bool:
        nonlocal sec
        sec += 1
        msg = bgr_to_imgmsg(bgr)
        msg.header.stamp.sec = sec
        msg.header.frame_id = 'camera'
        images.publish(msg)
        spin_until(executor, lambda: False, 0.1)
        return any(array.faces for array in received)

    try:
        assert spin_until(executor, lambda: images.get_subscription_count() > 0, TIMEOUT), \
            log.read_text()
        assert spin_until(executor, publish_and_check, TIMEOUT), log.read_text()
    finally:
        code = stop_process(tracker)
        node.destroy_node()
        executor.shutdown()
    assert code == 0, log.read_text()
    return next(array for array in received if array.faces).faces


@pytest.mark.ros
def test_blazeface_keypoints_arrive_inside_the_face_box(rclpy_context, tmp_path) -> None:
    """Six keypoints per face, in the documented order, eyes/nose/mouth inside the roi."""
    from emotion_msgs.msg import Face

    faces = _faces_for(rclpy_context, tmp_path, 'single_face.jpg')
    assert len(faces) == 1
    face = faces[0]
    assert len(face.keypoints) == Face.NUM_KEYPOINTS == 6
    x0, y0 = face.roi.x_offset, face.roi.y_offset
    x1, y1 = x0 + face.roi.width, y0 + face.roi.height
    for index in (Face.KEYPOINT_RIGHT_EYE, Face.KEYPOINT_LEFT_EYE, Face.KEYPOINT_NOSE_TIP,
                  Face.KEYPOINT_MOUTH):
        point = face.keypoints[index]
        assert x0 <= point.x <= x1 and y0 <= point.y <= y1, (index, point, face.roi)
        assert point.z == 0.0
    slack = EAR_SLACK * face.roi.width
    for index in (Face.KEYPOINT_RIGHT_EAR_TRAGION, Face.KEYPOINT_LEFT_EAR_TRAGION):
        point = face.keypoints[index]
        assert x0 - slack <= point.x <= x1 + slack and y0 <= point.y <= y1, (index, point)
    points = face.keypoints
    # The person's right eye is on the image's left; eyes above the nose, nose above the mouth.
    assert points[Face.KEYPOINT_RIGHT_EYE].x < points[Face.KEYPOINT_NOSE_TIP].x < \
        points[Face.KEYPOINT_LEFT_EYE].x
    assert max(points[Face.KEYPOINT_RIGHT_EYE].y, points[Face.KEYPOINT_LEFT_EYE].y) < \
        points[Face.KEYPOINT_NOSE_TIP].y < points[Face.KEYPOINT_MOUTH].y
    # The head pose comes with them: this face looks into the lens.
    assert abs(face.yaw) < 10.0 and abs(face.pitch) < 15.0 and abs(face.roll) < 10.0, face


@pytest.mark.ros
def test_a_turned_head_is_published_with_its_yaw(rclpy_context, tmp_path) -> None:
    """The 45-degree still (head turned to the person's right) arrives with yaw < -25."""
    faces = _faces_for(rclpy_context, tmp_path, '45-m7-di-ph.jpg')
    assert len(faces) == 1 and faces[0].yaw < -25.0, faces


@pytest.mark.ros
def test_haar_faces_have_no_keypoints(rclpy_context, tmp_path) -> None:
    """A detector without landmarks gives an empty keypoints list, not made-up points."""
    faces = _faces_for(rclpy_context, tmp_path, 'single_face.jpg', detector='haar')
    assert faces and all(len(face.keypoints) == 0 for face in faces)
    assert all(math.isnan(v) for face in faces for v in (face.yaw, face.pitch, face.roll))
