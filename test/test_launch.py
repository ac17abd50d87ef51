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

"""The launch file: parses, uses the shared graph description, names installed executables."""

import ast
import importlib.util
import os
from pathlib import Path
import re
import signal
import subprocess
import sys
import time

from emotion_ros.graph import DISCOVERY_SETTLE, FILE_IMAGE_QUEUE_DEPTH, FILE_PAIRING_CAPACITY
from emotion_ros.graph import FILE_PACE_AHEAD, LAUNCH_ARGUMENTS, PACING_SUBSCRIBERS
from emotion_ros.graph import listener_counts, LISTENERS_ARGUMENT, pipeline, wait_for_listeners
from emotion_ros.tools.runner import build_parser, children_for
from emotion_ros.tools.supervisor import prepare_child, stop_signals_blocked
import pytest
from ros_helpers import run_with_probe

REPO_ROOT = Path(__file__).resolve().parent.parent
LAUNCH_FILE = REPO_ROOT / 'launch' / 'emotion.launch.py'
# What `ros2 launch emotion_ros emotion.launch.py ARGS` does, without ros2cli.
ROS2_LAUNCH = REPO_ROOT / 'scripts' / 'ros2_launch.py'


def _setup_console_scripts() -> set[str]:
    """Return the executables setup.py installs (the scripts in bin/)."""
    return {path.name for path in (REPO_ROOT / 'bin').iterdir()}


def test_launch_file_parses_and_uses_graph() -> None:
    """The launch file is valid Python that builds its nodes from graph.pipeline."""
    tree = ast.parse(LAUNCH_FILE.read_text())
    imported = {(n.module, a.name) for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
                for a in n.names}
    assert ('emotion_ros.graph', 'pipeline') in imported
    assert ('emotion_ros.graph', 'LAUNCH_ARGUMENTS') in imported
    functions = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    assert 'generate_launch_description' in functions
    calls = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call)
             and isinstance(n.func, ast.Name)}
    assert 'pipeline' in calls
    # No executable names of its own: they all come from the graph.
    strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
    assert not strings & _setup_console_scripts()
    # listeners:=N reaches the nodes through the graph's own step, as emotion_run's echo does.
    assert ('emotion_ros.graph', 'LISTENERS_ARGUMENT') in imported
    assert {'wait_for_listeners', 'listener_counts'} <= calls
    declared = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)
                    and n.name == 'generate_launch_description')
    assert 'LISTENERS_ARGUMENT' in {n.id for n in ast.walk(declared) if isinstance(n, ast.Name)}


@pytest.mark.parametrize('args', [
    {}, {'source': '/tmp/video.mp4'}, {'use_camera': 'false', 'image_topic': '/cam/image'},
    {'video_device': '/dev/video2', 'model': '/m/x.keras'},
])
def test_graph_executables_are_installed(args: dict) -> None:
    """Every node of every variant of the graph is a console script setup.py installs."""
    scripts = _setup_console_scripts()
    for spec in pipeline(args):
        assert spec.executable in scripts


