"""Shared argument checks of the image ops: image rank, data format and the batched
channels-last view every image op computes in.

An image op accepts (H, W, C) or (B, H, W, C) images (channels_last) or (C, H, W) /
(B, C, H, W) (channels_first). `to_batched_nhwc` turns them into (B, H, W, C) and remembers how,
so `from_batched_nhwc` can give the result back in the caller's layout.
"""
from minikeras.ops.core import convert_to_tensor
from minikeras.ops.manipulation import expand_dims, squeeze, transpose
from minikeras.ops.spatial_args import standardize_data_format


def check_images(name, images, ranks=(3, 4), arg="images"):
    """`images` as a Tensor of one of `ranks`, or a ValueError naming the op and the shape."""
    images = convert_to_tensor(images)
    if images.ndim not in ranks:
        raise ValueError(f"{name}: invalid `{arg}` rank: expected rank 3 (single image) or "
                         f"rank 4 (batch of images), received input with shape "
                         f"{arg}.shape={tuple(images.shape)}.")
    return images


def data_format_of(name, data_format):
    """'channels_last' / 'channels_first'; None means the config's `image_data_format()`."""
    return standardize_data_format(data_format, owner=name)


def to_batched_nhwc(images, data_format):
    """(B, H, W, C) view of 3-D/4-D images and the (unbatched, channels_first) flags."""
    unbatched = images.ndim == 3
    if unbatched:
        images = expand_dims(images, 0)
    channels_first = data_format == "channels_first"
    if channels_first:
        images = transpose(images, (0, 2, 3, 1))
    return images, (unbatched, channels_first)


def from_batched_nhwc(images, layout):
    """Undo `to_batched_nhwc` on a (B, H', W', C') result."""
    unbatched, channels_first = layout
    if channels_first:
        images = transpose(images, (0, 3, 1, 2))
    if unbatched:
        images = squeeze(images, 0)
    return images
