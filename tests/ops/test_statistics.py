"""The statistics family beyond the Keras reference cases: NumPy's behaviour where Keras's torch
backend is wrong or crashes (average's 1-D weights, argpartition on floats and other axes,
correlate "same" with the longer second operand, broadcast cross, vander's gradient, bincount's
weight gradient), NaN-only slices, unique's size / fill_value, data-dependent symbolic shapes,
float64 kept, Keras modules of saved nodes, and the errors bad input raises."""
import numpy as np
import pytest

from minikeras import layers, ops
from minikeras.backend.autodiff import Tensor, gradients
from minikeras.ops.symbolic import op_class
from minikeras.utils import gradient_check

RNG = np.random.default_rng(3)
X = RNG.normal(size=(4, 5))


# -- NaN reductions ---------------------------------------------------------------------------
def test_nan_only_slices_give_keras_values():
    x = np.array([[np.nan, np.nan], [1.0, np.nan]], "float32")
    assert np.isnan(ops.nanmax(x, axis=1).numpy()[0]) and ops.nanmax(x, axis=1).numpy()[1] == 1
    assert np.isnan(ops.nanmin(x, axis=1).numpy()[0])
    assert ops.nanargmax(x, axis=1).numpy().tolist() == [-1, 0]
    assert ops.nanargmin(x, axis=1).numpy().tolist() == [-1, 0]
    assert ops.nansum(x, axis=1).numpy().tolist() == [0.0, 1.0]
    assert ops.nanprod(x, axis=1).numpy().tolist() == [1.0, 1.0]
    assert np.isnan(ops.nanmean(x, axis=1).numpy()[0])
    assert np.isnan(ops.nanmedian(x, axis=1).numpy()[0])


def test_nan_reductions_match_numpy_and_send_no_gradient_to_nans():
    x = X.copy()
    x[1, 2] = x[3, 0] = np.nan
    for name in ("nansum", "nanmean", "nanmax", "nanmin", "nanprod", "nanstd", "nanvar",
                 "nanmedian"):
        np.testing.assert_allclose(getattr(ops, name)(x, axis=0).numpy(),
                                   getattr(np, name)(x, axis=0), rtol=1e-6, err_msg=name)
    t = Tensor(x, requires_grad=True)
    (g,) = gradients(ops.sum(ops.nanmean(t, axis=1)), [t])
    assert g[1, 2] == 0 and g[3, 0] == 0 and np.all(np.isfinite(g))


def test_nancumsum_of_ints_keeps_int32():
    out = ops.nancumsum(np.array([[1, 2], [3, 4]], "int32"), axis=0)
    assert out.dtype == np.int32 and out.numpy().tolist() == [[1, 2], [4, 6]]


# -- quantiles --------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile_methods_match_numpy(method):
    q = np.array([0.0, 0.1, 0.5, 0.63, 1.0])
    np.testing.assert_allclose(ops.quantile(X, q, axis=1, method=method).numpy(),
                               np.quantile(X, q, axis=1, method=method), rtol=1e-12)


def test_quantile_keeps_float64_and_its_gradient_checks():
    assert ops.median(X).dtype == np.float64
    assert gradient_check(lambda t: ops.quantile(t, np.array([0.3, 0.8]), axis=0), X) < 1e-6


def test_quantile_with_a_nan_in_a_slice_is_nan_there():
    x = X.copy()
    x[0, 1] = np.nan
    out = ops.quantile(x, 0.5, axis=1).numpy()
    assert np.isnan(out[0]) and np.all(np.isfinite(out[1:]))


