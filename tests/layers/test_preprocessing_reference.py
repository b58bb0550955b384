"""The non-image preprocessing layers replay Keras 3's recorded outputs, dtypes, learned
vocabularies / boundaries and configs (tests/data/keras_preprocessing_reference.json, made
by tools/keras_preprocessing_reference.py with TensorFlow + Keras 3.15)."""
import json
import os

import numpy as np
import pytest

from minikeras import layers

PATH = os.path.join(os.path.dirname(__file__), "..", "data",
                    "keras_preprocessing_reference.json")
with open(PATH, encoding="utf-8") as _f:
    CASES = json.load(_f)["cases"]


def _case_id(case):
    return f"{case['layer']}-{json.dumps(case['kwargs'], sort_keys=True)}-" \
           f"{'adapt' if case['adapt'] is not None else 'fixed'}"


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_matches_keras(case):
    kwargs = dict(case["kwargs"])
    if isinstance(kwargs.get("ngrams"), list):  # a tuple in Keras, a list in JSON
        kwargs["ngrams"] = tuple(kwargs["ngrams"])
    layer = getattr(layers, case["layer"])(**kwargs)
    if case["adapt"] is not None:
        layer.adapt(np.array(case["adapt"]))
    data = case["input"]
    out = layer([np.array(x) for x in data] if case["layer"] == "HashedCrossing"
                else np.array(data, dtype="float32") if "Spectrogram" in case["layer"]
                else np.array(data))
    got = np.asarray(out.numpy() if hasattr(out, "numpy") else out)
    assert list(got.shape) == case["output_shape"]
    want_dtype = case["output_dtype"]
    if want_dtype == "string":
        assert got.dtype.kind == "U"
        assert got.reshape(-1).tolist() == case["output"]
    elif case["kwargs"].get("mode") == "angle":
        assert str(got.dtype) == want_dtype
        # angles of bins whose imaginary part is rounding noise (DC, Nyquist) sit on the
        # branch cut: compare them on the circle
        wrapped = np.angle(np.exp(1j * (got.reshape(-1) - np.array(case["output"]))))
        np.testing.assert_allclose(wrapped, 0.0, atol=2e-4)
    else:
        assert str(got.dtype) == want_dtype
        tolerance = 2e-4 if "Spectrogram" in case["layer"] else 1e-6  # float32 sums
        np.testing.assert_allclose(got.reshape(-1), np.array(case["output"], dtype=want_dtype),
                                   rtol=tolerance, atol=tolerance)
    if "vocabulary" in case:
        assert layer.get_vocabulary() == case["vocabulary"]
    if "bin_boundaries" in case:
        np.testing.assert_allclose(layer.bin_boundaries, case["bin_boundaries"], rtol=1e-6)
    config = json.loads(json.dumps(layer.get_config()))
    for key, value in case["config"].items():
        assert key in config, key
        if isinstance(value, float) or (isinstance(value, list) and value
                                         and isinstance(value[0], float)):
            np.testing.assert_allclose(config[key], value, rtol=1e-6)
        else:
            assert config[key] == value, (key, config[key], value)
