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
One home for each stage's settings: default, valid range and description.

The nodes declare their ROS parameters from these dataclasses
(:func:`emotion_ros.nodes.parameters.declare_config`), ``config/emotion.yaml`` repeats the
defaults for users to edit (a test keeps it equal), and the scripts and benches build the same
stages from them (``make_detector``, ``SortTracker.from_config``,
``FaceEmotionEstimator.from_config``). This module imports no stage, so every stage may import it.
"""

from dataclasses import dataclass

from emotion_ros.core.config_fields import setting, StageConfig
from emotion_ros.core.frames.image_encodings import SUPPORTED_ENCODINGS

# Value of CameraConfig.source that means "the device named by video_device".
CAMERA_SOURCE = 'camera'
# Image QoS reliability choices (strings, as users write them in YAML).
RELIABILITY_CHOICES = ('reliable', 'best_effort')
# Codecs of image_raw/compressed (emotion_ros.core.frames.compressed_codec.COMPRESSED_FORMATS is
# this tuple).
COMPRESSED_FORMAT_CHOICES = ('jpeg', 'png')
# How the tracker and the classifier receive images: image_transport's transport names.
IMAGE_TRANSPORT_CHOICES = ('raw', 'compressed')
# Encodings the camera can publish image_raw in: every one the tracker and classifier read
# (emotion_ros.core.frames.image_encodings, a table of names only, no stage).
OUTPUT_ENCODING_CHOICES = SUPPORTED_ENCODINGS
# Registered face detector names (emotion_ros.core.faces.detection.DETECTORS; a test keeps them
# equal).
DETECTOR_CHOICES = ('blazeface', 'haar')
# BlazeFace set-ups: 'multiscale' (both models, tiles, a look around small faces:
# emotion_ros.core.faces.multiscale) and the single models
# (emotion_ros.core.faces.blazeface.MODELS; a test keeps them equal).
MULTISCALE = 'multiscale'
BLAZEFACE_MODEL_CHOICES = (MULTISCALE, 'full', 'short')
# The one parameter outside the stage configs: every managed node declares it in its
# constructor (emotion_ros.nodes.managed_node), before any configure.
# Smallest trusted face box height (image pixels); see EmotionConfig.min_face_height.
MIN_FACE_HEIGHT_DEFAULT = 28
AUTOSTART_DEFAULT = False
AUTOSTART_DESCRIPTION = ('configure and activate at start, without a lifecycle manager '
                         '(emotion_run and the launch file do)')


@dataclass(frozen=True)
class CameraConfig(StageConfig):
    """The camera stage: where frames come from and how they are published."""

    source: str = setting(
        CAMERA_SOURCE, "'camera' for the device in video_device, else a video file, an image "
        'file or a folder of images', non_empty=True)
    video_device: str = setting(
        '/dev/video0', 'V4L2 device path (/dev/videoN) or camera index, used when source is '
        'camera', non_empty=True)
    image_width: int = setting(
        640, 'requested camera width, pixels (0: driver default; files keep their own size)',
        low=0, high=8192)
    image_height: int = setting(
        480, 'requested camera height, pixels (0: driver default; files keep their own size)',
        low=0, high=8192)
    framerate: float = setting(
        30.0, 'camera rate and image-folder play rate, Hz (video files play at their own rate)',
        low=0.0, low_open=True, high=1000.0)
    frame_id: str = setting('camera', 'frame_id of the published images and camera_info',
                            non_empty=True)
    camera_info_url: str = setting(
        '', 'calibration file (file:// URL or path, camera_calibration format); empty: '
        'uncalibrated')
    loop: bool = setting(False, 'restart video files and folders at the end instead of exiting')
    reconnect_interval: float = setting(
        2.0, 'wait between attempts to (re)open a missing or unplugged camera, s',
        low=0.1, high=60.0)
    wait_for_subscribers: int = setting(
        0, 'publish only once image_raw (raw and compressed) has this many subscribers '
        '(0: at once)', low=0, high=100)
    start_delay: float = setting(0.0, 'extra wait after the subscribers matched, s',
                                 low=0.0, high=60.0)
    pace_ahead: int = setting(
        0, 'a file: frames played beyond the last answered on emotions (0: unpaced)',
        low=0, high=300)
    reliability: str = setting(
        'reliable', "image QoS reliability: 'reliable' serves every subscriber",
        choices=RELIABILITY_CHOICES)
    publish_compressed: bool = setting(
        False, 'also publish image_raw/compressed (JPEG or PNG, as image_transport does) '
        'while it has subscribers')
    compressed_format: str = setting(
        'jpeg', "codec of image_raw/compressed: 'jpeg' (lossy, small) or 'png' (lossless)",
        choices=COMPRESSED_FORMAT_CHOICES)
    jpeg_quality: int = setting(
        80, 'JPEG quality of image_raw/compressed (higher: larger, closer to the raw '
        'frame)', low=1, high=100)
    png_level: int = setting(
        1, 'PNG zlib level of image_raw/compressed (higher: smaller, slower)',
        low=0, high=9)
    output_encoding: str = setting(
        'bgr8', 'sensor_msgs encoding of image_raw, as a driver would publish: bgr8 (no '
        'conversion) or any encoding the tracker reads, e.g. uyvy, nv12, bayer_rggb8 (even '
        'sizes for yuyv, uyvy, nv12, nv21)',
        choices=OUTPUT_ENCODING_CHOICES)


@dataclass(frozen=True)
class ImageInputConfig(StageConfig):
    """How the face tracker and the emotion classifier receive the camera's images."""

    image_transport: str = setting(
        'raw', "'raw': image_raw; 'compressed': image_raw/compressed (JPEG or PNG), for a "
        'camera on another computer', choices=IMAGE_TRANSPORT_CHOICES)


