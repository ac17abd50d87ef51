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

"""The local runner: supervision semantics (ROS-free) and the real graph run by emotion_run."""

import json
from pathlib import Path
import signal
import subprocess
import sys
import time

from emotion_ros.tools.supervisor import Child, Supervisor
import numpy as np
import pytest
from ros_helpers import executable, REPO_ROOT, wait_for_log

# Long enough to never end on its own during a test (s).
FOREVER = '600'
# Bound on any single run in these tests (s).
RUN_TIMEOUT = 180.0


def _sleeper(name: str) -> Child:
    """Make a child that runs until SIGINT and then exits 0, as the nodes do."""
    script = ('import signal, sys, time; '
              'signal.signal(signal.SIGINT, lambda *_: sys.exit(0)); '
              f'time.sleep({FOREVER})')
    return Child(name, [sys.executable, '-c', script])


def _exits(name: str, code: int, after: float = 0.2, finite: bool = False) -> Child:
    script = f'import sys, time; time.sleep({after}); sys.exit({code})'
    return Child(name, [sys.executable, '-c', script], finite=finite)


def _run_then_interrupt(supervisor: Supervisor, after: float) -> int:
    """Run ``supervisor``, requesting a stop (as Ctrl-C does) after ``after`` seconds."""
    signal.signal(signal.SIGALRM, lambda *_: supervisor.request_stop())
    signal.setitimer(signal.ITIMER_REAL, after)
    try:
        return supervisor.run()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)


def test_one_child_dies_stops_the_rest(capsys) -> None:
    """A crash is reported by name and code, the others are stopped, the run fails."""
    children = [_sleeper('a'), _exits('b', 3), _sleeper('c')]
    start = time.monotonic()
    assert Supervisor(children).run() == 3
    assert time.monotonic() - start < 30
    assert all(c.process.poll() is not None for c in children)
    assert 'b exited with code 3' in capsys.readouterr().err


def test_finite_source_ending_ends_the_run_cleanly() -> None:
    """A finite child exiting 0 ends the run with 0 after the drain, others stopped cleanly."""
    children = [_sleeper('tracker'), _exits('camera', 0, finite=True)]
    assert Supervisor(children, drain_time=0.5).run() == 0
    assert children[0].process.returncode == 0


def test_non_finite_clean_exit_is_a_failure() -> None:
    """A node that is not a finite source exiting 0 is unexpected: the run reports failure."""
    assert Supervisor([_sleeper('a'), _exits('tracker', 0)]).run() == 1


def test_stop_request_stops_all() -> None:
    """Ctrl-C (request_stop) interrupts every child; Python children exit on SIGINT."""
    children = [_sleeper('a'), _sleeper('b')]
    supervisor = Supervisor(children)
    code = _run_then_interrupt(supervisor, 0.5)
    assert code == 0
    assert [c.process.returncode for c in children] == [0, 0]


def test_stop_request_with_unclean_child_fails() -> None:
    """A child that dies of the interrupt (no clean shutdown) makes the run fail."""
    unclean = Child('raw', [sys.executable, '-c', f'import time; time.sleep({FOREVER})'])
    supervisor = Supervisor([unclean])
    code = _run_then_interrupt(supervisor, 0.5)
    assert code == 1


