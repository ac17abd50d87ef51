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

"""The hri_msgs and tf2_msgs on the test paths are wire-compatible with the published ones."""

import importlib
import json
from pathlib import Path

import pytest

# The RIHS01 type hashes of the published packages (hri_msgs 2.0.0 of ros4hri/hri_msgs
# humble-devel, tf2_msgs 0.39.1 of ros2/geometry2), read from their build here on Kilted and
# Jazzy alike. A hash covers the type's name, field names and types (recursively), not its
# comments or constants: equal hashes mean the stand-in talks to the real package's nodes.
PUBLISHED_HASHES = {
    'hri_msgs/msg/IdsList':
        'RIHS01_7e0812d1ac945c98fd3e393568d581ad0ab567f37b24eff633eab778c1bfe62d',
    'hri_msgs/msg/NormalizedRegionOfInterest2D':
        'RIHS01_2e50c93f1ca166ee77af9a5424dc951ae4e452b740162a7f83c082d917dcaff5',
    'hri_msgs/msg/Expression':
        'RIHS01_411b88e0604397d44775d8ec6a4bc69398fb0dfbfe864c33a40fa99ee85f1b00',
    'hri_msgs/msg/FacialLandmarks':
        'RIHS01_f1d6b0ba159f4d6be1632e5dfc9cb79ce5e35da73888da2a4789bd9b35112a63',
    'hri_msgs/msg/NormalizedPointOfInterest2D':
        'RIHS01_cc1d2f720c82afeb850ff1dbf66f41ecb7caf19f842987f1247e66160cf03953',
    'tf2_msgs/msg/TFMessage':
        'RIHS01_e369d0f05a23ae52508854b66f6aa0437f3449d652e8cbf22d5abe85d020f087',
}
# Constants the provider relies on, with their published values.
PUBLISHED_CONSTANTS = {
    ('Expression', 'NEUTRAL'): 'neutral', ('Expression', 'ANGRY'): 'angry',
    ('Expression', 'SAD'): 'sad', ('Expression', 'HAPPY'): 'happy',
    ('Expression', 'SURPRISED'): 'surprised', ('Expression', 'DISGUSTED'): 'disgusted',
    ('Expression', 'SCARED'): 'scared', ('FacialLandmarks', 'RIGHT_PUPIL'): 68,
    ('FacialLandmarks', 'LEFT_PUPIL'): 69, ('FacialLandmarks', 'NOSE'): 30,
}


def _installed_hash(type_name: str) -> str:
    from ament_index_python.packages import get_package_share_directory
    package, _, name = type_name.split('/')
    description = Path(get_package_share_directory(package)) / 'msg' / f'{name}.json'
    return json.loads(description.read_text())['type_hashes'][0]['hash_string']


@pytest.mark.ros
@pytest.mark.parametrize('type_name', sorted(PUBLISHED_HASHES))
def test_type_hash_is_the_published_one(type_name: str) -> None:
    """The installed type (real or stand-in) hashes as the published package's type does."""
    package = type_name.split('/')[0]
    try:
        importlib.import_module(f'{package}.msg')
    except ImportError:
        pytest.fail(f'no {package} on the paths: run the tests with scripts/run_tests.sh, which '
                    'adds the stand-in that scripts/setup.sh built (test/stand_ins)')
    assert _installed_hash(type_name) == PUBLISHED_HASHES[type_name]


@pytest.mark.ros
def test_constants_have_the_published_values() -> None:
    """The expression names and landmark indices the provider uses are the published ones."""
    from hri_msgs import msg
    for (message, constant), value in PUBLISHED_CONSTANTS.items():
        assert getattr(getattr(msg, message), constant) == value, (message, constant)
    assert len(msg.FacialLandmarks().landmarks) == 70
