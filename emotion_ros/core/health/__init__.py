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
How the stages are doing: statistics, levels and reports, memory, DDS checks.

- ``stage_stats``: health statistics of one pipeline stage over a window.
- ``diagnostic_report``: a snapshot's level (assess), key/values and status line.
- ``proc_stats``: a process's resident memory and CPU time from /proc.
- ``dds_profile``: will Fast DDS shared memory carry a camera frame?
"""
