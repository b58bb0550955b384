"""Control flow: cond, switch, while_loop, fori_loop, scan, associative_scan, map,
vectorized_map, vectorize and custom_gradient (Keras's keras.src.ops.core, vectorize in .numpy).

minikeras runs eagerly, so a loop is a Python loop over its steps and a branch is a Python `if`:
every op the user's functions call records its own VJP, so gradients flow through the loops and
the taken branch by construction (as with Keras's torch backend). `scan` and friends stack the
per-step outputs with `ops.stack`, whose VJP splits the gradient back to the steps.

Called with a KerasTensor among the tensor arguments, each `@op` here records one graph node
(Keras's `Cond`, `Scan`, `Map` ... operations); its output shapes come from running the
functions once on zeros, except while_loop and fori_loop, whose outputs are shaped like their
loop variables (as in Keras: a run on zeros might never end). `vectorize` and
`custom_gradient` return functions instead of computing a tensor, so they are plain functions
as in Keras.
"""
import re

from minikeras import tree
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor, no_grad, record
from minikeras.backend.keras_tensor import KerasTensor
from minikeras.ops.core import convert_to_tensor
from minikeras.ops.manipulation import (broadcast_to, concatenate, flip, getitem, reshape, stack)
from minikeras.ops.symbolic import op

KERAS_OPS_MODULE = "keras.src.ops.core"


def _check_callable(name, arg, fn):
    if not callable(fn):
        raise TypeError(f"{name}: `{arg}` must be a callable, received {fn!r}.")


def _scalar(name, arg, value):
    """A scalar tensor argument (pred, index) as a NumPy scalar, or a ValueError."""
    data = convert_to_tensor(value).data
    if data.ndim != 0:
        raise ValueError(f"{name}: `{arg}` must be a scalar, received shape {data.shape}.")
    return data


@op
def cond(pred, true_fn, false_fn):
    """`true_fn()` if the scalar `pred` is true, else `false_fn()`; only the taken branch runs
    (and so only it gets gradients)."""
    _check_callable("cond", "true_fn", true_fn)
    _check_callable("cond", "false_fn", false_fn)
    return true_fn() if bool(_scalar("cond", "pred", pred)) else false_fn()


@op
def switch(index, branches, *operands):
    """Call `branches[index]` with `*operands`; `index` (a scalar) is clipped to
    [0, len(branches) - 1] as in Keras's torch and JAX backends."""
    if not isinstance(branches, (list, tuple)) or not branches:
        raise ValueError(f"switch: `branches` must be a non-empty list of callables, "
                         f"received {branches!r}.")
    for fn in branches:
        _check_callable("switch", "branches", fn)
    i = int(_scalar("switch", "index", index))
    return branches[min(max(i, 0), len(branches) - 1)](*operands)


@op
def while_loop(cond, body, loop_vars, maximum_iterations=None):  # noqa: A002 - Keras's names
    """Repeat `loop_vars = body(*loop_vars)` while `cond(*loop_vars)` (at most
    `maximum_iterations` times). A tuple/list of loop_vars comes back as a tuple; a single
    tensor comes back as a tensor."""
    _check_callable("while_loop", "cond", cond)
    _check_callable("while_loop", "body", body)
    is_sequence = isinstance(loop_vars, (tuple, list))
    loop_vars = tuple(loop_vars) if is_sequence else (loop_vars,)
    loop_vars = tree.map_structure(convert_to_tensor, loop_vars)
    step = 0
    while (maximum_iterations is None or step < maximum_iterations) and bool(
            convert_to_tensor(cond(*loop_vars)).data):
        loop_vars = body(*loop_vars)
        loop_vars = tuple(loop_vars) if isinstance(loop_vars, (tuple, list)) else (loop_vars,)
        step += 1
    return loop_vars if is_sequence else loop_vars[0]


def _same_specs(structure):
    """KerasTensors shaped like each leaf of `structure` (what a loop returns symbolically)."""
    def spec(leaf):
        if not isinstance(leaf, KerasTensor):
            leaf = convert_to_tensor(leaf)
        return KerasTensor(leaf.shape, dtype=str(leaf.dtype))
    return tree.map_structure(spec, structure)


