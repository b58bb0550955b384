"""The reverse-mode autodiff core: Tensor, Variable, recording on/off, backward.

In the spirit of micrograd: a `Tensor` wraps one array and remembers how it was made (its parent
tensors and a VJP closure that maps the output gradient to one gradient per parent). `backward`
walks that graph once, in reverse topological order, summing gradients into each leaf, then
frees the graph. Ops live in `minikeras.ops`; this module knows nothing about any of them.
"""
import contextlib
import threading

from minikeras.backend.array_module import xp, to_numpy
from minikeras.backend import config

_state = threading.local()
_ATTACHED_ATTRIBUTES = set()  # names other modules attach to tensors; they read as None unset


def is_recording():
    """True while ops record the graph (the default); False inside `no_grad()`."""
    return getattr(_state, "recording", True)


@contextlib.contextmanager
def no_grad():
    """Turn graph recording off: ops still compute, but remember nothing (used by predict)."""
    previous = is_recording()
    _state.recording = False
    try:
        yield
    finally:
        _state.recording = previous


@contextlib.contextmanager
def enable_grad():
    """Turn graph recording back on inside a `no_grad()` block."""
    previous = is_recording()
    _state.recording = True
    try:
        yield
    finally:
        _state.recording = previous


class Tensor:
    """An array plus the recipe that made it.

    Attributes:
        data: the array (NumPy by default).
        requires_grad: whether gradients flow to or through this tensor.
        grad: filled by `backward()` on leaves (Variables, watched inputs); summed across calls.

    Other modules may attach attributes of their own (Keras masks, see `backend.masking`); one
    declared with `register_tensor_attribute` reads as None until it is set.
    """

    __slots__ = ("data", "requires_grad", "grad", "_parents", "_vjp", "_hands_over",
                 "__dict__", "__weakref__")
    __array_priority__ = 1000  # make `ndarray + Tensor` call Tensor.__radd__

    def __init__(self, data, requires_grad=False, dtype=None):
        if isinstance(data, Tensor):
            data = data.data
        self.data = xp.asarray(data, dtype=dtype)
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self._parents = ()
        self._vjp = None
        self._hands_over = False

    def __getattr__(self, name):
        # Only reached when normal lookup fails: an attached attribute that was never set.
        if name in _ATTACHED_ATTRIBUTES:
            return None
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # -- array-like surface ------------------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return self.data.size

    def numpy(self):
        """The value as a NumPy array (a copy only when the data lives on another device)."""
        return to_numpy(self.data)

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def __len__(self):
        return len(self.data)

    def __float__(self):
        return float(self.data)

    def __int__(self):
        return int(self.data)

    def __bool__(self):
        return bool(self.data)

    def __repr__(self):
        flag = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor(shape={self.shape}, dtype={self.dtype}{flag},\n{self.data!r})"

    def item(self):
        return self.data.item()

    # -- gradients ---------------------------------------------------------------------------
    def backward(self, grad=None):
        """Backpropagate from this tensor, adding d(self)/d(leaf) into every leaf's `.grad`.

        `self` must be a scalar unless `grad` (same shape as self) is given.
        """
        leaf_grads = backward(self, grad)
        for leaf, g in leaf_grads.values():
            leaf.grad = g if leaf.grad is None else leaf.grad + g

    def zero_grad(self):
        self.grad = None

    def detach(self):
        """The same values, cut from the graph."""
        return Tensor(self.data)


