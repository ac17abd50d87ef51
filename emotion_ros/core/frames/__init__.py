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
Images in and out, without ROS: sources, encodings and the message field codecs.

- ``sources``: frame sources over OpenCV: a V4L2 camera, a video file, a folder of images.
- ``camera_info``: camera calibration files (camera_calibration_parsers YAML).
- ``image_encodings``: the sensor_msgs/Image encodings and how their bytes are laid out.
- ``image_codec``: sensor_msgs/Image fields <-> numpy BGR, both directions.
- ``compressed_codec``: sensor_msgs/CompressedImage fields (JPEG, PNG) <-> numpy BGR.
"""