def _while_loop_spec(cond, body, loop_vars, maximum_iterations=None):
    """As in Keras, a symbolic while_loop returns its loop_vars' specs without running: a run
    on zeros might never meet the condition."""
    return _same_specs(tuple(loop_vars) if isinstance(loop_vars, (list, tuple)) else loop_vars)


while_loop.eager.output_spec = _while_loop_spec


@op
def fori_loop(lower, upper, body_fun, init_val):
    """`val = body_fun(i, val)` for i in range(lower, upper), from `init_val`; `i` is a Python
    int."""
    _check_callable("fori_loop", "body_fun", body_fun)
    lower, upper = int(_scalar("fori_loop", "lower", lower)), int(
        _scalar("fori_loop", "upper", upper))
    val = init_val
    for i in range(lower, upper):
        val = body_fun(i, val)
    return val


fori_loop.eager.output_spec = lambda lower, upper, body_fun, init_val: _same_specs(init_val)


@op
def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """`carry, y = f(carry, x)` over the leading axis of `xs` (a tensor or nested structure);
    returns (final carry, the ys stacked on a new leading axis).

    Shapes: xs leaves (n, ...) -> each y leaf stacked to (n, ...). With xs=None, `length` steps
    run with x=None. `reverse=True` walks from the end (the ys keep xs's order). A step that
    returns y=None stacks zeros like the carry. `unroll` is accepted for Keras's sake (eager
    loops have nothing to unroll) but checked.
    """
    _check_callable("scan", "f", f)
    if not isinstance(unroll, bool) and (not isinstance(unroll, int) or unroll < 1):
        raise ValueError(f"scan: `unroll` must be a positive integer or a boolean, "
                         f"received unroll={unroll!r}.")
    if xs is None and length is None:
        raise ValueError("scan: got no `xs` to scan over and no `length`.")
    xs_flat = [] if xs is None else [convert_to_tensor(x) for x in tree.flatten(xs)]
    if xs_flat and any(x.ndim == 0 for x in xs_flat):
        raise ValueError("scan: every leaf of `xs` needs a leading axis to scan over, received "
                         f"shapes {[x.shape for x in xs_flat]}.")
    n = int(length) if length is not None else xs_flat[0].shape[0]
    if any(x.shape[0] != n for x in xs_flat):
        raise ValueError(f"scan: every leaf of `xs` must have {n} steps on its leading axis, "
                         f"received shapes {[x.shape for x in xs_flat]}.")
    nested_xs = tree.is_nested(xs)
    init_flat = [convert_to_tensor(v) for v in tree.flatten(init)]
    carry = tree.pack_sequence_as(init, init_flat) if tree.is_nested(init) else init_flat[0]
    ys = []
    for i in (reversed(range(n)) if reverse else range(n)):
        x_flat = [getitem(x, i) for x in xs_flat]
        x = (tree.pack_sequence_as(xs, x_flat) if nested_xs else x_flat[0]) if x_flat else None
        carry, y = f(carry, x)
        ys.append(y if y is not None else [Tensor(xp.zeros_like(v.data)) for v in init_flat])
    if reverse:
        ys.reverse()
    if not ys:
        return carry, None
    return carry, tree.map_structure(lambda *steps: stack(steps), *ys)


def _slice(x, axis, start, stop, step=1):
    return getitem(x, (slice(None),) * axis + (slice(start, stop, step),))


def _interleave(even, odd, axis):
    """[e0, o0, e1, o1, ...] along `axis`; `even` has as many entries as `odd`, or one more."""
    extra = even.shape[axis] - odd.shape[axis]
    head = _slice(even, axis, 0, odd.shape[axis]) if extra else even
    pairs = stack([head, odd], axis=axis + 1)
    shape = list(odd.shape)
    shape[axis] = 2 * odd.shape[axis]
    out = reshape(pairs, tuple(shape))
    return concatenate([out, _slice(even, axis, -1, None)], axis=axis) if extra else out