@pytest.mark.ros
@pytest.mark.slow
def test_emotion_run_on_real_video(ros_domain, tmp_path: Path) -> None:
    """emotion_run plays the video through the graph, echoes JSON lines and exits 0."""
    record = tmp_path / 'annotated.mp4'
    result = subprocess.run(
        [str(executable('emotion_run')), '--source',
         str(REPO_ROOT / 'assets' / 'media' / 'single_face.mp4'), '--echo', '--jsonl',
         '--record', str(record)],
        capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert result.returncode == 0, result.stderr[-4000:]
    messages = [json.loads(line) for line in result.stdout.splitlines() if line.startswith('{')]
    assert len(messages) >= 20, result.stderr[-4000:]
    labels = [e['label'] for m in messages for e in m['emotions']]
    # The man smiles at the end; on the clip's last frame the smile has ended, and the averaged
    # estimate may say so (neutral), so the smile is checked over the last 10 faces.
    assert labels[:5].count('neutral') >= 4 and labels[-10:].count('happy') >= 8, labels
    # The echo prints valence and arousal: near 0 before the smile, pleasant while it lasts.
    valences = [e['valence'] for m in messages for e in m['emotions']]
    assert all(-1.0 <= e['arousal'] <= 1.0 for m in messages for e in m['emotions'])
    assert max(valences[:5]) < 0.3 and sorted(valences[-10:])[2] > 0.3, valences
    assert {e['face_id'] for m in messages for e in m['emotions']} == {1}
    assert 'camera finished' in result.stderr
    assert record.exists() and record.stat().st_size > 10_000


@pytest.mark.ros
def test_emotion_run_over_compressed_images(ros_domain, tmp_path: Path) -> None:
    """--image-transport compressed: JPEG from the camera, read by tracker and classifier."""
    result = subprocess.run(
        [str(executable('emotion_run')), '--source',
         str(REPO_ROOT / 'assets' / 'media' / 'single_face.mp4'), '--echo', '--jsonl',
         '--image-transport', 'compressed'],
        capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert result.returncode == 0, result.stderr[-4000:]
    assert 'tracking faces with blazeface (multiscale) on /image_raw/compressed' in result.stderr
    assert 'images from /image_raw/compressed' in result.stderr
    messages = [json.loads(line) for line in result.stdout.splitlines() if line.startswith('{')]
    labels = [e['label'] for m in messages for e in m['emotions']]
    assert len(messages) >= 20 and labels[-10:].count('happy') >= 8, labels


@pytest.mark.ros
def test_emotion_run_ctrl_c_exits_zero(ros_domain, tmp_path: Path) -> None:
    """With a camera that is not there the graph keeps running; SIGINT stops all with 0."""
    log = tmp_path / 'run.log'
    with open(log, 'w') as out:
        process = subprocess.Popen(
            [str(executable('emotion_run')), '--video-device', '/dev/video99'],
            stdout=out, stderr=subprocess.STDOUT)
        try:
            assert wait_for_log(log, 'tracking faces', RUN_TIMEOUT), log.read_text()
            assert wait_for_log(log, '/dev/video99', RUN_TIMEOUT), log.read_text()
        finally:
            process.send_signal(signal.SIGINT)
            code = process.wait(RUN_TIMEOUT)
    assert code == 0, log.read_text()
    assert 'stopping on request' in log.read_text()


@pytest.mark.ros
def test_emotion_run_reports_a_dying_node(ros_domain, tmp_path: Path) -> None:
    """A classifier that cannot load its model fails to configure: the graph stops, exit 1."""
    result = subprocess.run(
        [str(executable('emotion_run')), '--video-device', '/dev/video99',
         '--model', str(tmp_path / 'missing.tflite')],
        capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert result.returncode == 1, result.stderr[-4000:]
    assert 'emotion_classifier failed to configure; stopping the others' in result.stderr
    assert 'cannot configure' in result.stderr and 'Traceback' not in result.stderr
    assert 'missing.tflite' in result.stderr


def test_interrupt_and_wait_kills_what_ignores_sigint() -> None:
    """A process that ignores Ctrl-C is killed after the timeout and reported; others exit."""
    from emotion_ros.tools.supervisor import interrupt_and_wait

    def child(handler: str) -> subprocess.Popen:
        script = (f'import signal, sys, time; signal.signal(signal.SIGINT, {handler}); '
                  f'print(1, flush=True); time.sleep({FOREVER})')
        process = subprocess.Popen([sys.executable, '-c', script], stdout=subprocess.PIPE)
        assert process.stdout.readline().strip() == b'1'  # the handler is in place
        return process

    stubborn = child('signal.SIG_IGN')
    polite = child('lambda *_: sys.exit(0)')
    killed = interrupt_and_wait([stubborn, polite], timeout=1.0)
    assert killed == [stubborn]
    assert stubborn.returncode == -signal.SIGKILL and polite.returncode == 0


@pytest.mark.ros
@pytest.mark.slow
@pytest.mark.parametrize('min_face_height', [None, 0])
def test_a_face_below_min_face_height_is_never_trusted(ros_domain, tmp_path: Path,
                                                       min_face_height) -> None:
    """A real face about 24 px tall: found and classified, reliable only with the gate off."""
    import cv2

    still = cv2.imread(str(REPO_ROOT / 'assets' / 'media' / 'single_face.jpg'))
    small = cv2.resize(still, None, fx=0.09, fy=0.09, interpolation=cv2.INTER_AREA)
    canvas = np.full((120, 160, 3), 110, np.uint8)
    canvas[10:10 + small.shape[0], 20:20 + small.shape[1]] = small[:110, :140]
    folder = tmp_path / 'frames'
    folder.mkdir()
    for index in range(12):
        cv2.imwrite(str(folder / f'{index:02d}.png'), canvas)
    params = tmp_path / 'params.yaml'
    text = (REPO_ROOT / 'config' / 'emotion.yaml').read_text()
    if min_face_height is not None:
        text = text.replace('min_face_height: 28', f'min_face_height: {min_face_height}')
    params.write_text(text)
    result = subprocess.run(
        [str(executable('emotion_run')), '--source', str(folder), '--params-file', str(params),
         '--echo', '--jsonl'], capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert result.returncode == 0, result.stderr[-4000:]
    faces = [e for line in result.stdout.splitlines() if line.startswith('{')
             for e in json.loads(line)['emotions']]
    assert faces, result.stderr[-4000:]
    assert all(e['roi']['height'] < 28 for e in faces), [e['roi'] for e in faces]
    if min_face_height is None:  # the default (28 px): never large enough, never trusted
        assert not any(e['reliable'] for e in faces) and all(
            e['held_for'] is None for e in faces)
    else:
        assert all(e['reliable'] for e in faces)
