"""Keras reference cases: joining, splitting, re-axing, scatter/slice, segment reductions,
window functions, spaced sequences, pixel shuffles, im2col and einops rearrange."""
import numpy as np

from tests.ops.keras_cases import Case, integers, normal

IDS = np.array([0, 2, 0, 1, 2], dtype="int32")
POSITIONS = np.array([[0], [2], [0]], dtype="int32")
POSITIONS_2D = np.array([[0, 1], [2, 0], [1, 1]], dtype="int32")

CASES = [
    # joining and splitting
    Case("append", lambda ops, a, b: ops.append(a, b), [normal(2, 2), normal(3, seed=1)]),
    Case("append_axis0", lambda ops, a, b: ops.append(a, b, axis=0),
         [normal(2, 3), normal(1, 3, seed=1)]),
    Case("append_mixed_dtype", lambda ops, a, b: ops.append(a, b, axis=1),
         [integers(2, 2), normal(2, 1, seed=1)]),
    Case("hstack", lambda ops, a, b: ops.hstack([a, b]), [normal(2, 3), normal(2, 1, seed=1)]),
    Case("hstack_1d", lambda ops, a, b: ops.hstack([a, b]), [normal(3), normal(2, seed=1)]),
    Case("vstack", lambda ops, a, b: ops.vstack([a, b]), [normal(3), normal(2, 3, seed=1)]),
    Case("dstack", lambda ops, a, b: ops.dstack([a, b]), [normal(2, 3), normal(2, 3, seed=1)]),
    Case("array_split", lambda ops, x: ops.array_split(x, 3, axis=1), [normal(2, 7)]),
    Case("hsplit", lambda ops, x: ops.hsplit(x, 2), [normal(3, 4)]),
    Case("vsplit", lambda ops, x: ops.vsplit(x, [1]), [normal(4, 2)]),
    Case("dsplit", lambda ops, x: ops.dsplit(x, 2), [normal(2, 2, 4)]),
    Case("unstack", lambda ops, x: ops.unstack(x, axis=1), [normal(2, 3)]),
    Case("meshgrid_xy", lambda ops, a, b: ops.meshgrid(a, b), [normal(2), normal(3, seed=1)]),
    Case("meshgrid_ij", lambda ops, a, b, c: ops.meshgrid(a, b, c, indexing="ij"),
         [normal(2), normal(3, seed=1), normal(4, seed=2)]),
    # re-axing
    Case("swapaxes", lambda ops, x: ops.swapaxes(x, 0, 2), [normal(2, 3, 4)]),
    Case("ravel", lambda ops, x: ops.ravel(x), [normal(2, 3)]),
    Case("fliplr", lambda ops, x: ops.fliplr(x), [normal(2, 3)]),
    Case("flipud", lambda ops, x: ops.flipud(x), [normal(3, 2)]),
    Case("rot90", lambda ops, x: ops.rot90(x), [normal(2, 3)]),
    Case("rot90_k3", lambda ops, x: ops.rot90(x, k=3, axes=(1, 2)), [normal(2, 3, 4)]),
    Case("diagflat", lambda ops, x: ops.diagflat(x, 1), [normal(2, 2)]),
    Case("get_item", lambda ops, x: ops.get_item(x, (1, slice(0, 2))), [normal(3, 4)]),
    # blocks and scattered positions
    Case("slice", lambda ops, x: ops.slice(x, (1, 0), (2, 3)), [normal(3, 4)]),
    Case("slice_update", lambda ops, x, u: ops.slice_update(x, (1, 1), u),
         [normal(3, 4), normal(2, 2, seed=1)]),
    Case("scatter", lambda ops, i, v: ops.scatter(i, v, (4, 2)),
         [POSITIONS, normal(3, 2)]),
    Case("scatter_2d", lambda ops, i, v: ops.scatter(i, v, (3, 2)),
         [POSITIONS_2D, normal(3)]),
    Case("scatter_update", lambda ops, x, i, u: ops.scatter_update(x, i, u),
         [normal(4, 2), np.array([[0], [2]], "int32"), normal(2, 2, seed=1)]),
    Case("scatter_update_add", lambda ops, x, i, u: ops.scatter_update(x, i, u, reduction="add"),
         [normal(4, 2), POSITIONS, normal(3, 2, seed=1)]),
    Case("scatter_update_max", lambda ops, x, i, u: ops.scatter_update(x, i, u, reduction="max"),
         [normal(4, 2), POSITIONS, normal(3, 2, seed=1)], grad=False,
         why="Keras's torch backend fails to differentiate it (in-place scatter_reduce); "
             "test_manipulation.py checks the gradient numerically"),
    Case("scatter_update_min", lambda ops, x, i, u: ops.scatter_update(x, i, u, reduction="min"),
         [normal(4, 2), POSITIONS, normal(3, 2, seed=1)], grad=False,
         why="Keras's torch backend fails to differentiate it (in-place scatter_reduce); "
             "test_manipulation.py checks the gradient numerically"),
    Case("scatter_update_mul", lambda ops, x, i, u: ops.scatter_update(x, i, u, reduction="mul"),
         [normal(4, 2), POSITIONS, normal(3, 2, seed=1)], grad=False,
         why="Keras's torch backend fails to differentiate it (in-place scatter_reduce); "
             "test_manipulation.py checks the gradient numerically"),
    # segment reductions
    Case("segment_sum", lambda ops, d, s: ops.segment_sum(d, s, num_segments=4),
         [normal(5, 2), IDS]),
    Case("segment_sum_inferred", lambda ops, d, s: ops.segment_sum(d, s), [normal(5, 2), IDS],
         symbolic=False, why="the number of segments depends on the ids' values"),
    Case("segment_prod", lambda ops, d, s: ops.segment_prod(d, s, num_segments=3),
         [normal(5, 2), IDS]),
    Case("segment_max", lambda ops, d, s: ops.segment_max(d, s, num_segments=3),
         [normal(5, 2), IDS]),
    Case("segment_min", lambda ops, d, s: ops.segment_min(d, s, num_segments=3, sorted=False),
         [normal(5, 3), IDS]),
    # choosing and locating
    Case("select", lambda ops, c1, c2, a, b: ops.select([c1, c2], [a, b], 0.5),
         [normal(2, 3) > 0, normal(2, 3, seed=1) > 0, normal(2, 3, seed=2),
          normal(2, 3, seed=3)]),
    Case("isin", lambda ops, a, b: ops.isin(a, b), [integers(3, 4), integers(5, seed=1)],
         grad=False),
    Case("isin_invert", lambda ops, a, b: ops.isin(a, b, invert=True),
         [integers(3, 4), integers(5, seed=1)], grad=False),
    Case("unravel_index", lambda ops, i: ops.unravel_index(i, (3, 4)),
         [integers(5, high=12)], grad=False),
    Case("view", lambda ops, x: ops.view(x, "int32"), [normal(2, 3)], grad=False),
    # spaced sequences, windows and uninitialized arrays
    Case("geomspace", lambda ops: ops.geomspace(1.0, 1000.0, 4), [], grad=False),
    Case("geomspace_array", lambda ops, a, b: ops.geomspace(a, b, 5, endpoint=False),
         [np.array([1.0, 2.0], "float32"), np.array([100.0, 8.0], "float32")]),
    Case("logspace", lambda ops: ops.logspace(0.0, 2.0, 5), [], grad=False),
    Case("logspace_base", lambda ops, a, b: ops.logspace(a, b, 4, base=2.0),
         [np.array([0.0, 1.0], "float32"), np.array([3.0, 2.0], "float32")]),
    Case("bartlett", lambda ops: ops.bartlett(5), [], grad=False),
    Case("blackman", lambda ops: ops.blackman(6), [], grad=False),
    Case("hamming", lambda ops: ops.hamming(5), [], grad=False),
    Case("hanning", lambda ops: ops.hanning(6), [], grad=False),
    Case("kaiser", lambda ops: ops.kaiser(7, 3.0), [], grad=False),
    Case("empty_shape", lambda ops: ops.zeros_like(ops.empty((2, 3))), [], grad=False),
    Case("empty_like_int", lambda ops, x: ops.zeros_like(ops.empty_like(x)), [integers(2, 3)],
         grad=False),
    # pixel shuffles, im2col, frames, einops
    Case("depth_to_space", lambda ops, x: ops.depth_to_space(x, 2), [normal(1, 2, 3, 8)]),
    Case("depth_to_space_cf", lambda ops, x: ops.depth_to_space(
        x, 2, data_format="channels_first"), [normal(2, 8, 2, 3)]),
    Case("space_to_depth", lambda ops, x: ops.space_to_depth(x, 2), [normal(1, 4, 6, 3)]),
    Case("space_to_depth_cf", lambda ops, x: ops.space_to_depth(
        x, 2, data_format="channels_first"), [normal(2, 3, 4, 2)]),
    Case("unfold", lambda ops, x: ops.unfold(x, 2), [normal(2, 3, 4, 5)]),
    Case("unfold_options", lambda ops, x: ops.unfold(x, (2, 3), dilation=2, padding=1,
                                                     stride=(2, 1)), [normal(1, 2, 5, 6)]),
    Case("fold", lambda ops, x: ops.fold(x, (4, 5), 2), [normal(2, 12, 12)]),
    Case("fold_options", lambda ops, x: ops.fold(x, (5, 6), (2, 3), dilation=2, padding=1,
                                                 stride=(2, 1)), [normal(1, 12, 12)]),
    Case("extract_sequences", lambda ops, x: ops.extract_sequences(x, 4, 3), [normal(2, 11)]),
    Case("rearrange", lambda ops, x: ops.rearrange(x, "b h (w c) -> b c (h w)", c=2),
         [normal(2, 3, 4)]),
    Case("rearrange_split", lambda ops, x: ops.rearrange(x, "(b1 b2) h -> h b2 b1", b1=2),
         [normal(6, 3)]),
]
