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
Image topics by transport, named like image_transport: ``raw`` or ``compressed``.

image_transport is not installable here, so this is the small part of it the nodes need. As
in image_transport, the base topic (``image_raw``) is resolved first, remaps and namespace
included, and the transport's suffix is appended: with ``-r image_raw:=/cam1/image`` the
compressed topic is ``/cam1/image/compressed``, which is what a camera driver publishing
through image_transport offers.
"""

from collections.abc import Callable
from typing import Any

from emotion_ros.conversions import AnyImage
from emotion_ros.core.config import IMAGE_TRANSPORT_CHOICES
from emotion_ros.core.frames.compressed_codec import CompressedImageError
from rclpy.node import Node
from rclpy.qos import QoSProfile
from rclpy.subscription import Subscription
from sensor_msgs.msg import CompressedImage
from sensor_msgs.msg import Image

_MESSAGE_TYPES = {'raw': Image, 'compressed': CompressedImage}
IMAGE_TRANSPORTS = IMAGE_TRANSPORT_CHOICES  # values of the image_transport parameter


def transport_topic(node: Node, transport: str, base: str = 'image_raw') -> str:
    """
    Return the fully resolved topic of ``base`` for ``transport``.

    :param node: the node (its namespace and remaps apply to ``base``).
    :param transport: 'raw' or 'compressed'.
    :param base: the base image topic, as the node names it.
    :returns: e.g. ``/image_raw`` or ``/cam1/image_raw/compressed``.
    :raises ValueError: for an unknown transport.
    """
    if transport not in _MESSAGE_TYPES:
        raise ValueError(f"unknown image transport '{transport}'; choose one of "
                         f"{', '.join(IMAGE_TRANSPORTS)}")
    topic = node.resolve_topic_name(base)
    return topic if transport == 'raw' else f'{topic}/{transport}'


def subscribe_image(node: Node, transport: str, callback: Callable[[AnyImage], None],
                    qos: QoSProfile, base: str = 'image_raw') -> Subscription:
    """
    Subscribe to ``base`` (raw ``sensor_msgs/Image``) or ``base/compressed``.

    :param node: the subscribing node.
    :param transport: 'raw' or 'compressed'.
    :param callback: called with each message; :func:`emotion_ros.conversions.to_bgr` decodes
        either kind.
    :param qos: the subscription's QoS.
    :param base: the base image topic.
    :returns: the subscription.
    :raises ValueError: for an unknown transport.
    """
    topic = transport_topic(node, transport, base)
    return node.create_subscription(_MESSAGE_TYPES[transport], topic, callback, qos)


def error_kind(error: Exception) -> str:
    """
    Return the key a bad frame is logged under once per period: its kind, else its text.

    :param error: a decoding error.
    :returns: ``error.kind`` (every ImageEncodingError has one; compressed ones prefixed), else
        the message.
    """
    kind: Any = getattr(error, 'kind', None)
    if not kind:
        return str(error)
    return f'compressed:{kind}' if isinstance(error, CompressedImageError) else kind
