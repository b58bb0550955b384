"""Random rectangles in image batches, shared by CutMix and RandomErasing: each image gets one
axis-aligned box, drawn as Keras draws it (a side length per axis, a uniform start so that the
box stays inside the image), turned into a boolean mask shaped like the images."""
import numpy as np

from minikeras import random


def crop_bounds(batch_size, length, ratio, seed, dtype="float32"):
    """Start and end (both (batch,), float) of boxes of side `ratio * length` ((batch,) ratios)
    along an axis of `length` pixels, the start uniform in [0, length - side]."""
    side = (np.asarray(ratio) * length).astype(dtype)
    start = random.uniform((batch_size,), 0.0, 1.0, dtype=dtype, seed=seed).numpy()
    start = start * (length - side)
    return start, start + side


def box_masks(images_shape, corners, data_format):
    """Boolean masks shaped `images_shape` (batch, h, w, c) - (batch, c, h, w) channels first -
    True at the pixels (x, y) with x0 <= x < x1 and y0 <= y < y1 of each image's box, in every
    channel. `corners` = (x0, x1, y0, y1), each (batch,)."""
    channels_last = data_format == "channels_last"
    height, width = images_shape[1:3] if channels_last else images_shape[2:4]
    x0, x1, y0, y1 = (np.asarray(c)[:, None, None] for c in corners)
    grid_y, grid_x = np.meshgrid(np.arange(height, dtype="float32"),
                                 np.arange(width, dtype="float32"), indexing="ij")
    inside = (grid_x >= x0) & (grid_x < x1) & (grid_y >= y0) & (grid_y < y1)
    channel_axis = -1 if channels_last else 1
    return np.broadcast_to(np.expand_dims(inside, channel_axis), tuple(images_shape)).copy()