class Variable(Tensor):
    """A named, assignable Tensor owned by a layer, metric or optimizer.

    Trainable variables are leaves of every graph they take part in, so `backward` reaches them.
    `assign` writes in place (after a training step, never during one) so that optimizer slots
    and layer attributes keep pointing at the same array.
    """

    __slots__ = ("name", "path", "_trainable", "constraint", "regularizer")

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, name=None):
        dtype = dtype or config.floatx()
        if callable(initializer) and not hasattr(initializer, "shape"):
            if shape is None:
                raise ValueError(f"Variable {name!r}: an initializer needs a `shape`.")
            value = initializer(tuple(shape), dtype=dtype)
        else:
            value = initializer.data if isinstance(initializer, Tensor) else initializer
        # Always C-ordered: optimizers update variables in place through flat views, which
        # would silently write into copies of a Fortran-ordered array (e.g. an orthogonal
        # initializer's transposed Q).
        super().__init__(xp.array(value, dtype=dtype, order="C"), requires_grad=trainable)
        if shape is not None and tuple(self.data.shape) != tuple(shape):
            raise ValueError(f"Variable {name!r}: initial value has shape {self.data.shape}, "
                             f"expected {tuple(shape)}.")
        self.name = name or "variable"
        self.path = self.name
        self._trainable = bool(trainable)
        self.constraint = None
        self.regularizer = None

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        self.requires_grad = bool(value)

    @property
    def value(self):
        return self.data

    def assign(self, value):
        """Overwrite the values in place; the shape must match."""
        _before_write(self)
        value = value.data if isinstance(value, Tensor) else value
        value = xp.asarray(value)
        if value.shape != self.data.shape:
            raise ValueError(f"Variable {self.path!r}: cannot assign a value of shape {value.shape} "
                             f"to a variable of shape {self.data.shape}.")
        self.data[...] = value
        return self

    def assign_add(self, delta):
        _before_write(self)
        self.data += delta.data if isinstance(delta, Tensor) else delta
        return self

    def assign_sub(self, delta):
        _before_write(self)
        self.data -= delta.data if isinstance(delta, Tensor) else delta
        return self

    def __repr__(self):
        return (f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, "
                f"trainable={self._trainable}>")


#: the stateless scopes entered (innermost last); see backend/stateless_scope.py
_WRITE_INTERCEPTORS = []


def push_write_interceptor(interceptor):
    """Make `interceptor.before_write(variable)` run before every `assign*` of a Variable (the
    hook of `StatelessScope`, which gives the variable a private copy to write into)."""
    _WRITE_INTERCEPTORS.append(interceptor)


def pop_write_interceptor(interceptor):
    """Undo `push_write_interceptor(interceptor)`."""
    _WRITE_INTERCEPTORS.remove(interceptor)


def _before_write(variable):
    if _WRITE_INTERCEPTORS:
        _WRITE_INTERCEPTORS[-1].before_write(variable)


def register_tensor_attribute(name):
    """Declare an attribute other modules attach to Tensors from outside (e.g. "_keras_mask"):
    reading it on a tensor where it was never set gives None instead of an AttributeError.
    The autodiff core neither sets nor reads it."""
    _ATTACHED_ATTRIBUTES.add(name)


def record(data, parents, vjp, hands_over=False):
    """Wrap an op's output; remember `parents` and `vjp` only if a gradient can flow through.

    `vjp(g)` must return one gradient (or None) per parent, each shaped like that parent.
    `hands_over=True` is the op's promise that every array its VJP returns is kept nowhere
    else: new (or `g` itself when `may_overwrite(g)` gave it to the VJP), never one array for
    two parents. `backward` then owns those arrays (views excepted) and may let the next VJP
    overwrite them (see `may_overwrite`).
    """
    out = Tensor.__new__(Tensor)
    # NumPy reductions of a whole array return scalars (np.float32), not 0-d arrays.
    out.data = data if isinstance(data, xp.ndarray) else xp.asarray(data)
    out.grad = None
    if is_recording() and any(p.requires_grad for p in parents):
        out.requires_grad = True
        out._parents = parents
        out._vjp = vjp
        out._hands_over = hands_over
    else:
        out.requires_grad = False
        out._parents = ()
        out._vjp = None
        out._hands_over = False
    return out


def _topological_order(root):
    """Nodes reachable from root through requires_grad edges, parents before children."""
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in node._parents:
            if parent.requires_grad and id(parent) not in visited:
                stack.append((parent, False))
    return order


