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
The dataset readers: one module per format, the records they return, and the layouts.

- ``records``: FaceSet (faces, labels, sources), LoadReport (bad input, located) and DatasetError.
- ``fer2013_csv``: the FER2013 reader, ``fer2013.csv`` rows grouped by their Usage.
- ``class_folders``: the image-folder reader, ``<class>/*`` trees with class-name aliases.
- ``layouts``: which layout a path holds, and its training, validation and test parts.
"""
