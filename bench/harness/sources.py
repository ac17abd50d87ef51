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
The 640x480 image folders the camera node replays, and the scenarios that replay them.

``single_face.mp4`` (one face) and ``multi_face.jpg`` (five faces), letterboxed to 640x480.
Prepared frames are uncompressed BMP: reading one is close to a memcpy, like a raw camera frame,
so replaying a folder does not add a decoder's cost (PNG: about 9 ms per frame here).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.processes import BenchError, REPO_ROOT

MEDIA = REPO_ROOT / 'assets' / 'media'
ONE_FACE_VIDEO = MEDIA / 'single_face.mp4'
FIVE_FACE_IMAGE = MEDIA / 'multi_face.jpg'
FRAME_WIDTH = 640  # camera frame width, pixels
FRAME_HEIGHT = 480  # camera frame height, pixels
FRAME_SUFFIX = '.bmp'
CAMERA_RATE = 30.0  # folder replay rate of the normal scenarios, Hz


@dataclass(frozen=True)
class Scenario:
    """
    One benchmark run.

    :param name: the name printed and used in the JSON.
    :param source: 'one' or 'five' (which prepared folder the camera replays).
    :param framerate: camera folder replay rate, Hz.
    :param expected_faces: faces in every frame.
    """

    name: str
    source: str
    framerate: float
    expected_faces: int


SCENARIOS = {
    'one': Scenario('one face @30 Hz', 'one', CAMERA_RATE, 1),
    'five': Scenario('five faces @30 Hz', 'five', CAMERA_RATE, 5),
}


def letterbox(image: Any, width: int = FRAME_WIDTH, height: int = FRAME_HEIGHT) -> Any:
    """
    Fit an image into ``width`` x ``height`` keeping its aspect ratio, padded with black.

    :param image: BGR uint8 image.
    :param width: output width, pixels.
    :param height: output height, pixels.
    :returns: the letterboxed BGR uint8 image.
    """
    import cv2
    import numpy as np

    h, w = image.shape[:2]
    scale = min(width / w, height / h)
    size = (min(width, round(w * scale)), min(height, round(h * scale)))
    if size != (w, h):
        interpolation = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
        image = cv2.resize(image, size, interpolation=interpolation)
    canvas = np.zeros((height, width, 3), dtype=np.uint8)
    x0 = (width - size[0]) // 2
    y0 = (height - size[1]) // 2
    canvas[y0:y0 + size[1], x0:x0 + size[0]] = image
    return canvas


def prepare_sources(root: Path) -> dict[str, Path]:
    """
    Write the 640x480 image folders the camera node replays.

    :param root: a scratch folder.
    :returns: folder per source name ('one', 'five').
    :raises BenchError: when a media file is missing or unreadable.
    """
    import cv2

    one = root / 'one_face'
    one.mkdir()
    capture = cv2.VideoCapture(str(ONE_FACE_VIDEO))
    count = 0
    try:
        while True:
            ok, frame = capture.read()
            if not ok or frame is None:
                break
            cv2.imwrite(str(one / f'frame_{count:04d}{FRAME_SUFFIX}'), letterbox(frame))
            count += 1
    finally:
        capture.release()
    if count == 0:
        raise BenchError(f'no frames read from {ONE_FACE_VIDEO}: run scripts/fetch_assets.py')
    five = root / 'five_faces'
    five.mkdir()
    image = cv2.imread(str(FIVE_FACE_IMAGE), cv2.IMREAD_COLOR)
    if image is None:
        raise BenchError(f'cannot read {FIVE_FACE_IMAGE}: run scripts/fetch_assets.py')
    cv2.imwrite(str(five / f'frame_0000{FRAME_SUFFIX}'), letterbox(image))
    print(f'[bench] sources: {count} frames of {ONE_FACE_VIDEO.name} and {FIVE_FACE_IMAGE.name}'
          f' letterboxed to {FRAME_WIDTH}x{FRAME_HEIGHT} in {root}', flush=True)
    return {'one': one, 'five': five}
