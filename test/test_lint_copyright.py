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

"""Every source file carries the project's copyright and license header."""

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ('emotion_ros', 'training', 'test', 'bench', 'scripts', 'launch')
COPYRIGHT_LINE = '# Copyright 2026 The emotion_ros Authors'
LICENSE_LINE = 'Licensed under the Apache License, Version 2.0'


def _sources() -> list[Path]:
    files = [REPO_ROOT / 'setup.py']
    for directory in SOURCE_DIRS:
        files += sorted((REPO_ROOT / directory).rglob('*.py'))
        files += sorted((REPO_ROOT / directory).rglob('*.sh'))
    return files


@pytest.mark.linter
def test_sources_found() -> None:
    """The walk finds the package's own sources (guards against a vacuous pass)."""
    names = {path.name for path in _sources()}
    assert {'setup.py', 'fetch_assets.py', 'setup.sh'} <= names


@pytest.mark.linter
def test_copyright_headers() -> None:
    """Each .py and .sh file names the copyright holder and the license in its first lines."""
    missing = []
    for path in _sources():
        head = '\n'.join(path.read_text(encoding='utf-8').splitlines()[:6])
        if COPYRIGHT_LINE not in head or LICENSE_LINE not in head:
            missing.append(str(path.relative_to(REPO_ROOT)))
    assert not missing, 'files without the copyright/license header:\n' + '\n'.join(missing)
