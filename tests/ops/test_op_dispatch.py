"""Every public op, however it is imported, works on symbolic tensors (one `@op` registration).

`OPS` is the table of every op registered with `@op` (minikeras/ops/symbolic.py): the inputs a
call uses, the call itself, and the output shape(s) it must record. Adding an op to minikeras
means one function with its VJP plus one row here or in tests/ops/op_rows/<family>.py;
`test_every_registered_op_has_a_row` fails until the row exists.
"""
import sys

import numpy as np
import pytest

from minikeras import layers, ops
from minikeras.backend.autodiff import Tensor
from minikeras.backend.keras_tensor import KerasTensor
from minikeras.models import Model, model_from_json
from minikeras.ops.symbolic import Op, registered_ops
from minikeras.backend import naming
from tests.ops import op_rows

RNG = np.random.default_rng(0)
K32 = RNG.normal(size=(3, 2)).astype("float32")  # a constant kernel for (.., 3) inputs
CONV = RNG.normal(size=(2, 2, 2, 3)).astype("float32")

#: input name -> (Input keyword arguments, data to run the model on)
INPUTS = {
    "a": (dict(shape=(3,)), RNG.uniform(0.1, 2, (2, 3)).astype("float32")),
    "b": (dict(shape=(4, 3)), RNG.normal(size=(2, 4, 3)).astype("float32")),
    "c": (dict(shape=(4, 4, 2)), RNG.normal(size=(2, 4, 4, 2)).astype("float32")),
    "i": (dict(shape=(3,), dtype="int32"), RNG.integers(0, 4, (2, 3)).astype("int32")),
    "d": (dict(batch_shape=(2, 1, 3)), RNG.normal(size=(2, 1, 3)).astype("float32")),
    # symmetric positive definite 3x3 matrices (for the linear-algebra ops)
    "m": (dict(shape=(3, 3)), (3 * np.eye(3) + 0.3 * np.ones((3, 3))
                               + RNG.uniform(0, 0.5, (2, 1, 1)) * np.eye(3)).astype("float32")),
}

