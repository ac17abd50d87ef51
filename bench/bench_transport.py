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
Benchmark raw against compressed images: codec cost, and the pipeline on one or two hosts.

1. Codec, in this process, on the one-face frames of ``harness.sources`` (640x480): bytes per
   frame on the wire (the serialised message), encode and decode time for raw ``bgr8`` and for
   JPEG/PNG as ``image_raw/compressed``.
2. Live runs at 30 Hz, for each image transport (``raw``, ``compressed``): the camera replays
   the frames, looping; the tracker, the classifier and a stamp probe
   (``bench/harness/stamp_probe.py``) receive them
   - on one host (shared memory, ``config/fastdds.xml``), and
   - on "two hosts": the camera in one network namespace, the rest in another, joined by a veth
     pair, DDS over UDP only (``config/fastdds_udp.xml``); needs root;
   - on the same two hosts with a shaped link: netem Wi-Fi-like delay and loss when the kernel
     has it, else a token-bucket rate limit (``--link-rate``).
   Reported per run: frames that got an EmotionArray (of 30 Hz x window), latency stamp->faces
   and stamp->emotions (median, p95; all namespaces share the clock), bandwidth on the link
   (veth byte counters), CPU per node.

Run as root after ``source scripts/env.sh``: ``python bench/bench_transport.py [--duration 25]
[--json F] [--skip-live] [--hosts one,two,shaped]``.
"""

import argparse
from collections.abc import Sequence
from contextlib import ExitStack
import json
from pathlib import Path
import shutil
import sys
import tempfile
import time
from typing import Any, Optional

from harness import stamp_probe
from harness.graph import NodeGraph, PARAMS_FILE, pick_domain_id
from harness.netns import NetnsUnavailable, udp_only_env, veth_link
from harness.processes import BenchError, child_env, REPO_ROOT, stop_on_signals
from harness.report import finish_report, fmt, machine_info, summary, warn_if_stale
from harness.sources import CAMERA_RATE, prepare_sources

DEFAULT_DURATION = 25.0  # camera running time per live run, s
DEFAULT_WARMUP = 5.0  # start of each run left out of the statistics, s
SETTLE = 1.0  # frames stamped this close to the end are not counted, s
START_TIMEOUT = 90.0  # wait for the camera to start publishing, s
SAMPLE_PERIOD = 0.5  # link counters and CPU sampled this often, s
CODEC_FRAMES = 72  # frames timed per codec
JPEG_QUALITIES = (50, 80, 95)  # JPEG qualities measured in the codec section
NETEM = ('netem', 'delay', '5ms', '2ms', 'loss', '1%')  # a Wi-Fi-like link
DEFAULT_LINK_RATE = '50mbit'  # tbf rate when netem is missing: a Wi-Fi link's real throughput
TBF_BURST = '256kb'  # tbf bucket, bytes
TBF_LATENCY = '50ms'  # tbf queue limit, as waiting time
TRANSPORTS = ('raw', 'compressed')
# Per link: the image alone to the probe ('link'), then camera | tracker + classifier.
RUNS = tuple((kind, t) for kind in ('link', 'pipeline') for t in TRANSPORTS)
HOSTS = ('one', 'two', 'shaped')
PIPELINE_IMAGE_SUBSCRIBERS = 2  # tracker and classifier


# ---------------------------------------------------------------- codec

def measure_codec(folder: Path, frames: int = CODEC_FRAMES) -> dict[str, Any]:
    """
    Time raw and compressed conversion of the prepared frames, in this process.

    :param folder: the prepared one-face BMP folder.
    :param frames: frames to time.
    :returns: per variant a :func:`summary` of bytes, encode ms and decode ms.
    """
    import cv2
    from rclpy.serialization import serialize_message

    from emotion_ros.conversions import bgr_to_compressed, bgr_to_imgmsg
    from emotion_ros.conversions import to_bgr

    images = [cv2.imread(str(p)) for p in sorted(folder.iterdir())[:frames]]
    variants = [('raw bgr8', lambda f: bgr_to_imgmsg(f))]
    variants += [(f'jpeg q{q}', lambda f, q=q: bgr_to_compressed(f, jpeg_quality=q))
                 for q in JPEG_QUALITIES]
    variants += [('png level 1', lambda f: bgr_to_compressed(f, codec='png', png_level=1))]
    result = {}
    for name, encode in variants:
        sizes, encode_ms, decode_ms = [], [], []
        for image in images:
            t0 = time.perf_counter()
            msg = encode(image)
            t1 = time.perf_counter()
            to_bgr(msg)
            t2 = time.perf_counter()
            sizes.append(len(serialize_message(msg)))
            encode_ms.append((t1 - t0) * 1e3)
            decode_ms.append((t2 - t1) * 1e3)
        result[name] = {'bytes': summary(sizes), 'encode_ms': summary(encode_ms),
                        'decode_ms': summary(decode_ms)}
    return result


def print_codec(result: dict[str, Any]) -> None:
    """Print the codec table."""
    print('\n| 640x480 one-face frame | bytes/frame | Mbit/s @30 Hz | encode ms (p95) | '
          'decode ms (p95) |')
    print('|---|---:|---:|---:|---:|')
    for name, r in result.items():
        size = r['bytes']['median']
        print(f'| {name} | {size:,.0f} | {size * 8 * CAMERA_RATE / 1e6:.1f} | '
              f'{fmt(r["encode_ms"]["median"], 2)} ({fmt(r["encode_ms"]["p95"], 2)}) | '
              f'{fmt(r["decode_ms"]["median"], 2)} ({fmt(r["decode_ms"]["p95"], 2)}) |')


# ---------------------------------------------------------------- live runs

def run_live(transport: str, hosts: str, folder: Path, workdir: Path, duration: float,
             link: Any, shaping: Optional[Sequence[str]], domain_id: int,
             pipeline: bool = True) -> dict[str, Any]:
    """
    Run camera | tracker + classifier + probe for ``duration`` s; return the raw records.

    :param transport: 'raw' or 'compressed'.
    :param pipeline: False: no tracker and classifier, the probe receives the image itself (the
        link alone, without the CPU-heavy nodes).
    :param hosts: 'one' (no namespaces), 'two' or 'shaped' (over ``link``).
    :param folder: the frames the camera replays.
    :param workdir: scratch folder for logs and the probe's output.
    :param duration: camera running time, s.
    :param link: the :class:`~harness.netns.VethLink` (None for one host).
    :param shaping: tc qdisc spec on the link (None: clean link).
    :param domain_id: ROS_DOMAIN_ID of the run.
    :returns: records, counter samples, CPU per node, exit codes.
    :raises BenchError: when a node dies or the camera never starts.
    """
    from emotion_ros.graph import NodeSpec
    from emotion_ros.tools.runner import node_command

    logs = workdir / f'{hosts}_{transport}_{"pipeline" if pipeline else "link"}'
    env = child_env(domain_id, logs / 'ros_home')
    camera_prefix, remote_prefix = [], []
    if link is not None:
        env = udp_only_env(env, REPO_ROOT / 'config')
        camera_prefix, remote_prefix = (link.exec_prefix(link.camera_ns),
                                        link.exec_prefix(link.remote_ns))
        if shaping:
            link.shape(shaping)
    out = logs / 'probe.json'
    samples: list[tuple[float, Optional[int], dict[str, Optional[float]], Optional[int]]] = []
    with NodeGraph(logs, env) as graph:
        probe_image = [] if pipeline else ['--image-transport', transport]
        graph.start('probe', remote_prefix + stamp_probe.command(out, *probe_image))
        specs = (NodeSpec('face_tracker_node', 'face_tracker', {'image_transport': transport}),
                 NodeSpec('emotion_classifier_node', 'emotion_classifier',
                          {'image_transport': transport}))
        for spec in specs if pipeline else ():
            graph.start(spec.name, remote_prefix + node_command(
                spec, str(PARAMS_FILE), autostart=True))
        camera = NodeSpec('camera_node', 'camera', {
            'source': str(folder), 'loop': True, 'framerate': CAMERA_RATE,
            'publish_compressed': transport == 'compressed',
            'wait_for_subscribers': PIPELINE_IMAGE_SUBSCRIBERS if pipeline else 1})
        graph.start('camera', camera_prefix + node_command(
            camera, str(PARAMS_FILE), autostart=True))
        # Ready lines of the nodes (the camera then waits for both image subscriptions).
        ready = {'face_tracker': 'tracking faces with', 'emotion_classifier': 'classes:',
                 'camera': 'publishing', 'probe': 'recording'}
        graph.wait_for(lambda: all(ready[n.name] in n.log_path.read_text(errors='replace')
                                   for n in graph.nodes if n.name in ready),
                       f'the nodes did not start in {START_TIMEOUT:.0f} s; logs {logs}',
                       START_TIMEOUT, step=0.2)

        def sample() -> None:
            sent = link.byte_counters()['camera_tx'] if link is not None else None
            drops = link.udp_receive_drops() if link is not None else None
            samples.append((time.time(), sent, graph.cpu_seconds(), drops))

        graph.run_until(time.monotonic() + duration, sample, SAMPLE_PERIOD, time.monotonic)
    left = link.pids() if link is not None else []
    if not out.exists():
        raise BenchError(f'the probe wrote nothing; logs in {logs}')
    return {'records': json.loads(out.read_text()), 'samples': samples, 'stop': graph.stopped,
            'left_in_namespaces': left}


def analyse(raw: dict[str, Any], warmup: float) -> dict[str, Any]:
    """
    Turn one live run's records into figures.

    :param raw: :func:`run_live` output.
    :param warmup: start of the run left out, s.
    :returns: delivery, latency summaries (ms), bandwidth (Mbit/s) and CPU (% of a core).
    """
    samples = raw['samples']
    start, end = samples[0][0] + warmup, samples[-1][0] - SETTLE
    lo, hi = int(start * 1e9), int(end * 1e9)
    window = end - start
    records = raw['records']

    def in_window(topic: str) -> list[list[int]]:
        return [r for r in records[topic] if lo <= r[1] <= hi]

    expected = window * CAMERA_RATE
    faces, emotions, infos = in_window('faces'), in_window('emotions'), in_window('camera_info')
    images = in_window('image')
    inside = [s for s in samples if start <= s[0] <= end]
    seconds = inside[-1][0] - inside[0][0] if len(inside) > 1 else 0.0
    on_link = seconds and inside[0][1] is not None
    bandwidth = (inside[-1][1] - inside[0][1]) * 8 / seconds / 1e6 if on_link else None
    drops = (inside[-1][3] - inside[0][3]) / seconds if on_link else None
    cpu = {}
    for name in inside[0][2] if inside else {}:
        first, last = inside[0][2][name], inside[-1][2][name]
        cpu[name] = None if first is None or last is None or not seconds \
            else 100.0 * (last - first) / seconds
    return {
        'window_s': window,
        'camera_info_received': len({r[1] for r in infos}) / expected,
        'frames_with_faces': len({r[1] for r in faces}) / expected,
        'frames_received_by_probe': len({r[1] for r in images}) / expected,
        'image_bytes': summary([r[3] for r in images]),
        'frames_with_emotions': len({r[1] for r in emotions}) / expected,
        'arrays_with_a_face': sum(1 for r in emotions if r[2] > 0) / max(len(emotions), 1),
        'latency_ms': {'stamp->image': summary([(r[0] - r[1]) / 1e6 for r in images]),
                       'stamp->faces': summary([(r[0] - r[1]) / 1e6 for r in faces]),
                       'stamp->emotions': summary([(r[0] - r[1]) / 1e6 for r in emotions])},
        'link_mbit_s': bandwidth,
        'udp_receive_buffer_drops_per_s': drops,
        'cpu_percent': cpu,
        'exit_codes': raw['stop']['exit_codes'],
        'left_in_namespaces': raw['left_in_namespaces'],
    }


def print_live(results: dict[str, dict[str, Any]]) -> None:
    """Print the live-run table: link-only runs (probe gets the image) and pipeline runs."""
    print('\n| hosts | transport | run | frames delivered | latency med/p95 ms | link Mbit/s | '
          'UDP drops/s | CPU camera/tracker/classifier % |')
    print('|---|---|---|---:|---:|---:|---:|---:|')
    for name, r in results.items():
        hosts, transport, kind = name.split(' / ')
        if 'error' in r:
            print(f'| {hosts} | {transport} | {kind} | error: {r["error"].splitlines()[0]} |')
            continue
        if kind == 'link':
            delivered, latency = r['frames_received_by_probe'], r['latency_ms']['stamp->image']
            what = 'image'
        else:
            delivered, latency = r['frames_with_emotions'], r['latency_ms']['stamp->emotions']
            what = 'emotions'
        cpu = '/'.join(fmt(r['cpu_percent'].get(n), 0)
                       for n in ('camera', 'face_tracker', 'emotion_classifier'))
        print(f'| {hosts} | {transport} | {kind} | {100 * delivered:.1f}% ({what}) | '
              f'{fmt(latency["median"])}/{fmt(latency["p95"])} | {fmt(r["link_mbit_s"])} | '
              f'{fmt(r["udp_receive_buffer_drops_per_s"], 0)} | {cpu} |')


def _shaping(link: Any, rate: str) -> tuple[list[str], str]:
    """Return the qdisc to shape the link with, and its description (netem, else tbf)."""
    try:
        link.shape(NETEM)
        return list(NETEM), 'netem ' + ' '.join(NETEM[1:])
    except NetnsUnavailable as error:
        print(f'[bench] netem unavailable ({error}); shaping with tbf rate {rate} instead',
              flush=True)
    spec = ['tbf', 'rate', rate, 'burst', TBF_BURST, 'latency', TBF_LATENCY]
    return spec, 'tbf ' + ' '.join(spec[1:])


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser."""
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument('--duration', type=float, default=DEFAULT_DURATION,
                        help='camera running time per live run, s (default %(default)s)')
    parser.add_argument('--warmup', type=float, default=DEFAULT_WARMUP,
                        help='first seconds of each run left out (default %(default)s)')
    parser.add_argument('--hosts', default=','.join(HOSTS),
                        help='live runs: one (shared memory), two (veth, UDP), shaped (veth '
                        'with netem or tbf); comma-separated (default %(default)s)')
    parser.add_argument('--link-rate', default=DEFAULT_LINK_RATE,
                        help='tbf rate of the shaped link when netem is missing '
                        '(default %(default)s)')
    parser.add_argument('--skip-live', action='store_true', help='only the codec section')
    parser.add_argument('--json', type=Path, default=None, help='also write the figures here')
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    """Run the codec section and the live runs; print (and save) the figures."""
    options = build_parser().parse_args(argv)
    hosts = [h for h in options.hosts.split(',') if h]
    if set(hosts) - set(HOSTS) or options.duration <= options.warmup + SETTLE:
        print(f'--hosts takes {",".join(HOSTS)}; --duration must exceed --warmup + {SETTLE}',
              file=sys.stderr)
        return 2
    stop_on_signals()
    warn_if_stale()
    report: dict[str, Any] = {'machine_start': machine_info(), 'live': {}}
    workdir = Path(tempfile.mkdtemp(prefix='bench_transport_'))
    code = 0
    try:
        folder = prepare_sources(workdir)['one']
        report['codec'] = measure_codec(folder)
        print_codec(report['codec'])
        if not options.skip_live:
            with ExitStack() as stack:
                link = None
                if {'two', 'shaped'} & set(hosts):
                    try:
                        link = stack.enter_context(veth_link('bench'))
                    except NetnsUnavailable as error:
                        print(f'[bench] two-host runs skipped: {error}', file=sys.stderr)
                        hosts = [h for h in hosts if h == 'one']
                for host in hosts:
                    shaping, label = None, {'one': 'one host', 'two': 'two hosts'}.get(host)
                    if host == 'shaped':
                        shaping, label = _shaping(link, options.link_rate)
                        label = f'two hosts, {label}'
                    for kind, transport in RUNS:
                        name = f'{label} / {transport} / {kind}'
                        print(f'[bench] {name}: {options.duration:.0f} s', flush=True)
                        try:
                            raw = run_live(transport, host, folder, workdir, options.duration,
                                           None if host == 'one' else link, shaping,
                                           pick_domain_id(), kind == 'pipeline')
                            report['live'][name] = analyse(raw, options.warmup)
                        except BenchError as error:
                            print(f'[bench] {name}: {error}', file=sys.stderr)
                            report['live'][name] = {'error': str(error)}
                            code = 1
            print_live(report['live'])
    except KeyboardInterrupt:
        print('\n[bench] interrupted; all nodes stopped', file=sys.stderr)
        code = 130
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    finish_report(report, options.json)
    return code


if __name__ == '__main__':
    sys.exit(main())