def backward(root, grad=None, retain_graph=False, sources=()):
    """Reverse-mode sweep from `root`.

    Returns {id(leaf): (leaf, gradient)} for every leaf (a requires_grad tensor with no parents)
    that root depends on, and for every tensor in `sources` (which may be intermediate results)
    that it depends on. Each gradient is a fresh, writable array owned by the caller. Unless
    `retain_graph`, the graph is freed so its arrays can be reclaimed.
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"backward expects a Tensor, received {type(root).__name__}.")
    if grad is None:
        if root.data.size != 1:
            raise ValueError(f"backward without `grad` needs a scalar, received shape {root.shape}.")
        grad = xp.ones_like(root.data)
    else:
        grad = xp.asarray(grad.data if isinstance(grad, Tensor) else grad, dtype=root.dtype)
        if grad.shape != root.shape:
            raise ValueError(f"backward: grad has shape {grad.shape}, expected {root.shape}.")
    leaves = {}
    if not root.requires_grad:
        return leaves
    wanted = {id(s) for s in sources}
    handed_out = set()
    pending = {id(root): grad}
    owned = set()  # ids of the nodes whose pending gradient backward alone holds (see below)
    for node in reversed(_topological_order(root)):
        key = id(node)
        g = pending.pop(key, None)
        if g is None:
            continue
        mine = key in owned
        if node._vjp is None or key in wanted:
            # The caller owns the result and may change it in place, so copy any array that is
            # a view, read-only, or already handed to another leaf (add gives g to both parents).
            if id(g) in handed_out or g.base is not None or not _writeable(g):
                g = xp.array(g)
            handed_out.add(id(g))
            leaves[key] = (node, g)
            if node._vjp is None:
                continue
            mine = False
        _state.disposable = g if mine else None
        try:
            parent_grads = node._vjp(g)
        finally:
            _state.disposable = None
        _accumulate(pending, owned, node._parents, parent_grads, node._hands_over)
        if not retain_graph:
            node._parents, node._vjp = (), None
    return leaves


def _writeable(array):
    """NumPy arrays may be read-only; CuPy's flags have no `writeable` (they always are)."""
    return getattr(array.flags, "writeable", True)


def _accumulate(pending, owned, parents, parent_grads, handed_over):
    """Add each parent's gradient into `pending`, and mark in `owned` the parents whose pending
    gradient belongs to backward alone: a sum backward made, or a new array from an op that
    hands its gradients over (`record(..., hands_over=True)`)."""
    for parent, parent_grad in zip(parents, parent_grads):
        if parent_grad is None or not parent.requires_grad:
            continue
        key = id(parent)
        fresh = handed_over
        if key in pending:
            parent_grad = pending[key] + parent_grad
            fresh = True
        pending[key] = parent_grad
        if fresh and isinstance(parent_grad, xp.ndarray) and parent_grad.base is None:
            owned.add(key)
        else:
            owned.discard(key)


def may_overwrite(g):
    """True when `g` is the output gradient handed to the VJP running now and `backward` owns
    it (an explicit flag: `g` is a sum `backward` made, or a new array from an op recorded
    with `hands_over=True`), so that VJP may reuse its memory, e.g. apply a mask in place
    instead of writing a new array of the same size. False for a gradient an op did not hand
    over (shared with another parent, a view, kept by its VJP), a gradient a caller asked for,
    a user-supplied output gradient, or any call outside `backward`."""
    return g is not None and getattr(_state, "disposable", None) is g


def gradients(target, sources, retain_graph=False):
    """d(target)/d(source) for each source, as arrays (zeros where target does not depend on it).

    Sources are usually leaves (Variables, watched inputs) but may be intermediate results.
    """
    sources = list(sources)
    leaf_grads = backward(target, retain_graph=retain_graph, sources=sources)
    result = []
    for source in sources:
        found = leaf_grads.get(id(source))
        result.append(found[1] if found is not None else xp.zeros_like(source.data))
    return result


class GradientTape:
    """`tf.GradientTape`-style access to gradients.

        with GradientTape() as tape:
            tape.watch(x)            # inputs; trainable Variables are watched already
            loss = f(x)
        dx, dw = tape.gradient(loss, [x, w])
    """

    def __init__(self, persistent=False):
        self.persistent = persistent
        self._watched = []
        self._used = False

    def __enter__(self):
        self._context = enable_grad()
        self._context.__enter__()
        return self

    def __exit__(self, *exc):
        self._context.__exit__(*exc)
        return False

    def watch(self, tensor):
        """Make gradients flow to `tensor` (a Tensor, or a list of them)."""
        for t in tensor if isinstance(tensor, (list, tuple)) else [tensor]:
            if not isinstance(t, Tensor):
                raise TypeError(f"GradientTape.watch expects Tensors, received {type(t).__name__}.")
            t.requires_grad = True
            self._watched.append(t)

    def gradient(self, target, sources):
        """Gradients of scalar `target` for a Tensor or a list of Tensors (same structure back)."""
        if self._used and not self.persistent:
            raise RuntimeError("GradientTape.gradient: a non-persistent tape frees its graph "
                               "after the first call; use GradientTape(persistent=True) to call "
                               "it again.")
        self._used = True
        single = isinstance(sources, Tensor)
        grads = gradients(target, [sources] if single else list(sources), retain_graph=self.persistent)
        return grads[0] if single else grads
