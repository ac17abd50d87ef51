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
The FER2013 reader: ``fer2013.csv`` with columns ``emotion,pixels,Usage`` (2304 pixels a row).

The ``emotion`` integers always index :data:`~emotion_ros.core.model.labels.FER2013_LABELS`
(the dataset's own order); they are mapped by name to the wanted labels. The faces are 48x48
grey ``uint8``, grouped by ``Usage`` (Training, PublicTest, PrivateTest).
"""

import csv
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from emotion_ros.core.model.labels import FER2013_LABELS
from emotion_ros.training.datasets.records import DatasetError, empty_faceset, FACE_SIZE, \
    FaceSet, LoadReport
import numpy as np

FER_PIXELS = FACE_SIZE * FACE_SIZE  # values per fer2013.csv row
FER_USAGES = ('Training', 'PublicTest', 'PrivateTest')  # fer2013.csv Usage column values


def read_fer2013_csv(path: Path, labels: Sequence[str]
                     ) -> Tuple[Dict[str, FaceSet], LoadReport]:
    """
    Read ``fer2013.csv`` once, grouping the faces by their ``Usage``.

    The ``emotion`` column always indexes :data:`~emotion_ros.core.model.labels.FER2013_LABELS`
    (the dataset's own order); each class is mapped by name to its index in ``labels``. Rows of a
    class that ``labels`` lacks are counted in ``report.excluded_rows``, not as malformed.

    :param path: the CSV file.
    :param labels: the class names (in output order) the returned labels index.
    :returns: a FaceSet per Usage value (all three keys, maybe empty) and the report of
        malformed and excluded rows (``file:line: reason``).
    :raises DatasetError: when the file is missing, has no header with the three columns, or
        cannot be parsed as CSV (e.g. an unbalanced quote running past the field size limit).
    """
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f'{path}: no such file')
    report = LoadReport()
    groups = {usage: ([], [], []) for usage in FER_USAGES}
    to_labels = [labels.index(name) if name in labels else None for name in FER2013_LABELS]
    with path.open(newline='') as stream:
        reader = csv.reader(stream)
        start = 1  # line on which the row being read starts
        try:
            header = [h.strip() for h in next(reader, [])]
            try:
                col = {name: header.index(name) for name in ('emotion', 'pixels', 'Usage')}
            except ValueError:
                raise DatasetError(
                    f'{path}:1: header must have emotion,pixels,Usage, got {header}')
            start = reader.line_num + 1
            for row in reader:
                where = f'{path}:{start}'
                parsed = _parse_fer_row(row, col, start, reader.line_num)
                start = reader.line_num + 1
                if isinstance(parsed, str):
                    report.malformed_rows.append(f'{where}: {parsed}')
                    continue
                label, pixels, usage = parsed
                if to_labels[label] is None:
                    report.excluded_rows.append(f'{where}: class {FER2013_LABELS[label]!r} '
                                                f'(emotion {label}) is not in the labels')
                    continue
                faces, ids, sources = groups[usage]
                faces.append(pixels)
                ids.append(to_labels[label])
                sources.append(where)
        except csv.Error as error:
            raise DatasetError(f'{path}:{start}: {error}' + _runs_on(start, reader.line_num))
        except UnicodeDecodeError as error:
            raise DatasetError(f'{path}: not a text CSV file ({error})')
    sets = {}
    for usage, (faces, ids, sources) in groups.items():
        sets[usage] = (FaceSet(np.stack(faces), np.asarray(ids, np.int64), sources)
                       if faces else empty_faceset())
    return sets, report


def load_fer2013_csv(path: Path, usages: Sequence[str],
                     labels: Sequence[str]) -> Tuple[FaceSet, LoadReport]:
    """
    Read the rows of ``fer2013.csv`` whose ``Usage`` is one of ``usages``.

    :param path: the CSV file.
    :param usages: Usage values to keep, e.g. ``('Training',)``.
    :param labels: the class names the returned labels index (mapped by name from FER2013's).
    :returns: the faces and the report of malformed and excluded rows (``file:line: reason``).
    :raises DatasetError: when the file is missing or has no header with the three columns.
    """
    sets, report = read_fer2013_csv(path, labels)
    return FaceSet.concatenate([sets[u] for u in usages if len(sets.get(u, ()))]), report


def _runs_on(start: int, end: int) -> str:
    """Explain a CSV row spanning several lines (an unbalanced quote), or return ''."""
    if end <= start:
        return ''
    return f' (the row starting here runs on to line {end}: unbalanced quote?)'


def _parse_fer_row(row: List[str], col: Dict[str, int], start: int, end: int):
    """
    Return (FER2013 class index, 48x48 pixels, usage) for a good row, or why it is malformed.

    :param row: the CSV fields.
    :param col: column index of 'emotion', 'pixels' and 'Usage'.
    :param start: first line of the row in the file.
    :param end: last line of the row (larger than start when a quote spans lines).
    """
    if end > start:
        return f'unbalanced quote: the row spans lines {start} to {end}'
    if len(row) < 3:
        return f'expected 3 columns, got {len(row)}'
    usage = row[col['Usage']].strip()
    if usage not in FER_USAGES:
        return f'unknown Usage {usage!r} (expected one of {", ".join(FER_USAGES)})'
    try:
        label = int(row[col['emotion']])
    except ValueError:
        return f'emotion {row[col["emotion"]]!r} is not an integer'
    if not 0 <= label < len(FER2013_LABELS):
        return f'emotion {label} outside 0..{len(FER2013_LABELS) - 1}'
    values = row[col['pixels']].split()
    if len(values) != FER_PIXELS:
        return f'{len(values)} pixel values, expected {FER_PIXELS}'
    try:
        pixels = np.array(values, dtype=np.int64)
    except ValueError:
        return 'pixels contain a non-integer value'
    if pixels.min() < 0 or pixels.max() > 255:
        return 'pixel value outside 0..255'
    return label, pixels.astype(np.uint8).reshape(FACE_SIZE, FACE_SIZE), usage