def test_graph_variants() -> None:
    """use_camera=false drops the camera and remaps the image topic for the others."""
    nodes = pipeline({'use_camera': 'false', 'image_topic': '/usb_cam/image_raw'})
    assert [n.executable for n in nodes] == ['face_tracker_node', 'emotion_classifier_node']
    assert all(n.remappings == (('image_raw', '/usb_cam/image_raw'),) for n in nodes)
    video, tracker, classifier = pipeline({'source': '/v.mp4'})
    assert video.parameters['source'] == '/v.mp4' and video.parameters['wait_for_subscribers']
    # The tracker reads images once the classifier hears its faces; the camera then waits for
    # the subscribers' side of discovery to settle (best-effort frames sent before are lost).
    assert video.parameters['start_delay'] == DISCOVERY_SETTLE
    # A file is replayed whole: the tracker queues frames instead of keeping only the newest,
    # the classifier queues as many images and face lists and pairs a whole queue's worth.
    assert tracker.parameters == {'wait_for_output_subscribers': 1,
                                  'image_queue_depth': FILE_IMAGE_QUEUE_DEPTH}
    assert classifier.parameters == {'pairing_queue_depth': FILE_IMAGE_QUEUE_DEPTH,
                                     'pairing_capacity': FILE_PAIRING_CAPACITY,
                                     'wait_for_output_subscribers': PACING_SUBSCRIBERS}
    # The camera paces the file by its classifier's answers, which wait for its subscription.
    assert video.parameters['pace_ahead'] == FILE_PACE_AHEAD < FILE_IMAGE_QUEUE_DEPTH
    assert FILE_PAIRING_CAPACITY >= 2 * FILE_IMAGE_QUEUE_DEPTH
    assert pipeline({})[1].parameters == {}, 'a live camera starts at once, newest frame only'
    assert pipeline({})[2].parameters == {}, "a live camera's classifier keeps its defaults"
    # Defaults leave the params file in charge.
    assert pipeline({})[0].parameters == {}
    with pytest.raises(ValueError, match='unknown launch arguments: bogus'):
        pipeline({'bogus': '1'})


def test_listeners_make_a_file_wait_for_its_outside_subscribers() -> None:
    """listeners:=N: a file's classifier waits for N subscribers; a live camera does not."""
    assert LISTENERS_ARGUMENT.default == '0'
    args = {'cameras': 'left,right', 'source': '/a.mp4,camera'}
    counts = listener_counts(args, '2')
    assert counts == {'/left': 2, '/right': 2}
    nodes = wait_for_listeners(pipeline(args), counts)
    assert nodes[2].parameters == {**pipeline(args)[2].parameters,
                                   'wait_for_output_subscribers': 2 + PACING_SUBSCRIBERS}
    # Only the classifier of the file changes: the camera and tracker keep the graph's values.
    assert nodes[:2] == pipeline(args)[:2]
    assert nodes[3:] == pipeline(args)[3:], 'a live camera starts at once'
    assert listener_counts(args, '1,0') == {'/left': 1, '/right': 0}
    files = {'cameras': 'left,right', 'source': '/a.mp4'}
    waited = wait_for_listeners(pipeline(files), listener_counts(files, '0,3'))
    assert [n.parameters.get('wait_for_output_subscribers') for n in waited
            if n.executable == 'emotion_classifier_node'] == [PACING_SUBSCRIBERS,
                                                              3 + PACING_SUBSCRIBERS]
    # The default changes nothing, and one camera is the global namespace.
    assert wait_for_listeners(pipeline({'source': '/v.mp4'}),
                              listener_counts({}, LISTENERS_ARGUMENT.default)) == \
        pipeline({'source': '/v.mp4'})
    assert listener_counts({}, '1') == {'': 1}
    consumer = pipeline({'faces_from': 'ros4hri'})
    assert wait_for_listeners(consumer, listener_counts({}, '1')) == consumer


@pytest.mark.parametrize('value, message', [
    ('x', "'x' is not a count"), ('-1', 'must be >= 0'), ('101', 'must be <= 100'),
    ('1,2,3', 'listeners has 3 comma-separated values for 2 cameras')])
def test_bad_listener_counts(value: str, message: str) -> None:
    """A listeners value that is not a count per camera is one clear error."""
    with pytest.raises(ValueError, match=message):
        listener_counts({'cameras': 'a,b'}, value)


def test_image_transport_argument_sets_readers_and_camera() -> None:
    """image_transport:=compressed makes the camera publish JPEG and both readers take it."""
    camera, tracker, classifier = pipeline({'image_transport': 'compressed', 'model': 'm.onnx'})
    assert camera.parameters == {'publish_compressed': True}
    assert tracker.parameters == {'image_transport': 'compressed'}
    assert classifier.parameters == {'image_transport': 'compressed', 'model': 'm.onnx'}
    remote = pipeline({'image_transport': 'compressed', 'use_camera': 'false'})
    assert [n.parameters for n in remote] == [{'image_transport': 'compressed'}] * 2
    assert all('image_transport' not in n.parameters for n in pipeline({}))


