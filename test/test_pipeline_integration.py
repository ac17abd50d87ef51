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

"""The three nodes as separate processes on the real face video, over real DDS."""

from collections import Counter
import math
from pathlib import Path
import shutil
from typing import Optional

import numpy as np
import pytest
from ros_helpers import node_process, REPO_ROOT, spin_until, stop_process

MEDIA = REPO_ROOT / 'assets' / 'media'
FER_LABELS = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral']
# Whole-run limit; a clean run takes about 15 s (TensorFlow start-up included) (s).
RUN_TIMEOUT = 120.0
# Frames of single_face.mp4.
VIDEO_FRAMES = 72
# Frames of the turned-head folder (copies of the 45-degree still).
TURNED_FRAMES = 15
# Wait after the video for the classifier's LOST events (event_lost_timeout + margin), s.
SETTLE_TIMEOUT = 20.0


def run_pipeline(rclpy_context, tmp_path: Path, video: Path, events: Optional[list] = None,
                 **classifier_params):
    """
    Run camera, tracker and classifier on ``video``; collect images and emotions.

    With ``events`` (a list), also collect emotion_events into it, and after the video wait
    (up to SETTLE_TIMEOUT) for a LOST event rather than a fixed 2 s.
    """
    from emotion_msgs.msg import EmotionArray, EmotionEvent
    from rclpy.executors import SingleThreadedExecutor
    from rclpy.node import Node
    from rclpy.qos import QoSProfile
    from sensor_msgs.msg import CameraInfo, Image

    from emotion_ros import graph
    from emotion_ros.nodes.qos import EVENT_QOS, LATEST_IMAGE_QOS, RESULT_QOS

    node = Node('pipeline_probe', context=rclpy_context)
    image_stamps: list[tuple[int, int]] = []
    emotions: list[EmotionArray] = []
    # camera_info carries each image's header: every stamp without the cost of the pixels.
    infos: list[CameraInfo] = []
    node.create_subscription(CameraInfo, 'camera_info', infos.append, QoSProfile(depth=100))
    # An image_raw subscriber too (newest frame only, like the tracker): the camera waits for
    # it, so this probe is matched before the first frame.
    node.create_subscription(Image, 'image_raw', lambda m: None, LATEST_IMAGE_QOS)
    emotions_sub = node.create_subscription(
        EmotionArray, 'emotions', emotions.append,
        QoSProfile(depth=100, reliability=RESULT_QOS.reliability))
    if events is not None:
        node.create_subscription(EmotionEvent, 'emotion_events', events.append, EVENT_QOS)
    executor = SingleThreadedExecutor(context=rclpy_context)
    executor.add_node(node)
    logs = {name: tmp_path / f'{name}.log' for name in ('tracker', 'classifier', 'camera')}
    # Each reads images only once its output is heard (classifier: this probe's emotions), so
    # the camera's wait for image_raw subscribers covers every link, as in emotion_run.
    processes = {
        'tracker': node_process('face_tracker_node', logs['tracker'],
                                wait_for_output_subscribers=1),
        'classifier': node_process('emotion_classifier_node', logs['classifier'],
                                   wait_for_output_subscribers=1, **classifier_params),
    }
    try:
        assert spin_until(executor, lambda: emotions_sub.get_publisher_count() > 0,
                          RUN_TIMEOUT), 'the classifier never matched'
        # Start once the tracker, the classifier and this probe subscribe to image_raw.
        processes['camera'] = node_process(
            'camera_node', logs['camera'], source=str(video), wait_for_subscribers=3,
            start_delay=graph.DISCOVERY_SETTLE)
        finished = spin_until(executor, lambda: processes['camera'].poll() is not None,
                              RUN_TIMEOUT)
        # Let the last frames through the tracker and the classifier.
        if events is None:
            spin_until(executor, lambda: False, 2.0)
        else:
            spin_until(executor, lambda: any(e.event == EmotionEvent.LOST for e in events),
                       SETTLE_TIMEOUT)
        alive = {name: p.poll() is None for name, p in processes.items() if name != 'camera'}
    finally:
        codes = {name: stop_process(p) for name, p in processes.items()}
        node.destroy_node()
        executor.shutdown()
    image_stamps.extend((m.header.stamp.sec, m.header.stamp.nanosec) for m in infos)
    sizes = {(m.width, m.height, m.header.frame_id) for m in infos}
    report = '\n'.join(f'--- {n}\n{p.read_text()[-3000:]}' for n, p in logs.items())
    assert len(sizes) == 1, f'camera_info sizes: {sizes}'
    assert finished, f'camera did not finish within {RUN_TIMEOUT} s\n{report}'
    assert codes['camera'] == 0, report
    assert all(alive.values()), f'a node died: {alive}\n{report}'
    assert codes['tracker'] == 0 and codes['classifier'] == 0, f'{codes}\n{report}'
    return image_stamps, emotions, report, sizes.pop()


