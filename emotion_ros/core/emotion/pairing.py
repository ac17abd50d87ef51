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
Exact-stamp pairing of images with the face lists computed from them.

A stand-in for message_filters' exact-time synchronizer (not installable here): each half waits
in a bounded buffer until the other half with the same key arrives, in either order. When a
buffer is full the oldest waiting item (by arrival) is evicted and counted, so a lost message
costs memory for at most ``capacity`` items per side.

Both streams come in stamp order (one camera, one tracker that keeps only the newest frame), so
once the pair with key K is made, every item still waiting with a key before K can never pair:
its partner was skipped by the tracker or lost on the way. Those are evicted at once, so under
load the buffers hold a few frames, not ``capacity`` full-size images. Keys must be ordered
(:func:`stamp_key` gives ``(sec, nanosec)``).
"""

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Hashable, NamedTuple

# Default items waiting per side (messages); 30 = one second of 30 fps video.
DEFAULT_CAPACITY = 30


class StampPair(NamedTuple):
    """An image and the faces computed from it, with their common key."""

    key: Hashable
    image: Any
    faces: Any


@dataclass(frozen=True)
class PairerStats:
    """Counters for diagnostics (all counts since creation or :meth:`StampPairer.clear`)."""

    paired: int
    evicted_images: int
    evicted_faces: int
    replaced_images: int
    replaced_faces: int
    pending_images: int
    pending_faces: int


def stamp_key(stamp: Any) -> tuple[int, int]:
    """
    Make a pairing key from a ``builtin_interfaces/Time``-like stamp.

    :param stamp: any object with integer ``sec`` and ``nanosec`` attributes.
    :returns: ``(sec, nanosec)``.
    """
    return (int(stamp.sec), int(stamp.nanosec))


def stamp_seconds(stamp: Any) -> float:
    """
    Return a ``builtin_interfaces/Time``-like stamp as seconds.

    :param stamp: any object with integer ``sec`` and ``nanosec`` attributes.
    :returns: ``sec + nanosec * 1e-9``.
    """
    return int(stamp.sec) + int(stamp.nanosec) * 1e-9


class StampPairer:
    """Pair images and face lists by exact key, bounded, evicting the oldest."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        """
        Create an empty pairer.

        :param capacity: items that may wait per side (images, face lists), >= 1.
        :raises ValueError: if ``capacity`` is not a positive integer.
        """
        if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f'capacity must be a positive integer, got {capacity!r}')
        self._capacity = capacity
        self._images: OrderedDict[Hashable, Any] = OrderedDict()
        self._faces: OrderedDict[Hashable, Any] = OrderedDict()
        self._paired = 0
        self._evicted = {'images': 0, 'faces': 0}
        self._replaced = {'images': 0, 'faces': 0}

    @property
    def capacity(self) -> int:
        """
        Return how many items may wait per side.

        :returns: the capacity.
        """
        return self._capacity

    def add_image(self, key: Hashable, image: Any) -> StampPair | None:
        """
        Offer an image; pair it if its faces are waiting.

        :param key: the image's exact stamp key (e.g. :func:`stamp_key` of its header).
        :param image: the image (any object).
        :returns: the pair if the faces with this key were waiting, else None (the image waits).
        """
        if key in self._faces:
            return self._pair(key, image, self._faces.pop(key))
        self._store(self._images, key, image, 'images')
        return None

    def add_faces(self, key: Hashable, faces: Any) -> StampPair | None:
        """
        Offer a face list; pair it if its image is waiting.

        :param key: the exact stamp key of the image the faces were found in.
        :param faces: the faces (any object).
        :returns: the pair if the image with this key was waiting, else None (the faces wait).
        """
        if key in self._images:
            return self._pair(key, self._images.pop(key), faces)
        self._store(self._faces, key, faces, 'faces')
        return None

    def _pair(self, key: Hashable, image: Any, faces: Any) -> StampPair:
        self._paired += 1
        for buffer, side in ((self._images, 'images'), (self._faces, 'faces')):
            stale = [waiting for waiting in buffer if waiting < key]
            for waiting in stale:
                del buffer[waiting]
            self._evicted[side] += len(stale)
        return StampPair(key, image, faces)

    def _store(self, buffer: OrderedDict, key: Hashable, item: Any, side: str) -> None:
        if key in buffer:
            # A repeated key: the newer item wins and counts as the newest arrival.
            self._replaced[side] += 1
            del buffer[key]
        buffer[key] = item
        while len(buffer) > self._capacity:
            buffer.popitem(last=False)
            self._evicted[side] += 1

    @property
    def stats(self) -> PairerStats:
        """
        Return the counters for diagnostics.

        :returns: pairs made, items evicted unpaired, items replaced by a repeated key, and
            items waiting now, per side.
        """
        return PairerStats(
            paired=self._paired,
            evicted_images=self._evicted['images'], evicted_faces=self._evicted['faces'],
            replaced_images=self._replaced['images'], replaced_faces=self._replaced['faces'],
            pending_images=len(self._images), pending_faces=len(self._faces))

    def clear(self) -> None:
        """Drop every waiting item and reset the counters."""
        self._images.clear()
        self._faces.clear()
        self._paired = 0
        self._evicted = {'images': 0, 'faces': 0}
        self._replaced = {'images': 0, 'faces': 0}
