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

"""The emotion-event state machine: appeared, changed after the hysteresis, lost."""

from types import SimpleNamespace

from emotion_ros.core.emotion.events import APPEARED, CHANGED, EmotionEventDetector, LOST
import pytest

FRAME_NS = 33_333_333  # one frame at 30 Hz, nanoseconds
START_NS = 1_700_000_000_123_456_789  # a realistic stamp, nanoseconds


def face(face_id: int, label: str, confidence: float = 0.8, reliable: bool = True):
    return SimpleNamespace(face_id=face_id, label=label, confidence=confidence,
                           reliable=reliable)


def run(detector: EmotionEventDetector, labels: list, face_id: int = 1,
        reliable: bool = True) -> list:
    """Feed one label per frame (None: the face is absent); return (frame index, event)."""
    out = []
    for index, label in enumerate(labels):
        faces = [] if label is None else [face(face_id, label, reliable=reliable)]
        out += [(index, e) for e in detector.update(START_NS + index * FRAME_NS, faces)]
    return out


def test_appeared_changed_lost_with_stamps_and_durations() -> None:
    detector = EmotionEventDetector(hysteresis=0.1, lost_timeout=2.0)
    # 30 neutral frames, then happy for 30 frames, then gone.
    events = run(detector, ['neutral'] * 30 + ['happy'] * 30 + [None])
    kinds = [(i, e.kind, e.previous_label, e.label) for i, e in events]
    # happy starts at frame 30; 0.1 s is reached at frame 34 (3 frames are 99.999999 ms).
    assert kinds == [(0, APPEARED, '', 'neutral'), (34, CHANGED, 'neutral', 'happy'),
                     (60, LOST, 'happy', '')]
    appeared, changed, lost = (e for _, e in events)
    assert appeared.stamp_ns == START_NS and appeared.previous_duration == 0.0
    assert changed.stamp_ns == START_NS + 34 * FRAME_NS, 'stamped with a frame stamp exactly'
    assert changed.previous_duration == pytest.approx(30 * FRAME_NS / 1e9)
    assert changed.confidence == pytest.approx(0.8) and changed.reliable
    assert lost.previous_duration == pytest.approx(30 * FRAME_NS / 1e9)
    assert lost.confidence == 0.0
    assert detector.track_ids == frozenset()


def test_a_flicker_shorter_than_the_hysteresis_is_no_event() -> None:
    detector = EmotionEventDetector(hysteresis=0.3, lost_timeout=2.0)
    labels = ['neutral'] * 10 + ['happy'] * 5 + ['neutral'] * 10 + ['sad', 'happy'] * 10
    assert [e.kind for _, e in run(detector, labels)] == [APPEARED]


def test_zero_hysteresis_changes_at_once() -> None:
    detector = EmotionEventDetector(hysteresis=0.0, lost_timeout=2.0)
    events = run(detector, ['neutral', 'happy', 'sad'])
    assert [(i, e.kind, e.label) for i, e in events] == [
        (0, APPEARED, 'neutral'), (1, CHANGED, 'happy'), (2, CHANGED, 'sad')]


def test_a_held_estimate_never_confirms_a_change() -> None:
    """Unreliable frames (head turned) do not emit CHANGED; the first frontal frame does."""
    detector = EmotionEventDetector(hysteresis=0.1, lost_timeout=2.0)
    detector.update(START_NS, [face(1, 'neutral')])
    for index in range(1, 10):
        assert detector.update(START_NS + index * FRAME_NS,
                               [face(1, 'happy', reliable=False)]) == []
    [event] = detector.update(START_NS + 10 * FRAME_NS, [face(1, 'happy')])
    assert event.kind == CHANGED and event.reliable
    # The new label started at the first frame that showed it.
    assert event.previous_duration == pytest.approx(FRAME_NS / 1e9)


def test_tracks_are_independent_and_lost_ones_come_last() -> None:
    detector = EmotionEventDetector(hysteresis=0.0, lost_timeout=2.0)
    detector.update(START_NS, [face(1, 'neutral'), face(2, 'sad', reliable=False)])
    events = detector.update(START_NS + FRAME_NS, [face(3, 'happy'), face(1, 'fear')])
    assert [(e.kind, e.face_id) for e in events] == [(APPEARED, 3), (CHANGED, 1), (LOST, 2)]
    assert not events[2].reliable, 'lost reports whether the face was frontal last'


def test_expire_loses_every_track_with_the_last_stamp_when_frames_stop() -> None:
    detector = EmotionEventDetector(hysteresis=0.0, lost_timeout=2.0)
    assert detector.expire(100.0) == []
    detector.update(START_NS, [face(1, 'neutral'), face(2, 'happy')], now=10.0)
    detector.update(START_NS + FRAME_NS, [face(1, 'neutral'), face(2, 'happy')], now=10.03)
    assert detector.expire(11.0) == [], 'frames still arrive'
    lost = detector.expire(12.5)
    assert [(e.kind, e.face_id, e.stamp_ns) for e in lost] == [
        (LOST, 1, START_NS + FRAME_NS), (LOST, 2, START_NS + FRAME_NS)]
    assert detector.expire(20.0) == [], 'each track is lost once'
    # A face seen again later appears anew.
    [again] = detector.update(START_NS + 100 * FRAME_NS, [face(1, 'sad')], now=30.0)
    assert again.kind == APPEARED


@pytest.mark.parametrize('value', [-0.1, float('nan'), float('inf'), True, 'a'])
def test_bad_times_are_refused(value) -> None:
    with pytest.raises(ValueError, match='hysteresis'):
        EmotionEventDetector(hysteresis=value, lost_timeout=1.0)
    with pytest.raises(ValueError, match='lost_timeout'):
        EmotionEventDetector(hysteresis=0.0, lost_timeout=value)