@op
def associative_scan(f, elems, reverse=False, axis=0):
    """Inclusive prefix combination of `elems` (a tensor or nested structure) along `axis` with
    the associative `f(a, b)`: out[i] = f(out[i-1], elems[i]).

    As in JAX (and Keras's backends), f is applied to whole slabs of the array, about
    2 log2(n) calls (odd/even recursion), so f must work batched along `axis`.
    """
    _check_callable("associative_scan", "f", f)
    flat = [convert_to_tensor(e) for e in tree.flatten(elems)]
    if not flat:
        raise ValueError("associative_scan: `elems` holds no tensor.")
    ndim = flat[0].ndim
    if not -ndim <= axis < ndim:
        raise ValueError(f"associative_scan: `axis`={axis} is out of range for elems of rank "
                         f"{ndim}.")
    axis %= ndim
    n = flat[0].shape[axis]
    if any(e.ndim != ndim or e.shape[axis] != n for e in flat):
        raise ValueError(f"associative_scan: every leaf of `elems` must have {n} entries on "
                         f"axis {axis}, received shapes {[e.shape for e in flat]}.")

    def combine(a, b):
        out = f(tree.pack_sequence_as(elems, a), tree.pack_sequence_as(elems, b))
        return [convert_to_tensor(c) for c in tree.flatten(out)]

    def prefix(parts):
        size = parts[0].shape[axis]
        if size < 2:
            return parts
        pairs = combine([_slice(p, axis, 0, size - 1, 2) for p in parts],
                        [_slice(p, axis, 1, None, 2) for p in parts])
        odd = prefix(pairs)  # prefixes ending at entries 1, 3, 5, ...
        if size % 2 == 0:
            even = combine([_slice(o, axis, 0, -1) for o in odd],
                           [_slice(p, axis, 2, None, 2) for p in parts])
        else:
            even = combine(odd, [_slice(p, axis, 2, None, 2) for p in parts])
        even = [concatenate([_slice(p, axis, 0, 1), e], axis=axis) for p, e in zip(parts, even)]
        return [_interleave(e, o, axis) for e, o in zip(even, odd)]

    if reverse:
        flat = [flip(e, axis=axis) for e in flat]
    out = prefix(flat)
    if reverse:
        out = [flip(o, axis=axis) for o in out]
    return tree.pack_sequence_as(elems, out)


@op
def map(f, xs):  # noqa: A001 - Keras's name
    """`f` applied to each slice of `xs` (a tensor or nested structure) along its leading axis,
    the results stacked: xs leaves (n, ...) -> f's outputs stacked to (n, ...)."""
    _check_callable("map", "f", f)
    return scan(lambda carry, x: (carry, f(x)), (), xs)[1]


@op
def vectorized_map(function, elements):
    """`function` applied to each slice of `elements` (a tensor, or a structure whose leaves
    share the leading axis) along axis 0, the results stacked on a new axis 0.

    minikeras has no vmap: the slices run one after the other, so `function` sees unbatched
    slices exactly as under torch.vmap."""
    _check_callable("vectorized_map", "function", function)
    return scan(lambda carry, x: (carry, function(x)), (), elements)[1]


def _parse_signature(name, signature):
    """'(m,n),(n)->(m)' -> ([('m','n'), ('n',)], [('m',)])."""
    group = r"(\(\w*(?:,\w+)*\)(?:,\(\w*(?:,\w+)*\))*)"  # (a,b),(c),...
    match = re.match(rf"^{group}->{group}$", signature.replace(" ", ""))
    if not match:
        raise ValueError(f"{name}: not a valid gufunc signature: {signature!r}.")

    def dims(group):
        return [tuple(d for d in part.split(",") if d)
                for part in re.findall(r"\(([^()]*)\)", group)]
    return dims(match.group(1)), dims(match.group(2))


