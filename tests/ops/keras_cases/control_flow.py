"""Keras reference cases: control flow (cond, switch, loops, scans, map, vectorize,
custom_gradient); gradients flow through the ops the user's functions call."""
import numpy as np

from tests.ops.keras_cases import Case, normal


def _log1pexp(ops):
    """Keras's documented custom-gradient example, with a deliberately scaled gradient (x 3) so
    that the custom grad_fn, not the ops inside, is what the gradient check sees."""
    @ops.custom_gradient
    def f(x):
        e = ops.exp(x)

        def grad(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            return ops.multiply(upstream, 3.0 * (1.0 - 1.0 / ops.add(1.0, e)))
        return ops.log(1.0 + e), grad
    return f


def _nested_scan(ops, c, a, b):
    """A reverse scan over a dict of xs, with a dict of ys (returned as a flat tuple)."""
    carry, ys = ops.scan(lambda c, x: (c + x["a"] * x["b"], {"p": c * 2.0, "q": x["a"]}), c,
                         {"a": a, "b": b}, reverse=True)
    return carry, ys["p"], ys["q"]


CASES = [
    Case("cond_true", lambda ops, x: ops.cond(np.array(True), lambda: x * 2.0, lambda: x - 1.0),
         [normal(2, 3)], symbolic=False, why="pred is a constant: no symbolic argument"),
    Case("cond_false", lambda ops, x: ops.cond(ops.sum(x) > 100.0, lambda: ops.exp(x),
                                               lambda: ops.sin(x)), [normal(3)]),
    Case("switch", lambda ops, x, y: ops.switch(1, [lambda a, b: a + b, lambda a, b: a * b],
                                                x, y), [normal(2, 3), normal(2, 3, seed=1)]),
    Case("switch_clipped", lambda ops, x: ops.switch(7, [ops.exp, ops.tanh], x), [normal(4)]),
    Case("while_loop", lambda ops, x: ops.while_loop(lambda v, i: i < 3,
                                                     lambda v, i: (ops.sin(v) * 1.5, i + 1),
                                                     (x, 0))[0], [normal(2, 3)]),
    Case("while_loop_max", lambda ops, x: ops.while_loop(lambda v: ops.sum(v) < 1e9,
                                                         lambda v: v * 2.0, x,
                                                         maximum_iterations=4),
         [normal(3)]),
    Case("fori_loop", lambda ops, x: ops.fori_loop(0, 3, lambda i, v: v * v + i, x),
         [normal(4, scale=0.5)]),
    Case("scan", lambda ops, c, xs: ops.scan(lambda c, x: (c * x + 1.0, ops.tanh(c)), c, xs),
         [normal(2), normal(4, 2, seed=1)]),
    Case("scan_reverse_nested", lambda ops, c, a, b: _nested_scan(ops, c, a, b),
         [normal(3), normal(5, 3, seed=1), normal(5, 3, seed=2)]),
    Case("scan_length", lambda ops, c: ops.scan(lambda c, x: (ops.sin(c), c), c, None, length=3),
         [normal(2, 2)]),
    Case("associative_scan", lambda ops, x: ops.associative_scan(lambda a, b: a + b, x),
         [normal(7, 2)]),
    Case("associative_scan_axis_reverse", lambda ops, x: ops.associative_scan(
        lambda a, b: a * b, x, reverse=True, axis=1), [normal(2, 6)]),
    Case("associative_scan_pair", lambda ops, a, b: ops.associative_scan(
        lambda p, q: (p[0] * q[0], p[1] * q[0] + q[1]), (a, b)), [normal(5), normal(5, seed=1)]),
    Case("map", lambda ops, x: ops.map(lambda v: ops.sum(v * v), x), [normal(4, 3)]),
    Case("map_nested", lambda ops, a, b: ops.map(lambda v: v[0] - ops.exp(v[1]), (a, b)),
         [normal(3, 2), normal(3, 2, seed=1)]),
    Case("vectorized_map", lambda ops, x, w: ops.vectorized_map(lambda v: ops.matmul(v, w), x),
         [normal(3, 2, 4), normal(4, 2, seed=1)]),
    Case("vectorize", lambda ops, a, b: ops.vectorize(lambda u, v: u * v + 1.0)(a, b),
         [normal(2, 1), normal(3, seed=1)], symbolic=False,
         why="vectorize returns a function (no op); Keras's vectorize has no symbolic path"),
    Case("vectorize_signature", lambda ops, x, y: ops.vectorize(
        lambda u, v: ops.matmul(u, v), signature="(m,n),(n)->(m)")(x, y),
         [normal(4, 2, 3), normal(4, 3, seed=1)], symbolic=False,
         why="vectorize returns a function (no op); Keras's vectorize has no symbolic path"),
    Case("custom_gradient", lambda ops, x: _log1pexp(ops)(x), [normal(5)], grad64=False,
         symbolic=False,
         why="the custom gradient is deliberately not the true derivative; a decorator, no op"),
]