#: op name -> (input names, call, expected output shape or list of shapes)
OPS = {
    # math
    "add": ("a", lambda a: ops.add(a, 1.0), (None, 3)),
    "subtract": ("ab", lambda a, b: ops.subtract(b, ops.expand_dims(a, 1)), (None, 4, 3)),
    "multiply": ("a", lambda a: ops.multiply(2.0, a), (None, 3)),
    "divide": ("a", lambda a: ops.divide(a, 4.0), (None, 3)),
    "true_divide": ("a", lambda a: ops.true_divide(1.0, a), (None, 3)),
    "floor_divide": ("a", lambda a: ops.floor_divide(a, 0.5), (None, 3)),
    "mod": ("a", lambda a: ops.mod(a, 0.5), (None, 3)),
    "negative": ("a", ops.negative, (None, 3)),
    "power": ("a", lambda a: ops.power(a, 2.0), (None, 3)),
    "reciprocal": ("a", ops.reciprocal, (None, 3)),
    "exp": ("a", ops.exp, (None, 3)),
    "expm1": ("a", ops.expm1, (None, 3)),
    "log": ("a", ops.log, (None, 3)),
    "log1p": ("a", ops.log1p, (None, 3)),
    "sqrt": ("a", ops.sqrt, (None, 3)),
    "square": ("a", ops.square, (None, 3)),
    "abs": ("b", ops.abs, (None, 4, 3)),
    "sign": ("b", ops.sign, (None, 4, 3)),
    "maximum": ("a", lambda a: ops.maximum(a, 1.0), (None, 3)),
    "minimum": ("a", lambda a: ops.minimum(a, 1.0), (None, 3)),
    "clip": ("a", lambda a: ops.clip(a, 0.5, 1.5), (None, 3)),
    "where": ("ab", lambda a, b: ops.where(ops.greater(b, 0.0), b, ops.expand_dims(a, 1)),
              (None, 4, 3)),
    "tanh": ("a", ops.tanh, (None, 3)),
    "sigmoid": ("a", ops.sigmoid, (None, 3)),
    "softplus": ("a", ops.softplus, (None, 3)),
    "sin": ("a", ops.sin, (None, 3)),
    "cos": ("a", ops.cos, (None, 3)),
    "equal": ("i", lambda i: ops.equal(i, 1), (None, 3)),
    "not_equal": ("i", lambda i: ops.not_equal(i, 1), (None, 3)),
    "less": ("a", lambda a: ops.less(a, 1.0), (None, 3)),
    "less_equal": ("a", lambda a: ops.less_equal(a, 1.0), (None, 3)),
    "greater": ("a", lambda a: ops.greater(a, 1.0), (None, 3)),
    "greater_equal": ("a", lambda a: ops.greater_equal(a, 1.0), (None, 3)),
    "logical_and": ("ab", lambda a, b: ops.logical_and(ops.less(ops.expand_dims(a, 1), 1.0),
                                                       ops.less(b, 0.0)), (None, 4, 3)),
    "logical_or": ("a", lambda a: ops.logical_or(ops.less(a, 1.0), False), (None, 3)),
    "logical_xor": ("a", lambda a: ops.logical_xor(ops.less(a, 1.0), True), (None, 3)),
    "logical_not": ("a", lambda a: ops.logical_not(ops.less(a, 1.0)), (None, 3)),
    "isnan": ("a", ops.isnan, (None, 3)),
    "isfinite": ("a", ops.isfinite, (None, 3)),
    "floor": ("a", ops.floor, (None, 3)),
    "ceil": ("a", ops.ceil, (None, 3)),
    "round": ("a", lambda a: ops.round(a, decimals=1), (None, 3)),
    # reductions
    "sum": ("b", lambda b: ops.sum(b, axis=1), (None, 3)),
    "mean": ("b", lambda b: ops.mean(b, axis=-1, keepdims=True), (None, 4, 1)),
    "max": ("b", lambda b: ops.max(b, axis=1), (None, 3)),
    "min": ("b", lambda b: ops.min(b, axis=1), (None, 3)),
    "amax": ("b", lambda b: ops.amax(b, axis=2), (None, 4)),
    "amin": ("b", lambda b: ops.amin(b, axis=2), (None, 4)),
    "prod": ("a", lambda a: ops.prod(a, axis=1), (None,)),
    "var": ("b", lambda b: ops.var(b, axis=1), (None, 3)),
    "std": ("b", lambda b: ops.std(b, axis=1), (None, 3)),
    "logsumexp": ("a", lambda a: ops.logsumexp(a, axis=-1), (None,)),
    "argmax": ("a", lambda a: ops.argmax(a, axis=-1), (None,)),
    "argmin": ("a", lambda a: ops.argmin(a, axis=-1), (None,)),
    "any": ("a", lambda a: ops.any(ops.less(a, 1.0), axis=1), (None,)),
    "all": ("a", lambda a: ops.all(ops.less(a, 1.0), axis=1), (None,)),
    # manipulation
    "reshape": ("b", lambda b: ops.reshape(b, (-1, 2, 6)), (None, 2, 6)),
    "transpose": ("b", lambda b: ops.transpose(b, (0, 2, 1)), (None, 3, 4)),
    "moveaxis": ("b", lambda b: ops.moveaxis(b, 1, 2), (None, 3, 4)),
    "expand_dims": ("a", lambda a: ops.expand_dims(a, 1), (None, 1, 3)),
    "squeeze": ("d", lambda d: ops.squeeze(d, axis=1), (2, 3)),
    "broadcast_to": ("d", lambda d: ops.broadcast_to(d, (2, 4, 3)), (2, 4, 3)),
    "flatten": ("b", ops.flatten, (None, 12)),
    "concatenate": ("ab", lambda a, b: ops.concatenate([b, ops.expand_dims(a, 1)], axis=1),
                    (None, 5, 3)),
    "stack": ("a", lambda a: ops.stack([a, a], axis=1), (None, 2, 3)),
    "split": ("a", lambda a: ops.split(a, 3, axis=1), [(None, 1)] * 3),
    "pad": ("a", lambda a: ops.pad(a, ((0, 0), (1, 2))), (None, 6)),
    "tile": ("a", lambda a: ops.tile(a, (1, 2)), (None, 6)),
    "repeat": ("a", lambda a: ops.repeat(a, 2, axis=1), (None, 6)),
    "getitem": ("b", lambda b: ops.getitem(b, (slice(None), 0)), (None, 3)),
    "take": ("b", lambda b: ops.take(b, [0, 2], axis=1), (None, 2, 3)),
    "one_hot": ("i", lambda i: ops.one_hot(i, 4), (None, 3, 4)),
    "zeros_like": ("a", ops.zeros_like, (None, 3)),
    "ones_like": ("a", ops.ones_like, (None, 3)),
    "cast": ("i", lambda i: ops.cast(i, "float32"), (None, 3)),
    # creation, triangles and diagonals
    "full_like": ("i", lambda i: ops.full_like(i, 7), (None, 3)),
    "linspace": ("a", lambda a: ops.linspace(0.0, a, num=4, axis=-1), (None, 3, 4)),
    "tril": ("b", lambda b: ops.tril(b, k=-1), (None, 4, 3)),
    "triu": ("b", lambda b: ops.triu(b, k=1), (None, 4, 3)),
    "diagonal": ("b", lambda b: ops.diagonal(b, axis1=1, axis2=2), (None, 3)),
    "diag": ("d", lambda d: ops.diag(ops.reshape(d, (6,))), (6, 6)),
    # cumulative, sorting and selection
    "cumsum": ("b", lambda b: ops.cumsum(b, axis=1), (None, 4, 3)),
    "cumprod": ("a", lambda a: ops.cumprod(a, axis=-1), (None, 3)),
    "sort": ("b", lambda b: ops.sort(b, axis=1), (None, 4, 3)),
    "argsort": ("b", lambda b: ops.argsort(b, axis=-1), (None, 4, 3)),
    "top_k": ("b", lambda b: ops.top_k(b, 2), [(None, 4, 2), (None, 4, 2)]),
    "take_along_axis": ("b", lambda b: ops.take_along_axis(
        b, np.zeros((1, 2, 3), "int32"), axis=1), (None, 2, 3)),
    "flip": ("b", lambda b: ops.flip(b, axis=1), (None, 4, 3)),
    "roll": ("b", lambda b: ops.roll(b, 1, axis=2), (None, 4, 3)),
    "stop_gradient": ("a", ops.stop_gradient, (None, 3)),
    "einsum": ("b", lambda b: ops.einsum("bij,jk->bik", b, K32), (None, 4, 2)),
    "outer": ("d", lambda d: ops.outer(d, np.ones(2, "float32")), (6, 2)),
    "trace": ("b", lambda b: ops.trace(b, axis1=1, axis2=2), (None,)),
    # linear algebra
    "matmul": ("b", lambda b: ops.matmul(b, K32), (None, 4, 2)),
    "dot": ("a", lambda a: ops.dot(a, K32), (None, 2)),
    "tensordot": ("b", lambda b: ops.tensordot(b, K32, axes=1), (None, 4, 2)),
    "inv": ("m", ops.inv, (None, 3, 3)),
    "det": ("m", ops.det, (None,)),
    "solve": ("ma", lambda m, a: ops.solve(m, a), (None, 3)),
    "solve_triangular": ("m", lambda m: ops.solve_triangular(m, m, lower=True), (None, 3, 3)),
    "cholesky": ("m", ops.cholesky, (None, 3, 3)),
    "cholesky_inverse": ("m", lambda m: ops.cholesky_inverse(ops.cholesky(m)), (None, 3, 3)),
    "eigh": ("m", ops.eigh, [(None, 3), (None, 3, 3)]),
    "eig": ("m", ops.eig, [(None, 3), (None, 3, 3)]),
    "qr": ("b", ops.qr, [(None, 4, 3), (None, 3, 3)]),
    "svd": ("b", lambda b: ops.svd(b, full_matrices=False), [(None, 4, 3), (None, 3), (None, 3, 3)]),
    "pinv": ("b", ops.pinv, (None, 3, 4)),
    "lstsq": ("d", lambda d: ops.lstsq(ops.transpose(d[0]), np.ones(3, "float32")), (1,)),
    "matrix_rank": ("b", ops.matrix_rank, (None,)),
    "lu_factor": ("b", ops.lu_factor, [(None, 4, 3), (None, 3)]),
    "norm": ("b", lambda b: ops.norm(b, ord="fro", axis=(1, 2)), (None,)),
    # neural-network ops
    "relu": ("b", ops.relu, (None, 4, 3)),
    "softmax": ("b", lambda b: ops.softmax(b, axis=1), (None, 4, 3)),
    "log_softmax": ("a", ops.log_softmax, (None, 3)),
    "dense": ("a", lambda a: ops.dense(a, K32, np.ones(2, "float32")), (None, 2)),
    "dropout": ("a", lambda a: ops.dropout(a, 0.0, np.random.default_rng(0)), (None, 3)),
    "leaky_relu": ("b", lambda b: ops.leaky_relu(b, negative_slope=0.1), (None, 4, 3)),
    "relu6": ("a", ops.relu6, (None, 3)),
    "elu": ("a", ops.elu, (None, 3)),
    "selu": ("a", ops.selu, (None, 3)),
    "celu": ("a", ops.celu, (None, 3)),
    "threshold": ("a", lambda a: ops.threshold(a, 0.5, 0.0), (None, 3)),
    "hard_sigmoid": ("a", ops.hard_sigmoid, (None, 3)),
    "sparse_sigmoid": ("a", ops.sparse_sigmoid, (None, 3)),
    "log_sigmoid": ("a", ops.log_sigmoid, (None, 3)),
    "hard_tanh": ("a", ops.hard_tanh, (None, 3)),
    "softsign": ("a", ops.softsign, (None, 3)),
    "silu": ("a", ops.silu, (None, 3)),
    "hard_silu": ("a", ops.hard_silu, (None, 3)),
    "gelu": ("b", lambda b: ops.gelu(b, approximate=False), (None, 4, 3)),
    "squareplus": ("a", ops.squareplus, (None, 3)),
    "sparse_plus": ("a", ops.sparse_plus, (None, 3)),
    "hard_shrink": ("a", ops.hard_shrink, (None, 3)),
    "soft_shrink": ("a", ops.soft_shrink, (None, 3)),
    "tanh_shrink": ("a", ops.tanh_shrink, (None, 3)),
    "sparsemax": ("b", lambda b: ops.sparsemax(b, axis=-1), (None, 4, 3)),
    "glu": ("c", lambda c: ops.glu(c, axis=-1), (None, 4, 4, 1)),
    "binary_crossentropy": ("a", lambda a: ops.binary_crossentropy(
        np.full((3,), 0.5, "float32"), ops.sigmoid(a)), (None, 3)),
    "categorical_crossentropy": ("b", lambda b: ops.categorical_crossentropy(
        np.full((4, 3), 1 / 3, "float32"), b, from_logits=True), (None, 4)),
    "sparse_categorical_crossentropy": ("b", lambda b: ops.sparse_categorical_crossentropy(
        ops.argmax(b, axis=-1), b, from_logits=True), (None, 4)),
    "erf": ("a", ops.erf, (None, 3)),
    "erfc": ("a", ops.erfc, (None, 3)),
    "batch_normalization": ("b", lambda b: ops.batch_normalization(
        b, np.zeros(3, "float32"), np.ones(3, "float32"), axis=-1), (None, 4, 3)),
    "layer_normalization": ("b", lambda b: ops.layer_normalization(b, axis=-1, epsilon=1e-3),
                            (None, 4, 3)),
    "max_pool": ("c", lambda c: ops.max_pool(c, 2), (None, 2, 2, 2)),
    "average_pool": ("c", lambda c: ops.average_pool(c, 2, strides=1), (None, 3, 3, 2)),
    "conv": ("c", lambda c: ops.conv(c, CONV), (None, 3, 3, 3)),
    "conv_transpose": ("c", lambda c: ops.conv_transpose(c, np.ones((2, 2, 3, 2), "float32")),
                       (None, 5, 5, 3)),
    "depthwise_conv": ("c", lambda c: ops.depthwise_conv(c, np.ones((2, 2, 2, 1), "float32")),
                       (None, 3, 3, 2)),
    "separable_conv": ("c", lambda c: ops.separable_conv(
        c, np.ones((2, 2, 2, 1), "float32"), np.ones((1, 1, 2, 3), "float32")), (None, 3, 3, 3)),
    "simple_rnn_sequence": ("b", lambda b: ops.simple_rnn_sequence(
        b, np.full((3, 5), 0.1, "float32"), np.full((5, 5), 0.1, "float32")),
        [(None, 4, 5), (None, 5)]),
    "lstm_sequence": ("b", lambda b: ops.lstm_sequence(
        b, np.full((3, 20), 0.1, "float32"), np.full((5, 20), 0.1, "float32")),
        [(None, 4, 5), (None, 5), (None, 5)]),
    "gru_sequence": ("b", lambda b: ops.gru_sequence(
        b, np.full((3, 15), 0.1, "float32"), np.full((5, 15), 0.1, "float32")),
        [(None, 4, 5), (None, 5)]),
}

