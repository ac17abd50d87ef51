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
Record when messages arrive relative to their header stamps (like ``ros2 topic delay``).

Run as ``python bench/harness/stamp_probe.py --out F.json [--image-transport T]`` inside
another network namespace (or machine, same clock) to see what crossed the link. It
subscribes to ``camera_info`` (small: every frame the camera published), optionally the
image (``raw`` or ``compressed``, best effort or reliable, newest only like the tracker),
``faces`` and ``emotions``; on SIGINT or SIGTERM it writes per topic a list of
``[receipt ns, stamp ns, items, bytes]`` to ``--out`` and exits 0.
"""

import argparse
import json
from pathlib import Path
import signal
import sys
import time
from typing import Any, Optional

PROBE_DEPTH = 100  # queue of the reliable result subscriptions, messages
SPIN_STEP = 0.05  # executor wait per spin, s


def command(out: Path, *args: str) -> list[str]:
    """Return the command line that runs the probe with this interpreter, writing ``out``."""
    return [sys.executable, str(Path(__file__).resolve()), '--out', str(out), *args]


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument('--out', type=Path, required=True, help='JSON file written at exit')
    parser.add_argument('--image-transport', choices=('none', 'raw', 'compressed'),
                        default='none', help='also receive the image itself')
    parser.add_argument('--reliability', choices=('best_effort', 'reliable'),
                        default='best_effort', help='image subscription reliability')
    return parser


class _Stop(Exception):
    """Raised by the signal handler (or after a spin) to leave the spin loop."""


class _Spin:
    """Whether rclpy is spinning, and a stop that came meanwhile."""

    spinning = False
    stop_pending = False


def _stop(signum: int, frame: Any) -> None:
    # Not raised inside spin_once: from rclpy's C++ it would come out as a RuntimeError.
    if _Spin.spinning:
        _Spin.stop_pending = True
        return
    raise _Stop()


def main(argv: Optional[list[str]] = None) -> int:
    """Subscribe, record until interrupted, write the records."""
    options = build_parser().parse_args(argv)
    import rclpy
    from rclpy.node import Node
    from rclpy.qos import QoSProfile, ReliabilityPolicy
    from rclpy.signals import SignalHandlerOptions
    from sensor_msgs.msg import CameraInfo

    from emotion_msgs.msg import EmotionArray, FaceArray
    from emotion_ros.nodes.image_input import subscribe_image
    from emotion_ros.nodes.qos import LATEST_IMAGE_QOS, RESULT_QOS
    from emotion_ros.teardown_deadline import TeardownDeadline

    records: dict[str, list[list[int]]] = {'camera_info': [], 'image': [], 'faces': [],
                                           'emotions': []}

    def recorder(topic: str, items: str = '', data: str = ''):
        def record(msg: Any) -> None:
            stamp = msg.header.stamp
            records[topic].append([time.time_ns(), stamp.sec * 1_000_000_000 + stamp.nanosec,
                                   len(getattr(msg, items)) if items else 0,
                                   len(getattr(msg, data)) if data else 0])
        return record

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    rclpy.init(signal_handler_options=SignalHandlerOptions.NO)
    node = Node('stamp_probe')
    try:
        reliable = QoSProfile(depth=PROBE_DEPTH, reliability=RESULT_QOS.reliability)
        # Best effort matches a camera publishing either way (its `reliability` parameter).
        any_camera = QoSProfile(depth=PROBE_DEPTH, reliability=ReliabilityPolicy.BEST_EFFORT)
        node.create_subscription(CameraInfo, 'camera_info', recorder('camera_info'), any_camera)
        node.create_subscription(FaceArray, 'faces', recorder('faces', 'faces'), reliable)
        node.create_subscription(EmotionArray, 'emotions', recorder('emotions', 'emotions'),
                                 reliable)
        if options.image_transport != 'none':
            qos = QoSProfile(history=LATEST_IMAGE_QOS.history, depth=LATEST_IMAGE_QOS.depth,
                             reliability=ReliabilityPolicy.RELIABLE
                             if options.reliability == 'reliable'
                             else ReliabilityPolicy.BEST_EFFORT)
            subscribe_image(node, options.image_transport, recorder('image', data='data'), qos)
        print('stamp_probe: recording', flush=True)
        while not _Spin.stop_pending:
            _Spin.spinning = True
            try:
                rclpy.spin_once(node, timeout_sec=SPIN_STEP)
            finally:
                _Spin.spinning = False
    except _Stop:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        options.out.write_text(json.dumps(records))
        with TeardownDeadline('stamp_probe'):
            node.destroy_node()
            rclpy.try_shutdown()
    print(f'stamp_probe: wrote {sum(map(len, records.values()))} records to {options.out}',
          flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
