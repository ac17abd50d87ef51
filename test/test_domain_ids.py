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

"""Test ROS_DOMAIN_IDs: a held id is never handed to another process (CI runs two suites)."""

import json
import subprocess
import sys

from ros_helpers import allocate_domain_id, release_domain_id, REPO_ROOT

# Takes every id it can get in a second process and prints them.
TAKE_ALL = """
import json, sys
sys.path.insert(0, sys.argv[1])
from ros_helpers import allocate_domain_id
ids = []
try:
    while True:
        ids.append(allocate_domain_id())
except RuntimeError:
    pass
print(json.dumps(ids))
"""


def _ids_another_process_gets() -> list[int]:
    out = subprocess.run([sys.executable, '-c', TAKE_ALL, str(REPO_ROOT / 'test')],
                         check=True, capture_output=True, text=True, timeout=60).stdout
    return json.loads(out)


def test_a_held_domain_id_is_not_given_to_another_process() -> None:
    held = allocate_domain_id()
    try:
        others = _ids_another_process_gets()
        assert held not in others
        assert len(others) == len(set(others)) and len(others) < 100
    finally:
        release_domain_id(held)
    assert held in _ids_another_process_gets(), 'a released id is free again'
