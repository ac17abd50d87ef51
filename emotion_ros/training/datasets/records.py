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
What every dataset reader returns: faces with their labels, and a report of the bad input.

A :class:`LoadReport` counts and locates (``file:line`` or path) each malformed row, row of a
class outside the wanted labels, unreadable image, unknown class folder and skipped file: bad
input is reported, never silently dropped and never fatal for the run (only a dataset that
cannot be used at all raises :class:`DatasetError`).
"""

from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Union

import numpy as np

FACE_SIZE = 48  # pixels, side of the square grey faces in every dataset


class DatasetError(ValueError):
    """A dataset path that cannot be used at all (missing, empty, unknown layout)."""


@dataclass
class LoadReport:
    """Problems met while loading, each with its location."""

    malformed_rows: List[str] = field(default_factory=list)  # 'file:line: reason'
    excluded_rows: List[str] = field(default_factory=list)  # 'file:line: class not in labels'
    unreadable_images: List[str] = field(default_factory=list)  # 'path: reason'
    unknown_classes: List[str] = field(default_factory=list)  # folder paths
    skipped_files: List[str] = field(default_factory=list)  # 'path: reason'

    def _kinds(self):
        """Return (title, key, items) for each kind of problem, in report order."""
        return (('malformed rows', 'malformed_rows', self.malformed_rows),
                ('rows of classes not in the labels', 'excluded_rows', self.excluded_rows),
                ('unreadable images', 'unreadable_images', self.unreadable_images),
                ('unknown class folders', 'unknown_classes', self.unknown_classes),
                ('skipped files', 'skipped_files', self.skipped_files))

    @property
    def problem_count(self) -> int:
        """Return the number of reported problems."""
        return sum(len(items) for _, _, items in self._kinds())

    def merge(self, other: 'LoadReport') -> None:
        """
        Append the problems of another report to this one.

        :param other: the report to merge in.
        """
        for _, key, items in other._kinds():
            getattr(self, key).extend(items)

    def summary(self, limit: int = 10) -> str:
        """
        Describe the problems in a few lines for the console.

        :param limit: how many locations to list per kind.
        :returns: a multi-line text, or 'no problems'.
        """
        if not self.problem_count:
            return 'no problems'
        lines = []
        for title, _, items in self._kinds():
            if items:
                lines.append(f'{len(items)} {title}:')
                lines += [f'  {item}' for item in items[:limit]]
                if len(items) > limit:
                    lines.append(f'  ... and {len(items) - limit} more')
        return '\n'.join(lines)

    def to_dict(self) -> Dict[str, object]:
        """Return the counts and locations, JSON-serialisable."""
        data: Dict[str, object] = {key: list(items) for _, key, items in self._kinds()}
        data['problem_count'] = self.problem_count
        return data


@dataclass
class FaceSet:
    """Faces with their labels and where each came from."""

    # (N, 48, 48) uint8 grey for training; for evaluation of image folders a list of images at
    # their own size (BGR uint8), preprocessed later by the classifier.
    faces: Union[np.ndarray, List[np.ndarray]]
    labels: np.ndarray  # (N,) int64 indices into the label tuple
    sources: List[str]  # 'file:line' or image path, one per face

    def __len__(self) -> int:
        """Return the number of faces."""
        return len(self.labels)

    def subset(self, index: Sequence[int]) -> 'FaceSet':
        """
        Select faces by index.

        :param index: positions to keep.
        :returns: a new FaceSet.
        """
        index = np.asarray(index, dtype=np.int64)
        faces = (self.faces[index] if isinstance(self.faces, np.ndarray)
                 else [self.faces[i] for i in index])
        return FaceSet(faces, self.labels[index], [self.sources[i] for i in index])

    @staticmethod
    def concatenate(parts: Sequence['FaceSet']) -> 'FaceSet':
        """
        Join several face sets.

        :param parts: the sets to join, in order.
        :returns: a new FaceSet.
        """
        if not parts:
            return empty_faceset()
        if all(isinstance(p.faces, np.ndarray) for p in parts):
            faces = np.concatenate([p.faces for p in parts])
        else:
            faces = [face for p in parts for face in p.faces]
        return FaceSet(faces,
                       np.concatenate([p.labels for p in parts]),
                       [s for p in parts for s in p.sources])


def empty_faceset() -> FaceSet:
    """Return a FaceSet with no faces."""
    return FaceSet(np.zeros((0, FACE_SIZE, FACE_SIZE), np.uint8), np.zeros(0, np.int64), [])
