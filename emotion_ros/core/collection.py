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
Collecting a robot's own faces into a dataset folder (the ROS-free half of emotion_collect).

A collected face is a lossless PNG of the face box grown by :data:`COLLECT_MARGIN` on each side
(wider than any crop the classifier takes, so that training can cut exactly the node's crops),
with a JSON sidecar beside it giving the face box inside the PNG. Files are written under a
temporary name and renamed, so a stop never leaves a half-written image; names hold the stamp,
the track id and random letters, so they never collide or overwrite.

Layout (what ``training/train.py`` reads: class folders)::

    DIR/happy/1796554579_016235366_t3_k2x9q.png    # emotion_collect --label happy
    DIR/happy/1796554579_016235366_t3_k2x9q.json
    DIR/unlabelled/...png, ...json, faces.csv       # without --label: sort them by hand
"""

import csv
from dataclasses import dataclass
import json
import os
from pathlib import Path
import secrets
import string
from typing import Optional, Sequence

import cv2
from emotion_ros.core.emotion.preprocessing import crop_bounds
import numpy as np

# Fraction of the face box added on each side of a collected crop: every crop the classifier
# can take fits inside (crop_margins allows up to 1.0; the default widest, 0.2, leaves room
# for the region turned by roll alignment), where the frame has the pixels.
COLLECT_MARGIN = 1.0
# Default time between two crops of one track (s): a minute gives 30 different moments of a
# face, not 1,800 near-copies.
DEFAULT_EVERY = 2.0
# The folder of faces that have no label yet; not a class, so training never reads it as one.
UNLABELLED = 'unlabelled'
# The listing of the unlabelled faces, for sorting them by hand.
CSV_NAME = 'faces.csv'
CSV_FIELDS = ('file', 'stamp', 'track_id', 'x', 'y', 'width', 'height', 'yaw',
              'published_label', 'published_confidence')
# Suffix of a file being written (renamed when complete; removed at start if a kill left one).
PARTIAL_SUFFIX = '.part'
# Random letters in each file name: collisions need the same stamp, track and letters.
NAME_LETTERS = 5


@dataclass(frozen=True)
class CollectedFace:
    """One face to store: the crop, where the face is in it, and what is known of it."""

    crop: np.ndarray
    box_in_crop: tuple[int, int, int, int]
    box_in_frame: tuple[int, int, int, int]
    stamp: tuple[int, int]
    track_id: int
    yaw: float
    published_label: str
    published_confidence: float


class EveryPolicy:
    """At most one crop per track every ``every`` seconds (of the images' stamps)."""

    def __init__(self, every: float = DEFAULT_EVERY) -> None:
        """:param every: seconds between two crops of one track, >= 0."""
        if not every >= 0.0:
            raise ValueError(f'every must be >= 0 s, got {every!r}')
        self.every = every
        self._last: dict[int, float] = {}

    def due(self, track_id: int, seconds: float) -> bool:
        """Tell whether ``track_id`` may be collected at ``seconds``; if so, note it."""
        last = self._last.get(track_id)
        if last is not None and seconds - last < self.every:
            return False
        self._last[track_id] = seconds
        return True

    def forget_except(self, track_ids: Sequence[int]) -> None:
        """Drop the tracks that are gone (bounded memory over a day)."""
        keep = set(track_ids)
        self._last = {t: s for t, s in self._last.items() if t in keep}


def cut(bgr: np.ndarray, box: Sequence[int], margin: float = COLLECT_MARGIN
        ) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """
    Cut the face box grown by ``margin`` (clipped to the frame) and locate the box inside it.

    :param bgr: the frame.
    :param box: ``(x, y, w, h)`` of the face in the frame.
    :returns: the crop (a copy) and ``(x, y, w, h)`` of the face box in the crop's pixels.
    :raises ValueError: for an empty box or one outside the frame.
    """
    x0, y0, x1, y1 = crop_bounds(bgr, box, margin)
    x, y, w, h = (int(v) for v in box)
    return bgr[y0:y1, x0:x1].copy(), (x - x0, y - y0, w, h)


def file_stem(stamp: tuple[int, int], track_id: int) -> str:
    """Return a new file name stem: stamp, track and random letters (never an existing one)."""
    letters = ''.join(secrets.choice(string.ascii_lowercase + string.digits)
                      for _ in range(NAME_LETTERS))
    return f'{stamp[0]}_{stamp[1]:09d}_t{track_id}_{letters}'


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (a temporary name, then a rename)."""
    partial = path.with_name(path.name + PARTIAL_SUFFIX)
    with open(partial, 'wb') as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


def remove_partials(folder: Path) -> int:
    """Remove files a killed collector left half-written; :returns: how many."""
    found = list(folder.glob('*' + PARTIAL_SUFFIX)) if folder.is_dir() else []
    for path in found:
        path.unlink(missing_ok=True)
    return len(found)


class DatasetWriter:
    """Write collected faces into ``root/<label>/`` or ``root/unlabelled/`` with a CSV."""

    def __init__(self, root: Path, label: Optional[str] = None) -> None:
        """
        Create the class folder (and the CSV with its header when unlabelled).

        :param root: the dataset folder.
        :param label: the class of every face collected, or None: ``unlabelled/``.
        :raises ValueError: for a label that is not a plain folder name or is ``unlabelled``.
        """
        if label is not None and (not label or label != Path(label).name
                                  or label.startswith('.') or label == UNLABELLED):
            raise ValueError(f'--label must be a class name such as happy, got {label!r}')
        self.folder = Path(root) / (label or UNLABELLED)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.removed_partials = remove_partials(self.folder)
        self._csv: Optional[Path] = None if label else self.folder / CSV_NAME
        if self._csv is not None and not self._csv.exists():
            with open(self._csv, 'w', newline='') as handle:
                csv.writer(handle).writerow(CSV_FIELDS)
        self.written = 0

    def write(self, face: CollectedFace) -> Path:
        """Store one face: PNG, then its sidecar, then its CSV row; :returns: the PNG path."""
        stem = file_stem(face.stamp, face.track_id)
        ok, png = cv2.imencode('.png', face.crop)
        if not ok:
            raise ValueError(f'cannot encode a {face.crop.shape} crop as PNG')
        image = self.folder / f'{stem}.png'
        write_atomically(image, png.tobytes())
        sidecar = {'box': list(face.box_in_crop), 'box_in_frame': list(face.box_in_frame),
                   'margin': COLLECT_MARGIN, 'stamp': list(face.stamp),
                   'track_id': face.track_id}
        write_atomically(image.with_suffix('.json'), json.dumps(sidecar).encode())
        if self._csv is not None:
            x, y, w, h = face.box_in_frame
            with open(self._csv, 'a', newline='') as handle:
                csv.writer(handle).writerow([
                    image.name, f'{face.stamp[0]}.{face.stamp[1]:09d}', face.track_id,
                    x, y, w, h, f'{face.yaw:.1f}', face.published_label,
                    f'{face.published_confidence:.3f}'])
        self.written += 1
        return image


def read_sidecar_box(image: Path) -> Optional[tuple[int, int, int, int]]:
    """Return the face box of a collected PNG from its sidecar, or None if it has none."""
    sidecar = Path(image).with_suffix('.json')
    if not sidecar.is_file():
        return None
    box = json.loads(sidecar.read_text()).get('box')
    if not (isinstance(box, list) and len(box) == 4):
        raise ValueError(f'{sidecar}: "box" must be [x, y, w, h]')
    return tuple(int(v) for v in box)
