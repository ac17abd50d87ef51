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

"""A real face at a chosen size and place in a real 640x480 face-free frame (tests' helper)."""

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

MEDIA = Path(__file__).resolve().parent.parent / 'assets' / 'media'
FRAME = (640, 480)  # width, height of the camera frames, pixels
# Faces the full-range BlazeFace model alone misses in such a frame: (face height px, centre).
FAR = (28, (150, 120))  # about 4 m away with the head pose's camera
FAR_40 = (40, (150, 120))  # about 2.8 m
NEAR = (640, (320, 240))  # a face taller than the frame, cut by its edges (about 17 cm)


@dataclass(frozen=True)
class FaceScene:
    """A photo, its face box (full-range BlazeFace, x, y, w, h px) and a background frame."""

    photo: np.ndarray
    box: tuple[float, float, float, float]
    background: np.ndarray

    @classmethod
    def load(cls) -> 'FaceScene':
        """Read single_face.jpg, find its face and take the first frame of no_face.mp4."""
        from emotion_ros.core.config import DetectorConfig
        from emotion_ros.core.faces.detection import make_detector

        photo = cv2.imread(str(MEDIA / 'single_face.jpg'))
        (face,) = make_detector(DetectorConfig(blazeface_model='full')).detect(photo)
        capture = cv2.VideoCapture(str(MEDIA / 'no_face.mp4'))
        ok, frame = capture.read()
        capture.release()
        assert ok, 'no_face.mp4 unreadable: run scripts/fetch_assets.py'
        return cls(photo, (face.x, face.y, face.w, face.h),
                   cv2.resize(frame, FRAME, interpolation=cv2.INTER_AREA))

    def place(self, height: float, centre: tuple[float, float]) -> np.ndarray:
        """Scale the photo so that its face box is ``height`` px tall, centred at ``centre``."""
        x, y, w, h = self.box
        scale = height / h
        scaled = cv2.resize(self.photo, None, fx=scale, fy=scale,
                            interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
        x0 = int(round(centre[0] - (x + w / 2) * scale))
        y0 = int(round(centre[1] - (y + h / 2) * scale))
        frame = self.background.copy()
        sx, sy, dx, dy = max(0, -x0), max(0, -y0), max(0, x0), max(0, y0)
        cw = min(scaled.shape[1] - sx, FRAME[0] - dx)
        ch = min(scaled.shape[0] - sy, FRAME[1] - dy)
        frame[dy:dy + ch, dx:dx + cw] = scaled[sy:sy + ch, sx:sx + cw]
        return frame
