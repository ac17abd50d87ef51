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
Finding and following faces: detectors and the SORT tracker.

- ``detection``: face detectors by name (BlazeFace, Haar) and the Detection record.
- ``blazeface``: MediaPipe BlazeFace anchors, decoding and NMS on the LiteRT interpreter.
- ``tracking``: SORT multi-object tracking of face boxes.
- ``face_limits``: which faces one frame may cost: impossible boxes refused, at most max_faces.
- ``head_pose``: yaw, pitch and roll of a face from its six BlazeFace keypoints.
- ``rep155``: tracked faces as ROS4HRI (REP-155) faces: ids, regions, landmarks, expressions,
  crops.
- ``rep155_input``: another REP-155 detector's faces: ids to follow, crop checks, the face in a
  crop.
"""