@pytest.mark.parametrize("call, message", [
    (lambda: ops.quantile(X, 1.5), "quantile: `q` must lie in"),
    (lambda: ops.percentile(X, -1.0), "percentile: `q` must lie in"),
    (lambda: ops.quantile(X, 0.5, method="cubic"), "quantile: `method` must be one of"),
    (lambda: ops.median(X, axis=2), "median: `axis`=2 is out of range"),
    (lambda: ops.quantile(X, np.ones((2, 2)) / 2), "quantile: `q` must be a scalar or 1-D"),
])
def test_quantile_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# -- statistics and counting ------------------------------------------------------------------
def test_average_takes_numpy_weights_on_any_axis():
    w = np.array([1.0, 2.0, 0.5, 3.0])
    np.testing.assert_allclose(ops.average(X, axis=0, weights=w).numpy(),
                               np.average(X, axis=0, weights=w))
    full = RNG.uniform(0.1, 1, X.shape)
    np.testing.assert_allclose(ops.average(X, weights=full).numpy(), np.average(X, weights=full))
    with pytest.raises(ValueError, match="average: `weights` must have x's shape"):
        ops.average(X, axis=1, weights=w)
    assert gradient_check(lambda x, w: ops.average(x, axis=0, weights=w),
                          [X, RNG.uniform(0.5, 1, 4)]) < 1e-6


def test_bincount_weight_gradient_and_errors():
    ids = np.array([0, 2, 2, 4], "int32")
    w = Tensor(np.array([1.0, 2.0, 3.0, 4.0]), requires_grad=True)
    out = ops.bincount(ids, weights=w, minlength=6)
    assert out.numpy().tolist() == [1, 0, 5, 0, 4, 0]
    (g,) = gradients(ops.sum(out * np.arange(6.0)), [w])
    assert g.tolist() == [0, 2, 2, 4]
    with pytest.raises(ValueError, match="bincount: `x` must be non-negative"):
        ops.bincount(np.array([-1, 2]))
    with pytest.raises(ValueError, match="bincount: `x` must be a 1-D or 2-D integer"):
        ops.bincount(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="bincount: `sparse=True` is not supported"):
        ops.bincount(ids, sparse=True)


def test_histogram_and_digitize_errors():
    with pytest.raises(ValueError, match="histogram: `x` must be 1-D"):
        ops.histogram(X)
    with pytest.raises(ValueError, match="histogram: `bins` must be a positive int"):
        ops.histogram(X[0], bins=0)
    with pytest.raises(ValueError, match="digitize: `bins` must be 1-D"):
        ops.digitize(X, X)


def test_cdist_gradient_is_zero_at_zero_distance_and_errors():
    t = Tensor(X[:3], requires_grad=True)
    (g,) = gradients(ops.sum(ops.cdist(t, t)), [t])
    assert np.all(np.isfinite(g))
    assert gradient_check(lambda a, b: ops.cdist(a, b), [X[:3], X[1:]]) < 1e-6
    with pytest.raises(ValueError, match="cdist: `x` and `y` must be"):
        ops.cdist(X, X[:, :2])


def test_corrcoef_matches_numpy():
    np.testing.assert_allclose(ops.corrcoef(X).numpy(), np.corrcoef(X), rtol=1e-12)
    with pytest.raises(ValueError, match="corrcoef: `x` must be 1-D or 2-D"):
        ops.corrcoef(np.ones((2, 2, 2)))


# -- searching --------------------------------------------------------------------------------
def test_argpartition_partitions_floats_on_any_axis():
    order = ops.argpartition(X, 2, axis=0).numpy()
    picked = np.take_along_axis(X, order, axis=0)
    kth = np.sort(X, axis=0)[2]
    assert order.dtype == np.int32
    np.testing.assert_array_equal(picked[2], kth)
    assert np.all(picked[:2] <= kth) and np.all(picked[3:] >= kth)
    with pytest.raises(ValueError, match="argpartition: `kth` must be an int"):
        ops.argpartition(X, 5)


def test_unique_size_pads_or_cuts():
    x = np.array([3, 1, 3, 2], "int32")
    assert ops.unique(x, size=5).numpy().tolist() == [1, 2, 3, 0, 0]  # fill: 0 by default
    values, counts = ops.unique(x, size=2, return_counts=True)
    assert values.numpy().tolist() == [1, 2] and counts.numpy().tolist() == [1, 1]
    with pytest.raises(ValueError, match="unique: `size` must be None or a non-negative int"):
        ops.unique(x, size=-1)


