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

"""The detectors do not grow in memory: thousands of calls on a real frame, RSS read after."""

from pathlib import Path
import subprocess
import sys

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# Calls before the baseline (model load and first-call allocations settle).
WARMUP_CALLS = 300
# Calls measured; the removed libfacedetection detector grew 36 KB per call, 100 MB over this many.
CALLS = 3000
# Largest RSS growth accepted over CALLS, MiB: allocator noise, not a per-call leak
# (1 KB per call would already be 2.9 MiB).
MAX_GROWTH_MIB = 3.0
# Whole child run, s (about 30 s for full range on a loaded 2-core machine).
TIMEOUT = 600.0

# Runs in a fresh interpreter, so nothing else in it allocates.
_CHILD = """
import sys
import cv2
import numpy as np
from emotion_ros.core.config import DetectorConfig
from emotion_ros.core.faces.detection import make_detector


def rss_kib():
    with open('/proc/self/statm') as statm:
        return int(statm.read().split()[1]) * 4096 // 1024


model, warmup, calls, image = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
detector = make_detector(DetectorConfig(blazeface_model=model))
photo = cv2.imread(image)
scale = 640 / photo.shape[1]
photo = cv2.resize(photo, (640, round(photo.shape[0] * scale)), interpolation=cv2.INTER_AREA)
frame = np.zeros((480, 640, 3), np.uint8)
frame[:photo.shape[0]] = photo[:480]
faces = len(detector.detect(frame))
for _ in range(warmup):
    detector.detect(frame)
before = rss_kib()
for _ in range(calls):
    detector.detect(frame)
print(faces, before, rss_kib())
"""


@pytest.mark.slow
@pytest.mark.parametrize('model', ['full', 'short'])
def test_blazeface_memory_does_not_grow(model: str) -> None:
    """Default detector settings (full range) and short range: flat RSS over 3000 calls."""
    result = subprocess.run(
        [sys.executable, '-c', _CHILD, model, str(WARMUP_CALLS), str(CALLS),
         str(REPO_ROOT / 'assets' / 'media' / 'multi_face.jpg')],
        capture_output=True, text=True, timeout=TIMEOUT, cwd=REPO_ROOT)
    assert result.returncode == 0, result.stderr
    faces, before, after = (int(v) for v in result.stdout.split()[-3:])
    assert faces >= 1, 'the frame must hold a real face, so the decoding path runs'
    growth_mib = (after - before) / 1024
    assert growth_mib < MAX_GROWTH_MIB, (
        f'RSS grew {growth_mib:.1f} MiB over {CALLS} calls ({(after - before) / CALLS:.2f} '
        f'KiB per call)')
