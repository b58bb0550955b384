"""Keras reference cases: the neural-network ops of minikeras's first round (activations,
softmax, crossentropies, normalization, pooling, convolutions)."""
import numpy as np

from tests.ops.keras_cases import Case, integers, normal, uniform

X = normal(3, 5, scale=2.0)
IMAGES = normal(2, 6, 6, 3)
PROBS = uniform(4, 5, low=0.05, high=1.0)
PROBS = (PROBS / PROBS.sum(-1, keepdims=True)).astype("float32")
ONE_HOT = np.eye(5, dtype="float32")[[0, 3, 1, 4]]


def _act(name, **kwargs):
    return Case(name, lambda ops, x: getattr(ops, name)(x, **kwargs), [X])


CASES = [
    *[_act(n) for n in ("relu", "relu6", "elu", "selu", "celu", "hard_sigmoid",
                        "sparse_sigmoid", "log_sigmoid", "hard_tanh", "softsign", "silu",
                        "hard_silu", "squareplus", "sparse_plus", "tanh_shrink")],
    _act("leaky_relu", negative_slope=0.1),
    _act("gelu"),
    Case("gelu_tanh", lambda ops, x: ops.gelu(x, approximate=True), [X]),
    Case("hard_shrink", lambda ops, x: ops.hard_shrink(x, 0.5), [X]),
    Case("soft_shrink", lambda ops, x: ops.soft_shrink(x, 0.5), [X]),
    Case("threshold", lambda ops, x: ops.threshold(x, 0.3, -1.0), [X]),
    Case("glu", lambda ops, x: ops.glu(x[:, :4]), [X]),
    Case("softmax", lambda ops, x: ops.softmax(x, axis=-1), [X]),
    Case("softmax_axis0", lambda ops, x: ops.softmax(x, axis=0), [X]),
    Case("log_softmax", lambda ops, x: ops.log_softmax(x), [X]),
    # sparsemax is left out: Keras 3.15's rows do not sum to 1 where several entries are kept
    # (it computes tau from the sum of all supported partial sums); minikeras follows the
    # published definition (tests/ops/test_ops.py checks it against a NumPy reference)
    Case("categorical_crossentropy", lambda ops, t, p: ops.categorical_crossentropy(t, p),
         [ONE_HOT, PROBS]),
    Case("categorical_crossentropy_logits",
         lambda ops, t, p: ops.categorical_crossentropy(t, p, from_logits=True),
         [ONE_HOT, normal(4, 5, seed=7)]),
    Case("sparse_categorical_crossentropy",
         lambda ops, t, p: ops.sparse_categorical_crossentropy(t, p),
         [integers(4, high=5), PROBS]),
    Case("binary_crossentropy", lambda ops, t, p: ops.binary_crossentropy(t, p),
         [uniform(4, 5, low=0, high=1, seed=2).round(), PROBS]),
    Case("binary_crossentropy_logits",
         lambda ops, t, p: ops.binary_crossentropy(t, p, from_logits=True),
         [uniform(4, 5, low=0, high=1, seed=2).round(), normal(4, 5, seed=8)]),
    Case("layer_normalization", lambda ops, x, g, b: ops.layer_normalization(x, g, b),
         [X, normal(5, seed=3), normal(5, seed=4)]),
    Case("batch_normalization",
         lambda ops, x, m, v: ops.batch_normalization(x, m, v, axis=-1, epsilon=1e-3),
         [X, normal(5, seed=5), uniform(5, low=0.5, high=2.0, seed=6)]),
    Case("max_pool", lambda ops, x: ops.max_pool(x, 2), [IMAGES]),
    # "same" with even padding: Keras's torch backend pads uneven "same" pools by replicating the
    # edge, its TF/JAX backends (and minikeras) leave the padding out of the average
    Case("average_pool_same", lambda ops, x: ops.average_pool(x, 3, 1, padding="same"),
         [IMAGES]),
    Case("conv", lambda ops, x, k: ops.conv(x, k, padding="same"), [IMAGES, normal(3, 3, 3, 4)]),
    Case("conv_strided", lambda ops, x, k: ops.conv(x, k, strides=2, dilation_rate=1),
         [IMAGES, normal(2, 2, 3, 2, seed=2)]),
    Case("conv1d_dilated", lambda ops, x, k: ops.conv(x, k, dilation_rate=2),
         [normal(2, 9, 3), normal(3, 3, 4, seed=3)]),
    Case("depthwise_conv", lambda ops, x, k: ops.depthwise_conv(x, k, padding="same"),
         [IMAGES, normal(3, 3, 3, 2, seed=4)]),
    Case("separable_conv", lambda ops, x, d, p: ops.separable_conv(x, d, p),
         [IMAGES, normal(3, 3, 3, 1, seed=5), normal(1, 1, 3, 4, seed=6)]),
    Case("conv_transpose", lambda ops, x, k: ops.conv_transpose(x, k, strides=2, padding="same"),
         [IMAGES, normal(3, 3, 2, 3, seed=7)]),
]
