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
The emotion model: its card, its runtimes, its labels and the classifier.

- ``model_card``: the JSON card beside a model: labels, input size and normalisation.
- ``backends``: model runtimes by file suffix (Keras, LiteRT, ONNX).
- ``classifier``: emotion classification of face crops with a model file and its card.
- ``labels``: the emotion label vocabulary and index <-> label helpers.
- ``valence_arousal``: valence and arousal as the probability-weighted mean of class points.
"""