@pytest.mark.ros
def test_runner_starts_the_graph_of_the_launch_file() -> None:
    """emotion_run's processes are exactly the graph's nodes with the same remaps/overrides."""
    options = build_parser().parse_args(['--source', '/v.mp4', '--image-topic', 'cam'])
    args = {a.name: getattr(options, a.name) for a in LAUNCH_ARGUMENTS}
    args.pop('params_file')
    args.pop('rviz')
    expected = pipeline(args)
    children = children_for(options)
    assert [c.name for c in children] == [s.name for s in reversed(expected)]
    for child, spec in zip(children, reversed(expected)):
        assert Path(child.cmd[0]).name == spec.executable
        assert f'__node:={spec.name}' in child.cmd
        assert 'image_raw:=cam' in child.cmd
    camera = children[-1]
    assert camera.finite and "source:='/v.mp4'" in camera.cmd


@pytest.mark.ros
@pytest.mark.parametrize('flags, observers', [
    ([], 0), (['--echo'], 1), (['--record', 'x.mp4'], 1), (['--echo', '--record', 'x.mp4'], 2)])
def test_runner_classifier_waits_for_echo_and_recorder(flags: list, observers: int) -> None:
    """With a video, the classifier reads images only once the echo and recorder hear it."""
    children = children_for(build_parser().parse_args(['--source', '/v.mp4', *flags]))
    classifier = next(c for c in children if c.name == 'emotion_classifier')
    wanted = [a for a in classifier.cmd if a.startswith('wait_for_output_subscribers:=')]
    # Besides them, the camera's pacing subscription (graph.PACING_SUBSCRIBERS).
    assert wanted == [f'wait_for_output_subscribers:={observers + PACING_SUBSCRIBERS}']
    assert all(c.defers_sigint for c in children)
    live = children_for(build_parser().parse_args(['--echo']))
    assert not any('wait_for_output' in a for c in live for a in c.cmd)


def test_namespace_puts_every_node_under_it() -> None:
    """namespace:=front: the same three nodes, all in /front; only a file source ends the run."""
    nodes = pipeline({'namespace': 'front'})
    assert [n.namespace for n in nodes] == ['/front'] * 3
    assert [n.full_name for n in nodes] == ['front/camera', 'front/face_tracker',
                                            'front/emotion_classifier']
    assert not any(n.ends_run for n in nodes)
    assert [n.ends_run for n in pipeline({'source': '/v.mp4'})] == [True, False, False]
    assert pipeline({})[0].namespace == ''


def test_cameras_get_one_pipeline_each() -> None:
    """cameras:=cam1,cam2 under namespace robot: two whole pipelines, per-camera sources."""
    nodes = pipeline({'namespace': 'robot', 'cameras': 'cam1, cam2',
                      'source': '/a.mp4,camera', 'video_device': '/dev/video4'})
    assert [(n.namespace, n.executable) for n in nodes] == [
        (ns, exe) for ns in ('/robot/cam1', '/robot/cam2')
        for exe in ('camera_node', 'face_tracker_node', 'emotion_classifier_node')]
    cam1, cam2 = nodes[0], nodes[3]
    assert cam1.parameters['source'] == '/a.mp4' and cam1.ends_run
    assert 'source' not in cam2.parameters and not cam2.ends_run
    assert cam1.parameters['video_device'] == cam2.parameters['video_device'] == '/dev/video4'
    assert len({n.full_name for n in nodes}) == 6


@pytest.mark.parametrize('args, message', [
    ({'cameras': 'a,b', 'source': '/1.mp4,/2.mp4,/3.mp4'}, 'source has 3 comma-separated'),
    ({'cameras': 'a,a'}, 'repeats a name'),
    ({'cameras': '1cam'}, 'invalid namespace'),
    ({'namespace': 'my-robot'}, 'invalid namespace'),
])
def test_bad_namespaces_and_camera_lists(args: dict, message: str) -> None:
    """Inconsistent or invalid camera arguments are one clear error, before anything starts."""
    with pytest.raises(ValueError, match=message):
        pipeline(args)


