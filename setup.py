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

"""Install the emotion_ros ament_python package."""

from glob import glob

from setuptools import find_packages, setup

PACKAGE_NAME = 'emotion_ros'

# Executables installed to lib/emotion_ros (ros2 run / ros2 launch find them there): one small
# script each in bin/, which calls emotion_ros.entry_points.run('module:main'). Not
# console_scripts: their generated wrapper first scans every installed distribution's metadata
# (about 60 ms), time in which a stop signal meets a program that cannot take it yet.
EXECUTABLES = sorted(glob('bin/*'))

setup(
    name=PACKAGE_NAME,
    version='0.1.0',
    packages=find_packages(exclude=['test', 'test.*']),
    data_files=[
        ('share/ament_index/resource_index/packages', ['resource/' + PACKAGE_NAME]),
        ('share/' + PACKAGE_NAME, ['package.xml']),
        ('share/' + PACKAGE_NAME + '/launch', glob('launch/*.launch.py')),
        ('share/' + PACKAGE_NAME + '/config', glob('config/*')),
        # The out-of-the-box model, present once scripts/fetch_assets.py has run.
        ('share/' + PACKAGE_NAME + '/models', glob('assets/models/*')),
    ],
    scripts=EXECUTABLES,
    install_requires=['setuptools'],
    zip_safe=True,
    maintainer='emotion_ros maintainers',
    maintainer_email='emotion-ros@example.com',
    description='Live facial-emotion recognition for ROS 2: camera, face tracker, classifier.',
    license='Apache-2.0',
    extras_require={'test': ['pytest']},
)