_MORE_OPS, _MORE_INPUTS = op_rows.collect()  # the rows of tests/ops/op_rows/<family>.py
assert not set(_MORE_OPS) & set(OPS) and not set(_MORE_INPUTS) & set(INPUTS)
OPS.update(_MORE_OPS)
INPUTS.update(_MORE_INPUTS)


@pytest.fixture(autouse=True)
def fresh_names():
    naming.reset_names()
    yield


def _flat(value):
    return [leaf for item in value for leaf in _flat(item)] if isinstance(value, (list, tuple)) \
        else [value]


def minikeras_ops():
    """The ops minikeras defines (a user's own `@op`, e.g. in docs/architecture.md, is not one)."""
    return sorted(name for name, fn in registered_ops().items()
                  if fn.__module__.startswith("minikeras.ops."))


def test_every_registered_op_has_a_row():
    assert minikeras_ops() == sorted(OPS)


@pytest.mark.parametrize("name", minikeras_ops())
def test_public_op_is_the_registered_function_wherever_imported(name):
    fn = registered_ops()[name]
    # keras.ops.image's ops are public only as `ops.image.<name>`, as in Keras
    namespace = ops.image if fn.__module__.startswith("minikeras.ops.image.") else ops
    public = getattr(namespace, name)
    home = sys.modules[public.eager.__module__]
    assert getattr(home, name) is public  # `ops.exp is ops.math.exp`
    assert public.op_name == name and public.__name__ == name


