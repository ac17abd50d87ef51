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
One step of a video: detect when due, then track.

Every caller that follows faces through frames uses :class:`DetectAndTrack`: the face-tracker
node, ``training/predict_live_stream.py`` and the video benches. The detector runs when the
tracker says it is due (every ``detection_interval``-th frame, and every frame while a new face
is unconfirmed); a detector that can look around the faces already tracked
(:class:`~emotion_ros.core.faces.multiscale.MultiScaleDetector`) is given their boxes.
"""

from pathlib import Path
from typing import Optional

from emotion_ros.core.config import DetectorConfig, FaceLimitConfig, TrackerConfig
from emotion_ros.core.faces.detection import FaceDetector, make_detector
from emotion_ros.core.faces.tracking import SortTracker, Track
import numpy as np


class DetectAndTrack:
    """A detector and a SORT tracker, stepped one frame at a time."""

    def __init__(self, detector: FaceDetector, tracker: SortTracker, interval: int = 1) -> None:
        """
        Pair a detector with a tracker.

        :param detector: any detector; one with ``detect_tracked(bgr, boxes)`` gets the boxes.
        :param tracker: the tracker (its tracks are this step's).
        :param interval: run the detector on every ``interval``-th frame, >= 1.
        :raises ValueError: for an interval under 1.
        """
        if interval < 1:
            raise ValueError(f'the detection interval must be >= 1, got {interval}')
        self.detector = detector
        self.tracker = tracker
        self.interval = int(interval)
        self.detector_runs = 0  # frames the detector ran on, since the start
        self._detect_tracked = getattr(detector, 'detect_tracked', None)

    @classmethod
    def from_config(cls, detector: DetectorConfig = DetectorConfig(),
                    tracker: TrackerConfig = TrackerConfig(),
                    limits: FaceLimitConfig = FaceLimitConfig(),
                    models_dir: Optional[Path] = None) -> 'DetectAndTrack':
        """
        Load the detector and make an empty tracker from the stage configs.

        :param detector: the detector's settings.
        :param tracker: the tracker's settings (``detection_interval`` among them).
        :param limits: how many detections one frame may use.
        :param models_dir: folder of the detector models (default: the package's).
        :returns: the step.
        :raises ValueError: for an unknown detector or a bad setting.
        :raises RuntimeError: when a detector library cannot load its model.
        :raises OSError: when a model file is missing.
        """
        return cls(make_detector(detector, models_dir), SortTracker.from_config(tracker, limits),
                   tracker.detection_interval)

    def step(self, bgr: np.ndarray) -> list[Track]:
        """
        Advance one frame: detect if due, then update the tracks.

        :param bgr: uint8 (H, W, 3) BGR frame.
        :returns: the confirmed tracks of this frame (matched or coasting), sorted by id.
        :raises ValueError: when ``bgr`` is not a uint8 HxWx3 image (on a detection frame).
        """
        if not self.tracker.detection_due(self.interval):
            return self.tracker.update((), detected=False)
        self.detector_runs += 1
        if self._detect_tracked is not None:
            found = self._detect_tracked(bgr, self.tracker.boxes())
        else:
            found = self.detector.detect(bgr)
        return self.tracker.update(found, detected=True)
