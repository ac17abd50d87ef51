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

"""emotion_run with --namespace and --cameras: real nodes, topics under /ns, cameras apart."""

import json
from pathlib import Path

import pytest
from ros_helpers import executable, REPO_ROOT, run_with_probe

MEDIA = REPO_ROOT / 'assets' / 'media'


# Topics every pipeline has; none may appear outside the namespaces.
PIPELINE_TOPICS = ('image_raw', 'camera_info', 'faces', 'emotions')


def _echoed(out: str) -> dict[str, list]:
    """Return the echo's JSON messages by namespace."""
    messages: dict[str, list] = {}
    for line in out.splitlines():
        if line.startswith('{'):
            message = json.loads(line)
            messages.setdefault(message['namespace'], []).append(message)
    return messages


@pytest.mark.ros
@pytest.mark.slow
def test_pipeline_runs_in_a_namespace(rclpy_context, tmp_path: Path) -> None:
    """--namespace cam1: every topic under /cam1, none global; emotions echoed there."""
    command = [executable('emotion_run'), '--namespace', 'cam1', '--source',
               MEDIA / 'single_face.mp4', '--echo', '--jsonl']
    code, out, err, received, seen = run_with_probe(rclpy_context, tmp_path, command,
                                                    ['/emotions'])
    assert code == 0, err[-4000:]
    assert 'cam1/camera finished' in err
    assert {f'/cam1/{topic}' for topic in PIPELINE_TOPICS} <= seen, seen
    assert not {f'/{topic}' for topic in PIPELINE_TOPICS} & seen, seen
    assert not received['/emotions']
    echoed = _echoed(out)
    assert set(echoed) == {'/cam1'} and len(echoed['/cam1']) >= 20, err[-4000:]
    assert 'happy' in [e['label'] for m in echoed['/cam1'] for e in m['emotions']]


@pytest.mark.ros
@pytest.mark.slow
def test_two_cameras_stay_separate(rclpy_context, tmp_path: Path) -> None:
    """Two pipelines: the face video's emotions in /cam1 only, the empty video's in /cam2."""
    sources = f'{MEDIA / "single_face.mp4"},{MEDIA / "no_face.mp4"}'
    command = [executable('emotion_run'), '--cameras', 'cam1,cam2', '--source', sources,
               '--echo', '--jsonl']
    code, out, err, received, seen = run_with_probe(rclpy_context, tmp_path, command,
                                                    ['/emotions'])
    assert code == 0, err[-4000:]
    # The first video to end ends the run (both last about 3 s); the other has played as long.
    assert 'cam1/camera finished' in err or 'cam2/camera finished' in err
    assert {f'/{ns}/{topic}' for ns in ('cam1', 'cam2') for topic in PIPELINE_TOPICS} <= seen
    assert not {f'/{topic}' for topic in PIPELINE_TOPICS} & seen, seen
    echoed = _echoed(out)
    cam1, cam2 = echoed.get('/cam1', []), echoed.get('/cam2', [])
    assert len(cam1) >= 20 and len(cam2) >= 20, err[-4000:]
    assert 'happy' in [e['label'] for m in cam1 for e in m['emotions']]
    assert all(not m['emotions'] for m in cam2), 'a face of camera 1 reached camera 2'
    assert {m['frame_id'] for m in cam1 + cam2} == {'camera'}
