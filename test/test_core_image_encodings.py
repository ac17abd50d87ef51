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
Every colour and grey sensor_msgs encoding, built from a real face photo, decodes to BGR.

Frames are built here independently of the codec where that can be done (OpenCV's forward
conversions, Bayer mosaics sampled by hand from the colour letters of each ROS name), so a
mistake in the codec's table shows as a wrong picture, not as a self-consistent round trip.
"""

from pathlib import Path

import cv2
from emotion_ros.core.frames.image_codec import decode_image, encode_image, ImageEncodingError
from emotion_ros.core.frames.image_encodings import layout_of, SUPPORTED_ENCODINGS
import numpy as np
import pytest

MEDIA = Path(__file__).resolve().parent.parent / 'assets' / 'media'
MODELS = Path(__file__).resolve().parent.parent / 'assets' / 'models'
# The photo scaled to an even size (NV12 and UYVY need one), pixels.
SIZE = (640, 428)
# Mean absolute error bounds of a decoded frame against the photo, per family (0..255).
MAX_ERROR = {'yuv': 1.5, 'bayer': 4.0}
# A Bayer frame read with a wrong pattern name is at least this many times further off.
WRONG_PATTERN_FACTOR = 3.0
MIN_IOU = 0.8  # each face box from an encoding against the one from bgr8
MIN_LABEL_MARGIN = 0.2  # bgr8 top class ahead of the second by this: its label must hold
MAX_PROBABILITY_GAP = 0.2  # largest class probability difference against bgr8
RNG_SEED = 20261203
_CHANNEL = {'B': 0, 'G': 1, 'R': 2}
# OpenCV's BGR -> encoding conversions for the packed encodings, written out by name (not
# taken from the codec's table, so a wrong entry there shows). None: the BGR photo as it is.
_FORWARD = {
    'bgr8': None, '8UC3': None, 'bgr16': None,
    'rgb8': cv2.COLOR_BGR2RGB, 'rgb16': cv2.COLOR_BGR2RGB,
    'bgra8': cv2.COLOR_BGR2BGRA, '8UC4': cv2.COLOR_BGR2BGRA, 'bgra16': cv2.COLOR_BGR2BGRA,
    'rgba8': cv2.COLOR_BGR2RGBA, 'rgba16': cv2.COLOR_BGR2RGBA,
    'mono8': cv2.COLOR_BGR2GRAY, '8UC1': cv2.COLOR_BGR2GRAY, 'mono16': cv2.COLOR_BGR2GRAY,
    'yuyv': cv2.COLOR_BGR2YUV_YUY2, 'yuv422_yuy2': cv2.COLOR_BGR2YUV_YUY2,
    'uyvy': cv2.COLOR_BGR2YUV_UYVY, 'yuv422': cv2.COLOR_BGR2YUV_UYVY,
}


@pytest.fixture(scope='module')
def photo() -> np.ndarray:
    """Return multi_face.jpg (five faces) scaled to SIZE, BGR."""
    image = cv2.imread(str(MEDIA / 'multi_face.jpg'))
    assert image is not None, 'run make setup: assets/media is missing'
    return cv2.resize(image, SIZE, interpolation=cv2.INTER_AREA)


def _bayer(bgr: np.ndarray, pattern: str) -> np.ndarray:
    """Sample ``bgr`` through the colour filter named by ``pattern``, e.g. 'RGGB'."""
    mosaic = np.empty(bgr.shape[:2], np.uint8)
    for index, letter in enumerate(pattern):
        row, column = divmod(index, 2)
        mosaic[row::2, column::2] = bgr[row::2, column::2, _CHANNEL[letter]]
    return mosaic


def _yuv420(bgr: np.ndarray, v_first: bool) -> np.ndarray:
    """Build NV12 (or NV21) from OpenCV's I420 planes: Y, then interleaved U, V."""
    height, width = bgr.shape[:2]
    i420 = cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV_I420)
    chroma = i420[height:].reshape(2, -1)
    first, second = (chroma[1], chroma[0]) if v_first else (chroma[0], chroma[1])
    uv = np.stack([first, second], axis=1).reshape(height // 2, width)
    return np.vstack([i420[:height], uv])


def _frame(bgr: np.ndarray, encoding: str) -> np.ndarray:
    """
    Return the rows of ``bgr`` in ``encoding`` as a 2-D uint8 array (rows x row bytes).

    Built without the codec except for nv24, which OpenCV cannot write.
    """
    height = bgr.shape[0]
    if encoding.startswith('bayer_'):
        pixels = _bayer(bgr, encoding[6:10].upper())
    elif encoding in ('nv12', 'nv21'):
        return _yuv420(bgr, encoding == 'nv21')
    elif encoding == 'nv24':
        _, _, step, data = encode_image(bgr, 'nv24')
        return np.frombuffer(data, np.uint8).reshape(-1, step)
    else:
        code = _FORWARD[encoding]
        pixels = bgr if code is None else cv2.cvtColor(bgr, code)
    if encoding.endswith('16'):
        pixels = pixels.astype('<u2') * np.uint16(257)  # full-range 16-bit, little-endian
    return np.ascontiguousarray(pixels).view(np.uint8).reshape(height, -1)


def _reference(bgr: np.ndarray, encoding: str) -> np.ndarray:
    """Return what decoding should give back: the photo, or its grey for mono encodings."""
    if layout_of(encoding).family == 'mono':
        return cv2.cvtColor(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    return bgr


def _max_error(encoding: str) -> float:
    family = layout_of(encoding).family
    if family.startswith('bayer'):
        return MAX_ERROR['bayer']
    if family in ('yuyv', 'uyvy', 'nv12', 'nv21', 'nv24'):
        return MAX_ERROR['yuv']
    return 0.0  # lossless: channel order, alpha, 16-bit scaling


def _decode(encoding: str, rows: np.ndarray, height: int, width: int) -> np.ndarray:
    return decode_image(encoding, height, width, rows.shape[1], rows.tobytes())


def _mae(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(np.abs(a.astype(np.int16) - b.astype(np.int16))))


@pytest.mark.parametrize('encoding', SUPPORTED_ENCODINGS)
def test_every_encoding_decodes_close_to_the_photo(photo, encoding) -> None:
    height, width = photo.shape[:2]
    decoded = _decode(encoding, _frame(photo, encoding), height, width)
    assert decoded.shape == photo.shape and decoded.dtype == np.uint8
    assert _mae(decoded, _reference(photo, encoding)) <= _max_error(encoding), encoding


@pytest.mark.parametrize('encoding', SUPPORTED_ENCODINGS)
def test_encode_writes_what_a_driver_would(photo, encoding) -> None:
    """The camera's forward conversion gives the bytes built here by hand or by OpenCV."""
    height, width, step, data = encode_image(photo, encoding)
    expected = _frame(photo, encoding)
    assert (height, width, step) == (photo.shape[0], photo.shape[1], expected.shape[1])
    assert data == expected.tobytes()


@pytest.mark.parametrize('pattern', ['RGGB', 'BGGR', 'GBRG', 'GRBG'])
def test_bayer_names_map_to_the_right_opencv_pattern(photo, pattern) -> None:
    """Read with its own name a mosaic is close; with any other it is far off (swapped)."""
    height, width = photo.shape[:2]
    mosaic = _bayer(photo, pattern)
    errors = {name: _mae(decode_image(f'bayer_{name.lower()}8', height, width, width,
                                      mosaic.tobytes()), photo)
              for name in ('RGGB', 'BGGR', 'GBRG', 'GRBG')}
    own = errors.pop(pattern)
    assert own <= MAX_ERROR['bayer'], errors
    assert min(errors.values()) >= WRONG_PATTERN_FACTOR * own, (own, errors)


def test_nv24_and_nv12_of_one_frame_look_alike(photo) -> None:
    """nv24 is converted with the matrix OpenCV uses for nv12 (BT.601, limited range)."""
    height, width = photo.shape[:2]
    nv24 = _decode('nv24', _frame(photo, 'nv24'), height, width)
    nv12 = _decode('nv12', _frame(photo, 'nv12'), height, width)
    assert _mae(nv24, nv12) <= MAX_ERROR['yuv']


@pytest.mark.parametrize('encoding', SUPPORTED_ENCODINGS)
@pytest.mark.parametrize('padding', [5, 64])
def test_padded_rows_decode_like_unpadded(photo, encoding, padding) -> None:
    """``step`` larger than a row (odd, too, which misaligns 16-bit rows) is honoured."""
    image = photo[:100, :200]
    height, width = image.shape[:2]
    rows = _frame(image, encoding)
    expected = _decode(encoding, rows, height, width)
    if encoding == 'nv24':
        # The chroma rows are twice the Y rows' step: pad both planes to a new step.
        step = width + padding
        padded = np.full((3 * height, step), 0xEE, np.uint8)
        padded[:height, :width] = rows[:height]
        chroma = padded[height:].reshape(height, 2 * step)
        chroma[:, :2 * width] = rows[height:].reshape(height, 2 * width)
    else:
        padded = np.full((rows.shape[0], rows.shape[1] + padding), 0xEE, np.uint8)
        padded[:, :rows.shape[1]] = rows
    assert np.array_equal(_decode(encoding, padded, height, width), expected)


def test_16_bit_is_scaled_like_cv_bridge() -> None:
    """cv_bridge's convertTo(255 / 65535) rounds value / 257; value >> 8 would differ."""
    values = np.array([0, 128, 129, 255, 256, 385, 32895, 32896, 65407, 65535], '<u2')
    decoded = decode_image('mono16', 1, values.size, 2 * values.size, values.tobytes())
    expected = np.round(values / 257.0).astype(np.uint8)
    assert decoded[0, :, 0].tolist() == expected.tolist()
    assert decoded[0, :, 0].tolist() != (values >> 8).tolist()


@pytest.mark.parametrize('encoding', ['mono16', 'bgr16', 'rgba16', 'bayer_grbg16'])
def test_big_endian_16_bit(encoding) -> None:
    """is_bigendian is honoured; values differ in their two bytes so a swap would show."""
    rng = np.random.default_rng(RNG_SEED)
    channels = layout_of(encoding).channels
    values = rng.integers(0, 65536, (6, 8 * channels), dtype=np.uint16)
    little = decode_image(encoding, 6, 8, 16 * channels, values.astype('<u2').tobytes())
    big = decode_image(encoding, 6, 8, 16 * channels, values.astype('>u2').tobytes(),
                       is_bigendian=True)
    assert np.array_equal(little, big)
    misread = decode_image(encoding, 6, 8, 16 * channels, values.astype('>u2').tobytes())
    assert not np.array_equal(misread, little)


def test_passthrough_bgr_shares_memory_with_the_message() -> None:
    """8UC3 (cv_bridge passthrough of a BGR image) is read as bgr8: a view, no copy."""
    buffer = bytearray(np.arange(4 * 6 * 3, dtype=np.uint8).tobytes())
    for encoding in ('bgr8', '8UC3'):
        decoded = decode_image(encoding, 4, 6, 18, buffer)
        assert np.shares_memory(decoded, np.frombuffer(buffer, np.uint8))


@pytest.mark.parametrize('encoding, width, height, message', [
    ('nv12', 641, 480, 'nv12 needs an even width and height, got 641x480'),
    ('nv21', 640, 481, 'even width and height'),
    ('uyvy', 641, 480, 'uyvy needs an even width'),
    ('yuv422', 3, 2, 'even width'),
])
def test_odd_sizes_are_refused_where_chroma_is_shared(encoding, width, height,
                                                      message) -> None:
    rows = layout_of(encoding).rows(height)
    step = width * layout_of(encoding).pixel_bytes
    with pytest.raises(ImageEncodingError, match=message) as caught:
        decode_image(encoding, height, width, step, bytes(step * rows))
    assert caught.value.kind == 'odd size'
    with pytest.raises(ImageEncodingError, match=message):
        encode_image(np.zeros((height, width, 3), np.uint8), encoding)


def test_nv12_needs_its_chroma_plane() -> None:
    with pytest.raises(ImageEncodingError, match=r'640 \* 720 .* \(720 rows of Y and chroma'):
        decode_image('nv12', 480, 640, 640, bytes(640 * 480))


@pytest.mark.parametrize('encoding', ['16UC1', '32FC1', '64FC1', '8UC2', '32FC4', '16SC1',
                                      '32SC3', '16UC3'])
def test_depth_and_other_non_colour_encodings_say_what_went_wrong(encoding) -> None:
    with pytest.raises(ImageEncodingError) as caught:
        decode_image(encoding, 4, 4, 64, bytes(4 * 64))
    text = str(caught.value)
    assert text.startswith(f'encoding {encoding} is a depth or non-colour image; was a depth '
                           'topic remapped to image_raw by mistake?'), text
    assert 'bayer_rggb8' in text and 'nv12' in text
    assert caught.value.kind == 'non-colour encoding'


def test_unknown_encoding_lists_what_is_accepted() -> None:
    with pytest.raises(ImageEncodingError) as caught:
        decode_image('hsv8', 2, 2, 6, bytes(12))
    text = str(caught.value)
    assert "unsupported image encoding 'hsv8'" in text
    assert all(name in text for name in SUPPORTED_ENCODINGS)
    assert caught.value.kind == 'unknown encoding'
    with pytest.raises(ImageEncodingError, match='cannot encode'):
        encode_image(np.zeros((2, 2, 3), np.uint8), '32FC1')


def test_names_of_every_distro_are_accepted() -> None:
    """Humble's yuv422 / yuv422_yuy2 / nv21 / nv24, Jazzy's uyvy / yuyv, Kilted's nv12."""
    names = {'yuv422', 'yuv422_yuy2', 'nv21', 'nv24', 'uyvy', 'yuyv', 'nv12', 'bgra8', 'rgba8',
             '8UC1', '8UC3', 'mono16', 'rgb16', 'bgr16', 'rgba16', 'bgra16'}
    names |= {f'bayer_{p}{bits}' for p in ('rggb', 'bggr', 'gbrg', 'grbg') for bits in (8, 16)}
    assert names <= set(SUPPORTED_ENCODINGS)


def test_camera_can_publish_every_encoding_that_is_read() -> None:
    from emotion_ros.core.config import CameraConfig
    from emotion_ros.core.frames.image_codec import ENCODABLE_ENCODINGS
    spec = next(info.spec for info in CameraConfig.settings() if info.name == 'output_encoding')
    assert set(spec.choices) == set(SUPPORTED_ENCODINGS) == set(ENCODABLE_ENCODINGS)
    assert CameraConfig().output_encoding == 'bgr8'
    assert CameraConfig(output_encoding='bayer_rggb8').output_encoding == 'bayer_rggb8'
    with pytest.raises(ValueError, match="output_encoding='32FC1' refused"):
        CameraConfig(output_encoding='32FC1')


@pytest.fixture(scope='module')
def stages():
    """Return the tracker's detector and the classifier's estimator, built as the nodes do."""
    from emotion_ros.core.model.classifier import EmotionClassifier
    from emotion_ros.core.config import DetectorConfig, EmotionConfig
    from emotion_ros.core.faces.detection import make_detector
    from emotion_ros.core.emotion.face_emotions import FaceEmotionEstimator
    classifier = EmotionClassifier.load(MODELS / 'fer_mini_xception.tflite')
    config = EmotionConfig(smoothing=0.0)
    return make_detector(DetectorConfig()), FaceEmotionEstimator.from_config(classifier, config)


def _iou(a, b) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    return w * h / (aw * ah + bw * bh - w * h)


def _faces_and_labels(stages, bgr: np.ndarray) -> tuple[list, list]:
    """Return the detected boxes and the classifier's result for each, as the nodes do."""
    detector, estimator = stages
    boxes = sorted((d.x, d.y, d.w, d.h) for d in detector.detect(bgr))
    results, problems = estimator.estimate(bgr, list(enumerate(boxes)))
    assert not problems
    return boxes, results


def _margin(probabilities: np.ndarray) -> float:
    """Return how far the top class is ahead of the second."""
    top, second = np.sort(probabilities)[::-1][:2]
    return float(top - second)


@pytest.fixture(scope='module')
def from_bgr8(stages, photo):
    """Return the faces and results of the photo, and of its grey version, sent as bgr8."""
    colour = _faces_and_labels(stages, photo)
    assert len(colour[0]) == 5, 'multi_face.jpg has five faces'
    grey = _faces_and_labels(stages, _reference(photo, 'mono8'))
    assert len(grey[0]) >= 3, 'most faces are found in grey too'
    return {'colour': colour, 'mono': grey}


@pytest.mark.parametrize('encoding', [e for e in SUPPORTED_ENCODINGS if e != 'bgr8'])
def test_detector_and_classifier_see_what_they_see_in_bgr8(stages, photo, from_bgr8,
                                                           encoding) -> None:
    """
    Same number of faces, each box IoU > 0.8 with its bgr8 box, and the same labels.

    Grey encodings are compared with the grey picture sent as bgr8: the detector finds one
    face fewer in grey, whichever way the grey picture arrives. One face of the photo is
    borderline (neutral 0.52, happy 0.38 in bgr8): a box a pixel off can flip it, so labels
    must agree where bgr8 is clear (top class MIN_LABEL_MARGIN ahead), probabilities
    everywhere.
    """
    height, width = photo.shape[:2]
    decoded = _decode(encoding, _frame(photo, encoding), height, width)
    boxes, results = _faces_and_labels(stages, decoded)
    mono = layout_of(encoding).family == 'mono'
    expected_boxes, expected_results = from_bgr8['mono' if mono else 'colour']
    assert len(boxes) == len(expected_boxes), (boxes, expected_boxes)
    clear = 0
    for box, expected in zip(expected_boxes, expected_results):
        ious = [_iou(box, other) for other in boxes]
        assert max(ious) > MIN_IOU, (box, boxes)
        result = results[int(np.argmax(ious))]
        gap = np.max(np.abs(result.probabilities - expected.probabilities))
        assert gap <= MAX_PROBABILITY_GAP, (encoding, box, gap)
        if _margin(expected.probabilities) >= MIN_LABEL_MARGIN:
            clear += 1
            assert result.label == expected.label, (encoding, box)
    assert clear >= len(expected_boxes) - 1