@dataclass(frozen=True)
class StartConfig(StageConfig):
    """When the face tracker and the classifier start to read images (ROS nodes only)."""

    wait_for_output_subscribers: int = setting(
        0, 'read images only once the outputs have this many subscribers in all (0: at once)',
        low=0, high=100)


@dataclass(frozen=True)
class FaceLimitConfig(StageConfig):
    """How many faces one frame may cost the face tracker and the classifier."""

    # A foreign FaceArray with 3,000 boxes stalled the classifier for seconds: with this, one
    # frame costs a bounded time whatever the image holds or a publisher of faces sends.
    max_faces: int = setting(
        20, "faces per frame at most, so a frame's cost is bounded: the tracker keeps the "
        'most confident, the classifier the largest boxes', low=1, high=1000)


@dataclass(frozen=True)
class DetectorConfig(StageConfig):
    """The face detector: which one, and its knobs."""

    detector: str = setting(
        'blazeface', "face detector: 'blazeface' (MediaPipe, six keypoints per face) or 'haar' "
        '(OpenCV cascade, no keypoints)', choices=DETECTOR_CHOICES)
    blazeface_model: str = setting(
        MULTISCALE, "'multiscale' (faces 30 px tall to overfilled: both models, tiles, a look "
        "around small faces; doc/scale.md), or one model: 'full' or 'short'",
        choices=BLAZEFACE_MODEL_CHOICES)
    min_score: float = setting(0.6, 'minimum detection confidence, 0..1 (BlazeFace)',
                               low=0.0, high=1.0)
    detection_scale: float = setting(
        1.0, 'image scale before Haar detection (0.5: half size, faster, misses small '
        'faces); BlazeFace ignores it', low=0.05, high=1.0)
    detector_threads: int = setting(
        1, 'threads the detector may use (0: one per core; more threads cost more CPU)', low=0,
        high=64)