def vectorize(pyfunc, *, excluded=None, signature=None):
    """`numpy.vectorize` for tensors: a function that maps `pyfunc` over the broadcast leading
    (loop) dimensions of its tensor arguments and stacks the results.

    `signature` ('(m,n),(n)->(m)') names each argument's core dimensions, which `pyfunc` gets
    whole; without it every element is a core-less scalar. `excluded` holds the positions or
    keyword names passed to `pyfunc` unchanged. It is a plain function, not an op, because it
    returns a function (as Keras's `ops.vectorize` does); the ops `pyfunc` calls record their
    own gradients.
    """
    _check_callable("vectorize", "pyfunc", pyfunc)
    excluded = set(excluded or ())
    core_in, core_out = _parse_signature("vectorize", signature) if signature else (None, None)

    def vectorized(*args, **kwargs):
        positions = [i for i in range(len(args)) if i not in excluded]
        names = [k for k in kwargs if k not in excluded]
        tensors = [convert_to_tensor(args[i]) for i in positions] + [
            convert_to_tensor(kwargs[k]) for k in names]
        cores = core_in if core_in is not None else [()] * len(tensors)
        if len(cores) != len(tensors):
            raise ValueError(f"vectorize: the signature names {len(cores)} inputs, the call "
                             f"passes {len(tensors)}.")
        for t, core in zip(tensors, cores):
            if t.ndim < len(core):
                raise ValueError(f"vectorize: an input of shape {t.shape} has fewer dims "
                                 f"than its core dimensions {core}.")
        loops = [t.shape[:t.ndim - len(c)] for t, c in zip(tensors, cores)]
        batch = xp.broadcast_shapes(*loops) if loops else ()
        tensors = [broadcast_to(t, batch + t.shape[t.ndim - len(c):])
                   for t, c in zip(tensors, cores)]
        count = int(xp.prod(batch)) if batch else 1
        flat = [reshape(t, (count,) + t.shape[len(batch):]) for t in tensors]
        results = []
        for j in range(count):
            call_args, call_kwargs = list(args), dict(kwargs)
            for slot, t in zip(positions + names, flat):
                part = getitem(t, j)
                if isinstance(slot, int):
                    call_args[slot] = part
                else:
                    call_kwargs[slot] = part
            results.append(pyfunc(*call_args, **call_kwargs))
        single = not isinstance(results[0], (tuple, list)) if results else True
        outs = [[r] if single else list(r) for r in results]
        stacked = [reshape(stack([convert_to_tensor(o[k]) for o in outs]),
                           batch + convert_to_tensor(outs[0][k]).shape)
                   for k in range(len(outs[0]))]
        return stacked[0] if single else tuple(stacked)
    return vectorized


def custom_gradient(f):
    """Decorator: `f(*args, **kwargs)` returns (output, grad_fn); the decorated function returns
    `output`, and backpropagation through it calls `grad_fn(*args, upstream=g)` (as Keras's torch
    backend does) instead of differentiating the ops inside `f`.

    grad_fn returns one gradient per positional argument (a single one for one argument);
    None means no gradient. `output` is one tensor. A plain decorator, as in Keras: it wraps a
    function rather than computing a tensor. On KerasTensors it returns f's output, built from
    the ops inside f (as Keras's torch backend does), so a model replaying it differentiates
    those ops, not grad_fn.
    """
    _check_callable("custom_gradient", "f", f)

    def wrapped(*args, **kwargs):
        if any(isinstance(a, KerasTensor) for a in tree.flatten([args, kwargs])):
            return f(*args, **kwargs)[0]  # symbolic, as Keras's torch backend: f's own graph
        inputs = [convert_to_tensor(a) if isinstance(a, (Tensor, xp.ndarray)) else a
                  for a in args]
        with no_grad():
            result = f(*inputs, **kwargs)
        if not isinstance(result, (tuple, list)) or len(result) != 2 or not callable(result[1]):
            raise ValueError("custom_gradient: the decorated function must return "
                             f"(output, grad_fn), received {type(result).__name__}.")
        output, grad_fn = result
        output = convert_to_tensor(output)
        parents = tuple(a for a in inputs if isinstance(a, Tensor))

        def vjp(g):
            with no_grad():
                grads = grad_fn(*inputs, upstream=Tensor(g))
            grads = grads if isinstance(grads, (tuple, list)) else (grads,)
            by_tensor = [grad for a, grad in zip(inputs, grads) if isinstance(a, Tensor)]
            return tuple(None if grad is None
                         else xp.broadcast_to(convert_to_tensor(grad).data, p.shape).astype(
                             p.dtype) for p, grad in zip(parents, by_tensor))
        return record(output.data, parents, vjp)
    wrapped.__name__ = getattr(f, "__name__", "custom_gradient")
    wrapped.__doc__ = getattr(f, "__doc__", None)
    return wrapped
