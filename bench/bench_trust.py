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
What the frontal gate (max_yaw_deg) and the event hysteresis change, on the real media.

The node's path, in one process: the default detector and SORT tracker (package configs), the
head pose of every track (:func:`emotion_ros.core.faces.head_pose.estimate_head_pose`), the shared
``FaceEmotionEstimator`` with the default ``EmotionConfig`` (smoothing on) but ``max_yaw_deg``
swept; video frames stamped at the file's frame rate. For each gate it prints:

* per video: face-frames, **held** (estimate not trusted), **turned labels** (trusted labels on
  heads with |yaw| > ``TURNED_DEG``, the region where the 45-degree still reads), **flips** per
  100 frames (changes of the published label of a track between consecutive frames),
  **looking** (faces with ``looking_at_camera``, default attention limits);
* stills (``test/data/stills.csv``, largest face, one frame each): label and whether it is
  trusted; **kept accuracy** (right labels among the trusted) and **frontal accuracy** (right
  labels on the stills named 0 or 15 degrees, trusted or not: the gate must not lower it);
* the labelled real set (:mod:`labelled_faces`: CK+ frames, a photograph, the stills and the
  video's two phases; largest face, one frame per track): faces found, **held**, right labels
  among the trusted, and right labels on all (the published estimate: held or not).

Then, with the default gate, for each ``event_hysteresis`` of ``HYSTERESES``: the CHANGED events
of :class:`emotion_ros.core.emotion.events.EmotionEventDetector` per video, and their sequence.

Run: ``TF_CPP_MIN_LOG_LEVEL=2 python bench/bench_trust.py [--json out.json]``.
"""

import argparse
import csv
import math
from pathlib import Path
import sys

from harness.report import finish_report, machine_info
from labelled_faces import iter_labelled

REPO_ROOT = Path(__file__).resolve().parent.parent
MEDIA = REPO_ROOT / 'assets' / 'media'
MODEL = REPO_ROOT / 'assets' / 'models' / 'fer_mini_xception.tflite'
STILLS_CSV = REPO_ROOT / 'test' / 'data' / 'stills.csv'
VIDEOS = ('single_face.mp4', 'WolfgangLanger_Pexels.mp4', 'face_noface.mov')
GATES = (180.0, 30.0, 25.0, 20.0, 15.0, 10.0)  # max_yaw_deg values tried, degrees
TURNED_DEG = 25.0  # |yaw| counted as a turned head, degrees
HYSTERESES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0)  # event_hysteresis values, s
FRONTAL_PREFIXES = ('0-', '15-')  # stills whose head is (near) frontal


def _video_results(path: Path, estimator_factory):
    """Yield ``(stamp_ns, results)`` per frame of a video through tracker, pose, estimator."""
    import cv2
    from emotion_ros.core.config import DetectorConfig, TrackerConfig
    from emotion_ros.core.faces.head_pose import estimate_head_pose
    from emotion_ros.core.faces.tracking_step import DetectAndTrack

    # The node's step with the detector on every frame, as these figures were first measured.
    step = DetectAndTrack.from_config(DetectorConfig(), TrackerConfig(detection_interval=1))
    estimator = estimator_factory()
    capture = cv2.VideoCapture(str(path))
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    index = 0
    try:
        while True:
            ok, frame = capture.read()
            if not ok:
                return
            height, width = frame.shape[:2]
            tracks = step.step(frame)
            faces = [(t.id, t.box, t.keypoints, estimate_head_pose(t.keypoints, width, height))
                     for t in tracks]
            stamp_ns = round(index * 1e9 / fps)
            results, _ = estimator.estimate(frame, faces, stamp_ns / 1e9)
            if not faces:
                estimator.forget_absent([])
            yield stamp_ns, results
            index += 1
    finally:
        capture.release()


def _gate_videos(classifier, gate: float) -> dict:
    from emotion_ros.core.config import EmotionConfig
    from emotion_ros.core.emotion.face_emotions import FaceEmotionEstimator

    out = {}
    for name in VIDEOS:
        frames = faces = held = turned = flips = pairs = looking = 0
        previous: dict[int, str] = {}
        for _, results in _video_results(MEDIA / name, lambda: FaceEmotionEstimator.from_config(
                classifier, EmotionConfig(max_yaw_deg=gate))):
            frames += 1
            current = {}
            for r in results:
                faces += 1
                held += not r.reliable
                looking += r.looking_at_camera
                turned += r.reliable and math.isfinite(r.pose.yaw) \
                    and abs(r.pose.yaw) > TURNED_DEG
                if r.face_id in previous:
                    pairs += 1
                    flips += r.label != previous[r.face_id]
                current[r.face_id] = r.label
            previous = current
        out[name] = {'frames': frames, 'faces': faces, 'held': held, 'turned_labels': turned,
                     'looking': looking,
                     'flips_per_100': 100.0 * flips / pairs if pairs else 0.0}
    return out


def _estimate_largest(estimator, detector, image, track_id: int):
    """
    Estimate the largest detected face of one image as track ``track_id``.

    :returns: ``(result, pose)``, or None when no face is found.
    """
    from emotion_ros.core.faces.head_pose import estimate_head_pose

    detections = detector.detect(image)
    if not detections:
        return None
    face = max(detections, key=lambda d: d.w * d.h)
    pose = estimate_head_pose(face.keypoints, image.shape[1], image.shape[0])
    [result], _ = estimator.estimate(
        image, [(track_id, (face.x, face.y, face.w, face.h), face.keypoints, pose)])
    return result, pose


def _gate_stills(classifier, detector, gate: float) -> dict:
    import cv2
    from emotion_ros.core.config import EmotionConfig
    from emotion_ros.core.emotion.face_emotions import FaceEmotionEstimator

    estimator = FaceEmotionEstimator.from_config(classifier, EmotionConfig(max_yaw_deg=gate))
    with STILLS_CSV.open(newline='') as handle:
        rows = [(row['image'], row['expected_label']) for row in csv.DictReader(handle)]
    out = {}
    for track_id, (name, expected) in enumerate(rows, start=1):
        result, pose = _estimate_largest(estimator, detector, cv2.imread(str(MEDIA / name)),
                                         track_id)
        out[name] = {'expected': expected, 'label': result.label,
                     'confidence': result.confidence, 'reliable': result.reliable,
                     'yaw': pose.yaw}
    kept = [s for s in out.values() if s['reliable']]
    frontal = [s for n, s in out.items() if n.startswith(FRONTAL_PREFIXES)]
    return {'stills': out, 'kept': len(kept),
            'kept_correct': sum(s['label'] == s['expected'] for s in kept),
            'frontal': len(frontal),
            'frontal_correct': sum(s['label'] == s['expected'] for s in frontal)}


def _gate_labelled(classifier, detector, gate: float) -> dict:
    from emotion_ros.core.config import EmotionConfig
    from emotion_ros.core.emotion.face_emotions import FaceEmotionEstimator

    estimator = FaceEmotionEstimator.from_config(classifier, EmotionConfig(max_yaw_deg=gate))
    faces = held = kept_correct = correct = 0
    for track_id, (image, expected, _, _) in enumerate(iter_labelled(), start=1):
        found = _estimate_largest(estimator, detector, image, track_id)
        if found is None:
            continue
        result = found[0]
        estimator.forget_absent([])
        faces += 1
        held += not result.reliable
        correct += result.label == expected
        kept_correct += result.reliable and result.label == expected
    return {'faces': faces, 'held': held, 'kept': faces - held, 'kept_correct': kept_correct,
            'correct': correct}


def _events(classifier, hysteresis: float) -> dict:
    from emotion_ros.core.config import EmotionConfig
    from emotion_ros.core.emotion.events import CHANGED, EmotionEventDetector
    from emotion_ros.core.emotion.face_emotions import FaceEmotionEstimator

    out = {}
    for name in VIDEOS:
        events = EmotionEventDetector(hysteresis, EmotionConfig.event_lost_timeout)
        changed = []
        for stamp_ns, results in _video_results(
                MEDIA / name, lambda: FaceEmotionEstimator.from_config(classifier,
                                                                       EmotionConfig())):
            changed += [f'{e.stamp_ns / 1e9:.2f}s id{e.face_id} {e.previous_label}->{e.label}'
                        for e in events.update(stamp_ns, results) if e.kind == CHANGED]
        out[name] = changed
    return out


def main(argv: list[str] | None = None) -> int:
    """
    Run the benchmark.

    :param argv: command-line arguments (default ``sys.argv[1:]``).
    :returns: the process exit code.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('--json', metavar='OUT.json', help='also write the figures as JSON')
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO_ROOT))
    from emotion_ros.core.model.classifier import EmotionClassifier
    from emotion_ros.core.config import DetectorConfig, EmotionConfig
    from emotion_ros.core.faces.detection import make_detector

    missing = [n for n in VIDEOS if not (MEDIA / n).exists()] + \
        ([] if MODEL.exists() else [MODEL.name])
    if missing:
        raise SystemExit(f'bench: missing {missing}: run scripts/fetch_assets.py')
    machine = machine_info()
    print(f'load average {" ".join(f"{v:.2f}" for v in machine["loadavg_1_5_15"])}; '
          f'model {MODEL.name}; default max_yaw_deg {EmotionConfig.max_yaw_deg}, event_hysteresis '
          f'{EmotionConfig.event_hysteresis}')
    classifier = EmotionClassifier.load(MODEL)
    detector = make_detector(DetectorConfig())
    figures = {'machine_start': machine, 'gates': {}, 'events': {}}
    print(f'\ngate: per video face-frames / held / trusted labels on |yaw| > {TURNED_DEG:g} / '
          'flips per 100 frames / looking; stills kept right / kept, frontal right / frontal')
    for gate in GATES:
        videos = _gate_videos(classifier, gate)
        stills = _gate_stills(classifier, detector, gate)
        labelled = _gate_labelled(classifier, detector, gate)
        figures['gates'][gate] = {'videos': videos, 'stills': stills, 'labelled': labelled}
        print(f'  max_yaw_deg {gate:5.0f}: ' + '; '.join(
            f'{Path(n).stem[:12]} {v["faces"]}/{v["held"]}/{v["turned_labels"]}/'
            f'{v["flips_per_100"]:.1f}/{v["looking"]}' for n, v in videos.items())
            + f'; stills {stills["kept_correct"]}/{stills["kept"]}, frontal '
            f'{stills["frontal_correct"]}/{stills["frontal"]}; labelled set '
            f'{labelled["faces"]} faces, {labelled["held"]} held, kept right '
            f'{labelled["kept_correct"]}/{labelled["kept"]}, all right '
            f'{labelled["correct"]}/{labelled["faces"]}')
    print('\nstills at the default gate:')
    default = _gate_stills(classifier, detector, EmotionConfig.max_yaw_deg)
    for name, s in default['stills'].items():
        print(f'  {name:20s} yaw {s["yaw"]:+6.1f} {s["label"]:8s} {s["confidence"]:.2f} '
              f'{"trusted" if s["reliable"] else "NOT trusted"} (expected {s["expected"]})')
    print('\nevents: CHANGED per video, default gate')
    for hysteresis in HYSTERESES:
        events = _events(classifier, hysteresis)
        figures['events'][hysteresis] = events
        print(f'  event_hysteresis {hysteresis:4.2f} s: ' + '; '.join(
            f'{Path(n).stem[:12]} {len(e)}' for n, e in events.items()))
        print(f'      single_face: {events["single_face.mp4"]}')
    finish_report(figures, Path(args.json) if args.json else None, 'trust')
    return 0


if __name__ == '__main__':
    sys.exit(main())