@pytest.mark.ros
@pytest.mark.slow
def test_pipeline_on_real_video(rclpy_context, tmp_path) -> None:
    """Emotions carry the image stamps, one stable id, 7 classes; happy ends the clip."""
    image_stamps, emotions, report, info = run_pipeline(rclpy_context, tmp_path,
                                                        MEDIA / 'single_face.mp4')
    assert info == (640, 360, 'camera'), 'camera_info describes the published frames'
    assert len(image_stamps) == VIDEO_FRAMES, report
    assert len(set(image_stamps)) == VIDEO_FRAMES, 'every frame has its own capture stamp'
    # Frames may be dropped under load (newest-frame QoS), but most must come through.
    assert len(emotions) >= VIDEO_FRAMES // 2, f'{len(emotions)} EmotionArrays\n{report}'
    stamps = set(image_stamps)
    order = {stamp: i for i, stamp in enumerate(image_stamps)}
    ids, labels_by_third = set(), {0: Counter(), 2: Counter()}
    for msg in emotions:
        key = (msg.header.stamp.sec, msg.header.stamp.nanosec)
        assert key in stamps, 'EmotionArray stamp is not an image stamp'
        assert msg.header.frame_id == 'camera'
        assert list(msg.classes) == FER_LABELS
        assert msg.model_name == 'fer2013_mini_xception'
        assert len(msg.emotions) <= 1, 'one face in the video'
        for emotion in msg.emotions:
            ids.add(emotion.face_id)
            probabilities = np.array(emotion.probabilities)
            assert probabilities.shape == (7,)
            assert probabilities.sum() == pytest.approx(1.0, abs=1e-3)
            assert emotion.label == FER_LABELS[int(probabilities.argmax())]
            assert emotion.confidence == pytest.approx(probabilities.max(), abs=1e-6)
            assert emotion.roi.width > 50 and emotion.roi.height > 50
            # The man faces the camera throughout (|yaw| <= 2.1 degrees, bench_head_pose.py).
            assert emotion.reliable and emotion.held_for == 0.0 and emotion.looking_at_camera
            third = 3 * order[key] // VIDEO_FRAMES
            if third in labels_by_third:
                labels_by_third[third][emotion.label] += 1
    assert len(ids) == 1, f'the face changed id: {ids}'
    faces = sum(bool(m.emotions) for m in emotions)
    assert faces >= len(emotions) - 5, 'the face is found in almost every frame'
    assert labels_by_third[2].most_common(1)[0][0] == 'happy', labels_by_third
    assert labels_by_third[0].most_common(1)[0][0] == 'neutral', labels_by_third


@pytest.mark.ros
@pytest.mark.slow
def test_events_on_real_video(rclpy_context, tmp_path) -> None:
    """single_face.mp4 gives appeared, one neutral->happy change, lost, on frame stamps."""
    from emotion_msgs.msg import EmotionEvent

    events: list = []
    _, emotions, report, _ = run_pipeline(rclpy_context, tmp_path, MEDIA / 'single_face.mp4',
                                          events=events, event_lost_timeout=1.0)
    summary = [(e.event, e.previous_label, e.label, e.header.stamp.sec, e.header.stamp.nanosec)
               for e in events]
    assert [(kind, before, after) for kind, before, after, *_ in summary] == [
        (EmotionEvent.APPEARED, '', 'neutral'), (EmotionEvent.CHANGED, 'neutral', 'happy'),
        (EmotionEvent.LOST, 'happy', '')], f'{summary}\n{report}'
    stamps = [(m.header.stamp.sec, m.header.stamp.nanosec) for m in emotions]
    with_face = [stamp for stamp, m in zip(stamps, emotions) if m.emotions]
    appeared, changed, lost = events
    key = [(e.header.stamp.sec, e.header.stamp.nanosec) for e in events]
    assert all(k in stamps for k in key), 'every event carries the stamp of an EmotionArray'
    assert key[0] == with_face[0], 'appeared on the first frame with the face'
    assert key[2] == stamps[-1], 'lost after the video, with the last frame stamp'
    assert stamps.index(key[0]) < stamps.index(key[1]) < stamps.index(key[2])
    # The smile comes in the second half of the clip; the event's frame says happy.
    index = stamps.index(key[1])
    assert index >= len(stamps) // 3, (index, len(stamps))
    assert emotions[index].emotions[0].label == 'happy'
    assert changed.confidence == pytest.approx(emotions[index].emotions[0].confidence)
    assert changed.reliable and changed.previous_duration > 0.3
    assert {e.face_id for e in events} == {emotions[index].emotions[0].face_id}
    assert all(e.header.frame_id == 'camera' for e in events)
    assert lost.previous_duration > 0.3


