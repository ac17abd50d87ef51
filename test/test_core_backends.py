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
The backend registry and the ONNX backend, on real face crops.

The ONNX models are built here with the ``onnx`` helper (test/onnx_models.py): a FER+-shaped
one (8 classes with contempt, 64x64 grey, channels first, raw pixels, logits, batch fixed at 1)
and variants (channels last, 3 channels, dynamic batch, softmax inside). Each result is checked
against the same model computed in numpy, so a wrong layout, scaling or class order fails.
"""

from pathlib import Path

import cv2
from emotion_ros.core.config import DetectorConfig
from emotion_ros.core.emotion.face_emotions import FaceEmotionEstimator
from emotion_ros.core.emotion.preprocessing import crop_face, preprocess_faces
from emotion_ros.core.emotion.smoothing import ProbabilitySmoother
from emotion_ros.core.faces.detection import make_detector
from emotion_ros.core.model.backends import BACKENDS, KerasBackend, OnnxBackend, TfliteBackend
from emotion_ros.core.model.classifier import EmotionClassifier, ModelLoadError, SUPPORTED_SUFFIXES
from emotion_ros.core.model.model_card import card_path_for, InputSpec, load_card, ModelCard, \
    save_card
import numpy as np
from onnx_models import FERPLUS_LABELS, reference, write_onnx_model
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
GROUP_PHOTO = REPO_ROOT / 'assets' / 'media' / 'multi_face.jpg'
FIVE_LABELS = ('angry', 'happy', 'sad', 'surprise', 'neutral')

pytest.importorskip('onnx')
pytest.importorskip('onnxruntime')


@pytest.fixture(scope='module')
def face_crops() -> list[np.ndarray]:
    """Return the five real faces of the group photo, cropped with a 0.1 margin."""
    image = cv2.imread(str(GROUP_PHOTO))
    assert image is not None, f'{GROUP_PHOTO}: run scripts/fetch_assets.py'
    boxes = [(d.x, d.y, d.w, d.h) for d in make_detector(DetectorConfig()).detect(image)]
    assert len(boxes) == 5
    return [crop_face(image, box, 0.1) for box in boxes]


def test_registry_maps_every_suffix() -> None:
    """One backend class per suffix; the classifier supports exactly the registered ones."""
    assert BACKENDS == {'.keras': KerasBackend, '.h5': KerasBackend, '.hdf5': KerasBackend,
                        '.tflite': TfliteBackend, '.onnx': OnnxBackend}
    assert set(SUPPORTED_SUFFIXES) == set(BACKENDS)


def test_ferplus_shaped_model(tmp_path: Path, face_crops: list[np.ndarray]) -> None:
    """8 classes, channels first, raw pixels, logits, batch of 1: the numpy result, per face."""
    model = write_onnx_model(tmp_path / 'ferplus.onnx')
    clf = EmotionClassifier.load(model)
    assert clf.backend == 'onnx' and clf.labels == FERPLUS_LABELS
    assert clf.input_spec == InputSpec(64, 64, 1, 'none')
    assert clf.outputs_logits, 'logits must get a softmax'
    batch = preprocess_faces(face_crops, clf.input_spec)
    assert batch.max() > 1.0, "'none' keeps the 0..255 pixel scale"
    probs = clf.predict(batch)  # five faces through a model that takes one at a time
    assert probs.shape == (5, 8)
    np.testing.assert_allclose(probs, reference(batch), atol=1e-5)
    assert len(set(probs.argmax(axis=1))) > 1, 'the faces must not all look alike to it'


@pytest.mark.parametrize('channels, channels_first, batch', [
    (3, True, None),    # BGR channels first: the transpose matters
    (3, False, None),   # channels last, as exported from Keras
    (1, False, 1),      # grey channels last with a fixed batch of 1
])
def test_layouts_and_batches(tmp_path: Path, face_crops: list[np.ndarray], channels: int,
                             channels_first: bool, batch: int | None) -> None:
    """Other layouts, channel counts and a 5-class model give the numpy result."""
    model = write_onnx_model(tmp_path / 'm.onnx', labels=FIVE_LABELS, size=48,
                             channels=channels, channels_first=channels_first, batch=batch,
                             normalisation='unit', softmax=True, seed=3)
    clf = EmotionClassifier.load(model)
    assert not clf.outputs_logits, 'a softmax inside the model is not applied twice'
    faces = preprocess_faces(face_crops, clf.input_spec)
    expected = reference(faces, FIVE_LABELS, channels_first=channels_first, seed=3)
    np.testing.assert_allclose(clf.predict(faces), expected, atol=1e-5)
    np.testing.assert_allclose(clf.predict(faces[:1]), expected[:1], atol=1e-5)


def test_estimator_averages_views_with_onnx(tmp_path: Path) -> None:
    """The shared estimator runs an 8-class ONNX model: 8 probabilities, the views' mean."""
    image = cv2.imread(str(GROUP_PHOTO))
    box = make_detector(DetectorConfig()).detect(image)[0]
    box = (box.x, box.y, box.w, box.h)
    clf = EmotionClassifier.load(write_onnx_model(tmp_path / 'ferplus.onnx'))
    estimator = FaceEmotionEstimator(clf, ProbabilitySmoother(0.0), (0.0, 0.2), mirror=True)
    result = estimator.estimate(image, [(4, box)])[0][0]
    views = preprocess_faces([crop_face(image, box, m) for m in (0.0, 0.2)], clf.input_spec)
    views = np.concatenate([views, views[:, :, ::-1]])
    np.testing.assert_allclose(result.probabilities, reference(views).mean(axis=0), atol=1e-5)
    assert result.label == FERPLUS_LABELS[int(result.probabilities.argmax())]


