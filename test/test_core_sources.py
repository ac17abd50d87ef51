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

"""Tests for emotion_ros.core.frames.sources over the real media in assets/media."""

import logging
from pathlib import Path
import shutil

import cv2
from emotion_ros.core.frames.sources import CameraSource
from emotion_ros.core.frames.sources import DEFAULT_FOLDER_FPS
from emotion_ros.core.frames.sources import ImageFolderSource
from emotion_ros.core.frames.sources import jpeg_is_truncated
from emotion_ros.core.frames.sources import open_source
from emotion_ros.core.frames.sources import SourceError
from emotion_ros.core.frames.sources import VideoFileSource
import numpy as np
import pytest

MEDIA = Path(__file__).resolve().parent.parent / 'assets' / 'media'
VIDEO = MEDIA / 'single_face.mp4'
VIDEO_FRAMES = 72
VIDEO_SIZE = (360, 640)  # rows, columns


def _media(name: str) -> Path:
    """Return a media path, failing with a hint when it is missing."""
    path = MEDIA / name
    assert path.is_file(), f'{path} missing: run scripts/fetch_assets.py'
    return path


def test_video_file_frames_and_fps():
    source = open_source(str(_media('single_face.mp4')))
    assert isinstance(source, VideoFileSource)
    assert source.fps == pytest.approx(30.0)
    frames = 0
    with source:
        while (frame := source.read()) is not None:
            assert frame.shape == (*VIDEO_SIZE, 3) and frame.dtype == np.uint8
            frames += 1
    assert frames == VIDEO_FRAMES
    assert source.read() is None


def test_video_fps_override():
    with open_source(str(_media('single_face.mp4')), fps=12.5) as source:
        assert source.fps == 12.5


def test_video_loops():
    with open_source(str(_media('single_face.mp4')), loop=True) as source:
        first = source.read()
        for _ in range(VIDEO_FRAMES - 1):
            assert source.read() is not None
        again = source.read()  # frame 73 is frame 1 again
        assert again is not None
        assert np.mean(np.abs(again.astype(int) - first.astype(int))) < 1.0
        for _ in range(VIDEO_FRAMES + 5):
            assert source.read() is not None


@pytest.fixture
def image_folder(tmp_path: Path) -> Path:
    """Build a folder: two real images, one broken .jpg, one text file."""
    shutil.copy(_media('single_face.jpg'), tmp_path / 'a_face.jpg')
    image = cv2.imread(str(_media('0-f1-su-ph.jpg')))
    cv2.imwrite(str(tmp_path / 'c_surprise.png'), cv2.resize(image, (128, 128)))
    (tmp_path / 'b_broken.jpg').write_bytes(b'this is not a jpeg')
    (tmp_path / 'notes.txt').write_text('not an image')
    return tmp_path


def test_folder_source_skips_unreadable_with_warning(image_folder, caplog):
    source = open_source(str(image_folder), fps=2.0)
    assert isinstance(source, ImageFolderSource)
    assert source.fps == 2.0
    with caplog.at_level(logging.WARNING, logger='emotion_ros.core.frames.sources'):
        first = source.read()
        second = source.read()
        end = source.read()
    assert first.shape == (562, 572, 3)
    assert second.shape == (128, 128, 3)
    assert end is None
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and 'b_broken.jpg' in warnings[0]


def test_folder_source_loops_and_warns_once(image_folder, caplog):
    source = open_source(str(image_folder), loop=True)
    assert source.fps == DEFAULT_FOLDER_FPS
    with caplog.at_level(logging.WARNING, logger='emotion_ros.core.frames.sources'):
        shapes = [source.read().shape[:2] for _ in range(5)]
    assert shapes == [(562, 572), (128, 128), (562, 572), (128, 128), (562, 572)]
    assert sum('b_broken.jpg' in r.getMessage() for r in caplog.records) == 1


def test_folder_of_only_unreadable_images_ends(tmp_path):
    (tmp_path / 'x.png').write_bytes(b'nope')
    source = open_source(str(tmp_path), loop=True)
    assert source.read() is None