@pytest.mark.ros
@pytest.mark.slow
def test_valence_rises_where_the_smile_starts(rclpy_context, tmp_path) -> None:
    """Valence and arousal are the table's mean of each face's probabilities; a smile lifts it."""
    from emotion_ros.core.model.valence_arousal import DEFAULT_TABLE

    _, emotions, report, _ = run_pipeline(rclpy_context, tmp_path, MEDIA / 'single_face.mp4')
    faces = [msg.emotions[0] for msg in emotions if msg.emotions]
    assert len(faces) >= VIDEO_FRAMES // 2, f'{len(faces)} faces\n{report}'
    points = DEFAULT_TABLE.matrix(FER_LABELS)
    for face in faces:
        # The same probabilities as label and confidence, mapped by the bundled card's table.
        expected = tuple(np.array(face.probabilities, dtype=np.float64) @ points)
        assert (face.valence, face.arousal) == pytest.approx(expected, abs=1e-4)
        if face.label == 'happy':
            assert face.valence > 0.3 and face.arousal > 0.0, (face.valence, face.arousal)
    labels = [face.label for face in faces]
    assert labels[0] == 'neutral' and 'happy' in labels, labels
    start = labels.index('happy')
    before = [face.valence for face in faces[:start]]
    after = [face.valence for face in faces[start:]]
    summary = f'before {np.round(before, 2)}\nafter {np.round(after, 2)}'
    assert np.mean(before) < 0.15 and np.mean(after) > 0.6, summary
    assert max(before) < after[0], f'valence rises where the smile starts\n{summary}'


@pytest.mark.ros
@pytest.mark.slow
def test_a_turned_head_is_untrusted_through_the_nodes(rclpy_context, tmp_path) -> None:
    """The 45-degree still through the three nodes: its emotion and events say not frontal."""
    from emotion_msgs.msg import EmotionEvent

    # A folder of copies: a short 'video' of a head that stays turned (one frame alone may be
    # dropped by the newest-frame image QoS).
    folder = tmp_path / 'turned'
    folder.mkdir()
    for index in range(TURNED_FRAMES):
        shutil.copy(MEDIA / '45-m7-di-ph.jpg', folder / f'{index:03d}.jpg')
    events: list = []
    _, emotions, report, _ = run_pipeline(rclpy_context, tmp_path, folder, events=events,
                                          event_lost_timeout=1.0)
    faces = [e for msg in emotions for e in msg.emotions]
    assert faces and len({e.face_id for e in faces}) == 1, f'{len(faces)} faces\n{report}'
    for face in faces:
        assert not face.reliable and math.isnan(face.held_for) and not face.looking_at_camera
    assert [(e.event, e.reliable) for e in events] == [
        (EmotionEvent.APPEARED, False), (EmotionEvent.LOST, False)], report


@pytest.mark.ros
@pytest.mark.slow
def test_no_face_video_gives_empty_arrays(rclpy_context, tmp_path) -> None:
    """A video without faces yields EmotionArrays with no emotions, and no errors."""
    image_stamps, emotions, report, _ = run_pipeline(rclpy_context, tmp_path,
                                                     MEDIA / 'no_face.mp4')
    assert image_stamps and len(emotions) >= len(image_stamps) // 2, report
    assert all(not m.emotions for m in emotions)
    assert all(list(m.classes) == FER_LABELS for m in emotions)
    assert '[ERROR]' not in report and 'Traceback' not in report, report


@pytest.mark.ros
@pytest.mark.slow
def test_onnx_model_with_eight_classes_runs_in_the_node(rclpy_context, tmp_path) -> None:
    """A FER+-style .onnx (8 classes with contempt, channels first) with its card, over DDS."""
    pytest.importorskip('onnxruntime')
    from emotion_ros.core.model.valence_arousal import DEFAULT_TABLE
    from onnx_models import FERPLUS_LABELS, write_onnx_model

    # The model favours contempt on any face, so every label proves this model was used.
    model = write_onnx_model(tmp_path / 'ferplus.onnx', favour='contempt')
    _, emotions, report, _ = run_pipeline(rclpy_context, tmp_path, MEDIA / 'single_face.mp4',
                                          model=str(model))
    assert ', onnx), classes: ' in report and 'contempt' in report, report
    assert len(emotions) >= VIDEO_FRAMES // 2, f'{len(emotions)} EmotionArrays\n{report}'
    faces = [e for msg in emotions for e in msg.emotions]
    assert len(faces) >= len(emotions) - 5, report
    for msg in emotions:
        assert list(msg.classes) == list(FERPLUS_LABELS)
        assert msg.model_name == 'tiny_onnx_ferplus'
    for emotion in faces:
        probabilities = np.array(emotion.probabilities)
        assert probabilities.shape == (8,)
        assert probabilities.sum() == pytest.approx(1.0, abs=1e-3)
        assert emotion.label == 'contempt'
        # A card without a table gets the default one, which has a point for contempt too.
        expected = probabilities @ DEFAULT_TABLE.matrix(FERPLUS_LABELS)
        assert (emotion.valence, emotion.arousal) == pytest.approx(tuple(expected), abs=1e-4)
        assert emotion.valence < 0.0, 'contempt is unpleasant'
