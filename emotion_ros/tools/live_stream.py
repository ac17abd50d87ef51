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
Live emotions without ROS: source -> detector -> SORT tracker -> classifier -> overlay.

The same core stages as the nodes (``DetectAndTrack``: detect when due, then track;
``FaceEmotionEstimator`` with its averaged crops, ``draw_annotations``), built by the caller
from the same stage configs. Frames go to a window when a display is available, otherwise to an
annotated video file. Not training code, so it lives with the tools, not in ``training/``.
"""

from dataclasses import dataclass
import os
from pathlib import Path
import time
from typing import Callable, List, Optional

import cv2
import numpy as np

DEFAULT_OUTPUT_FPS = 30.0  # frames per second written when the source reports none
VIDEO_FOURCC = 'mp4v'  # codec of the annotated video
WINDOW_NAME = 'emotion_ros'
QUIT_KEYS = (ord('q'), 27)  # 'q' or Escape closes the window


@dataclass
class StreamStats:
    """What a stream run did."""

    frames: int = 0
    face_results: int = 0
    seconds: float = 0.0
    output: Optional[str] = None


def display_available() -> bool:
    """
    Tell whether a window can be shown (a display and an OpenCV build with GUI support).

    :returns: True when ``cv2.imshow`` can be used.
    """
    if not (os.environ.get('DISPLAY') or os.environ.get('WAYLAND_DISPLAY')):
        return False
    try:
        cv2.namedWindow(WINDOW_NAME)
    except cv2.error:  # opencv-python-headless has no GUI
        return False
    return True


def format_results(frame_index: int, results) -> List[str]:
    """
    Describe the faces of one frame, one line each.

    :param frame_index: frame number, from 0.
    :param results: :class:`emotion_ros.core.emotion.face_emotions.FaceEmotion` items.
    :returns: lines like ``frame 12 face 1 box=(10,20,80,80) happy 0.93``.
    """
    return [f'frame {frame_index} face {r.face_id} box=({",".join(f"{v:.0f}" for v in r.box)}) '
            f'{r.label} {r.confidence:.2f}' for r in results]


def run_stream(source, step, estimator, show: bool, output: Optional[Path],
               max_frames: int = 0, emit: Callable[[str], None] = print) -> StreamStats:
    """
    Process a frame source until it ends (or ``max_frames``, or 'q' in the window).

    :param source: a :class:`emotion_ros.core.frames.sources.FrameSource`.
    :param step: a :class:`emotion_ros.core.faces.tracking_step.DetectAndTrack` (the node's
        detector and tracker).
    :param estimator: a :class:`emotion_ros.core.emotion.face_emotions.FaceEmotionEstimator`.
    :param show: draw in a window.
    :param output: annotated video file to write, or None.
    :param max_frames: stop after this many frames (0: no limit).
    :param emit: where the per-face lines go.
    :returns: counts of the run.
    """
    from emotion_ros.core.emotion.annotate import draw_annotations
    from emotion_ros.core.emotion.face_emotions import to_annotations
    from emotion_ros.core.faces.head_pose import estimate_head_pose

    stats = StreamStats(output=str(output) if output else None)
    writer = None
    start = time.perf_counter()
    try:
        while not max_frames or stats.frames < max_frames:
            frame = source.read()
            if frame is None:
                break
            tracks = step.step(frame)
            height, width = frame.shape[:2]
            faces = [(t.id, t.box, t.keypoints, estimate_head_pose(t.keypoints, width, height))
                     for t in tracks]
            results, problems = estimator.estimate(frame, faces)
            for line in format_results(stats.frames, results) + [str(p) for p in problems]:
                emit(line)
            annotated = draw_annotations(frame, to_annotations(results))
            if output is not None:
                writer = writer or _open_writer(output, annotated, source.fps)
                writer.write(annotated)
            if show:
                cv2.imshow(WINDOW_NAME, annotated)
                if cv2.waitKey(1) & 0xFF in QUIT_KEYS:
                    break
            stats.frames += 1
            stats.face_results += len(results)
    finally:
        if writer is not None:
            writer.release()
        if show:
            cv2.destroyAllWindows()
    stats.seconds = time.perf_counter() - start
    return stats


def _open_writer(path: Path, frame: np.ndarray, fps: float):
    """Open a video writer sized like the frame."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    rate = fps if fps and fps > 0 else DEFAULT_OUTPUT_FPS
    height, width = frame.shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*VIDEO_FOURCC), rate,
                             (width, height))
    if not writer.isOpened():
        raise OSError(f'{path}: cannot open a video writer ({VIDEO_FOURCC})')
    return writer
