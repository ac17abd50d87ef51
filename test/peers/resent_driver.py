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
Drive one node to active with emotion_run's driver, as if its configure had been resent.

A peer process for test/test_autostart.py (one rclpy context, as in emotion_run). Usage:
``resent_driver.py NODE TIMEOUT``; prints ``active`` or the driver's problem; exit 0 when
active, 1 on a problem, 2 on the timeout.
"""

import sys
import time

from emotion_ros.tools.lifecycle_driver import LifecycleDriver

POLL = 0.05  # time between two steps of the driver, s


def main() -> int:
    """Step the driver until the node is active, it reports a problem, or the time is up."""
    name, timeout = sys.argv[1], float(sys.argv[2])
    driver = LifecycleDriver([name])
    try:
        # Fake, named so: the first request's response was taken as lost and the transition
        # was sent again (the delay that causes it cannot be made on demand).
        driver._nodes[0].resent = True
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            problem = driver.step()
            if problem is not None:
                print(problem)
                return 1
            if driver.all_active():
                print('active')
                return 0
            time.sleep(POLL)
        print(f'not active after {timeout} s: {driver._nodes[0].state}')
        return 2
    finally:
        driver.close()


if __name__ == '__main__':
    sys.exit(main())
