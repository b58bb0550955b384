"""Dispatch rows for the manipulation family: stacking, scatter, segments, indexing, spacing,
blocks and einops ops."""
import numpy as np

from minikeras import ops

INPUTS = {
    "v": (dict(batch_shape=(3,)), np.array([0.5, 1.0, 2.0], "float32")),
}

ROWS = {
    # stacking
    "append": ("b", lambda b: ops.append(b, b, axis=1), (None, 8, 3)),
    "array_split": ("a", lambda a: ops.array_split(a, 2, axis=1), [(None, 2), (None, 1)]),
    "dsplit": ("c", lambda c: ops.dsplit(c, 2), [(None, 4, 2, 2)] * 2),
    "dstack": ("b", lambda b: ops.dstack([b, b]), (None, 4, 6)),
    "hsplit": ("b", lambda b: ops.hsplit(b, 2), [(None, 2, 3)] * 2),
    "hstack": ("b", lambda b: ops.hstack([b, b]), (None, 8, 3)),
    "vsplit": ("d", lambda d: ops.vsplit(d, [1]), [(1, 1, 3)] * 2),
    "vstack": ("d", lambda d: ops.vstack([d, d]), (4, 1, 3)),
    "unstack": ("b", lambda b: ops.unstack(b, axis=1), [(None, 3)] * 4),
    "meshgrid": ("v", lambda v: ops.meshgrid(v, v[:2]), [(2, 3), (2, 3)]),
    "swapaxes": ("b", lambda b: ops.swapaxes(b, 1, 2), (None, 3, 4)),
    "ravel": ("d", ops.ravel, (6,)),
    "fliplr": ("b", ops.fliplr, (None, 4, 3)),
    "flipud": ("b", ops.flipud, (None, 4, 3)),
    "rot90": ("b", lambda b: ops.rot90(b, axes=(1, 2)), (None, 3, 4)),
    "diagflat": ("d", ops.diagflat, (6, 6)),
    # scatter and slice
    "slice": ("d", lambda d: ops.slice(d, (0, 0, 1), (2, 1, 2)), (2, 1, 2)),
    "slice_update": ("d", lambda d: ops.slice_update(d, (0, 0, 1), np.ones((2, 1, 2), "float32")),
                     (2, 1, 3)),
    "scatter": ("d", lambda d: ops.scatter(np.array([[0], [3]]), d, (4, 1, 3)), (4, 1, 3)),
    "scatter_update": ("d", lambda d: ops.scatter_update(
        d, np.array([[1]]), np.ones((1, 1, 3), "float32"), reduction="add"), (2, 1, 3)),
    # segments
    "segment_sum": ("d", lambda d: ops.segment_sum(d, np.array([0, 2]), num_segments=3),
                    (3, 1, 3)),
    "segment_prod": ("d", lambda d: ops.segment_prod(d, np.array([0, 0]), num_segments=2),
                     (2, 1, 3)),
    "segment_max": ("d", lambda d: ops.segment_max(d, np.array([1, 0]), num_segments=2),
                    (2, 1, 3)),
    "segment_min": ("d", lambda d: ops.segment_min(d, np.array([1, 1]), num_segments=2),
                    (2, 1, 3)),
    # indexing
    "select": ("a", lambda a: ops.select([ops.greater(a, 1.0)], [a], 0.0), (None, 3)),
    "isin": ("i", lambda i: ops.isin(i, np.array([1, 2])), (None, 3)),
    "unravel_index": ("i", lambda i: ops.unravel_index(i, (2, 2)), [(None, 3), (None, 3)]),
    # spacing
    "geomspace": ("a", lambda a: ops.geomspace(a, 4.0, num=3, axis=-1), (None, 3, 3)),
    "logspace": ("a", lambda a: ops.logspace(0.0, a, num=4, axis=-1), (None, 3, 4)),
    "empty_like": ("a", ops.empty_like, (None, 3)),
    "view": ("a", lambda a: ops.view(a, "int32"), (None, 3)),
    # blocks
    "depth_to_space": ("c", lambda c: ops.depth_to_space(c, 2, data_format="channels_first"),
                       (None, 1, 8, 4)),
    "space_to_depth": ("c", lambda c: ops.space_to_depth(c, 2), (None, 2, 2, 8)),
    "unfold": ("c", lambda c: ops.unfold(c, 2), (None, 16, 3)),
    "fold": ("b", lambda b: ops.fold(b, (2, 4), 2), (None, 1, 2, 4)),
    "extract_sequences": ("a", lambda a: ops.extract_sequences(a, 2, 1), (None, 2, 2)),
    "rearrange": ("b", lambda b: ops.rearrange(b, "n h w -> n w h"), (None, 3, 4)),
}
