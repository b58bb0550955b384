"""SpectralNormalization (and its base, Wrapper) against Keras 3.15.1.

KERAS_TRAINING holds what keras 3.15.1 (KERAS_BACKEND=torch) gave for a
SpectralNormalization(Dense(2)) built for (None, 3), with the kernel and vector_u set to KERNEL
and U0, then called once with training=True on X: (output, new kernel, new vector_u), for
power_iterations 1 and 3. KERAS_WEIGHTS_H5 is the listing (h5py `visititems`, with shapes) of a
Keras `.weights.h5` of Sequential([Input((3,)), SpectralNormalization(Dense(2))]).
"""
import h5py
import numpy as np
import pytest

import minikeras
from minikeras import layers

_rng = np.random.default_rng(3)
KERNEL = _rng.standard_normal((3, 2)).astype("float32")
U0 = _rng.standard_normal((1, 2)).astype("float32")
X = _rng.standard_normal((2, 3)).astype("float32")

KERAS_TRAINING = {
    1: ([[-0.14669278264045715, 0.08452338725328445], [-0.16392001509666443, 0.3692499101161957]],
        [[0.6254321932792664, -0.7831741571426392], [0.12812486290931702, -0.1739909052848816],
         [-0.13871271908283234, -0.06606896221637726]],
        [[-0.6525710821151733, 0.7577275037765503]]),
    3: ([[-0.14299574494361877, 0.08239314705133438], [-0.15978887677192688, 0.3599439859390259]],
        [[0.6096698045730591, -0.7634363770484924], [0.12489581108093262, -0.16960594058036804],
         [-0.1352168321609497, -0.06440386921167374]],
        [[-0.6266100406646729, 0.7793329954147339]]),
}
KERAS_WEIGHTS_H5 = [
    ("layers", None), ("layers/spectral_normalization", None),
    ("layers/spectral_normalization/layer", None),
    ("layers/spectral_normalization/layer/vars", None),
    ("layers/spectral_normalization/layer/vars/0", (3, 2)),
    ("layers/spectral_normalization/layer/vars/1", (2,)),
    ("layers/spectral_normalization/vars", None),
    ("layers/spectral_normalization/vars/0", (3, 2)),
    ("layers/spectral_normalization/vars/1", (1, 2)),
    ("vars", None),
]


def _layer(power_iterations=1):
    layer = layers.SpectralNormalization(layers.Dense(2, name="d"),
                                         power_iterations=power_iterations, name="sn")
    layer.build((None, 3))
    layer.layer.kernel.assign(KERNEL)
    layer.vector_u.assign(U0)
    return layer


@pytest.mark.parametrize("power_iterations", [1, 3])
def test_training_call_matches_keras(power_iterations):
    layer = _layer(power_iterations)
    before = np.asarray(layer(X, training=False).numpy())
    np.testing.assert_allclose(before, X @ KERNEL, rtol=1e-6)  # inference: kernel as it is
    np.testing.assert_array_equal(layer.layer.kernel.numpy(), KERNEL)
    output, kernel, vector_u = KERAS_TRAINING[power_iterations]
    np.testing.assert_allclose(layer(X, training=True).numpy(), output, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(layer.layer.kernel.numpy(), kernel, rtol=1e-6)
    np.testing.assert_allclose(layer.vector_u.numpy(), vector_u, rtol=1e-6)


def test_largest_singular_value_goes_to_one():
    layer = _layer(3)
    for _ in range(5):
        layer(X, training=True)
    top = np.linalg.svd(np.asarray(layer.layer.kernel.numpy()), compute_uv=False)[0]
    assert abs(top - 1.0) < 1e-4


def test_weights_order_and_names_match_keras():
    layer = _layer()
    assert [w.path for w in layer.weights] == ["sn/d/kernel", "sn/vector_u", "sn/d/bias"]
    assert [w.path for w in layer.non_trainable_weights] == ["sn/vector_u"]
    assert layer.get_config()["power_iterations"] == 1
    assert layer.get_config()["layer"]["class_name"] == "Dense"


def test_zero_kernel_is_left_alone():
    layer = _layer()
    layer.layer.kernel.assign(np.zeros((3, 2), "float32"))
    layer(X, training=True)
    np.testing.assert_array_equal(layer.vector_u.numpy(), U0)


def test_weights_file_layout_matches_keras(tmp_path):
    model = minikeras.Sequential([layers.Input((3,)),
                                  layers.SpectralNormalization(layers.Dense(2))])
    model.save_weights(tmp_path / "m.weights.h5")
    with h5py.File(tmp_path / "m.weights.h5") as f:
        listing = []
        f.visititems(lambda name, obj: listing.append(
            (name, tuple(obj.shape) if isinstance(obj, h5py.Dataset) else None)))
    assert listing == KERAS_WEIGHTS_H5


def test_bad_arguments():
    with pytest.raises(ValueError, match="power_iterations"):
        layers.SpectralNormalization(layers.Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match="nor 'embeddings'"):
        layers.SpectralNormalization(layers.Flatten())(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="isn't a supported layer type"):
        layers.Wrapper("dense")


def test_wrapper_builds_and_serializes_the_wrapped_layer():
    wrapper = layers.Wrapper(layers.Dense(2, name="inner"), name="w")
    wrapper.build((None, 3))
    assert wrapper.layer.built and wrapper.layer.kernel.path == "w/inner/kernel"
    again = layers.Wrapper.from_config(wrapper.get_config())
    assert isinstance(again.layer, layers.Dense) and again.layer.units == 2
