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

"""The launch stress bench's log parsing (bench/harness/launch_run.py), on real log lines."""

from ros_helpers import bench_module

# What a listener printed when the teardown deadline ended it (stress_launch run 18).
WATCHDOG_LINE = ('[ERROR] [emotion_echo]: DDS teardown hung for more than 2 s after the work '
                 'was done (a Fast DDS lock); the process is killed (exit status -9, 128+9 in '
                 'a shell)')


def test_marked_lines_name_the_launched_process_or_the_log_owner() -> None:
    launch_run = bench_module('harness.launch_run')
    screen = '\n'.join([
        '[emotion_classifier_node-3] Traceback (most recent call last):',
        '[INFO] [launch]: All log files can be found below /tmp/x',
        '[face_tracker_node-5] [ERROR] [1796573950.1] [right.face_tracker]: DDS teardown hung',
    ])
    assert launch_run.marked_lines(screen, ('Traceback (most recent call last)',), 'launch') == {
        'emotion_classifier_node-3': 1}
    assert launch_run.marked_lines(screen, ('DDS teardown hung',), 'launch') == {
        'face_tracker_node-5': 1}
    # A process's own log level is not a launch prefix: the line is the listener's.
    assert launch_run.marked_lines(WATCHDOG_LINE + '\n{"stamp": 1.0}', ('DDS teardown hung',),
                                   'echo_left') == {'echo_left': 1}