@pytest.mark.ros
def test_runner_commands_for_namespaces_and_cameras(tmp_path: Path) -> None:
    """--namespace and --cameras become __ns remaps; echo runs once per camera namespace."""
    children = children_for(build_parser().parse_args(['--namespace', '/cam1']))
    assert all('__ns:=/cam1' in c.cmd for c in children)
    options = build_parser().parse_args(['--cameras', 'cam1,cam2', '--source', '/a.mp4,/b.mp4',
                                         '--echo'])
    children = {c.name: c for c in children_for(options)}
    assert set(children) == {f'{ns}/{name}' for ns in ('cam1', 'cam2') for name in (
        'camera', 'face_tracker', 'emotion_classifier', 'emotion_echo')}
    assert children['cam2/camera'].finite and "source:='/b.mp4'" in children['cam2/camera'].cmd
    assert children['cam1/emotion_echo'].cmd[-2:] == ['-r', '__ns:=/cam1']
    # Each camera's classifier waits for its own echo (the video must not end unheard).
    assert 'wait_for_output_subscribers:=2' in children['cam2/emotion_classifier'].cmd
    with pytest.raises(ValueError, match='--record takes one camera'):
        children_for(build_parser().parse_args(['--cameras', 'a,b', '--record',
                                                str(tmp_path / 'x.mp4')]))


def _skip_without_launch_ros() -> None:
    if importlib.util.find_spec('launch_ros') is None:
        pytest.skip('launch_ros is not installable from PyPI here (see ENVIRONMENT.md)')


