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
What every live bench shares: start a graph of node processes, run it, sample /proc, stop it.

- ``processes``: one node as a process (own process group, log file) and stopping them all.
- ``graph``: a bench run's graph: its processes, this process's rclpy context, the run loop.
- ``sampling``: CPU, RSS and threads of the node processes, from /proc.
- ``sources``: the 640x480 frame folders the camera replays, and the scenarios.
- ``stamps``: a recorder of receipt time minus header stamp, and the figures from its records.
- ``report``: summaries (median, p95), number formatting, machine and load average, JSON.
- ``netns``: two "machines" on one host (network namespaces and a veth pair; needs root).
- ``stamp_probe``: a program recording arrival minus stamp, run inside a namespace.
- ``launch_run``: one ``ros2 launch`` run read from outside: its process tree, its logs.

A bench imports these modules, never another bench.
"""
