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
Head-pose error on faces whose angle is known, and its spread on the videos.

Faces come from the package's default detector (BlazeFace), largest face per image. Three
estimates are compared: ``pnp6`` (the package's :func:`emotion_ros.core.faces.head_pose.
estimate_head_pose`, all six keypoints), ``pnp4`` (the same fit without the two ear tragions)
and ``geometric`` (yaw from the nose tip's offset from the eye midpoint, roll from the eye line;
no pitch).

* **stills**: the labelled stills whose file name starts with the head's yaw (0, 15, 45
  degrees; the 15 and 45 degree heads turn towards the person's right, so the expected yaw is
  negative): the estimate and its error;
* **roll**: every 0-degree still turned about its centre by each angle of ``TURNS`` with
  ``cv2.warpAffine`` (re-detected): the roll error against the upright estimate plus the turn,
  and how far yaw and pitch move (they should not);
* **videos**: per video, median / 90th percentile / largest |yaw| and the median frame-to-frame
  change of yaw (jitter), over every frame with a face; with ``--frames-dir`` the frames at
  the smallest and largest yaw are written there to check by eye;
* **cost**: median and p95 wall microseconds of one ``estimate_head_pose`` call (the tracker
  node makes one per face per frame), over ``TIMED_CALLS`` calls on ``single_face.jpg``.

Run: ``python bench/bench_head_pose.py [--frames-dir out/head_pose] [--json out.json]``.
"""

import argparse
import math
from pathlib import Path
import statistics
import sys
import time

from harness.report import finish_report, machine_info

REPO_ROOT = Path(__file__).resolve().parent.parent
MEDIA = REPO_ROOT / 'assets' / 'media'
# Stills with the head's yaw in their name, degrees (signed: negative = towards the person's
# right, as seen on the images).
STILLS = {'0-f1-su-ph.jpg': 0.0, '0-f15-hao-ph.jpg': 0.0, '15-f13-anc-ph.jpg': -15.0,
          '45-m7-di-ph.jpg': -45.0}
VIDEOS = ('single_face.mp4', 'WolfgangLanger_Pexels.mp4')
# Turns of the frontal stills, degrees (counter-clockwise on screen, cv2's sign).
TURNS = (-30.0, -20.0, -10.0, 10.0, 20.0, 30.0)
TIMED_CALLS = 2000  # estimate_head_pose calls timed


def _pnp4(keypoints, width: int, height: int):
    """Fit the generic face without the ear tragions."""
    import cv2
    from emotion_ros.core.faces import head_pose
    import numpy as np

    points = np.array([(float(x), float(y)) for x, y in keypoints[:4]])
    matrix = head_pose.default_camera_matrix(width, height)
    ok, rvec, tvec = cv2.solvePnP(head_pose.FACE_MODEL[:4], points, matrix, None,
                                  rvec=np.zeros((3, 1)), tvec=np.array([[0.0], [0.0], [600.0]]),
                                  useExtrinsicGuess=True, flags=cv2.SOLVEPNP_ITERATIVE)
    if not ok:
        return head_pose.UNKNOWN_POSE
    rotation, _ = cv2.Rodrigues(rvec)
    return head_pose.angles_from_rotation(rotation, tvec)


def _geometric(keypoints, width: int, height: int):
    """Yaw from the nose offset along the levelled eye line, roll from the eye line."""
    from emotion_ros.core.faces import head_pose

    (rx, ry), (lx, ly), (nx, ny) = keypoints[:3]
    roll = math.atan2(ly - ry, lx - rx)
    half_eyes = math.hypot(lx - rx, ly - ry) / 2.0
    # The nose offset from the eye midpoint, along the eye line.
    along = (nx - (rx + lx) / 2.0) * math.cos(roll) + (ny - (ry + ly) / 2.0) * math.sin(roll)
    eye_half_mm = head_pose.FACE_MODEL[1, 0]
    nose_depth_mm = -head_pose.FACE_MODEL[2, 2]
    yaw = math.atan2(along * eye_half_mm / nose_depth_mm, half_eyes)
    return head_pose.HeadPose(math.degrees(yaw), math.nan, math.degrees(roll))


def _methods():
    from emotion_ros.core.faces.head_pose import estimate_head_pose
    return {'pnp6': estimate_head_pose, 'pnp4': _pnp4, 'geometric': _geometric}


def _largest(detector, image):
    faces = detector.detect(image)
    return max(faces, key=lambda d: d.w * d.h) if faces else None


def _stills(detector, methods) -> dict:
    import cv2

    out = {}
    print('\nstills: yaw pitch roll (yaw error), degrees')
    for name, yaw in STILLS.items():
        image = cv2.imread(str(MEDIA / name))
        face = _largest(detector, image)
        row = {}
        for method, estimate in methods.items():
            pose = estimate(face.keypoints, image.shape[1], image.shape[0])
            row[method] = {'yaw': pose.yaw, 'pitch': pose.pitch, 'roll': pose.roll,
                           'yaw_error': pose.yaw - yaw}
        out[name] = row
        print(f'  {name:20s} expected yaw {yaw:+5.0f}: ' + '; '.join(
            f'{m} {r["yaw"]:+6.1f} {r["pitch"]:+6.1f} {r["roll"]:+6.1f} ({r["yaw_error"]:+.1f})'
            for m, r in row.items()))
    return out


def _roll(detector, methods) -> dict:
    import cv2

    errors = {m: {'roll': [], 'yaw': [], 'pitch': []} for m in methods}
    for name, yaw in STILLS.items():
        if yaw != 0.0:
            continue
        image = cv2.imread(str(MEDIA / name))
        height, width = image.shape[:2]
        upright = {m: f(_largest(detector, image).keypoints, width, height)
                   for m, f in methods.items()}
        for turn in TURNS:
            matrix = cv2.getRotationMatrix2D((width / 2.0, height / 2.0), turn, 1.0)
            turned = cv2.warpAffine(image, matrix, (width, height),
                                    borderMode=cv2.BORDER_REPLICATE)
            face = _largest(detector, turned)
            if face is None:
                print(f'  {name} turned {turn:+.0f}: no face')
                continue
            for method, estimate in methods.items():
                pose = estimate(face.keypoints, width, height)
                # cv2 turns counter-clockwise for a positive angle: the roll drops by it.
                expected = upright[method].roll - turn
                errors[method]['roll'].append(pose.roll - expected)
                errors[method]['yaw'].append(pose.yaw - upright[method].yaw)
                errors[method]['pitch'].append(pose.pitch - upright[method].pitch)
    out = {}
    print(f'\nroll: frontal stills turned by {TURNS} degrees; '
          'median / largest |error|, degrees')
    for method, values in errors.items():
        out[method] = {key: _abs_stats(v) for key, v in values.items()}
        print(f'  {method:9s} ' + '; '.join(
            f'{key} {s["median"]:.1f} / {s["max"]:.1f}' for key, s in out[method].items()
            if s['n']))
    return out


def _abs_stats(values: list) -> dict:
    finite = sorted(abs(v) for v in values if math.isfinite(v))
    if not finite:
        return {'n': 0, 'median': math.nan, 'p90': math.nan, 'max': math.nan}
    return {'n': len(finite), 'median': statistics.median(finite),
            'p90': finite[min(len(finite) - 1, int(0.9 * len(finite)))], 'max': finite[-1]}


def _videos(detector, methods, frames_dir) -> dict:
    import cv2

    out = {}
    print('\nvideos: |yaw| median / p90 / max; median frame-to-frame |change of yaw|, degrees')
    for name in VIDEOS:
        capture = cv2.VideoCapture(str(MEDIA / name))
        poses = {m: [] for m in methods}
        frames = []
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            face = _largest(detector, frame)
            for method, estimate in methods.items():
                poses[method].append(None if face is None else
                                     estimate(face.keypoints, frame.shape[1], frame.shape[0]))
            if frames_dir:
                frames.append(frame)
        capture.release()
        out[name] = {}
        for method, values in poses.items():
            yaws = [p.yaw if p is not None else math.nan for p in values]
            steps = [b - a for a, b in zip(yaws, yaws[1:])]
            out[name][method] = {'frames': len(yaws), 'abs_yaw': _abs_stats(yaws),
                                 'jitter': _abs_stats(steps)}
            s, j = out[name][method]['abs_yaw'], out[name][method]['jitter']
            print(f'  {name:26s} {method:9s} {s["median"]:5.1f} / {s["p90"]:5.1f} / '
                  f'{s["max"]:5.1f}; {j["median"]:.2f} ({s["n"]} of {len(yaws)} frames)')
        if frames_dir:
            yaws = [(p.yaw, i) for i, p in enumerate(poses['pnp6']) if p is not None]
            Path(frames_dir).mkdir(parents=True, exist_ok=True)
            for yaw, index in (min(yaws), max(yaws)):
                path = Path(frames_dir) / f'{Path(name).stem}_{index:04d}_yaw{yaw:+.0f}.jpg'
                cv2.imwrite(str(path), frames[index])
    return out


def _cost(detector) -> dict:
    import cv2
    from emotion_ros.core.faces.head_pose import estimate_head_pose

    image = cv2.imread(str(MEDIA / 'single_face.jpg'))
    keypoints = _largest(detector, image).keypoints
    height, width = image.shape[:2]
    times = []
    for _ in range(TIMED_CALLS):
        start = time.perf_counter()
        estimate_head_pose(keypoints, width, height)
        times.append((time.perf_counter() - start) * 1e6)
    times.sort()
    out = {'median_us': statistics.median(times),
           'p95_us': times[int(round(0.95 * (len(times) - 1)))]}
    print(f'\ncost: estimate_head_pose median {out["median_us"]:.0f} us, p95 '
          f'{out["p95_us"]:.0f} us per face ({TIMED_CALLS} calls)')
    return out


def main(argv: list[str] | None = None) -> int:
    """
    Run the benchmark.

    :param argv: command-line arguments (default ``sys.argv[1:]``).
    :returns: the process exit code.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('--frames-dir', help='write the frames at the extreme yaws here')
    parser.add_argument('--json', metavar='OUT.json', help='also write the figures as JSON')
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO_ROOT))
    from emotion_ros.core.config import DetectorConfig
    from emotion_ros.core.faces.detection import make_detector

    if not all((MEDIA / name).exists() for name in (*STILLS, *VIDEOS)):
        raise SystemExit(f'bench: media missing in {MEDIA}: run scripts/fetch_assets.py')
    machine = machine_info()
    print(f'load average {" ".join(f"{v:.2f}" for v in machine["loadavg_1_5_15"])}; '
          f'detector {DetectorConfig()}')
    detector = make_detector(DetectorConfig())
    methods = _methods()
    figures = {'machine_start': machine,
               'stills': _stills(detector, methods), 'roll': _roll(detector, methods),
               'videos': _videos(detector, methods, args.frames_dir), 'cost': _cost(detector)}
    finish_report(figures, Path(args.json) if args.json else None, 'head_pose')
    return 0


if __name__ == '__main__':
    sys.exit(main())