def test_launch_file_runs_when_launch_is_installed() -> None:
    """With launch_ros present (full ROS 2), the description builds; skipped here otherwise."""
    _skip_without_launch_ros()
    spec = importlib.util.spec_from_file_location('emotion_launch', LAUNCH_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    description = module.generate_launch_description()
    assert description.entities
    declared = {a.name: a.default_value for a in description.get_launch_arguments()}
    assert set(declared) == {a.name for a in LAUNCH_ARGUMENTS} | {'autostart', 'listeners'}


@pytest.mark.ros
@pytest.mark.slow
def test_launch_runs_in_a_namespace_and_ends_with_the_video(rclpy_context,
                                                            tmp_path: Path) -> None:
    """Under ros2 launch: topics in /launched, appeared, then neutral->happy; the video ends it."""
    from emotion_msgs.msg import EmotionEvent

    _skip_without_launch_ros()
    video = REPO_ROOT / 'assets' / 'media' / 'single_face.mp4'
    # listeners:=1: the probe is an outside subscriber the clip waits for.
    code, out, err, received, seen = run_with_probe(
        rclpy_context, tmp_path,
        [sys.executable, str(ROS2_LAUNCH), f'source:={video}', 'namespace:=launched',
         'listeners:=1'],
        ['/emotions', '/launched/emotions'], ['/launched/emotion_events'])
    output = out + err
    assert code == 0, output[-4000:]
    assert 'after 72 frames' in output
    for node in ('face_tracker_node', 'emotion_classifier_node'):
        assert f'[{node}-' in output and 'process has finished cleanly' in output
    topics = ('image_raw', 'faces', 'emotions')
    assert {f'/launched/{topic}' for topic in topics} <= seen, seen
    assert not {f'/{topic}' for topic in topics} & seen and not received['/emotions']
    # The classifier waited for the probe (listeners:=1), so it heard the clip from its first
    # frame: every one of the 72 (70: the stress bench's bar for a loaded machine).
    stamps = {(m.header.stamp.sec, m.header.stamp.nanosec)
              for m in received['/launched/emotions']}
    assert len(stamps) >= 70, len(stamps)
    events = [(e.event, e.previous_label, e.label) for e in received['/launched/emotion_events']]
    # LOST comes event_lost_timeout (2 s) after the last frame, if the launch is still up then.
    assert events[:2] == [(EmotionEvent.APPEARED, '', 'neutral'),
                          (EmotionEvent.CHANGED, 'neutral', 'happy')], events
    assert events[2:] in ([], [(EmotionEvent.LOST, 'happy', '')]), events
    faces = [m.emotions[0] for m in received['/launched/emotions'] if m.emotions]
    assert faces and all(f.reliable and f.looking_at_camera for f in faces), 'frontal, attending'


@pytest.mark.ros
@pytest.mark.slow
def test_launch_plays_every_clip_of_two_cameras_to_the_end(rclpy_context,
                                                           tmp_path: Path) -> None:
    """Two cameras, clips of 15.7 s and 2.4 s: the launch ends after both, each played whole."""
    _skip_without_launch_ros()
    media = REPO_ROOT / 'assets' / 'media'
    sources = f'{media / "WolfgangLanger_Pexels.mp4"},{media / "single_face.mp4"}'
    code, out, err, received, seen = run_with_probe(
        rclpy_context, tmp_path,
        [sys.executable, str(ROS2_LAUNCH), 'cameras:=left,right', f'source:={sources}'],
        ['/left/emotions'])
    output = out + err
    assert code == 0, output[-4000:]
    assert 'after 472 frames' in output and 'after 72 frames' in output, output[-4000:]
    assert 'escalating' not in output and 'Traceback' not in output, output[-4000:]


@pytest.mark.ros
@pytest.mark.slow
@pytest.mark.parametrize('delay', [0.0, 1.0, 4.0])
def test_launch_stops_cleanly_on_sigint(ros_domain, tmp_path: Path, delay: float) -> None:
    """Ctrl-C to ros2 launch while its nodes start or run: all end without escalation."""
    _skip_without_launch_ros()
    media = REPO_ROOT / 'assets' / 'media'
    params = tmp_path / 'loop.yaml'
    params.write_text((REPO_ROOT / 'config' / 'emotion.yaml').read_text()
                      .replace('loop: false', 'loop: true'))
    log = tmp_path / 'launch.log'
    with open(log, 'w') as out:
        # Own session (killed whole if the feature broke); stop signals at their defaults.
        launch = subprocess.Popen([sys.executable, str(ROS2_LAUNCH),
                                   f'source:={media / "single_face.mp4"}',
                                   f'params_file:={params}'],
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                  preexec_fn=prepare_child(os.getpid(), block_sigint=False))
    try:
        # From the moment the three nodes run their first line (launch's own start can take
        # seconds on a loaded machine; before its first line a node is a bare interpreter).
        deadline = time.monotonic() + 120.0
        pids: list[int] = []
        while time.monotonic() < deadline and not (
                len(pids) == 3 and all(stop_signals_blocked(pid) for pid in pids)):
            pids = [int(p) for p in re.findall(r'process started with pid \[(\d+)\]',
                                               log.read_text())]
            time.sleep(0.01)
        time.sleep(delay)
        launch.send_signal(signal.SIGINT)
        code = launch.wait(60)
    finally:
        if launch.poll() is None:  # the feature broke: leave nothing running
            os.killpg(launch.pid, signal.SIGKILL)
    text = log.read_text()
    assert code is not None
    # Every node ends by itself on the first SIGINT, and prints no traceback. (launch_ros's own
    # lines are not asserted: a Ctrl-C while its ChangeState calls still wait for a node's
    # services makes it log InvalidHandle errors and exit 1, whatever the nodes do.)
    assert text.count('process has finished cleanly') == 3, text[-4000:]
    assert 'escalating' not in text, text[-4000:]
    node_lines = [line for line in text.splitlines() if re.match(r'\[\w+_node-\d\]', line)]
    assert not [line for line in node_lines if 'Traceback' in line], text[-4000:]
