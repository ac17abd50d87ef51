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

"""Node parameters come from the stage configs: whole numbers for floats, ranges, descriptions."""

from pathlib import Path

from emotion_ros.graph import NodeSpec
from emotion_ros.tools.runner import node_command
import pytest
from ros_helpers import node_process, start_process, stop_process, wait_for_log

pytestmark = pytest.mark.ros
# A node with TensorFlow-free imports starts in a few seconds; generous on a loaded machine (s).
START_TIMEOUT = 60.0


def test_whole_numbers_are_accepted_where_floats_are_declared(ros_domain, tmp_path: Path):
    """`-p smoothing:=0` and `crop_margins: [0, 1]` in a params file start the classifier."""
    params = tmp_path / 'params.yaml'
    params.write_text('/**:\n  ros__parameters:\n    crop_margins: [0, 1]\n'
                      '    detection_scale: 1\n')
    log = tmp_path / 'classifier.log'
    classifier = start_process(node_command(
        NodeSpec('emotion_classifier_node', 'emotion_classifier', {'smoothing': 0}),
        str(params), autostart=True), log)
    tracker_log = tmp_path / 'tracker.log'
    tracker = start_process(
        node_command(NodeSpec('face_tracker_node', 'face_tracker', {'iou_threshold': 1}),
                     str(params), autostart=True), tracker_log)
    try:
        assert wait_for_log(log, 'model ', START_TIMEOUT), log.read_text()
        assert wait_for_log(tracker_log, 'tracking faces with', START_TIMEOUT), \
            tracker_log.read_text()
    finally:
        codes = stop_process(classifier), stop_process(tracker)
    for text in (log.read_text(), tracker_log.read_text()):
        assert 'refused' not in text and 'Traceback' not in text, text
    assert codes == (0, 0)


@pytest.mark.parametrize('executable, parameters, expected', [
    ('emotion_classifier_node', {'smoothing': 1}, 'smoothing=1 refused: must be < 1'),
    ('emotion_classifier_node', {'crop_margins': [0.1, -0.1]}, 'crop_margins'),
    ('face_tracker_node', {'min_hits': 0}, 'min_hits out of range'),
    ('face_tracker_node', {'image_transport': 'theora'}, 'image_transport'),
    ('emotion_classifier_node', {'image_transport': 'jpeg'}, 'image_transport'),
    ('camera_node', {'jpeg_quality': 0}, 'jpeg_quality'),
    ('camera_node', {'compressed_format': 'webp'}, 'compressed_format'),
])
def test_out_of_range_values_are_refused_with_the_reason(ros_domain, tmp_path: Path,
                                                         executable: str, parameters: dict,
                                                         expected: str) -> None:
    log = tmp_path / 'node.log'
    process = node_process(executable, log, **parameters)
    try:
        assert process.wait(START_TIMEOUT) == 1, log.read_text()
    finally:
        stop_process(process)  # a node that wrongly started must not outlive the test
    text = log.read_text()
    assert expected in text and 'Traceback' not in text, text


def test_a_value_of_the_wrong_type_in_yaml_is_refused(ros_domain, tmp_path: Path) -> None:
    params = tmp_path / 'params.yaml'
    params.write_text('/**:\n  ros__parameters:\n    smoothing: high\n')
    log = tmp_path / 'node.log'
    process = start_process(node_command(
        NodeSpec('emotion_classifier_node', 'emotion_classifier'), str(params),
        autostart=True), log)
    try:
        assert process.wait(START_TIMEOUT) == 1, log.read_text()
    finally:
        stop_process(process)  # a node that wrongly started must not outlive the test
    text = log.read_text()
    assert "smoothing='high' refused: must be a float" in text and 'Traceback' not in text, text
