"""Numerical gradients by central differences, and a check of autodiff against them.

This is the course notebook's method: nudge one input value by +h and -h, and the slope of the
function between the two points, (f(x + h) - f(x - h)) / 2h, approximates the derivative with an
error of order h**2. It is slow (two evaluations per input value) but needs no calculus, so it is
the referee for every hand-written VJP in minikeras. Use float64 inputs.
"""
import numpy as np

from minikeras.backend.autodiff import Tensor, gradients
from minikeras.ops.operation import Operation
from minikeras.random.seed_generator import find_seed_generators


def numerical_gradient(f, x, h=1e-4):
    """d f / d x by central differences.

    Args:
        f: function of one array returning a scalar (float, 0-d array or 0-d Tensor).
        x: NumPy array (float64 recommended); it is perturbed in place and restored.
        h: step size.
    Returns:
        An array shaped like `x`.
    """
    x = np.asarray(x)
    if x.dtype.kind != "f" or not x.flags.c_contiguous:
        x = np.array(x, dtype=x.dtype if x.dtype.kind == "f" else np.float64, order="C")
    grad = np.zeros(x.shape, dtype=np.float64)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    for i in range(flat_x.size):
        original = flat_x[i]
        flat_x[i] = original + h
        f_plus = _as_float(f(x))
        flat_x[i] = original - h
        f_minus = _as_float(f(x))
        flat_x[i] = original
        flat_grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def gradient_check(f, inputs, h=1e-4, seed=0):
    """Largest relative error between autodiff and numerical gradients of `f` at `inputs`.

    Args:
        f: function taking Tensors (one per input) and returning a Tensor of any shape. A
            non-scalar output is reduced to sum(output * r) with a fixed random r, which checks
            the whole vector-Jacobian product, not just its sum.
        inputs: a NumPy array or a list of them (float64 for a meaningful check).
        h: central-difference step.
    Returns:
        max over inputs of max|autodiff - numerical| / max(max|numerical|, max|autodiff|, 1e-8).
    """
    arrays = [np.array(a, dtype=np.float64) if np.asarray(a).dtype.kind != "f" else np.array(a)
              for a in (inputs if isinstance(inputs, (list, tuple)) else [inputs])]
    projection = {}

    def scalar(*tensors):
        out = f(*tensors)
        out = out if isinstance(out, Tensor) else Tensor(np.asarray(out))
        if out.size == 1:
            return out.sum()
        if "r" not in projection:
            projection["r"] = np.random.default_rng(seed).standard_normal(out.shape)
        return (out * projection["r"].astype(out.dtype)).sum()

    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    analytic = gradients(scalar(*tensors), tensors)
    worst = 0.0
    for i, array in enumerate(arrays):
        def f_i(x, i=i):
            args = [Tensor(a) for a in arrays]
            args[i] = Tensor(x)
            return scalar(*args)
        numeric = numerical_gradient(f_i, array, h)
        scale = max(np.abs(numeric).max(initial=0), np.abs(analytic[i]).max(initial=0), 1e-8)
        worst = max(worst, float(np.abs(analytic[i] - numeric).max(initial=0) / scale))
    return worst


def _as_float(value):
    if isinstance(value, Tensor):
        value = value.data
    return float(np.asarray(value).reshape(-1)[0]) if np.size(value) == 1 else float(np.sum(value))


def layer_gradient_check(layer, inputs, training=False, h=1e-4, seed=0):
    """Check a layer's gradients for its inputs AND its trainable weights against central
    differences. Build the layer in float64 (e.g. `set_floatx("float64")` first) for a meaningful
    result. Random layers (Dropout) must be seeded so every evaluation draws the same mask: the
    states of the layer's seeded `SeedGenerator`s (its sublayers' too) are put back before each.

    Returns the largest relative error, as `gradient_check` defines it.
    """
    x = np.array(inputs, dtype=np.float64)
    seed_generators = _seeded_generators(layer)
    generator_states = [seed_generator.state for seed_generator in seed_generators]

    def evaluate(x_value, watch=False):
        for seed_generator, state in zip(seed_generators, generator_states):
            seed_generator.state = state
        x_tensor = Tensor(x_value, requires_grad=watch)
        out = layer(x_tensor, training=training)
        return x_tensor, out

    x_tensor, out = evaluate(x)
    weights = list(layer.trainable_weights)
    projection = np.random.default_rng(seed).standard_normal(out.shape)
    x_tensor, out = evaluate(x, watch=True)
    analytic = gradients((out * projection).sum(), [x_tensor] + weights)

    def scalar_of_x(value):
        return float(((evaluate(value)[1]).data * projection).sum())

    def scalar_of_weight(weight):
        def f(value):
            saved = weight.data
            weight.data = value
            try:
                return float((evaluate(x)[1].data * projection).sum())
            finally:
                weight.data = saved
        return f

    numeric = [numerical_gradient(scalar_of_x, x.copy(), h)]
    numeric += [numerical_gradient(scalar_of_weight(w), w.data.copy(), h) for w in weights]
    worst = 0.0
    for a, n in zip(analytic, numeric):
        scale = max(np.abs(n).max(initial=0), np.abs(a).max(initial=0), 1e-8)
        worst = max(worst, float(np.abs(a - n).max(initial=0) / scale))
    return worst


def _seeded_generators(layer):
    """The seeded SeedGenerators of `layer` and its sublayers (unseeded ones draw from the
    shared generator, which is left to run on)."""
    return [seed_generator for seed_generator in find_seed_generators(layer, Operation).values()
            if seed_generator.owns_state]
