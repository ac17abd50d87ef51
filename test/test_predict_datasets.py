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

"""predict.py on datasets: label mapping, images at their own size, photos without a face."""

import csv
import json

import cv2
from emotion_ros.core.model.classifier import EmotionClassifier
from emotion_ros.core.model.labels import FER2013_LABELS
import numpy as np
import training_fixtures as fixtures

predict = fixtures.load_script('predict')

# A label order unlike FER2013's, without 'disgust'.
MODEL_LABELS = ('neutral', 'happy', 'sad', 'surprise', 'angry', 'fear')


def _read_predictions(path):
    with path.open(newline='') as stream:
        return list(csv.DictReader(stream))


def test_csv_classes_are_mapped_by_name_to_the_model(tmp_path, capsys):
    data = tmp_path / 'fer2013.csv'
    fixtures.write_fer_csv(data)
    model = fixtures.write_tiny_model(tmp_path / 'tiny.keras', MODEL_LABELS)
    out, rows = tmp_path / 'eval.json', tmp_path / 'predictions.csv'
    assert predict.main(['--model', str(model), '--data', str(data), '--usage', 'Training',
                         '--json', str(out), '--predictions', str(rows)]) == 0
    # The true class of each row is FER2013_LABELS[emotion], whatever the card's order.
    with data.open(newline='') as stream:
        emotion = {f'{data}:{line}': int(row[0])
                   for line, row in enumerate(csv.reader(stream), start=1) if line > 1}
    predicted = _read_predictions(rows)
    assert predicted and all(row['true'] == FER2013_LABELS[emotion[row['source']]]
                             for row in predicted)
    assert set(predicted[0]) == {'source', 'true', 'predicted'} | set(MODEL_LABELS)
    disgust = sum(1 for value in emotion.values() if value == 1)
    result = json.loads(out.read_text())
    assert result['classes'] == list(MODEL_LABELS) and result['n'] == len(predicted)
    printed = capsys.readouterr().out
    assert f'{disgust} rows of classes not in the labels:' in printed
    assert printed.count("class 'disgust' (emotion 1) is not in the labels") == min(disgust, 10)
    assert 'malformed rows' in printed


def test_crops_at_their_own_size_are_resized_once(tmp_path):
    crops = []
    for name in [still for still, _ in fixtures.LABELLED_STILLS] + ['single_face.jpg']:
        crops += fixtures.largest_crops(cv2.imread(str(fixtures.MEDIA / name)))
    assert len(crops) == 5 and all(crop.shape[:2] != (48, 48) for crop in crops)
    assert len({crop.shape for crop in crops}) > 1
    root = tmp_path / 'crops' / 'happy'
    root.mkdir(parents=True)
    for index, crop in enumerate(crops):
        cv2.imwrite(str(root / f'crop_{index}.png'), crop)  # lossless
    model = fixtures.MODELS / 'fer_mini_xception.hdf5'
    rows = tmp_path / 'predictions.csv'
    assert predict.main(['--model', str(model), '--data', str(root.parent),
                         '--predictions', str(rows), '--plot', str(tmp_path / 'cm.png')]) == 0
    classifier = EmotionClassifier.load(model)
    assert classifier.input_spec.shape == (64, 64, 1)
    expected = classifier.classify_crops(crops)
    predicted = _read_predictions(rows)
    assert [row['source'] for row in predicted] == [str(root / f'crop_{i}.png')
                                                    for i in range(len(crops))]
    probs = np.array([[float(row[label]) for label in classifier.labels] for row in predicted])
    np.testing.assert_allclose(probs, expected, rtol=0, atol=1e-6)


def test_photos_without_any_face_are_reported(tmp_path, capsys):
    capture = cv2.VideoCapture(str(fixtures.MEDIA / 'no_face.mp4'))
    frames = [capture.read()[1] for _ in range(2)]
    capture.release()
    root = tmp_path / 'photos'
    for name, frame in zip(('happy', 'sad'), frames):
        (root / name).mkdir(parents=True)
        cv2.imwrite(str(root / name / 'frame.png'), frame)
    out = tmp_path / 'eval.json'
    assert predict.main(['--model', str(fixtures.MODELS / 'fer_mini_xception.tflite'),
                         '--data', str(root), '--detect-faces', '--json', str(out)]) == 0
    printed = capsys.readouterr().out
    assert 'images: 2; classified: 0; no face found: 2' in printed
    for name in ('happy', 'sad'):
        assert f'no face: {root / name / "frame.png"}' in printed
    assert 'no face was classified' in printed
    result = json.loads(out.read_text())
    assert result['n'] == 0 and result['accuracy'] == 0.0 and result['macro_f1'] == 0.0
    assert np.asarray(result['confusion_matrix']).sum() == 0
    assert out.with_suffix('.confusion.png').is_file()
