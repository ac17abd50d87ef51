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

"""
Benchmark the image encodings: cost to decode (tracker, classifier) and encode (camera) a frame.

For every encoding of ``emotion_ros.core.frames.image_codec`` a 640x480 frame of
``assets/media/multi_face.jpg`` is encoded once, put in an ``array.array('B')`` as a received
``sensor_msgs/Image`` holds it, and ``decode_image`` is timed N times (median, p90, ms); the
encode (``encode_pixels``, what the camera does with ``output_encoding``) likewise. With
``--baseline REF`` the bgr8 decode of the ``image_codec.py`` at git revision REF is timed too,
alternating with the current one batch by batch (100 calls a batch: one call is a few
microseconds),
to show bgr8 stayed a view (before/after).

Run from the repository root (it times the source tree's codec and needs no ROS; the venv is
enough): ``python bench/bench_encodings.py [--frames 300] [--baseline 0b946e0] [--json F]``.
"""

import argparse
import array
from collections.abc import Callable
import importlib.util
import os
from pathlib import Path
import subprocess
import sys
import tempfile
import time
from typing import Any, Optional

REPO_ROOT = Path(__file__).resolve().parent.parent
PHOTO = REPO_ROOT / 'assets' / 'media' / 'multi_face.jpg'
FRAME_SIZE = (640, 480)  # width, height, pixels
DEFAULT_FRAMES = 300  # timed calls per encoding and direction
WARMUP_CALLS = 3  # untimed calls first (page faults, OpenCV dispatch)
VIEW_BATCH = 100  # bgr8 before/after: calls per timing (one call is a few microseconds)
ROUNDS = 5  # bgr8 before/after: ROUNDS * frames timings of each, alternating


def _frame() -> Any:
    """Return the 640x480 BGR test frame."""
    import cv2

    image = cv2.imread(str(PHOTO))
    if image is None:
        raise SystemExit(f'{PHOTO} missing: run make setup')
    return cv2.resize(image, FRAME_SIZE, interpolation=cv2.INTER_AREA)


def _times(call: Callable[[], Any], frames: int, batch: int = 1) -> list[float]:
    """
    Return ``frames`` timings of ``call`` in ms, after a warm-up.

    :param call: what to time.
    :param frames: timings to return.
    :param batch: calls per timing, divided out (for calls of a few microseconds, where one
        call is close to the clock's own cost).
    :returns: ms per call.
    """
    for _ in range(WARMUP_CALLS):
        call()
    out = []
    for _ in range(frames):
        started = time.perf_counter()
        for _ in range(batch):
            call()
        out.append((time.perf_counter() - started) * 1000.0 / batch)
    return out


def _stats(values: list[float]) -> dict[str, float]:
    """Return the median, 90th percentile and minimum of timings (ms)."""
    import numpy as np

    data = np.asarray(values)
    return {'median': float(np.median(data)), 'p90': float(np.percentile(data, 90)),
            'min': float(data.min())}


