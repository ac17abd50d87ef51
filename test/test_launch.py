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
from pathlib import Path

from emotion_ros.graph import LAUNCH_ARGUMENTS, pipeline
from emotion_ros.tools.runner import build_parser, children_for
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
LAUNCH_FILE = REPO_ROOT / 'launch' / 'emotion.launch.py'


def _setup_console_scripts() -> set[str]:
    tree = ast.parse((REPO_ROOT / 'setup.py').read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', '') == \
                'CONSOLE_SCRIPTS':
            return set(ast.literal_eval(node.value))
    raise AssertionError('CONSOLE_SCRIPTS not found in setup.py')


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
    # No fixed start delay: the tracker reads images once the classifier hears its faces.
    assert 'start_delay' not in video.parameters
    assert tracker.parameters == {'wait_for_output_subscribers': 1}
    assert classifier.parameters == {}
    assert pipeline({})[1].parameters == {}, 'a live camera starts at once'
    # Defaults leave the params file in charge.
    assert pipeline({})[0].parameters == {}
    with pytest.raises(ValueError, match='unknown launch arguments: bogus'):
        pipeline({'bogus': '1'})


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
    assert wanted == ([f'wait_for_output_subscribers:={observers}'] if observers else [])
    assert all(c.defers_sigint for c in children)
    live = children_for(build_parser().parse_args(['--echo']))
    assert not any('wait_for_output' in a for c in live for a in c.cmd)


def test_launch_file_runs_when_launch_is_installed() -> None:
    """With launch_ros present (full ROS 2), the description builds; skipped here otherwise."""
    if importlib.util.find_spec('launch_ros') is None:
        pytest.skip('launch_ros is not installable from PyPI here (see ENVIRONMENT.md)')
    spec = importlib.util.spec_from_file_location('emotion_launch', LAUNCH_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.generate_launch_description().entities
