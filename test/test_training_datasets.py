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

import cv2
from emotion_ros.core.model.labels import FER2013_LABELS
from emotion_ros.training import reporting, splits, trainer
from emotion_ros.training.datasets import class_folders, fer2013_csv, layouts, records
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
    parts = layouts.load_for_training(path, FER2013_LABELS)
    assert parts.layout == layouts.LAYOUT_CSV
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
    _, report = fer2013_csv.load_fer2013_csv(path, ('Training',), FER2013_LABELS)
    assert len(report.malformed_rows) == 4
    lines = [int(row.split(':')[1]) for row in report.malformed_rows]
    assert lines == info['bad_lines']
    reasons = ' '.join(report.malformed_rows)
    for reason in ('2303 pixel values', 'non-integer', 'emotion 9', "Usage 'Validation'"):
        assert reason in reasons
    assert all(row.startswith(f'{path}:') for row in report.malformed_rows)


def test_fer_csv_missing_file_and_bad_header(tmp_path):
    with pytest.raises(records.DatasetError, match='no such file'):
        layouts.load_for_training(tmp_path / 'fer2013.csv', FER2013_LABELS)
    bad = tmp_path / 'bad.csv'
    bad.write_text('label,image\n1,2\n')
    with pytest.raises(records.DatasetError, match='header'):
        layouts.load_for_training(bad, FER2013_LABELS)


def test_train_test_folders_report_bad_image_and_unknown_class(train_test):
    root, info = train_test
    parts = layouts.load_for_training(root, FER2013_LABELS)
    assert parts.layout == layouts.LAYOUT_TRAIN_TEST
    assert len(parts.train) == info['train']
    assert len(parts.test) == info['test']
    assert parts.validation is None
    assert parts.report.unreadable_images == [f'{info["unreadable"]}: cannot be decoded as an '
                                              'image']
    assert parts.report.unknown_classes == [f'{info["unknown"]} (1 images skipped)']
    assert parts.report.problem_count == 2
    test, _ = layouts.load_for_evaluation(root, FER2013_LABELS)
    assert len(test) == info['test']


def test_ck_folders_and_aliases(ck_folders, tmp_path):
    root, info = ck_folders
    parts = layouts.load_for_training(root, FER2013_LABELS)
    assert parts.layout == layouts.LAYOUT_CLASS_FOLDERS
    assert len(parts.train) == info['count'] and parts.test is None
    assert parts.report.problem_count == 0
    assert Path(parts.train.sources[0]).name.startswith('S0')
    assert class_folders.class_index('Sadness', FER2013_LABELS) == 4
    assert class_folders.class_index('anger', FER2013_LABELS) == 0
    assert class_folders.class_index('contempt', FER2013_LABELS) is None


def test_empty_folder_is_an_error(tmp_path):
    (tmp_path / 'happy').mkdir()
    with pytest.raises(records.DatasetError, match='no training faces'):
        layouts.load_for_training(tmp_path, FER2013_LABELS)


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
    parts = layouts.load_for_training(root, FER2013_LABELS)
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


def test_fer_csv_classes_are_fer2013_order_mapped_by_name(fer_csv):
    path, _ = fer_csv
    reference, _ = fer2013_csv.load_fer2013_csv(path, fer2013_csv.FER_USAGES, FER2013_LABELS)
    # Another label order, without 'disgust' (index 1 in FER2013).
    order = ('neutral', 'happy', 'sad', 'surprise', 'angry', 'fear')
    mapped, report = fer2013_csv.load_fer2013_csv(path, fer2013_csv.FER_USAGES, order)
    kept = reference.labels != FER2013_LABELS.index('disgust')
    assert [order[i] for i in mapped.labels] == [FER2013_LABELS[i]
                                                 for i in reference.labels[kept]]
    np.testing.assert_array_equal(mapped.faces, reference.faces[kept])
    # The disgust rows are counted apart from the 4 malformed ones, with their location.
    assert len(report.malformed_rows) == 4
    disgust_rows = [s for s, k in zip(reference.sources, kept) if not k]
    assert len(report.excluded_rows) == len(disgust_rows) > 0
    assert sorted(row.split(': ')[0] for row in report.excluded_rows) == sorted(disgust_rows)
    assert all("class 'disgust' (emotion 1)" in row for row in report.excluded_rows)
    assert 'rows of classes not in the labels' in report.summary()
    assert report.problem_count == 4 + len(disgust_rows)


def test_fer_csv_unbalanced_quote(fer_csv, tmp_path):
    path, _ = fer_csv
    lines = path.read_text().splitlines(keepends=True)
    # In the middle: the quoted field swallows the rest of the file and the csv module fails.
    broken = tmp_path / 'broken.csv'
    broken.write_text(''.join(lines[:11] + [lines[11].replace(',', ',"', 1)] + lines[12:]))
    expected = f'^{broken}:12: field larger than field limit .*runs on to line'
    with pytest.raises(records.DatasetError, match=expected):
        layouts.load_for_training(broken, FER2013_LABELS)
    # In the last rows: a malformed row with its location, the earlier rows still load.
    tail = tmp_path / 'tail.csv'
    tail.write_text(''.join(lines[:-2] + [lines[-2].replace(',', ',"', 1)] + lines[-1:]))
    total = len(lines)
    sets, report = fer2013_csv.read_fer2013_csv(tail, FER2013_LABELS)
    assert report.malformed_rows[-1] == (f'{tail}:{total - 1}: unbalanced quote: the row spans '
                                         f'lines {total - 1} to {total}')
    assert sum(len(part) for part in sets.values()) == total - 1 - 4 - 2
    binary = tmp_path / 'binary.csv'
    binary.write_bytes(b'emotion,pixels,Usage\n\xff\xfe\x00\n')
    with pytest.raises(records.DatasetError, match=str(binary)):
        layouts.load_for_training(binary, FER2013_LABELS)


