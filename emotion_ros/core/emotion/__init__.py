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
From a tracked face to its emotion: crops, smoothing, drawing, pairing.

- ``preprocessing``: THE face preprocessing of training and inference, and normalise.
- ``alignment``: roll alignment: turn a face so that its eyes are level.
- ``smoothing``: per-track temporal smoothing of class probabilities.
- ``face_emotions``: classify every tracked face of a frame in one batch.
- ``annotate``: draw face boxes with their labels on a copy of an image.
- ``pairing``: exact-stamp pairing of images with their face lists.
- ``trust``: when an estimate can be trusted: the frontal gate and held estimates.
- ``events``: emotion-change, appeared and lost events per tracked face.
"""
