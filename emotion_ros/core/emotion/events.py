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
Emotion-change events per tracked face: appeared, changed (with hysteresis), lost.

Robot behaviours want "person 3 started smiling", not a 30 Hz stream. :class:`EmotionEventDetector`
is fed every classified frame (its stamp and the per-track smoothed results) and says what
happened:

* **APPEARED** the first frame a track is seen, with its label then;
* **CHANGED** when a track's label differs from its current one and the new label has held
  for ``hysteresis`` seconds (of stamps), on a frame whose estimate is trusted (``reliable``;
  a held estimate never confirms a change); the event carries that frame's stamp, and how long
  the previous label lasted (from its start to the start of the new label);
* **LOST** on the first frame without the track, or, when no frame arrives for
  ``lost_timeout`` seconds (of the caller's clock, e.g. the video ended), for every track
  still known, with the last frame's stamp.

Stamps are integer nanoseconds, so an event's stamp is exactly the stamp of a frame.
"""

from collections.abc import Sequence
from dataclasses import dataclass
import math
from typing import Optional, Protocol

# Event kinds; emotion_msgs/EmotionEvent has the same constants (a test keeps them equal).
APPEARED = 1
CHANGED = 2
LOST = 3
KIND_NAMES = {APPEARED: 'appeared', CHANGED: 'changed', LOST: 'lost'}
NANOSECONDS = 1_000_000_000  # per second


class TrackEmotion(Protocol):
    """What the detector reads of one face's result (a FaceEmotion has it all)."""

    face_id: int
    label: str
    confidence: float
    reliable: bool


@dataclass(frozen=True)
class EmotionEvent:
    """
    Something that happened to one tracked face.

    :param kind: :data:`APPEARED`, :data:`CHANGED` or :data:`LOST`.
    :param face_id: track id.
    :param stamp_ns: stamp of the frame it happened in, nanoseconds.
    :param previous_label: the label before ('' for APPEARED).
    :param label: the label now ('' for LOST).
    :param confidence: the new label's confidence, 0..1 (0 for LOST).
    :param previous_duration: how long the previous label lasted, s (0 for APPEARED).
    :param reliable: whether the face was frontal (its estimate trusted) in that frame.
    """

    kind: int
    face_id: int
    stamp_ns: int
    previous_label: str
    label: str
    confidence: float
    previous_duration: float
    reliable: bool


@dataclass
class _TrackState:
    label: str
    since_ns: int
    reliable: bool
    candidate: Optional[str] = None
    candidate_since_ns: int = 0


def _check_seconds(name: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or value < 0.0:
        raise ValueError(f'{name} must be a finite number of seconds >= 0, got {value!r}')
    return float(value)


class EmotionEventDetector:
    """The per-track state machine; call :meth:`update` every frame, :meth:`expire` when idle."""

    def __init__(self, hysteresis: float, lost_timeout: float) -> None:
        """
        Start with no track.

        :param hysteresis: seconds a new label must hold before CHANGED (0: at once).
        :param lost_timeout: seconds without any frame after which every track is LOST.
        :raises ValueError: for a negative or non-finite time.
        """
        self._hysteresis_ns = round(_check_seconds('hysteresis', hysteresis) * NANOSECONDS)
        self._lost_timeout = _check_seconds('lost_timeout', lost_timeout)
        self._tracks: dict[int, _TrackState] = {}
        self._last_stamp_ns: Optional[int] = None
        self._last_frame_time: Optional[float] = None

    @property
    def track_ids(self) -> frozenset:
        """Return the ids of the tracks currently known."""
        return frozenset(self._tracks)

    def update(self, stamp_ns: int, faces: Sequence[TrackEmotion],
               now: Optional[float] = None) -> list[EmotionEvent]:
        """
        Take in one frame's results.

        :param stamp_ns: the frame's stamp, integer nanoseconds.
        :param faces: one result per track present in the frame (smoothed label, confidence,
            reliable).
        :param now: the caller's clock, s, for :meth:`expire` (None: not tracked).
        :returns: the events of this frame: appeared and changed in input order, then lost.
        """
        stamp_ns = int(stamp_ns)
        events = []
        present = set()
        for face in faces:
            present.add(face.face_id)
            state = self._tracks.get(face.face_id)
            if state is None:
                self._tracks[face.face_id] = _TrackState(face.label, stamp_ns,
                                                         bool(face.reliable))
                events.append(EmotionEvent(APPEARED, face.face_id, stamp_ns, '', face.label,
                                           float(face.confidence), 0.0, bool(face.reliable)))
                continue
            state.reliable = bool(face.reliable)
            event = self._follow(state, face, stamp_ns)
            if event is not None:
                events.append(event)
        for face_id in [f for f in self._tracks if f not in present]:
            events.append(self._lost(face_id, stamp_ns))
        self._last_stamp_ns = stamp_ns
        self._last_frame_time = now
        return events

    def _follow(self, state: _TrackState, face: TrackEmotion,
                stamp_ns: int) -> Optional[EmotionEvent]:
        """Advance one present track; return its CHANGED event when the new label has held."""
        if face.label == state.label:
            state.candidate = None
            return None
        if face.label != state.candidate:
            state.candidate, state.candidate_since_ns = face.label, stamp_ns
        if not face.reliable or stamp_ns - state.candidate_since_ns < self._hysteresis_ns:
            return None
        event = EmotionEvent(CHANGED, face.face_id, stamp_ns, state.label, face.label,
                             float(face.confidence),
                             (state.candidate_since_ns - state.since_ns) / NANOSECONDS, True)
        state.label, state.since_ns = face.label, state.candidate_since_ns
        state.candidate = None
        return event

    def _lost(self, face_id: int, stamp_ns: int) -> EmotionEvent:
        state = self._tracks.pop(face_id)
        return EmotionEvent(LOST, face_id, stamp_ns, state.label, '', 0.0,
                            max(stamp_ns - state.since_ns, 0) / NANOSECONDS, state.reliable)

    def expire(self, now: float) -> list[EmotionEvent]:
        """
        Lose every track when no frame came for ``lost_timeout`` seconds.

        :param now: the caller's clock, s (the same clock as ``update``'s ``now``).
        :returns: one LOST event per known track, stamped with the last frame's stamp; empty
            when frames still arrive or no track is known.
        """
        if not self._tracks or self._last_frame_time is None \
                or now - self._last_frame_time < self._lost_timeout:
            return []
        return [self._lost(face_id, self._last_stamp_ns) for face_id in list(self._tracks)]
