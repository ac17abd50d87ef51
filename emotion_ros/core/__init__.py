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
ROS-free algorithms of emotion_ros, one sub-package per concept.

- ``frames/``: images in and out, without ROS: sources, encodings and the message field codecs.
- ``faces/``: finding and following faces: detectors and the SORT tracker.
- ``model/``: the emotion model: its card, its runtimes, its labels and the classifier.
- ``emotion/``: from a tracked face to its emotion: crops, smoothing, drawing, pairing.
- ``health/``: how the stages are doing: statistics, levels and reports, memory, DDS checks.
- ``config``: the config dataclass of every stage: defaults, ranges, descriptions.
- ``config_fields``: the mechanism behind config: setting(), StageConfig, CLI options.
"""
