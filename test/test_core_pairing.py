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

"""Tests of exact-stamp pairing of images and face lists."""

from types import SimpleNamespace

from emotion_ros.core.emotion.pairing import PairerStats, stamp_key, stamp_seconds, StampPair
from emotion_ros.core.emotion.pairing import StampPairer
import numpy as np
import pytest

SEED = 3


def test_image_first_then_faces() -> None:
    pairer = StampPairer(4)
    assert pairer.add_image((1, 0), 'img1') is None
    pair = pairer.add_faces((1, 0), ['face'])
    assert pair == StampPair((1, 0), 'img1', ['face'])
    assert pair.image == 'img1' and pair.faces == ['face']
    assert pairer.stats == PairerStats(1, 0, 0, 0, 0, 0, 0)


def test_faces_first_then_image() -> None:
    pairer = StampPairer(4)
    assert pairer.add_faces((2, 5), []) is None
    assert pairer.add_image((2, 5), 'img') == StampPair((2, 5), 'img', [])
    assert pairer.stats.pending_faces == 0 and pairer.stats.paired == 1


def test_different_keys_do_not_pair() -> None:
    pairer = StampPairer(4)
    assert pairer.add_image((1, 0), 'a') is None
    assert pairer.add_faces((1, 1), 'f') is None
    stats = pairer.stats
    assert (stats.pending_images, stats.pending_faces, stats.paired) == (1, 1, 0)


def test_a_pair_is_made_once() -> None:
    pairer = StampPairer(4)
    pairer.add_image(7, 'img')
    assert pairer.add_faces(7, 'f') is not None
    assert pairer.add_faces(7, 'f again') is None  # the image was consumed
    assert pairer.stats.pending_faces == 1


def test_oldest_is_evicted_and_counted() -> None:
    pairer = StampPairer(3)
    for key in range(5):
        pairer.add_image(key, f'img{key}')
    assert pairer.stats.evicted_images == 2 and pairer.stats.pending_images == 3
    assert pairer.add_faces(0, 'f0') is None  # evicted
    assert pairer.add_faces(1, 'f1') is None  # evicted
    assert pairer.add_faces(2, 'f2') == StampPair(2, 'img2', 'f2')
    for key in range(10, 14):
        pairer.add_faces(key, 'f')
    stats = pairer.stats
    assert stats.evicted_faces == 3  # 0, 1 and 10 pushed out
    assert stats.pending_faces == 3 and stats.paired == 1


def test_repeated_key_replaces_and_refreshes() -> None:
    pairer = StampPairer(2)
    pairer.add_image(1, 'old')
    pairer.add_image(2, 'two')
    pairer.add_image(1, 'new')  # now the newest: 2 is the oldest
    pairer.add_image(3, 'three')
    assert pairer.stats.replaced_images == 1 and pairer.stats.evicted_images == 1
    assert pairer.add_faces(1, 'f').image == 'new'
    assert pairer.add_faces(2, 'f') is None


def test_interleaved_random_order_pairs_everything() -> None:
    rng = np.random.default_rng(SEED)
    pairer = StampPairer(10)
    # Each stream is in stamp order (one camera, one tracker), but a face list arrives a few
    # messages before or after its image.
    lag = rng.uniform(-3, 3, 200)
    images = [(k, 'image', k) for k in range(200)]
    faces = [(k + lag[k], 'faces', k) for k in range(200)]
    events = sorted(images + faces)
    events = [(side, key) for _, side, key in _in_stream_order(events)]
    pairs = []
    for side, key in events:
        pair = (pairer.add_image(key, f'i{key}') if side == 'image'
                else pairer.add_faces(key, f'f{key}'))
        if pair is not None:
            pairs.append(pair)
    assert sorted(p.key for p in pairs) == list(range(200))
    assert all(p.image == f'i{p.key}' and p.faces == f'f{p.key}' for p in pairs)
    assert pairer.stats == PairerStats(200, 0, 0, 0, 0, 0, 0)


def _in_stream_order(events: list) -> list:
    """Keep the merged order but make each side's keys ascending, as DDS delivers them."""
    keys = {side: iter(sorted(key for _, s, key in events if s == side))
            for side in ('image', 'faces')}
    return [(when, side, next(keys[side])) for when, side, _ in events]


def test_lost_messages_are_evicted_as_soon_as_a_later_pair_forms() -> None:
    """An image whose faces never come is dropped at the next pair, not after capacity."""
    pairer = StampPairer(30)
    for key in range(1000):
        pairer.add_image(key, key)
        if key % 3:  # every third face list is lost (the tracker skipped the frame)
            assert pairer.add_faces(key, key) is not None
        assert pairer.stats.pending_images <= 1
    stats = pairer.stats
    assert stats.pending_images == 1 and stats.evicted_images == 333  # 999 still waits
    assert stats.paired == 666


def test_faces_whose_image_was_lost_are_evicted_at_the_next_pair() -> None:
    pairer = StampPairer(30)
    assert pairer.add_faces(1, 'f1') is None  # image 1 lost on the way
    assert pairer.add_faces(2, 'f2') is None
    assert pairer.add_image(2, 'i2') == StampPair(2, 'i2', 'f2')
    assert pairer.stats.pending_faces == 0 and pairer.stats.evicted_faces == 1


def test_clear() -> None:
    pairer = StampPairer(1)
    pairer.add_image(1, 'a')
    pairer.add_image(2, 'b')
    pairer.clear()
    assert pairer.stats == PairerStats(0, 0, 0, 0, 0, 0, 0)
    assert pairer.add_faces(2, 'f') is None


@pytest.mark.parametrize('capacity', [0, -1, 2.5, True, '3'])
def test_capacity_is_validated(capacity: object) -> None:
    with pytest.raises(ValueError, match='capacity'):
        StampPairer(capacity)


def test_stamp_key() -> None:
    stamp = SimpleNamespace(sec=1700000000, nanosec=123456789)
    assert stamp_key(stamp) == (1700000000, 123456789)
    assert stamp_key(stamp) == stamp_key(SimpleNamespace(sec=1700000000, nanosec=123456789))
    assert stamp_key(stamp) != stamp_key(SimpleNamespace(sec=1700000000, nanosec=123456790))


def test_stamp_seconds() -> None:
    assert stamp_seconds(SimpleNamespace(sec=12, nanosec=500000000)) == 12.5
