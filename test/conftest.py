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

"""Shared pytest fixtures: an isolated ROS domain per test and an rclpy context in it."""

from collections.abc import Iterator
import os

import pytest

from ros_helpers import allocate_domain_id, release_domain_id, ros_env


@pytest.fixture
def ros_domain(tmp_path) -> Iterator[int]:
    """Give the test its own ROS_DOMAIN_ID (also set in os.environ while it runs)."""
    domain_id = allocate_domain_id()
    saved = {key: os.environ.get(key) for key in ('ROS_DOMAIN_ID', 'ROS_HOME')}
    os.environ.update(ros_env(domain_id, tmp_path / 'ros_home'))
    yield domain_id
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    release_domain_id(domain_id)


@pytest.fixture
def rclpy_context(ros_domain: int):
    """Initialise an rclpy context on the test's domain; shut it down afterwards."""
    rclpy = pytest.importorskip('rclpy')
    context = rclpy.context.Context()
    rclpy.init(context=context, domain_id=ros_domain)
    yield context
    rclpy.try_shutdown(context=context)