@dataclass(frozen=True)
class TrackerConfig(StageConfig):
    """The SORT tracker that gives every face a stable id."""

    max_age: int = setting(5, 'frames a track survives (coasting) without a matching '
                           'detection', low=0, high=1000)
    min_hits: int = setting(3, 'consecutive detections needed before a new track is published',
                            low=1, high=1000)
    # The detector is most of the tracker's CPU (about 5 ms a frame at 30 Hz on the bench
    # machine); on the frames it skips, the tracker predicts each face's box. On the real
    # videos every 3rd frame kept 97-99% of the labels and the flips, the predicted boxes at
    # IoU 0.96-0.99 (median) with the faces. Figures: doc/speed.md, "Detection interval".
    detection_interval: int = setting(
        3, 'detect on every Nth frame and predict the faces between (1: every frame; a new '
        'face: every frame until confirmed)', low=1, high=30)
    iou_threshold: float = setting(
        0.3, 'minimum box overlap (IoU, 0..1) to match a detection to a track', low=0.0,
        high=1.0)
    # A live camera wants the newest frame only (no lag behind the scene); a file played
    # through emotion_run or the launch file gets FILE_IMAGE_QUEUE_DEPTH (emotion_ros/graph.py)
    # so that a CPU stall of up to that many frames drops none of them.
    image_queue_depth: int = setting(
        1, 'images queued while it works (1: only the newest)', low=1, high=30)


