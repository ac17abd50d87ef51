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

"""Frame-sized buffers are reused from the heap, not mapped afresh for every frame."""

import os
import subprocess
import sys

# A frame's life in a node, 200 times: three copies of a 640x480 bgr8 image alive at once (the
# Python data, the C message, the DDS payload), then all freed; print the page faults.
_FAULTS = """
import resource, sys
if sys.argv[1] == 'keep':
    from emotion_ros.nodes.frame_memory import keep_frame_buffers
    assert keep_frame_buffers()
frame = bytes(range(256)) * 3600  # 921,600 bytes
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(200):
    copies = [bytearray(frame) for _ in range(3)]
    del copies
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _page_faults(mode: str, env: dict) -> int:
    result = subprocess.run([sys.executable, '-c', _FAULTS, mode], capture_output=True,
                            text=True, env=env, timeout=60, check=True)
    return int(result.stdout.split()[-1])


def test_frame_buffers_stop_faulting_in_fresh_pages() -> None:
    """Without the thresholds every frame faults its pages in; with them almost none do."""
    env = {k: v for k, v in os.environ.items() if not k.startswith('MALLOC_')}
    plain = _page_faults('plain', env)
    kept = _page_faults('keep', env)
    assert plain >= 200 * 50, plain  # about 86 pages per frame here
    assert kept * 20 < plain, (kept, plain)


def test_the_users_own_settings_win(monkeypatch) -> None:
    """A MALLOC_*_THRESHOLD_ in the environment means the user chose: leave it alone."""
    from emotion_ros.nodes.frame_memory import keep_frame_buffers
    monkeypatch.setenv('MALLOC_TRIM_THRESHOLD_', '131072')
    assert keep_frame_buffers() is False
