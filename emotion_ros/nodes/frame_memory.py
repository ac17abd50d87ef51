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
Keep each frame's large buffers in the heap instead of mapping fresh pages for every frame.

Every image message passes through several buffers of its full size per frame and process
(the Python ``array.array`` of ``data``, the C message, the DDS payload). glibc serves blocks
above its mmap threshold (128 KB at first) with fresh ``mmap`` pages and hands them back on
``free``, and trims freed heap memory above its trim threshold back to the system, so each
frame pays page faults on touching all of them again, and ``munmap`` on freeing them. With the
thresholds raised the freed blocks are reused by the next frame: bench/bench_cpu.py (one face,
30 Hz) measured the three nodes at 60 and 59% of one core without, 50 and 48% with, and lower
latency.
"""

import ctypes
import os

# glibc's mallopt() parameter numbers (malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# Blocks up to this size come from the heap: a 1920x1080 bgr8 frame (6.2 MB) fits (bytes).
MMAP_THRESHOLD = 16 * 1024 * 1024
# Freed heap memory kept for reuse before it is returned to the system (bytes).
TRIM_THRESHOLD = 64 * 1024 * 1024
# A user's own glibc settings (the environment variables) win over these.
USER_SETTINGS = ('MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_')


def keep_frame_buffers() -> bool:
    """
    Raise glibc's mmap and trim thresholds for this process (call once, at start-up).

    :returns: True when both were set; False on a C library without ``mallopt`` (not glibc)
        or when the user set either threshold in the environment.
    """
    if any(name in os.environ for name in USER_SETTINGS):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