def test_data_dependent_sizes_are_unknown_on_symbolic_tensors():
    x = layers.Input((4,), dtype="int32")
    values, inverse = ops.unique(x, return_inverse=True)
    assert values.shape == (None,) and inverse.shape == (None, 4)
    assert ops.unique(x, size=3).shape == (3,)
    assert [t.shape for t in ops.nonzero(x)] == [(None,), (None,)]


def test_searchsorted_errors():
    with pytest.raises(ValueError, match="searchsorted: `sorted_sequence` must be 1-D"):
        ops.searchsorted(X, X[0])
    with pytest.raises(ValueError, match="searchsorted: `side` must be"):
        ops.searchsorted(X[0], 1.0, side="middle")


# -- vector products and differences ----------------------------------------------------------
@pytest.mark.parametrize("n1, n2", [(2, 4), (3, 6), (5, 2), (4, 4), (1, 3)])
@pytest.mark.parametrize("mode", ["valid", "same", "full"])
def test_correlate_matches_numpy(n1, n2, mode):
    a, b = RNG.normal(size=n1), RNG.normal(size=n2)
    np.testing.assert_allclose(ops.correlate(a, b, mode=mode).numpy(),
                               np.correlate(a, b, mode=mode), rtol=1e-12)


def test_cross_broadcasts_and_takes_2_vectors():
    a, b = RNG.normal(size=(2, 3)), RNG.normal(size=3)
    np.testing.assert_allclose(ops.cross(a, b).numpy(), np.cross(a, b))
    np.testing.assert_allclose(ops.cross(a[:, :2], b[:2]).numpy(), a[:, 0] * b[1] - a[:, 1] * b[0])
    with pytest.raises(ValueError, match="cross: the vectors must have 2 or 3 components"):
        ops.cross(X, X)


def test_vander_gradient_and_kron_values():
    assert gradient_check(lambda x: ops.vander(x, N=4), np.array([0.0, 0.5, -1.2])) < 1e-6
    a, b = RNG.normal(size=(2, 1, 3)), RNG.normal(size=(4, 2))
    np.testing.assert_allclose(ops.kron(a, b).numpy(), np.kron(a, b))
    with pytest.raises(ValueError, match="vander: `x` must be 1-D"):
        ops.vander(X)


def test_diff_and_trapezoid_match_numpy():
    np.testing.assert_array_equal(ops.diff(X, n=3, axis=0).numpy(), np.diff(X, n=3, axis=0))
    x = np.cumsum(RNG.uniform(0.1, 1, X.shape), axis=1)
    np.testing.assert_allclose(ops.trapezoid(X, x=x).numpy(), np.trapezoid(X, x=x))
    assert gradient_check(lambda y, x: ops.trapezoid(y, x=x), [X, x]) < 1e-6
    with pytest.raises(ValueError, match="diff: `n` must be a non-negative int"):
        ops.diff(X, n=-1)
    with pytest.raises(ValueError, match="inner: the last axes"):
        ops.inner(X, X.T)


# -- log-determinants ------------------------------------------------------------------------
def test_logdet_of_negative_and_singular_matrices():
    assert np.isnan(ops.logdet(np.array([[0.0, 1.0], [1.0, 0.0]])).numpy())
    sign, logabs = ops.slogdet(np.zeros((2, 2)))
    assert sign.numpy() == 0 and logabs.numpy() == -np.inf
    with pytest.raises(TypeError, match="slogdet: `x` must be a float tensor"):
        ops.slogdet(np.eye(2, dtype="int32"))
    with pytest.raises(ValueError, match="logdet: `x` must be square matrices"):
        ops.logdet(X)


@pytest.mark.parametrize("name, module", [("logdet", "keras.src.ops.math"),
                                          ("cdist", "keras.src.ops.math"),
                                          ("slogdet", "keras.src.ops.numpy"),
                                          ("nanquantile", "keras.src.ops.numpy"),
                                          ("unique", "keras.src.ops.numpy")])
def test_saved_nodes_name_keras_modules(name, module):
    assert op_class(name).keras_module == module