@dataclass(frozen=True)
class EmotionConfig(StageConfig):
    """The emotion stage: model, crops and per-face smoothing."""

    # Settable while unconfigured: a new model goes live through deactivate, cleanup, set,
    # configure, activate, without a restart (doc/running.md, "Swapping the model").
    model: str = setting(
        'fer_mini_xception.tflite', 'model file (.keras, .h5, .hdf5, .tflite, .onnx) with its '
        "<stem>.card.json beside it; a bare name is looked up in the package's models/ folder",
        non_empty=True, settable_unconfigured=True)
    smoothing: float = setting(
        0.5, 'weight of the previous probabilities in the per-face moving average, 0..1 '
        '(0 disables smoothing)', low=0.0, high=1.0, high_open=True)
    # The label of one crop at one margin often flips when the margin moves by 0.05 or the crop
    # is mirrored, so each face is classified at every margin here and, with mirror, as each
    # crop's mirror image, in one batch, and the probabilities are averaged. Views cost linearly
    # (one model call each). The defaults, a tight and a wide crop (2 views per face), were
    # chosen on the 154 labelled real faces of bench/bench_labelled.py: the most accurate
    # 2-view setting whose +-0.05 neighbours stay within 2 points. Figures: doc/accuracy.md.
    crop_margins: tuple[float, ...] = setting(
        (0.0, 0.2), 'fractions of the face box added on each side, one crop per value; the '
        "faces' probabilities are averaged over the crops (one value and mirror false: a single "
        'crop)', low=0.0, high=1.0, non_empty=True)
    mirror: bool = setting(
        False, 'also classify the left-right mirror image of every crop (doubles the model '
        'work per face)')
    # Views in turn (1) saved at most 0.5 ms of CPU a frame per face, and on the real videos the
    # smoothed label then flips up to 2.8 times as often (bench/bench_views.py): 0 by default.
    # Figures: doc/speed.md, "Views per frame".
    views_per_frame: int = setting(
        0, 'views (crops, mirrors) per face and frame, in turn, averaged by the smoothing (a '
        'new face: all; 0 or smoothing 0: all every frame)', low=0, high=100)
    # Off: on the real media faces hardly roll, and with the default views alignment changes
    # the label stability, the stills and the video flips next to nothing, for about 0.2 ms
    # more per face. Figures: doc/accuracy.md, "Roll alignment" (bench/bench_accuracy.py).
    align_roll: bool = setting(
        False, "level each face's eyes before its crops are cut (needs BlazeFace's eye "
        'keypoints; other faces are cropped as they are)')
    pairing_capacity: int = setting(
        30, 'images and face lists held while waiting for their partner with the same stamp '
        '(frames)', low=1, high=1000)
    # Images queued before the pairer takes them, and face lists (at least 10). The images wait
    # for their faces in the pairer, so a live camera needs only a few here (5 and 10, as before
    # this setting). A file played through emotion_run or the launch file gets
    # FILE_IMAGE_QUEUE_DEPTH (emotion_ros/graph.py): under CPU load these readers dropped up to 6
    # images and 2 face lists of a 72-frame clip otherwise (doc/launch_stress.md).
    pairing_queue_depth: int = setting(5, 'inputs queued for pairing', low=1, high=30)
    # Measured with bench/bench_head_pose.py (doc/trust.md): |yaw| at most 5.4 degrees on the
    # three near-frontal stills, 14.8 at most on the two videos, 33.9 on the 45-degree still
    # (the fit reads large turns short). 25 holds the 45-degree still and no video frame.
    max_yaw_deg: float = setting(
        25.0, 'largest head |yaw| (Face.yaw, degrees) whose emotion is trusted; beyond it a '
        'face keeps its last trusted estimate (Emotion.reliable false); 180: off',
        low=0.0, high=180.0)
    # Measured on the labelled faces (doc/degradation.md, bench/bench_degradation.py): accuracy
    # 95% as photographed, 87% at a 28 px box, 74% at 24 px (more than 10 points down); in
    # 640x480 frames (bench/bench_scale.py) Haar's found faces: 88% at 28 px.
    min_face_height: int = setting(
        MIN_FACE_HEIGHT_DEFAULT, 'smallest trusted face box height, pixels; a smaller face is '
        'held like a turned head; 0: off', low=0, high=10000)
    attention_max_yaw_deg: float = setting(
        15.0, 'largest head |yaw| for Emotion.looking_at_camera, degrees (head orientation, '
        'not gaze)', low=0.0, high=180.0)
    # The open-mouthed surprise still reads pitch 22.8 (the mouth point drops): 25 keeps it.
    attention_max_pitch_deg: float = setting(
        25.0, 'largest head |pitch| for Emotion.looking_at_camera, degrees', low=0.0,
        high=90.0)
    # Measured with bench/bench_trust.py (doc/trust.md): single_face.mp4 gives its one
    # neutral->happy at every value of 0..1 s; from 0.3 s on, the other videos stop flickering
    # (WolfgangLanger 6 changes at 0 s, 4 at 0.2 s, 2 at 0.3..1 s; face_noface 3, 1, 1).
    event_hysteresis: float = setting(
        0.3, "seconds a face's new label must hold before an emotion_events CHANGED event "
        '(image stamps; 0: at the first frame)', low=0.0, high=60.0)
    event_lost_timeout: float = setting(
        2.0, 'with no frame for this long, every tracked face gets a LOST event (e.g. the '
        'camera stopped), s', low=0.1, high=3600.0)


# REP-155's list of the faces present: the topic ROS4HRI consumers read.
ROS4HRI_TRACKED_TOPIC = '/humans/faces/tracked'


@dataclass(frozen=True)
class Ros4hriConfig(StageConfig):
    """The classifier's ROS4HRI (REP-155) face output (ROS nodes only; doc/ros4hri.md)."""

    ros4hri: bool = setting(
        False, 'also publish the faces as ROS4HRI (REP-155) does, under /humans/faces '
        '(needs hri_msgs; doc/ros4hri.md)')
    # Several cameras each publish their own list here and ros4hri_faces publishes the union
    # on /humans/faces/tracked (emotion_run and the launch file set this; graph.py).
    ros4hri_tracked_topic: str = setting(
        ROS4HRI_TRACKED_TOPIC, "topic of this camera's face ids (several cameras: one each, "
        'merged by ros4hri_faces)', non_empty=True)


