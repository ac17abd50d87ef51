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

"""Camera calibration files (the camera_calibration_parsers YAML format), ROS-free."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional
from urllib.parse import urlparse
from urllib.request import url2pathname

import numpy as np
import yaml

# Lengths of the flattened matrices of sensor_msgs/CameraInfo (elements).
K_SIZE = 9
R_SIZE = 9
P_SIZE = 12


class CalibrationError(ValueError):
    """A calibration URL or file is unusable; the message names it."""


@dataclass(frozen=True)
class Calibration:
    """
    Intrinsics as sensor_msgs/CameraInfo holds them.

    An all-zero ``k`` means uncalibrated (REP 104).

    :param width: image width, pixels.
    :param height: image height, pixels.
    :param distortion_model: e.g. ``'plumb_bob'``.
    :param d: distortion coefficients.
    :param k: 3x3 intrinsic matrix, row-major.
    :param r: 3x3 rectification matrix, row-major.
    :param p: 3x4 projection matrix, row-major.
    :param camera_name: name stored in the file.
    """

    width: int
    height: int
    distortion_model: str = 'plumb_bob'
    d: tuple[float, ...] = ()
    k: tuple[float, ...] = (0.0,) * K_SIZE
    r: tuple[float, ...] = (0.0,) * R_SIZE
    p: tuple[float, ...] = (0.0,) * P_SIZE
    camera_name: str = field(default='')


def uncalibrated(width: int, height: int) -> Calibration:
    """Return an uncalibrated CameraInfo for ``width`` x ``height`` pixels."""
    return Calibration(width=width, height=height)


def url_to_path(url: str) -> Path:
    """
    Turn a ``camera_info_url`` into a local path.

    :param url: ``file:///abs/path.yaml`` or a plain path.
    :returns: the path.
    :raises CalibrationError: for schemes other than file (e.g. ``package://`` needs ament)
        and for file URLs naming another host.
    """
    parsed = urlparse(url)
    if parsed.scheme == '':
        return Path(url).expanduser()
    if parsed.scheme != 'file':
        raise CalibrationError(
            f'camera_info_url {url}: only file:// URLs and paths are supported')
    if parsed.netloc not in ('', 'localhost'):
        raise CalibrationError(f'camera_info_url {url}: a file URL needs three slashes '
                               f'(file:///absolute/path.yaml), not host {parsed.netloc!r}')
    return Path(url2pathname(parsed.path))


def _matrix(data: dict, key: str, size: int, where: Path) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in data[key]['data'])
    except (KeyError, TypeError, ValueError) as error:
        raise CalibrationError(f'{where}: {key}.data missing or not numbers ({error})') from None
    if size and len(values) != size:
        raise CalibrationError(f'{where}: {key} has {len(values)} values, expected {size}')
    return values


def load_calibration(url: str) -> Calibration:
    """
    Read a calibration file written by camera_calibration (ROS) or in the same format.

    :param url: ``file://`` URL or path.
    :returns: the calibration.
    :raises CalibrationError: missing file, bad YAML, or a malformed field; names the file.
    """
    path = url_to_path(url)
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as error:
        raise CalibrationError(f'camera_info_url {url}: cannot read {path}: {error}') from None
    except yaml.YAMLError as error:
        raise CalibrationError(f'{path}: not valid YAML: {error}') from None
    if not isinstance(data, dict):
        raise CalibrationError(f'{path}: expected a mapping of calibration fields')
    try:
        width, height = int(data['image_width']), int(data['image_height'])
    except (KeyError, TypeError, ValueError):
        raise CalibrationError(f'{path}: image_width and image_height are required') from None
    return Calibration(
        width=width, height=height,
        distortion_model=str(data.get('distortion_model', 'plumb_bob')),
        d=_matrix(data, 'distortion_coefficients', 0, path),
        k=_matrix(data, 'camera_matrix', K_SIZE, path),
        r=_matrix(data, 'rectification_matrix', R_SIZE, path),
        p=_matrix(data, 'projection_matrix', P_SIZE, path),
        camera_name=str(data.get('camera_name', '')))


def camera_matrix(k: Sequence[float], width: int, height: int, image_width: int,
                  image_height: int) -> Optional[np.ndarray]:
    """
    Return camera_info's K as a 3x3 matrix when it describes these images.

    :param k: the 9 row-major elements of CameraInfo.k.
    :param width: CameraInfo.width, pixels.
    :param height: CameraInfo.height, pixels.
    :param image_width: width of the images it is used for, pixels.
    :param image_height: their height, pixels.
    :returns: the matrix, or None when uncalibrated (all-zero K, REP 104), malformed (not 9
        finite numbers with positive focal lengths) or for another image size.
    """
    values = np.asarray(k, dtype=np.float64).reshape(-1)
    if values.size != K_SIZE or not np.all(np.isfinite(values)):
        return None
    matrix = values.reshape(3, 3)
    if matrix[0, 0] <= 0.0 or matrix[1, 1] <= 0.0:
        return None
    if (width, height) != (image_width, image_height):
        return None
    return matrix