#: ops whose calls take Python functions (or dropout's NumPy Generator): not savable
UNSAVABLE = {"associative_scan", "cond", "dropout", "fori_loop", "map", "scan", "switch",
             "vectorized_map", "while_loop"}


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_on_keras_tensors_records_a_node_and_replays_it(name):
    input_names, call, expected = OPS[name]
    inputs = [layers.Input(**INPUTS[key][0]) for key in input_names]
    outputs = call(*inputs)
    flat = _flat(outputs)
    assert all(isinstance(t, KerasTensor) for t in flat)
    shapes = [t.shape for t in flat]
    assert shapes == (expected if isinstance(expected, list) else [expected])
    operation = flat[0]._keras_history.operation
    assert isinstance(operation, Op) and operation.op_name == name
    # the model replays the op on data exactly as the eager call computes it
    data = [INPUTS[key][1] for key in input_names]
    model = Model(inputs, list(flat))
    if any(len(t.shape) == 0 for t in flat):  # predict joins batches on axis 0: a scalar has none
        got = model(data if len(data) > 1 else data[0])
    else:
        got = model.predict(data if len(data) > 1 else data[0], verbose=0)
    want = _flat(call(*[Tensor(x) for x in data]))
    for g, w in zip(_flat(got) if len(want) > 1 else [got], want):
        np.testing.assert_allclose(np.asarray(g), w.numpy(), rtol=1e-5, atol=1e-6)
    # the saved config (Keras's JSON) rebuilds a model that computes the same; an op given a
    # Python function (or a NumPy Generator) cannot be saved, and says so
    if name in UNSAVABLE:
        with pytest.raises(TypeError, match="Cannot save .* a model config cannot hold"):
            model.to_json()
        return
    rebuilt = model_from_json(model.to_json())
    again = rebuilt(data if len(data) > 1 else data[0])
    for g, w in zip(_flat(again), want):
        np.testing.assert_allclose(np.asarray(g), w.numpy(), rtol=1e-5, atol=1e-6)


