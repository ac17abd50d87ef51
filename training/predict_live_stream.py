#!/usr/bin/env python3
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

r"""
Live facial emotions without ROS, from a webcam or a video file.

Examples (from the repository root)::

    python training/predict_live_stream.py --source 0                 # webcam, window
    python training/predict_live_stream.py --source assets/media/single_face.mp4 \\
        --output runs/live/single_face.mp4                            # headless

The same detection step (detect when due, then track), averaged crops (``--crop-margins``,
``--mirror``), preprocessing and classifier as the ROS nodes, built from the same stage configs.
With a display the overlay is shown in a window ('q' quits; ``--output`` also records it);
without one it is written to ``--output`` (default ``runs/live/<source>_annotated.mp4``).
Every frame prints one line per face: ``frame N face ID box=(x,y,w,h) label confidence``.

Imports and errors: see ``training/train.py`` (:mod:`emotion_ros.training.command_line`).
"""

import argparse
from pathlib import Path
import sys
from typing import List, Optional

REPO_ROOT = Path(__file__).resolve().parent.parent
# The repository root, a fallback after the installed package and PYTHONPATH.
sys.path.append(str(REPO_ROOT))
from emotion_ros.training import command_line  # noqa: E402 (found through the path above)

DEFAULT_MODEL = REPO_ROOT / 'assets' / 'models' / 'fer_mini_xception.tflite'


def build_parser() -> argparse.ArgumentParser:
    """
    Describe the command line.

    :returns: the parser.
    """
    from emotion_ros.core.config import DetectorConfig, EmotionConfig
    from emotion_ros.core.config_fields import add_arguments
    parser = command_line.make_parser(__doc__)
    parser.add_argument('--source', default='0',
                        help='webcam index, /dev/videoN, a video file or an image folder')
    parser.add_argument('--model', default=str(DEFAULT_MODEL),
                        help='.keras/.hdf5/.tflite/.onnx model with a card (default: the '
                             'out-of-the-box mini-Xception)')
    add_arguments(parser, DetectorConfig,
                  ('detector', 'blazeface_model', 'min_score', 'detection_scale'))
    add_arguments(parser, EmotionConfig, ('smoothing', 'crop_margins', 'mirror', 'align_roll'))
    parser.add_argument('--output', help='annotated video to write (default when headless: '
                                         'runs/live/<source>_annotated.mp4)')
    parser.add_argument('--no-window', action='store_true', help='never open a window')
    parser.add_argument('--max-frames', type=int, default=0, help='stop after N frames')
    return parser


def expected_errors() -> command_line.Errors:
    """Return the errors of bad sources, models or options: each is printed as one line."""
    from emotion_ros.core.frames.sources import SourceError
    from emotion_ros.core.model.classifier import ModelLoadError

    return SourceError, ModelLoadError, ValueError, OSError, ImportError


def stream(args: argparse.Namespace) -> None:
    """
    Run the live loop on the source, then print how many frames and faces it saw.

    :param args: the parsed command line.
    """
    from emotion_ros.core.config import DetectorConfig, EmotionConfig, TrackerConfig
    from emotion_ros.core.config_fields import config_from_arguments
    from emotion_ros.core.emotion.face_emotions import FaceEmotionEstimator
    from emotion_ros.core.faces.tracking_step import DetectAndTrack
    from emotion_ros.core.frames.sources import open_source
    from emotion_ros.core.model.classifier import EmotionClassifier
    from emotion_ros.tools.live_stream import display_available, run_stream

    source = open_source(args.source)
    try:
        show = not args.no_window and display_available()
        output = Path(args.output) if args.output else None
        if output is None and not show:
            output = Path('runs') / 'live' / f'{Path(str(args.source)).stem}_annotated.mp4'
        classifier = EmotionClassifier.load(args.model)
        estimator = FaceEmotionEstimator.from_config(
            classifier, config_from_arguments(EmotionConfig, args))
        faces = DetectAndTrack.from_config(config_from_arguments(DetectorConfig, args),
                                           TrackerConfig())
        stats = run_stream(source, faces, estimator, show, output, args.max_frames)
    finally:
        source.close()
    rate = stats.frames / stats.seconds if stats.seconds > 0 else 0.0
    print(f'{stats.frames} frames, {stats.face_results} face results, {rate:.1f} frames/s'
          + (f'; annotated video: {stats.output}' if stats.output else ''))


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line on ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    return command_line.run(__file__, build_parser, expected_errors,
                            lambda parser, args: stream(args), argv)


if __name__ == '__main__':
    sys.exit(main())
