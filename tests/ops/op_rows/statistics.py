"""Rows of the statistics family: NaN reductions, quantiles, counting, searching, vector
products, log-determinants. `unique` and `nonzero` have data-dependent sizes: None, as Keras
declares them."""
import numpy as np

from minikeras import ops

BINS = np.array([0.5, 1.0, 1.5], "float32")
ROWS = {
    "nansum": ("b", lambda b: ops.nansum(b, axis=1), (None, 3)),
    "nanmean": ("b", lambda b: ops.nanmean(b, axis=-1, keepdims=True), (None, 4, 1)),
    "nanmax": ("b", lambda b: ops.nanmax(b, axis=1), (None, 3)),
    "nanmin": ("b", lambda b: ops.nanmin(b, axis=2), (None, 4)),
    "nanprod": ("a", lambda a: ops.nanprod(a, axis=1), (None,)),
    "nanstd": ("b", lambda b: ops.nanstd(b, axis=1), (None, 3)),
    "nanvar": ("b", lambda b: ops.nanvar(b, axis=(1, 2)), (None,)),
    "nanargmax": ("b", lambda b: ops.nanargmax(b, axis=1), (None, 3)),
    "nanargmin": ("b", lambda b: ops.nanargmin(b, axis=2), (None, 4)),
    "nancumsum": ("b", lambda b: ops.nancumsum(b, axis=1), (None, 4, 3)),
    "nancumprod": ("a", lambda a: ops.nancumprod(a, axis=1), (None, 3)),
    "quantile": ("b", lambda b: ops.quantile(b, np.array([0.25, 0.5]), axis=1), (2, None, 3)),
    "nanquantile": ("b", lambda b: ops.nanquantile(b, 0.3, axis=2), (None, 4)),
    "percentile": ("b", lambda b: ops.percentile(b, 40.0, axis=1, method="nearest"),
                   (None, 3)),
    "nanpercentile": ("b", lambda b: ops.nanpercentile(b, 60.0, axis=1, keepdims=True),
                      (None, 1, 3)),
    "median": ("b", lambda b: ops.median(b, axis=1), (None, 3)),
    "nanmedian": ("b", lambda b: ops.nanmedian(b, axis=-1), (None, 4)),
    "average": ("b", lambda b: ops.average(b, axis=2, weights=np.array([1.0, 2.0, 3.0])),
                (None, 4)),
    "ptp": ("b", lambda b: ops.ptp(b, axis=1), (None, 3)),
    "count_nonzero": ("i", lambda i: ops.count_nonzero(i, axis=1), (None,)),
    "corrcoef": ("b", lambda b: ops.corrcoef(ops.reshape(b, (-1,))), ()),
    "histogram": ("a", lambda a: ops.histogram(ops.reshape(a, (-1,)), bins=4), [(4,), (5,)]),
    "bincount": ("i", lambda i: ops.bincount(i, minlength=6), (None, 6)),
    "digitize": ("a", lambda a: ops.digitize(a, BINS), (None, 3)),
    "cdist": ("b", lambda b: ops.cdist(b, b), (None, 4, 4)),
    "searchsorted": ("a", lambda a: ops.searchsorted(BINS, a, side="right"), (None, 3)),
    "argpartition": ("b", lambda b: ops.argpartition(b, 1, axis=1), (None, 4, 3)),
    "nonzero": ("i", ops.nonzero, [(None,), (None,)]),
    "unique": ("i", lambda i: ops.unique(i, return_inverse=True, return_counts=True),
               [(None,), (None, 3), (None,)]),
    "inner": ("b", lambda b: ops.inner(b, np.ones((2, 3), "float32")), (None, 4, 2)),
    "vdot": ("a", lambda a: ops.vdot(a, a), ()),
    "kron": ("a", lambda a: ops.kron(a, np.ones((1, 2), "float32")), (None, 6)),
    "cross": ("b", lambda b: ops.cross(b, ops.flip(b, axis=2)), (None, 4, 3)),
    "vander": ("a", lambda a: ops.vander(ops.reshape(a, (-1,)), N=3), (None, 3)),
    "correlate": ("a", lambda a: ops.correlate(ops.reshape(a, (-1,)), BINS, mode="full"),
                  (None,)),
    "diff": ("b", lambda b: ops.diff(b, axis=1), (None, 3, 3)),
    "trapezoid": ("b", lambda b: ops.trapezoid(b, dx=0.5, axis=1), (None, 3)),
    "slogdet": ("m", ops.slogdet, [(None,), (None,)]),
    "logdet": ("m", ops.logdet, (None,)),
}
