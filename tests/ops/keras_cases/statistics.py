"""Keras reference cases: NaN reductions, quantiles, counting, searching, vector products and
log-determinants."""
import numpy as np

from tests.ops.keras_cases import Case, integers, normal


def with_nans(*shape, seed=0, every=4):
    """Normal values with every `every`-th entry (in flat order, from the second) NaN."""
    x = normal(*shape, seed=seed)
    x.reshape(-1)[1::every] = np.nan
    return x


def spd(n, seed=0):
    """A symmetric positive definite n x n float32 matrix."""
    a = normal(n, n, seed=seed)
    return (a @ a.T + n * np.eye(n)).astype("float32")


Q2 = np.array([0.2, 0.75], "float32")

CASES = [
    # NaN reductions
    Case("nansum", lambda ops, x: ops.nansum(x), [with_nans(3, 4)]),
    Case("nansum_axis", lambda ops, x: ops.nansum(x, axis=1, keepdims=True), [with_nans(3, 4)]),
    Case("nansum_int", lambda ops, x: ops.nansum(x, axis=0), [integers(3, 4)], grad=False),
    Case("nanmean", lambda ops, x: ops.nanmean(x, axis=0), [with_nans(3, 5, seed=1)]),
    Case("nanmean_int", lambda ops, x: ops.nanmean(x), [integers(3, 4)], grad=False),
    Case("nanmax", lambda ops, x: ops.nanmax(x, axis=1), [with_nans(3, 5, seed=2)]),
    Case("nanmin", lambda ops, x: ops.nanmin(x, axis=(0, 1)), [with_nans(2, 3, 4, seed=3)]),
    Case("nanprod", lambda ops, x: ops.nanprod(x, axis=-1), [with_nans(3, 4, seed=4)]),
    Case("nanstd", lambda ops, x: ops.nanstd(x, axis=1), [with_nans(3, 5, seed=5)]),
    Case("nanvar", lambda ops, x: ops.nanvar(x, keepdims=True), [with_nans(3, 5, seed=6)]),
    Case("nanvar_int", lambda ops, x: ops.nanvar(x, axis=0), [integers(4, 3)], grad=False),
    Case("nanargmax", lambda ops, x: ops.nanargmax(x, axis=1), [with_nans(3, 5, seed=7)],
         grad=False),
    Case("nanargmin", lambda ops, x: ops.nanargmin(x), [with_nans(3, 5, seed=8)], grad=False),
    Case("nancumsum", lambda ops, x: ops.nancumsum(x, axis=1), [with_nans(3, 4, seed=9)]),
    Case("nancumprod", lambda ops, x: ops.nancumprod(x), [with_nans(2, 3, seed=10)]),
    # quantiles
    Case("quantile", lambda ops, x: ops.quantile(x, 0.3), [normal(3, 5)]),
    Case("quantile_q_axis", lambda ops, x: ops.quantile(x, Q2, axis=1), [normal(3, 5, seed=1)]),
    Case("quantile_keepdims", lambda ops, x: ops.quantile(x, Q2, axis=(0, 2), keepdims=True),
         [normal(2, 3, 4, seed=2)]),
    Case("quantile_lower", lambda ops, x: ops.quantile(x, Q2, axis=0, method="lower"),
         [normal(6, 2, seed=3)]),
    Case("quantile_higher", lambda ops, x: ops.quantile(x, Q2, axis=0, method="higher"),
         [normal(6, 2, seed=4)]),
    Case("quantile_midpoint", lambda ops, x: ops.quantile(x, Q2, axis=0, method="midpoint"),
         [normal(6, 2, seed=5)]),
    Case("quantile_nearest", lambda ops, x: ops.quantile(x, Q2, axis=0, method="nearest"),
         [normal(6, 2, seed=6)]),
    Case("quantile_int", lambda ops, x: ops.quantile(x, 0.4, axis=1), [integers(3, 5)],
         grad=False),
    Case("percentile", lambda ops, x: ops.percentile(x, np.array([10.0, 50.0, 90.0], "float32"),
                                                     axis=1), [normal(3, 6, seed=7)]),
    Case("median", lambda ops, x: ops.median(x, axis=0), [normal(4, 3, seed=8)]),
    Case("median_all", lambda ops, x: ops.median(x), [normal(3, 3, seed=9)]),
    Case("median_int", lambda ops, x: ops.median(x), [integers(2, 4)], grad=False),
    Case("nanquantile", lambda ops, x: ops.nanquantile(x, Q2, axis=1), [with_nans(3, 5, seed=1)]),
    Case("nanpercentile", lambda ops, x: ops.nanpercentile(x, 40.0, axis=0),
         [with_nans(5, 3, seed=2)]),
    Case("nanmedian", lambda ops, x: ops.nanmedian(x, axis=1, keepdims=True),
         [with_nans(3, 6, seed=3)]),
    # statistics and counting
    Case("average", lambda ops, x: ops.average(x, axis=0), [normal(3, 4)]),
    Case("average_weights", lambda ops, x, w: ops.average(x, axis=1, weights=w),
         [normal(3, 4, seed=1), np.array([1.0, 2.0, 0.5, 3.0], "float32")]),
    Case("average_int", lambda ops, x: ops.average(x), [integers(3, 4)], grad=False),
    Case("ptp", lambda ops, x: ops.ptp(x, axis=1), [normal(3, 5)]),
    Case("ptp_keepdims", lambda ops, x: ops.ptp(x, axis=0, keepdims=True), [normal(4, 2, seed=1)]),
    Case("ptp_int", lambda ops, x: ops.ptp(x), [integers(3, 4)], grad=False),
    Case("count_nonzero", lambda ops, x: ops.count_nonzero(x, axis=1),
         [integers(3, 5, high=3)], grad=False),
    Case("count_nonzero_all", lambda ops, x: ops.count_nonzero(x),
         [np.array([[0.0, 1.5], [2.0, 0.0]], "float32")], grad=False),
    Case("corrcoef", lambda ops, x: ops.corrcoef(x), [normal(3, 6)], symbolic=False,
         why="Keras declares corrcoef's output as x's shape (a bug); the eager (V, V) stands"),
    Case("corrcoef_int", lambda ops, x: ops.corrcoef(x), [integers(2, 5)], grad=False,
         symbolic=False, why="Keras declares corrcoef's output as x's shape (a bug)"),
    Case("histogram", lambda ops, x: ops.histogram(x, bins=4), [normal(20)], grad=False),
    Case("histogram_range", lambda ops, x: ops.histogram(x, bins=5, range=(-1.0, 1.0)),
         [normal(30, seed=1)], grad=False),
    Case("bincount", lambda ops, x: ops.bincount(x), [integers(8, high=5)], grad=False,
         symbolic=False, why="the output length follows the values (Keras: no symbolic call)"),
    Case("bincount_weights", lambda ops, x, w: ops.bincount(x, weights=w, minlength=7),
         [integers(8, high=5, seed=1), normal(8)], grad=False, symbolic=False,
         why="the output length follows the values (Keras: no symbolic call); torch has no "
             "bincount gradient (minikeras's is tested in test_statistics.py)"),
    Case("bincount_2d", lambda ops, x: ops.bincount(x, minlength=6), [integers(2, 5, high=6)],
         grad=False, symbolic=False,
         why="the output length follows the values (Keras: no symbolic call)"),
    Case("digitize", lambda ops, x, b: ops.digitize(x, b),
         [normal(3, 4), np.array([-1.0, 0.0, 0.5, 1.0], "float32")], grad=False),
    Case("digitize_int", lambda ops, x, b: ops.digitize(x, b),
         [integers(5), np.array([2, 4, 6], "int32")], grad=False),
    Case("cdist", lambda ops, x, y: ops.cdist(x, y), [normal(3, 4), normal(5, 4, seed=1)]),
    Case("cdist_batch", lambda ops, x, y: ops.cdist(x, y),
         [normal(2, 3, 4, seed=2), normal(2, 2, 4, seed=3)]),
    # searching
    Case("searchsorted", lambda ops, s, v: ops.searchsorted(s, v),
         [np.array([-1.0, 0.0, 0.5, 0.5, 2.0], "float32"), np.array([0.5, -3.0, 1.0], "float32")],
         grad=False, symbolic=False,
         why="Keras's torch backend has no symbolic searchsorted (its output has values' shape)"),
    Case("searchsorted_right", lambda ops, s, v: ops.searchsorted(s, v, side="right"),
         [np.array([1, 2, 2, 3], "int32"), np.array([[2, 0], [5, 3]], "int32")], grad=False,
         symbolic=False, why="Keras's torch backend has no symbolic searchsorted"),
    Case("argpartition", lambda ops, x: ops.sort(ops.argpartition(x, 2)[..., :2], axis=-1),
         [np.array([[3.0, 1.0, 2.0, 5.0, 0.0], [0.5, 4.0, -1.0, 2.0, 3.0]], "float32")],
         grad=False),
    Case("argpartition_kth", lambda ops, x: ops.take_along_axis(
        x, ops.argpartition(x, 1)[:, 1:2], axis=1),
         [np.array([[7, 3, 9, 1], [2, 8, 5, 6], [4, 0, 11, 10]], "int32")], grad=False,
         why="integers: Keras's torch argpartition truncates floats to int32 (tested on floats "
             "against NumPy in test_statistics.py)"),
    Case("nonzero", lambda ops, x: list(ops.nonzero(x)), [integers(3, 4, high=3)], grad=False,
         symbolic=False, why="the output sizes follow the values (unknown: None, as in Keras)"),
    Case("unique", lambda ops, x: ops.unique(x), [integers(10, high=5)], grad=False,
         symbolic=False, why="the output size follows the values (unknown: None, as in Keras)"),
    Case("unique_all", lambda ops, x: ops.unique(x, return_index=True, return_inverse=True,
                                                 return_counts=True),
         [integers(9, high=4, seed=1)], grad=False, symbolic=False,
         why="the output sizes follow the values (unknown: None, as in Keras)"),
    Case("unique_size", lambda ops, x: ops.unique(x, size=6, fill_value=-1, return_counts=True),
         [integers(8, high=4, seed=2)], grad=False, symbolic=False,
         why="Keras declares the inverse and counts (None,) even with size; minikeras knows"),
    Case("unique_axis", lambda ops, x: ops.unique(x, axis=0, return_inverse=True,
                                                  return_counts=True),
         [np.array([[1.0, 2.0], [0.0, 1.0], [1.0, 2.0]], "float32")], grad=False,
         symbolic=False, why="the output sizes follow the values"),
    # vector products and differences
    Case("inner", lambda ops, a, b: ops.inner(a, b), [normal(2, 3), normal(4, 3, seed=1)]),
    Case("inner_int", lambda ops, a, b: ops.inner(a, b), [integers(3), integers(2, 3, seed=1)],
         grad=False),
    Case("vdot", lambda ops, a, b: ops.vdot(a, b), [normal(5), normal(5, seed=1)]),
    Case("kron", lambda ops, a, b: ops.kron(a, b), [normal(2, 3), normal(3, 2, seed=1)]),
    Case("kron_ranks", lambda ops, a, b: ops.kron(a, b), [normal(3), normal(2, 2, seed=1)]),
    Case("kron_int", lambda ops, a, b: ops.kron(a, b), [integers(2, 2), integers(2, seed=1)],
         grad=False),
    Case("cross", lambda ops, a, b: ops.cross(a, b), [normal(4, 3), normal(4, 3, seed=1)]),
    Case("cross_axis", lambda ops, a, b: ops.cross(a, b, axis=0),
         [normal(3, 2), normal(3, 2, seed=1)]),
    Case("vander", lambda ops, x: ops.vander(x), [normal(4)], grad=False,
         why="Keras's torch vander fails in autograd (an in-place write); see test_statistics.py"),
    Case("vander_n", lambda ops, x: ops.vander(x, N=3, increasing=True), [normal(5, seed=1)],
         grad=False, why="Keras's torch vander fails in autograd (an in-place write)"),
    Case("vander_int", lambda ops, x: ops.vander(x, N=4), [integers(3, high=4)], grad=False),
    Case("correlate", lambda ops, a, b: ops.correlate(a, b), [normal(6), normal(3, seed=1)]),
    Case("correlate_full", lambda ops, a, b: ops.correlate(a, b, mode="full"),
         [normal(5), normal(3, seed=1)]),
    Case("correlate_same", lambda ops, a, b: ops.correlate(a, b, mode="same"),
         [normal(6), normal(4, seed=1)]),
    Case("correlate_valid_short", lambda ops, a, b: ops.correlate(a, b),
         [normal(2), normal(4, seed=1)]),
    Case("diff", lambda ops, x: ops.diff(x), [normal(3, 5)]),
    Case("diff_n_axis", lambda ops, x: ops.diff(x, n=2, axis=0), [normal(5, 3, seed=1)]),
    Case("diff_int", lambda ops, x: ops.diff(x), [integers(6)], grad=False),
    Case("trapezoid", lambda ops, y: ops.trapezoid(y), [normal(3, 5)]),
    Case("trapezoid_dx", lambda ops, y: ops.trapezoid(y, dx=0.5, axis=0), [normal(4, 3, seed=1)]),
    Case("trapezoid_x", lambda ops, y, x: ops.trapezoid(y, x=x),
         [normal(2, 5, seed=2), np.array([0.0, 0.5, 1.5, 2.0, 3.5], "float32")]),
    Case("trapezoid_int", lambda ops, y: ops.trapezoid(y), [integers(2, 4)], grad=False),
    # log-determinants
    Case("slogdet", lambda ops, x: ops.slogdet(x), [normal(3, 3)]),
    Case("slogdet_batch", lambda ops, x: ops.slogdet(x), [normal(2, 3, 3, seed=1)]),
    Case("logdet", lambda ops, x: ops.logdet(x), [spd(3)]),
    Case("logdet_batch", lambda ops, x: ops.logdet(x), [np.stack([spd(2, 1), spd(2, 2)])]),
]
