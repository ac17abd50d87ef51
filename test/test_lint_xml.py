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

"""XML checks (ament_xmllint is not on PyPI): well-formed files and complete manifests."""

from pathlib import Path
import re
import xml.etree.ElementTree as ElementTree

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
STAND_INS = REPO_ROOT / 'test' / 'stand_ins'
# The interface packages: ours and the test-only stand-ins (test/stand_ins/README.md).
INTERFACE_PACKAGES = (REPO_ROOT / 'emotion_msgs', STAND_INS / 'hri_msgs', STAND_INS / 'tf2_msgs')
MANIFESTS = (REPO_ROOT / 'package.xml',) + tuple(p / 'package.xml' for p in INTERFACE_PACKAGES)
PACKAGE_NAMES = {REPO_ROOT / 'package.xml': 'emotion_ros',
                 **{p / 'package.xml': p.name for p in INTERFACE_PACKAGES}}
REQUIRED_TAGS = ('name', 'version', 'description', 'maintainer', 'license')


def _xml_files() -> list[Path]:
    files = list(MANIFESTS) + sorted((REPO_ROOT / 'config').glob('*.xml'))
    return files


@pytest.mark.linter
@pytest.mark.parametrize('path', _xml_files(), ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_well_formed(path: Path) -> None:
    """Every XML file parses."""
    ElementTree.parse(path)


@pytest.mark.linter
@pytest.mark.parametrize('path', MANIFESTS, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_manifest_format3(path: Path) -> None:
    """package.xml is format 3 with the required elements and a build type."""
    root = ElementTree.parse(path).getroot()
    assert root.tag == 'package' and root.get('format') == '3'
    for tag in REQUIRED_TAGS:
        element = root.find(tag)
        assert element is not None and element.text and element.text.strip(), tag
    assert root.find('name').text == PACKAGE_NAMES[path]
    assert root.find('export/build_type') is not None


@pytest.mark.linter
@pytest.mark.parametrize('package', INTERFACE_PACKAGES, ids=lambda p: p.name)
def test_interface_dependencies_declared(package: Path) -> None:
    """Every rosidl DEPENDENCIES entry is found by CMake and declared in package.xml."""
    cmake = (package / 'CMakeLists.txt').read_text()
    deps = re.search(r'DEPENDENCIES ([\w ]+)', cmake).group(1).split()
    assert deps, 'no DEPENDENCIES in rosidl_generate_interfaces'
    root = ElementTree.parse(package / 'package.xml').getroot()
    declared = {e.text for e in root.iter() if e.tag in ('depend', 'build_depend')}
    for dep in deps:
        assert f'find_package({dep} REQUIRED)' in cmake
        assert dep in declared
    groups = [e.text for e in root.findall('member_of_group')]
    assert groups == ['rosidl_interface_packages']
