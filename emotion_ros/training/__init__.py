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
ROS-free training library behind the scripts in ``training/``; TensorFlow is imported lazily.

- ``datasets/``: the dataset readers (FER2013 CSV, image folders), their records and layouts.
- ``splits``: train/validation/test splits (stratified or by subject) and class weights.
- ``architectures``: the CNN architectures by name (the original seed CNN, small).
- ``pipeline``: the tf.data input pipeline and augmentation shared by every architecture.
- ``trainer``: one training run, from the data to the run directory; resume.
- ``finetune``: ``--init``: start from a model and its card, add classes, freeze layers.
- ``progress``: Keras callbacks for the progress bar and the resume state.
- ``evaluation``: a model with its card on a labelled test set or on photographs.
- ``reporting``: metrics, classification report, confusion matrix and curve plots.
- ``card_writer``: the model card of a trained model.
- ``distribution``: ``--strategy`` (mirrored, multi-worker) and ``--mixed-precision``.
- ``tflite_export``: float TFLite export checked against Keras; full-integer (int8) export.
- ``onnx_export``: ONNX export (Keras' exporter, tf2onnx), checked against Keras.
- ``command_line``: what the three scripts share: parser, one-line errors, exit status.
"""
