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

"""Style checks as tests: flake8 and pep257 with the ament configuration."""

from pathlib import Path
import subprocess
import sys

from ament_pep257.main import main as pep257_main
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# Python sources of this repository (the venv, build/ and install/ are not ours).
PYTHON_PATHS = ('emotion_ros', 'training', 'test', 'bench', 'scripts', 'launch', 'setup.py')
FLAKE8_TIMEOUT = 300.0  # s; a clean run takes about 6 s here


def _paths() -> list[str]:
    return [str(REPO_ROOT / p) for p in PYTHON_PATHS if (REPO_ROOT / p).exists()]


@pytest.mark.linter
def test_flake8() -> None:
    """Flake8 at 99 columns, google import order, single quotes, like ament_flake8."""
    # In a fresh process: flake8 forks worker processes, and a fork of this one, whose earlier
    # tests left TensorFlow and DDS threads running, can deadlock on a lock held by one of them.
    result = subprocess.run(
        [sys.executable, '-c', 'import sys; from ament_flake8.main import main; sys.exit(main())',
         *_paths()], cwd=REPO_ROOT, capture_output=True, text=True, timeout=FLAKE8_TIMEOUT)
    assert result.returncode == 0, f'code style errors:\n{result.stdout}{result.stderr}'


@pytest.mark.linter
def test_pep257() -> None:
    """Docstrings follow pep257 as ament_pep257 configures it."""
    rc = pep257_main(argv=_paths())
    assert rc == 0, 'Found docstring style errors (see the output above)'