def test_onnx_input_size_differs_from_card(tmp_path: Path) -> None:
    """A card that says 48x48 for a 64x64 model is refused, naming the file and both shapes."""
    model = write_onnx_model(tmp_path / 'ferplus.onnx')
    card = load_card(card_path_for(model))
    save_card(ModelCard(card.name, card.labels, InputSpec(48, 48, 1, 'none')),
              card_path_for(model))
    with pytest.raises(ModelLoadError) as info:
        EmotionClassifier.load(model)
    assert str(model) in str(info.value) and 'input shape' in str(info.value)
    assert '48, 48, 1' in str(info.value)


def test_onnx_class_count_differs_from_card(tmp_path: Path) -> None:
    """A 7-label card for the 8-output FER+ model is refused."""
    model = write_onnx_model(tmp_path / 'ferplus.onnx')
    card = load_card(card_path_for(model))
    save_card(ModelCard(card.name, card.labels[:7], card.input), card_path_for(model))
    with pytest.raises(ModelLoadError) as info:
        EmotionClassifier.load(model)
    assert str(model) in str(info.value) and '7 labels' in str(info.value)


def test_onnx_integer_input_refused(tmp_path: Path) -> None:
    """A model that takes uint8 pixels is refused with the reason, not run on floats."""
    import onnx
    from onnx import helper, TensorProto

    graph = helper.make_graph(
        [helper.make_node('Cast', ['pixels'], ['scores'], to=TensorProto.FLOAT)], 'cast',
        [helper.make_tensor_value_info('pixels', TensorProto.UINT8, ['N', 64, 64, 1])],
        [helper.make_tensor_value_info('scores', TensorProto.FLOAT, ['N', 64, 64, 1])])
    model = tmp_path / 'uint8.onnx'
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)],
                                ir_version=7), str(model))
    save_card(ModelCard('u', FERPLUS_LABELS, InputSpec(64, 64, 1, 'none')),
              card_path_for(model))
    with pytest.raises(ModelLoadError) as info:
        EmotionClassifier.load(model)
    assert str(model) in str(info.value) and 'tensor(uint8)' in str(info.value)
