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

"""Stage configs: one home per setting, validated, shared by nodes, YAML, scripts and benches."""

import argparse
from dataclasses import dataclass, FrozenInstanceError
from pathlib import Path

from emotion_ros.core.config import (CameraConfig, DetectorConfig, DiagnosticsConfig,
                                     EmotionConfig, FaceLimitConfig, FacesFromConfig,
                                     ImageInputConfig, Ros4hriConfig, StartConfig,
                                     TrackerConfig)
from emotion_ros.core.config_fields import add_arguments, config_from_arguments, setting
from emotion_ros.core.config_fields import StageConfig
import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
ALL_CONFIGS = (CameraConfig, DetectorConfig, TrackerConfig, EmotionConfig, ImageInputConfig,
               DiagnosticsConfig, StartConfig, FaceLimitConfig, Ros4hriConfig, FacesFromConfig)


@dataclass(frozen=True)
class _Example(StageConfig):
    rate: float = setting(1.0, 'a rate, Hz', low=0.0, low_open=True, high=10.0)
    count: int = setting(2, 'a count', low=1, high=5)
    mode: str = setting('a', 'a mode', choices=('a', 'b'))
    margins: tuple[float, ...] = setting((0.0, 0.1), 'margins', low=0.0, high=1.0,
                                         non_empty=True)
    flag: bool = setting(False, 'a flag')


def test_whole_numbers_are_accepted_for_floats_and_lists_for_tuples() -> None:
    config = _Example(rate=3, margins=[0, 0.5])
    assert config.rate == 3.0 and isinstance(config.rate, float)
    assert config.margins == (0.0, 0.5) and all(isinstance(m, float) for m in config.margins)


@pytest.mark.parametrize('values, reason', [
    ({'rate': 0.0}, 'rate=0.0 refused: must be > 0'),
    ({'rate': 10.5}, 'must be <= 10'),
    ({'rate': float('nan')}, 'finite'),
    ({'rate': True}, 'must be a float'),
    ({'rate': '2'}, 'must be a float'),
    ({'count': 2.0}, 'must be a int'),
    ({'count': 0}, 'must be >= 1'),
    ({'mode': 'c'}, "mode='c' refused: must be one of a, b"),
    ({'margins': ()}, 'must not be empty'),
    ({'margins': (0.1, -0.1)}, 'must be >= 0'),
    ({'margins': 0.1}, 'must be a list of float'),
    ({'flag': 1}, 'must be a bool'),
])
def test_invalid_values_are_refused_naming_setting_and_reason(values, reason) -> None:
    with pytest.raises(ValueError, match=reason):
        _Example(**values)


def test_configs_are_frozen_and_from_values_ignores_other_stages() -> None:
    config = TrackerConfig.from_values({'max_age': 7, 'smoothing': 0.9})
    assert config.max_age == 7 and config.min_hits == TrackerConfig.min_hits
    with pytest.raises(FrozenInstanceError):
        config.max_age = 3


def test_every_setting_has_a_description_and_a_valid_default() -> None:
    for config_class in ALL_CONFIGS:
        config_class()  # the defaults pass their own checks
        for info in config_class.settings():
            assert len(info.description) > 10, info.name


def test_setting_names_are_unique_across_stages() -> None:
    """The nodes share one params file (/**), so one name must mean one thing."""
    names = [info.name for c in ALL_CONFIGS for info in c.settings()]
    assert len(names) == len(set(names))


def test_params_file_repeats_the_defaults_exactly() -> None:
    """config/emotion.yaml is a template users edit; it may not drift from the configs."""
    with open(REPO_ROOT / 'config' / 'emotion.yaml', encoding='utf-8') as handle:
        values = yaml.safe_load(handle)['/**']['ros__parameters']
    defaults = {info.name: info.default for c in ALL_CONFIGS for info in c.settings()}
    assert set(values) <= set(defaults), set(values) - set(defaults)
    for name, value in values.items():
        default = defaults[name]
        expected = list(default) if isinstance(default, tuple) else default
        assert value == expected, f'{name}: YAML {value!r}, config {default!r}'


def test_detector_choices_are_the_registry() -> None:
    from emotion_ros.core.faces.detection import DETECTORS
    assert set(DetectorConfig.settings()[0].spec.choices) == set(DETECTORS)


def test_stages_take_their_defaults_from_the_configs() -> None:
    from emotion_ros.core.faces.tracking import SortTracker
    tracker = SortTracker()
    assert (tracker.max_age, tracker.min_hits, tracker.iou_threshold) == (
        TrackerConfig.max_age, TrackerConfig.min_hits, TrackerConfig.iou_threshold)
    built = SortTracker.from_config(TrackerConfig(max_age=9, min_hits=2, iou_threshold=0.5))
    assert (built.max_age, built.min_hits, built.iou_threshold) == (9, 2, 0.5)
    with pytest.raises(ValueError, match='min_hits=0 refused'):
        SortTracker(min_hits=0)


def test_script_options_come_from_the_same_settings() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser, EmotionConfig, ('smoothing', 'crop_margins', 'mirror'))
    add_arguments(parser, _Example, ('margins', 'flag'))
    defaults = parser.parse_args([])
    assert defaults.smoothing == EmotionConfig.smoothing
    assert defaults.crop_margins == EmotionConfig.crop_margins and defaults.mirror is False
    assert 'moving average' in parser.format_help()
    parsed = parser.parse_args(['--smoothing', '0', '--margins', '0', '0.2', '--flag',
                                '--crop-margins', '0.1', '--mirror'])
    emotion = config_from_arguments(EmotionConfig, parsed)
    assert emotion.smoothing == 0.0 and emotion.crop_margins == (0.1,) and emotion.mirror
    example = config_from_arguments(_Example, parsed)
    assert example.margins == (0.0, 0.2) and example.flag is True
    with pytest.raises(ValueError, match='smoothing=1.0 refused'):
        config_from_arguments(EmotionConfig, parser.parse_args(['--smoothing', '1']))
