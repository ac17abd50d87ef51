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

"""Tests of the dataset loaders, splits and class weights on real-face fixtures."""

from pathlib import Path

from emotion_ros.core.labels import FER2013_LABELS
from emotion_ros.training import datasets, splits
import numpy as np
import pytest
import training_fixtures as fixtures


@pytest.fixture(scope='module')
def data_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp('datasets')


@pytest.fixture(scope='module')
def fer_csv(data_root):
    info = fixtures.write_fer_csv(data_root / 'fer2013.csv')
    return data_root / 'fer2013.csv', info


@pytest.fixture(scope='module')
def train_test(data_root):
    return data_root / 'kaggle', fixtures.write_train_test(data_root / 'kaggle')


@pytest.fixture(scope='module')
def ck_folders(data_root):
    return data_root / 'ck48', fixtures.write_ck_folders(data_root / 'ck48')


def test_fer_csv_honours_usage(fer_csv):
    path, info = fer_csv
    parts = datasets.load_for_training(path, FER2013_LABELS)
    assert parts.layout == datasets.LAYOUT_CSV
    counts = info['usage_counts']
    assert len(parts.train) == counts['Training']
    assert len(parts.validation) == counts['PublicTest']
    assert len(parts.test) == counts['PrivateTest']
    faces, labels, _ = fixtures.real_faces()
    assert parts.train.faces.dtype == np.uint8 and parts.train.faces.shape[1:] == (48, 48)
    np.testing.assert_array_equal(parts.train.faces[0], faces[0])
    assert parts.train.labels[0] == labels[0]


def test_fer_csv_malformed_rows_counted_and_located(fer_csv):
    path, info = fer_csv
    _, report = datasets.load_fer2013_csv(path, ('Training',), FER2013_LABELS)
    assert len(report.malformed_rows) == 4
    lines = [int(row.split(':')[1]) for row in report.malformed_rows]
    assert lines == info['bad_lines']
    reasons = ' '.join(report.malformed_rows)
    for reason in ('2303 pixel values', 'non-integer', 'emotion 9', "Usage 'Validation'"):
        assert reason in reasons
    assert all(row.startswith(f'{path}:') for row in report.malformed_rows)


def test_fer_csv_missing_file_and_bad_header(tmp_path):
    with pytest.raises(datasets.DatasetError, match='no such file'):
        datasets.load_for_training(tmp_path / 'fer2013.csv', FER2013_LABELS)
    bad = tmp_path / 'bad.csv'
    bad.write_text('label,image\n1,2\n')
    with pytest.raises(datasets.DatasetError, match='header'):
        datasets.load_for_training(bad, FER2013_LABELS)


def test_train_test_folders_report_bad_image_and_unknown_class(train_test):
    root, info = train_test
    parts = datasets.load_for_training(root, FER2013_LABELS)
    assert parts.layout == datasets.LAYOUT_TRAIN_TEST
    assert len(parts.train) == info['train']
    assert len(parts.test) == info['test']
    assert parts.validation is None
    assert parts.report.unreadable_images == [f'{info["unreadable"]}: cannot be decoded as an '
                                              'image']
    assert parts.report.unknown_classes == [f'{info["unknown"]} (1 images skipped)']
    assert parts.report.problem_count == 2
    test, _ = datasets.load_for_evaluation(root, FER2013_LABELS)
    assert len(test) == info['test']


def test_ck_folders_and_aliases(ck_folders, tmp_path):
    root, info = ck_folders
    parts = datasets.load_for_training(root, FER2013_LABELS)
    assert parts.layout == datasets.LAYOUT_CLASS_FOLDERS
    assert len(parts.train) == info['count'] and parts.test is None
    assert parts.report.problem_count == 0
    assert Path(parts.train.sources[0]).name.startswith('S0')
    assert datasets.class_index('Sadness', FER2013_LABELS) == 4
    assert datasets.class_index('anger', FER2013_LABELS) == 0
    assert datasets.class_index('contempt', FER2013_LABELS) is None


def test_empty_folder_is_an_error(tmp_path):
    (tmp_path / 'happy').mkdir()
    with pytest.raises(datasets.DatasetError, match='no training faces'):
        datasets.load_for_training(tmp_path, FER2013_LABELS)


def test_stratified_split_keeps_class_ratios():
    _, labels, _ = fixtures.real_faces()
    kept, held = splits.stratified_split(labels, 0.25, seed=3)
    assert len(set(kept) & set(held)) == 0 and len(kept) + len(held) == len(labels)
    whole = np.bincount(labels, minlength=7) / len(labels)
    part = np.bincount(labels[held], minlength=7) / len(held)
    assert np.abs(whole - part).max() < 0.05
    again, _ = splits.stratified_split(labels, 0.25, seed=3)
    np.testing.assert_array_equal(kept, again)


def test_subject_split_has_no_subject_in_both(ck_folders):
    root, _ = ck_folders
    parts = datasets.load_for_training(root, FER2013_LABELS)
    ids = splits.subject_ids(parts.train.sources, splits.DEFAULT_SUBJECT_PATTERN)
    assert len(set(ids)) == 12
    for seed in range(5):
        kept, held = splits.split_indices(parts.train.labels, parts.train.sources, 'subject',
                                          0.3, seed)
        assert len(held) and len(kept)
        assert not {ids[i] for i in kept} & {ids[i] for i in held}


def test_subject_pattern_must_match():
    with pytest.raises(ValueError, match='do not match'):
        splits.subject_ids(['a/S001_1.png', 'b/face.png'], splits.DEFAULT_SUBJECT_PATTERN)
    with pytest.raises(ValueError, match='invalid'):
        splits.subject_ids(['a.png'], '(')


def test_class_weights_balance_the_classes():
    labels = np.array([0] * 10 + [1] * 2 + [3] * 4)
    weights = splits.class_weights(labels, 7)
    assert weights[1] == pytest.approx(16 / (3 * 2))
    assert weights[0] == pytest.approx(16 / (3 * 10))
    assert weights[2] == 1.0
    counts = np.bincount(labels, minlength=7)
    totals = [counts[k] * weights[k] for k in (0, 1, 3)]
    assert totals == pytest.approx([totals[0]] * 3)
