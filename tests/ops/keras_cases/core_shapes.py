"""Keras reference cases: shape, indexing and creation ops of minikeras's first round."""

from tests.ops.keras_cases import Case, integers, normal

X = normal(2, 3, 4)
M = normal(4, 4, seed=1)

CASES = [
    Case("reshape", lambda ops, x: ops.reshape(x, (4, -1)), [X]),
    Case("transpose", lambda ops, x: ops.transpose(x, (2, 0, 1)), [X]),
    Case("transpose_default", lambda ops, x: ops.transpose(x), [X]),
    Case("moveaxis", lambda ops, x: ops.moveaxis(x, 0, -1), [X]),
    Case("expand_dims", lambda ops, x: ops.expand_dims(x, 1), [X]),
    Case("squeeze", lambda ops, x: ops.squeeze(x, axis=1), [normal(2, 1, 3)]),
    Case("broadcast_to", lambda ops, x: ops.broadcast_to(x, (2, 3, 4)), [normal(3, 1)]),
    Case("concatenate", lambda ops, a, b: ops.concatenate([a, b], axis=1),
         [X, normal(2, 2, 4, seed=2)]),
    Case("stack", lambda ops, a, b: ops.stack([a, b], axis=1), [M, normal(4, 4, seed=3)]),
    Case("split", lambda ops, x: ops.split(x, 2, axis=2), [X]),
    Case("split_indices", lambda ops, x: ops.split(x, [1, 3], axis=2), [X]),
    Case("pad", lambda ops, x: ops.pad(x, ((0, 0), (1, 2), (2, 0))), [X]),
    Case("pad_reflect", lambda ops, x: ops.pad(x, ((1, 1), (2, 2)), mode="reflect"), [M]),
    # mode="symmetric" is left out: Keras's torch backend pads by replicating the edge value
    # there (its JAX/TF/NumPy backends mirror as numpy.pad does); tests/ops/test_pad.py.
    Case("tile", lambda ops, x: ops.tile(x, (2, 1, 3)), [X]),
    Case("repeat", lambda ops, x: ops.repeat(x, 2, axis=1), [X]),
    Case("getitem", lambda ops, x: x[:, 1:, ::2], [X]),
    Case("take", lambda ops, x, i: ops.take(x, i, axis=1), [X, integers(5, high=3)]),
    Case("one_hot", lambda ops, i: ops.one_hot(i, 5), [integers(2, 3, high=5)], grad=False),
    Case("zeros_like", lambda ops, x: ops.zeros_like(x), [X], grad=False),
    Case("ones_like", lambda ops, x: ops.ones_like(x), [X], grad=False),
    Case("flatten", lambda ops, x: ops.reshape(x, (-1,)), [X]),
    Case("full_like", lambda ops, x: ops.full_like(x, 2.5), [X], grad=False),
    Case("triu", lambda ops, x: ops.triu(x, 1), [M]),
    Case("diagonal", lambda ops, x: ops.diagonal(x, offset=1), [M]),
    Case("diag", lambda ops, x: ops.diag(x), [normal(3)]),
    Case("trace", lambda ops, x: ops.trace(x), [M]),
    Case("linspace", lambda ops: ops.linspace(0.0, 1.0, 5), [], grad=False, symbolic=False,
         why="no tensor argument"),
    Case("arange", lambda ops: ops.arange(1, 7, 2), [], grad=False, symbolic=False,
         why="no tensor argument"),
    Case("eye", lambda ops: ops.eye(3, 4, k=1), [], grad=False, symbolic=False,
         why="no tensor argument"),
    Case("tri", lambda ops: ops.tri(3, 4, k=0), [], grad=False, symbolic=False,
         why="no tensor argument"),
    Case("full", lambda ops: ops.full((2, 3), 1.5), [], grad=False, symbolic=False,
         why="no tensor argument"),
    Case("identity", lambda ops: ops.identity(3), [], grad=False, symbolic=False,
         why="no tensor argument"),
    Case("zeros", lambda ops: ops.zeros((2, 3)), [], grad=False, symbolic=False,
         why="no tensor argument"),
]
