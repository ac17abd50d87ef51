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

"""The core is ROS-free and importing it is cheap (no TensorFlow, no rclpy at import)."""

from pathlib import Path
import subprocess
import sys

REPO_ROOT = Path(__file__).resolve().parent.parent
HEAVY_OR_ROS = ('rclpy', 'sensor_msgs', 'emotion_msgs', 'tensorflow', 'keras', 'ai_edge_litert')


def test_core_and_training_import_without_ros_or_tensorflow() -> None:
    """Import every core and training module in a fresh interpreter; none pulls ROS or TF."""
    modules = sorted(
        '.'.join(path.relative_to(REPO_ROOT).with_suffix('').parts).removesuffix('.__init__')
        for package in ('core', 'training')
        for path in (REPO_ROOT / 'emotion_ros' / package).rglob('*.py'))
    assert len(modules) > 15
    script = (
        'import sys, importlib\n'
        f'for name in {modules!r}:\n'
        '    importlib.import_module(name)\n'
        f'print(sorted(m for m in {HEAVY_OR_ROS!r} if m in sys.modules))\n')
    result = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True,
                            cwd=REPO_ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == '[]', result.stdout
