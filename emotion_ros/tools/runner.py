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
emotion_run: start the pipeline without ``ros2 launch`` and supervise it.

The same nodes, parameters and remappings as ``launch/emotion.launch.py`` (both read
:func:`emotion_ros.graph.pipeline`), plus optional ``emotion_echo`` and ``image_recorder``.
The camera, tracker and classifier are managed (lifecycle) nodes: emotion_run configures and
activates each through its ``lifecycle_msgs`` services, as the launch file does with launch_ros
events; ``--no-autostart`` leaves them unconfigured for an external lifecycle manager.
One process dies, or a node fails to configure: it is reported and the rest stop (exit 1).
Ctrl-C, SIGTERM or a closed terminal (SIGHUP): all stop and the exit code is 0. The video or
folder sources ending end the run with 0 (with several cameras: once every one has ended). If
emotion_run itself is killed, the kernel interrupts its nodes (see tools/supervisor.py).
"""

import argparse
import os
from pathlib import Path
import sys
from typing import Any, Optional

from ament_index_python.packages import get_package_prefix, get_package_share_directory

from emotion_ros.entry_points import StopSignals
from emotion_ros.graph import camera_namespaces, is_true, LAUNCH_ARGUMENTS, NodeSpec, PACKAGE
from emotion_ros.graph import PARAMS_FILE, pipeline, wait_for_listeners
from emotion_ros.tools.lifecycle_driver import LifecycleDriver
from emotion_ros.tools.supervisor import Child, Supervisor


def executable_path(name: str) -> Path:
    """Return the installed console script ``name`` of this package."""
    return Path(get_package_prefix(PACKAGE)) / 'lib' / PACKAGE / name


def param_arg(name: str, value: Any) -> str:
    """Return a ``-p`` argument, strings quoted so '0' stays a string."""
    if isinstance(value, bool):
        text = 'true' if value else 'false'
    elif isinstance(value, str):
        text = "'" + value.replace("'", "''") + "'"
    else:
        text = str(value)
    return f'{name}:={text}'


def node_command(spec: NodeSpec, params_file: str, autostart: bool = False) -> list[str]:
    """
    Return the command line that starts ``spec`` like ``launch_ros`` would.

    :param autostart: the node configures and activates itself (no lifecycle manager).
    """
    cmd = [str(executable_path(spec.executable)), '--ros-args', '-r', f'__node:={spec.name}']
    if spec.namespace:
        cmd += ['-r', f'__ns:={spec.namespace}']
    cmd += ['--params-file', params_file]
    for name, value in spec.parameters.items():
        cmd += ['-p', param_arg(name, value)]
    for source, target in spec.remappings:
        cmd += ['-r', f'{source}:={target}']
    if autostart:
        cmd += ['-p', 'autostart:=true']
    return cmd


def build_parser() -> argparse.ArgumentParser:
    """Return the command-line parser: one flag per launch argument, plus outputs."""
    parser = argparse.ArgumentParser(prog='emotion_run', description=__doc__.splitlines()[1])
    for argument in LAUNCH_ARGUMENTS:
        # A boolean given alone means true: --ros4hri is --ros4hri true.
        flag = {'nargs': '?', 'const': 'true'} if argument.default in ('true', 'false') else {}
        parser.add_argument('--' + argument.name.replace('_', '-'), dest=argument.name,
                            default=argument.default, help=argument.description, **flag)
    parser.add_argument('--no-autostart', dest='autostart', action='store_false',
                        help='leave the nodes unconfigured, for an external lifecycle manager '
                        '(ros2 lifecycle set NODE configure, then activate)')
    parser.add_argument('--echo', action='store_true', help='print emotions (emotion_echo)')
    parser.add_argument('--jsonl', action='store_true', help='with --echo: JSON lines')
    parser.add_argument('--record', type=Path, default=None,
                        help='write image_annotated to this .mp4/.avi file or PNG folder')
    parser.add_argument('--diagnostics', action='store_true',
                        help='print one /diagnostics status line per node per second '
                        '(emotion_diagnostics)')
    return parser


def managed_names(children: list[Child]) -> list[str]:
    """Return the fully qualified names of the managed nodes among ``children``."""
    return ['/' + child.name for child in children if child.managed]


def children_for(options: argparse.Namespace) -> list[Child]:
    """Return the processes for the parsed options."""
    args = {a.name: getattr(options, a.name) for a in LAUNCH_ARGUMENTS}
    params_file = args.pop('params_file') or str(
        Path(get_package_share_directory(PACKAGE)) / 'config' / PARAMS_FILE)
    args.pop('rviz')
    if not (os.path.isfile(params_file) and os.access(params_file, os.R_OK)):
        raise LookupError(f'params file {params_file} does not exist or is not readable')
    specs = pipeline(args)
    namespaces = camera_namespaces(args)
    if options.record is not None and len(namespaces) > 1:
        raise ValueError('--record takes one camera; run emotion_run --namespace NS --record '
                         'per camera')
    children = []
    # Every child is a console script of this package: it unblocks SIGINT itself
    # (emotion_ros.entry_points), so an early Ctrl-C cannot print a traceback.
    if options.diagnostics:
        # /diagnostics is absolute: one printer serves every camera.
        children.append(Child('emotion_diagnostics',
                              [str(executable_path('emotion_diagnostics'))], defers_sigint=True))
    observers: dict[str, int] = {}
    for namespace in namespaces:
        ns_args = ['--ros-args', '-r', f'__ns:={namespace}'] if namespace else []
        prefix = namespace.lstrip('/') + '/' if namespace else ''
        if options.echo:
            cmd = [str(executable_path('emotion_echo'))] + (['--jsonl'] if options.jsonl else [])
            children.append(Child(prefix + 'emotion_echo', cmd + ns_args, defers_sigint=True))
        if options.record is not None:
            children.append(Child(prefix + 'image_recorder', [
                str(executable_path('image_recorder')), str(options.record)] + ns_args,
                defers_sigint=True))
        observers[namespace] = int(options.echo) + int(options.record is not None)
    # A file's classifier reads images only once the echo and recorder hear it, so the camera's
    # wait for its image subscribers covers them too (as the launch file's listeners:=N).
    for spec in reversed(wait_for_listeners(specs, observers)):
        children.append(Child(spec.full_name, node_command(spec, params_file),
                              finite=spec.ends_run, defers_sigint=True, managed=True))
    return children


def main(argv: Optional[list[str]] = None) -> None:
    """Parse the options, start the graph and supervise it."""
    options = build_parser().parse_args(argv)
    if is_true(options.rviz):
        print('[emotion_run] rviz2 is not started by emotion_run; use ros2 launch ... rviz:=true '
              'on a full ROS 2 install', file=sys.stderr)
    try:
        children = children_for(options)
    except (LookupError, ValueError) as error:
        print(f'[emotion_run] {error}', file=sys.stderr)
        sys.exit(2)
    names = managed_names(children)
    supervisor = Supervisor(
        children, manager=(lambda: LifecycleDriver(names, report=supervisor.say))
        if options.autostart else None)
    # Ctrl-C, SIGTERM and a closed terminal or dropped ssh session (SIGHUP) stop the graph.
    stop = StopSignals.current()
    stop.on_stop(lambda signum: supervisor.request_stop())
    stop.cooperate()
    sys.exit(supervisor.run())