def test_skipped_files_are_counted_and_listed(tmp_path):
    faces, _, _ = fixtures.real_faces()
    root = tmp_path / 'ck'
    for name in ('happy', 'sad'):
        (root / name).mkdir(parents=True)
        cv2.imwrite(str(root / name / f'S001_001_{name}.png'), faces[0])
    loose = root / 'S002_001_loose.png'
    cv2.imwrite(str(loose), faces[1])
    notes = root / 'happy' / 'notes.txt'
    notes.write_text('not an image')
    gif = root / 'sad' / 'S003_001_00000001.gif'
    gif.write_bytes(b'GIF89a')
    nested = root / 'happy' / 'more'
    nested.mkdir()
    cv2.imwrite(str(nested / 'S004_001_00000001.png'), faces[2])
    parts = layouts.load_for_training(root, FER2013_LABELS)
    assert len(parts.train) == 2
    report = parts.report
    suffixes = ', '.join(class_folders.IMAGE_SUFFIXES)
    assert report.skipped_files == [f'{loose}: not inside a class folder',
                                    f'{nested}: nested folder inside a class folder',
                                    f'{notes}: not an image file suffix ({suffixes})',
                                    f'{gif}: not an image file suffix ({suffixes})']
    assert report.problem_count == 4
    assert report.to_dict()['skipped_files'] == report.skipped_files
    assert '4 skipped files:' in report.summary()
    merged = records.LoadReport()
    merged.merge(report)
    assert merged.skipped_files == report.skipped_files and merged.problem_count == 4


def test_evaluation_keeps_folder_images_at_their_size(train_test, tmp_path):
    root, info = train_test
    test, _ = layouts.load_for_evaluation(root, FER2013_LABELS)
    assert isinstance(test.faces, list) and len(test.faces) == info['test']
    assert test.faces[0].shape == (48, 48, 3) and test.faces[0].dtype == np.uint8
    big = tmp_path / 'big' / 'happy'
    big.mkdir(parents=True)
    image = np.random.default_rng(1).integers(0, 256, (70, 50, 3), np.uint8)
    cv2.imwrite(str(big / 'a.png'), image)
    faces, _ = layouts.load_for_evaluation(big.parent, FER2013_LABELS)
    np.testing.assert_array_equal(faces.faces[0], image)
    assert len(faces.subset([0]).faces) == 1
    assert len(records.FaceSet.concatenate([faces, faces])) == 2


def _config(data, split):
    return trainer.TrainConfig(data=str(data), run_dir='unused', split=split, seed=3)


def test_prepare_splits_subject_keeps_people_apart(ck_folders):
    root, _ = ck_folders
    data = trainer.prepare_splits(_config(root, 'subject'), FER2013_LABELS)
    assert data.warnings == []
    people = [set(splits.subject_ids(part.sources, splits.DEFAULT_SUBJECT_PATTERN))
              for part in (data.train, data.validation, data.test)]
    assert all(people)
    assert not people[0] & people[1] and not people[0] & people[2]
    assert not people[1] & people[2]
    assert len(data.train) + len(data.validation) + len(data.test) == len(
        fixtures.real_faces()[0])
    assert data.description == ('layout class_folders; test: subject split, 10% of the rest; '
                                'validation: subject split, 10% of the rest')


def test_stratified_split_of_subject_names_warns(ck_folders, fer_csv):
    root, _ = ck_folders
    data = trainer.prepare_splits(_config(root, 'stratified'), FER2013_LABELS)
    assert len(data.warnings) == 1
    assert 'near-duplicates leak' in data.warnings[0]
    assert 'use --split subject' in data.warnings[0]
    assert not splits.names_match_subjects([], splits.DEFAULT_SUBJECT_PATTERN)
    assert not splits.names_match_subjects(['a/S001_1.png', 'b/x.png'],
                                           splits.DEFAULT_SUBJECT_PATTERN)
    csv_path, _ = fer_csv
    assert trainer.prepare_splits(_config(csv_path, 'stratified'),
                                  FER2013_LABELS).warnings == []


def test_macro_f1_averages_over_the_classes_that_occur():
    happy, sad, neutral = (FER2013_LABELS.index(name) for name in ('happy', 'sad', 'neutral'))
    perfect = reporting.compute_metrics(np.array([happy, sad]), np.array([happy, sad]),
                                        FER2013_LABELS)
    assert perfect['accuracy'] == 1.0 and perfect['macro_f1'] == 1.0
    # A class predicted but never true counts (its F1 is 0); absent ones do not.
    wrong = reporting.compute_metrics(np.array([happy, happy]), np.array([happy, neutral]),
                                      FER2013_LABELS)
    assert wrong['macro_f1'] == pytest.approx((2 / 3 + 0.0) / 2)


def test_metrics_without_any_face_are_zero():
    metrics = reporting.compute_metrics(np.zeros(0), np.zeros(0), FER2013_LABELS)
    assert metrics['n'] == 0 and metrics['accuracy'] == 0.0 and metrics['macro_f1'] == 0.0
    assert metrics['confusion_matrix'] == [[0] * 7 for _ in range(7)]
    assert metrics['per_class']['happy'] == {'precision': 0.0, 'recall': 0.0,
                                             'f1-score': 0.0, 'support': 0.0}
    assert metrics['classes'] == list(FER2013_LABELS)