def test_an_op_imported_from_its_submodule_records_a_node():
    from minikeras.ops.math import exp
    from minikeras.ops.reduction import sum as reduce_sum
    x = layers.Input((3,))
    y = reduce_sum(exp(x), axis=1)
    assert y.shape == (None,)
    assert [op.name for op in Model(x, y).operations] == ["input_layer", "exp", "sum"]


def test_eager_calls_compute_and_record_no_node():
    x = Tensor(np.ones((2, 3), "float32"))
    out = ops.mean(x, axis=1)
    assert isinstance(out, Tensor) and out.shape == (2,)
    assert ops.mean.eager(x, axis=1).numpy().tolist() == out.numpy().tolist()
    assert ops.shape(layers.Input((3,))) == (None, 3)  # answered without a node, as in Keras


def test_symbolic_keyword_tensor_is_a_call_argument_not_config():
    a, b = layers.Input((3,)), layers.Input((3,))
    out = ops.where(ops.greater(a, 0.0), x1=a, x2=b)
    operation = out._keras_history.operation
    assert operation.get_config() == {"name": "where"}
    assert len(operation._inbound_nodes[0].input_tensors) == 3


@pytest.mark.parametrize("name, module", [("inv", "keras.src.ops.linalg"),
                                          ("svd", "keras.src.ops.linalg"),
                                          ("top_k", "keras.src.ops.math"),
                                          ("matmul", "keras.src.ops.numpy"),
                                          ("einsum", "keras.src.ops.numpy"),
                                          ("relu", "keras.src.ops.nn"),
                                          ("resize", "keras.src.ops.image"),
                                          ("map_coordinates", "keras.src.ops.image")])
def test_op_nodes_are_saved_under_keras_modules(name, module):
    from minikeras.ops.symbolic import op_class
    assert op_class(name).keras_module == module


@pytest.mark.parametrize("name, class_name", [("rgb_to_grayscale", "RGBToGrayscale"),
                                              ("hsv_to_rgb", "HSVToRGB"), ("ssim", "SSIM"),
                                              ("resize", "Resize")])
def test_image_op_classes_take_keras_class_names(name, class_name):
    from minikeras.ops.symbolic import keras_op_class, op_class
    assert op_class(name).__name__ == class_name
    assert keras_op_class(class_name) is op_class(name)