def test_empty_folder_raises(tmp_path):
    (tmp_path / 'readme.txt').write_text('no images here')
    with pytest.raises(SourceError, match=str(tmp_path)):
        open_source(str(tmp_path))


def test_single_image_file_is_a_one_frame_source():
    source = open_source(str(_media('single_face.jpg')))
    assert source.read().shape == (562, 572, 3)
    assert source.read() is None


def test_missing_camera_raises_naming_it():
    with pytest.raises(SourceError, match='/dev/video99'):
        open_source('/dev/video99')
    with pytest.raises(SourceError, match='/dev/video99'):
        open_source(99)
    with pytest.raises(SourceError, match='/dev/video98'):
        open_source('98')


def test_unopenable_camera_raises():
    with pytest.raises(SourceError, match='cannot open camera /dev/null'):
        CameraSource('/dev/null')


def test_nonexistent_path_raises_naming_it(tmp_path):
    missing = tmp_path / 'no_such_clip.mp4'
    with pytest.raises(SourceError, match='no_such_clip.mp4'):
        open_source(str(missing))


def test_file_that_is_not_a_video_raises(tmp_path):
    bogus = tmp_path / 'clip.mp4'
    bogus.write_bytes(b'\x00' * 64)
    with pytest.raises(SourceError, match='clip.mp4'):
        open_source(str(bogus))


def test_source_error_is_a_runtime_error():
    assert issubclass(SourceError, RuntimeError)


def test_character_device_opens_as_camera() -> None:
    """A device node under another name (e.g. /dev/v4l/by-id/...) is a camera, not a video."""
    with pytest.raises(SourceError, match=r'camera /dev/null'):
        open_source('/dev/null')


def _jpeg_bytes(width: int = 320, height: int = 240) -> bytes:
    """Return a real face photo encoded as JPEG."""
    image = cv2.resize(cv2.imread(str(_media('single_face.jpg'))), (width, height))
    ok, data = cv2.imencode('.jpg', image)
    assert ok
    return data.tobytes()


def test_truncated_jpeg_is_detected(tmp_path) -> None:
    """
    A JPEG cut anywhere after its header is truncated.

    Whole files (even with bytes appended after the end marker, as some cameras write) and
    other formats are not.
    """
    data = _jpeg_bytes()
    assert not jpeg_is_truncated(data)
    assert not jpeg_is_truncated(data + b'trailing camera data')
    for fraction in (0.3, 0.6, 0.9, 0.999):
        assert jpeg_is_truncated(data[:int(len(data) * fraction)]), fraction
    # cv2.imread still decodes a cut file (grey below the cut), so it cannot tell.
    cut = tmp_path / 'cut.jpg'
    cut.write_bytes(data[:len(data) * 2 // 3])
    assert cv2.imread(str(cut), cv2.IMREAD_COLOR) is not None
    ok, png = cv2.imencode('.png', np.zeros((8, 8, 3), np.uint8))
    assert ok and not jpeg_is_truncated(png.tobytes())


def test_folder_source_skips_truncated_jpeg_once_through_callback(tmp_path):
    """A truncated JPEG is skipped and reported once to on_skip, even when looping."""
    (tmp_path / 'a.jpg').write_bytes(_jpeg_bytes(320, 240))
    data = _jpeg_bytes(200, 150)
    (tmp_path / 'b_cut.jpg').write_bytes(data[:len(data) // 2])
    (tmp_path / 'c.jpg').write_bytes(_jpeg_bytes(320, 240))
    skipped = []
    source = ImageFolderSource.from_folder(tmp_path, loop=True,
                                           on_skip=lambda p, r: skipped.append((p.name, r)))
    shapes = {source.read().shape for _ in range(9)}
    assert shapes == {(240, 320, 3)}
    assert skipped == [('b_cut.jpg', 'truncated JPEG (no end-of-image marker)')]