def load_baseline(revision: str) -> Optional[Any]:
    """
    Load ``emotion_ros/core/frames/image_codec.py`` as it was at git ``revision``, as a module.

    :param revision: a git revision of this repository.
    :returns: the module, or None (with a note) when git or the revision is not there.
    """
    try:
        at_revision = f'{revision}:emotion_ros/core/frames/image_codec.py'
        source = subprocess.run(['git', 'show', at_revision],
                                cwd=REPO_ROOT, check=True, capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        print(f'[bench_encodings] no baseline at {revision}: {error}', file=sys.stderr)
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f'image_codec_{revision}.py'
        path.write_bytes(source)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


def measure(frames: int, baseline: Optional[str]) -> dict[str, Any]:
    """
    Time decode and encode of every encoding on the test frame.

    :param frames: timed calls per encoding and direction.
    :param baseline: git revision whose bgr8 decode is timed beside the current one, or None.
    :returns: per encoding: bytes, decode and encode statistics (ms); and the bgr8 comparison.
    """
    from emotion_ros.core.frames.image_codec import decode_image, encode_pixels
    from emotion_ros.core.frames.image_codec import SUPPORTED_ENCODINGS

    bgr = _frame()
    report: dict[str, Any] = {'frame': list(FRAME_SIZE), 'frames': frames}
    # The bgr8 comparison first, before OpenCV's conversions below have run.
    old = load_baseline(baseline) if baseline else None
    if old is not None:
        height, width, step, pixels = encode_pixels(bgr, 'bgr8')
        data = array.array('B')
        data.frombytes(pixels.data)
        calls = (lambda: old.decode_image('bgr8', height, width, step, data),
                 lambda: decode_image('bgr8', height, width, step, data))
        before, after = [], []
        # Alternate batch by batch, so changes of the machine's load hit both alike.
        for _ in range(ROUNDS * frames):
            before += _times(calls[0], 1, VIEW_BATCH)
            after += _times(calls[1], 1, VIEW_BATCH)
        report['bgr8_before_after'] = {'baseline': baseline, 'before_ms': _stats(before),
                                       'after_ms': _stats(after)}
    rows: dict[str, Any] = {}
    for encoding in SUPPORTED_ENCODINGS:
        height, width, step, pixels = encode_pixels(bgr, encoding)
        data = array.array('B')
        data.frombytes(pixels.data)  # as the message's data field holds it

        def decode(encoding=encoding, height=height, width=width, step=step, data=data):
            return decode_image(encoding, height, width, step, data)

        rows[encoding] = {
            'bytes': len(data),
            'decode_ms': _stats(_times(decode, frames)),
            'encode_ms': _stats(_times(lambda e=encoding: encode_pixels(bgr, e), frames)),
        }
    report['encodings'] = rows
    return report


def print_report(report: dict[str, Any]) -> None:
    """Print the figures as markdown tables."""
    width, height = report['frame']
    print(f'\nDecode (message -> BGR) and encode (BGR -> message) of one {width}x{height} frame, '
          f'median and p90 of {report["frames"]} calls, ms\n')
    print('| encoding | bytes | decode median | decode p90 | encode median | encode p90 |')
    print('| --- | ---: | ---: | ---: | ---: | ---: |')
    for name, row in report['encodings'].items():
        decode, encode = row['decode_ms'], row['encode_ms']
        print(f'| {name} | {row["bytes"]} | {decode["median"]:.3f} | {decode["p90"]:.3f} '
              f'| {encode["median"]:.3f} | {encode["p90"]:.3f} |')
    compare = report.get('bgr8_before_after')
    if compare:
        print(f'\nbgr8 decode (a view), {compare["baseline"]} (before) vs now (after), '
              f'{ROUNDS * report["frames"]} alternating timings of {VIEW_BATCH} calls each, us '
              'per call:\n')
        print('| statistic | before | after | after / before |')
        print('| --- | ---: | ---: | ---: |')
        for key in ('median', 'min'):
            before, after = compare['before_ms'][key], compare['after_ms'][key]
            print(f'| {key} | {before * 1000:.2f} | {after * 1000:.2f} | {after / before:.2f} |')


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument('--frames', type=int, default=DEFAULT_FRAMES,
                        help='timed calls per encoding and direction (default %(default)s)')
    parser.add_argument('--baseline', default=None, metavar='REV',
                        help='git revision whose bgr8 decode is timed beside the current one')
    parser.add_argument('--json', type=Path, default=None, help='also write the figures here')
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    """Run the bench; :returns: the exit code."""
    import json

    args = build_parser().parse_args(argv)
    # Time the source tree's codec, not a possibly older installed copy (install/ comes first
    # on the path after sourcing the workspace); the codec needs no ROS.
    sys.path.insert(0, str(REPO_ROOT))
    if args.frames < 1:
        print('--frames must be at least 1', file=sys.stderr)
        return 2
    load_start = list(os.getloadavg())
    report = measure(args.frames, args.baseline)
    report['loadavg_1_5_15'] = {'start': load_start, 'end': list(os.getloadavg())}
    print_report(report)
    print(f'\nload average (1, 5, 15 min): start {load_start}, end '
          f'{report["loadavg_1_5_15"]["end"]} on {os.cpu_count()} cores')
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main())