@dataclass(frozen=True)
class Ros4hriFacesConfig(StageConfig):
    """ros4hri_faces: the union of several cameras' face ids on /humans/faces/tracked."""

    ros4hri_inputs: str = setting(
        '', "comma-separated IdsList topics, one per camera's classifier (emotion_run and the "
        'launch file set them)')
    # As long as the classifier waits before it loses every face of a stopped camera.
    ros4hri_input_timeout: float = setting(
        2.0, "a camera's list stops counting this long after it came (the camera stopped), s",
        low=0.05, high=3600.0)


# Where the classifier's faces come from: our own tracker, or another ROS4HRI face detector.
FACES_FROM_CHOICES = ('tracker', 'ros4hri')
# Which per-face image of a ROS4HRI detector the classifier reads.
ROS4HRI_CROP_CHOICES = ('aligned', 'cropped')


@dataclass(frozen=True)
class FacesFromConfig(StageConfig):
    """The classifier's faces: our tracker's, or another ROS4HRI detector's crops."""

    faces_from: str = setting(
        'tracker', "'tracker': the faces and images of our face tracker; 'ros4hri': the crops "
        'of another ROS4HRI (REP-155) face detector, from /humans/faces (needs hri_msgs; '
        'doc/ros4hri.md)', choices=FACES_FROM_CHOICES)
    # cropped: what the accuracy on ROS4HRI-style crops was measured on (doc/ros4hri.md); eye
    # levelling did not help our faces (align_roll).
    ros4hri_crops: str = setting(
        'cropped', 'with faces_from ros4hri: read /humans/faces/<id>/cropped or <id>/aligned '
        '(eyes levelled)', choices=ROS4HRI_CROP_CHOICES)
    # ROS4HRI's own nodes publish reliably; under load a reliable reader lost fewer crops than a
    # best-effort one (0 against 1.7% for 5 faces; bench/bench_ros4hri_consumer.py,
    # doc/ros4hri.md). A reliable reader does not hear a best-effort detector at all: the node
    # then says so.
    ros4hri_crops_reliability: str = setting(
        'reliable', "with faces_from ros4hri: the crop subscriptions' reliability "
        "('best_effort' hears any detector)",
        choices=RELIABILITY_CHOICES)
    # Per-id discovery takes up to 2.7 s here (doc/ros4hri.md): 5 s leaves room for it.
    ros4hri_crop_timeout: float = setting(
        5.0, 'with faces_from ros4hri: a listed face that sent no crop this long is logged '
        'and counted once, s', low=0.1, high=3600.0)


@dataclass(frozen=True)
class DiagnosticsConfig(StageConfig):
    """Every node's /diagnostics report: how often, over what window, and its level limits."""

    diagnostics_period: float = setting(
        1.0, 'time between two /diagnostics reports, s', low=0.05, high=60.0)
    diagnostics_window: float = setting(
        5.0, 'the rates and percentiles reported cover this many past seconds, s', low=0.5,
        high=600.0)
    diagnostics_stage_warn_ms: float = setting(
        33.0, "WARN when the p95 of the node's own stage time exceeds this, ms (33: one frame "
        'at 30 Hz; 0: off)', low=0.0, high=60000.0)
    diagnostics_stage_error_ms: float = setting(
        200.0, "ERROR when the p95 of the node's own stage time exceeds this, ms (0: off)",
        low=0.0, high=60000.0)
    diagnostics_latency_warn_ms: float = setting(
        100.0, "WARN when the p95 from image stamp to this node's output exceeds this, ms "
        '(0: off)', low=0.0, high=60000.0)
    diagnostics_latency_error_ms: float = setting(
        500.0, "ERROR when the p95 from image stamp to this node's output exceeds this, ms "
        '(0: off)', low=0.0, high=60000.0)
    diagnostics_drop_warn_fraction: float = setting(
        0.25, "WARN when more than this fraction of the window's input frames were dropped "
        'or evicted (0: off)', low=0.0, high=1.0)
    diagnostics_idle_warn: float = setting(
        5.0, 'WARN when no input frame arrived for this long, s (0: off)', low=0.0,
        high=3600.0)
