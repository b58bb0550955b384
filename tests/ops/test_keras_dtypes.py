"""Keras 3's dtype rules, op by op: for every one-argument op of keras.ops and each input dtype,
and for the binary arithmetic ops and each pair of dtypes, minikeras's output dtype equals the
one Keras gives (recorded by tools/keras_reference.py in tests/data/keras_reference/dtypes.json,
only where Keras's symbolic call and its eager result agree).

`KEPT` lists the deliberate differences, each with its reason."""
import json

import numpy as np
import pytest

from minikeras import ops
from tests.paths import DATA

RECORD = json.loads((DATA / "keras_reference" / "dtypes.json").read_text(encoding="utf8"))

_FLOAT64 = "float64 stays float64 (Keras's torch backend narrows these to float32)"
_INT_NORMALIZED = "normalizing integers gives floats (Keras keeps the integer dtype)"
#: (op, input dtype) -> why minikeras's dtype differs from Keras's on purpose
KEPT = {
    **{(name, "float64"): _FLOAT64 for name in (
        "average", "ceil", "floor", "median", "nanmean", "nanmedian", "nanstd", "nanvar", "var",
        "std", "nanquantile", "quantile", "percentile", "nanpercentile", "corrcoef", "cov")},
    **{(name, dtype): _INT_NORMALIZED for name in ("layer_normalization", "rms_normalization")
       for dtype in ("bool", "int8", "int32", "uint8")},
}


@pytest.mark.parametrize("key", sorted(RECORD["unary"]))
def test_one_argument_op_dtype_matches_keras(key):
    name, dtype = key.split("/")
    if (name, dtype) in KEPT:
        pytest.skip(KEPT[(name, dtype)])
    with np.errstate(all="ignore"):  # ones: arctanh(1) is inf
        out = getattr(ops, name)(np.ones((2, 3), dtype))
    if isinstance(out, (list, tuple)) or not hasattr(out, "dtype"):
        pytest.skip("not a single tensor")
    assert np.dtype(out.dtype).name == RECORD["unary"][key]


@pytest.mark.parametrize("key", sorted(RECORD["binary"]))
def test_binary_op_dtype_matches_keras(key):
    name, a, b = key.split("/")
    if "float64" in (a, b) and RECORD["binary"][key] != "float64":
        pytest.skip(_FLOAT64)
    with np.errstate(all="ignore"):
        out = getattr(ops, name)(np.ones((2, 2), a), np.ones((2, 2), b))
    assert np.dtype(out.dtype).name == RECORD["binary"][key]
