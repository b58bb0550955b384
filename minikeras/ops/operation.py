"""`Operation`: anything that can be called on tensors and recorded in a graph (Keras's base of
`Layer` and of every op).

Called on real tensors, an operation computes (`call`). Called on `KerasTensor`s it computes
nothing: `symbolic_call` asks `compute_output_spec` for the output KerasTensors and records the
call as a `Node` in `_inbound_nodes`, which is how functional models are drawn up
(minikeras/ops/function.py replays the nodes on data).
"""
import numpy

from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor, no_grad
from minikeras.backend.keras_tensor import KerasTensor, any_symbolic_tensors
from minikeras.ops.node import Node
from minikeras.tree import flatten, map_structure
from minikeras.backend import naming


class Operation:
    """Base of layers and ops: a name, the graph nodes of its symbolic calls, and `call`.

    Args:
        name: unique default derived from the class name (`TrueDivide` -> `true_divide`,
            `true_divide_1`, ...).
    """

    def __init__(self, name=None):
        self.name = name or naming.auto_name(type(self).__name__)
        self._inbound_nodes = []   # the calls on symbolic tensors (Node), in order
        self._outbound_nodes = []  # the nodes that consumed an output of this operation

    def __call__(self, *args, **kwargs):
        if any_symbolic_tensors(args, kwargs):
            return self.symbolic_call(*args, **kwargs)
        return self.call(*args, **kwargs)

    def call(self, *args, **kwargs):
        """The computation on real tensors. Subclasses override this."""
        raise NotImplementedError(f"{type(self).__name__} does not implement call().")

    def symbolic_call(self, *args, **kwargs):
        """Infer the output KerasTensors and record the call as a Node of the graph."""
        outputs = self.compute_output_spec(*args, **kwargs)
        Node(self, args, kwargs, outputs)
        return outputs

    def compute_output_spec(self, *args, **kwargs):
        """The KerasTensor(s) a call on these (symbolic) arguments returns, without a graph node.

        `call` runs on zeros with recording off, twice, with unknown sizes set to different
        values (batch axis 2 then 3, other axes 8 then 9): an output size that changes between
        the runs is unknown (None)."""
        tensors = [x for x in flatten([args, kwargs]) if isinstance(x, KerasTensor)]
        first = self._call_on_zeros(args, kwargs, batch=2, other=8)
        if not any(d is None for t in tensors for d in t.shape):
            return map_structure(_to_keras_tensor, first)
        second = self._call_on_zeros(args, kwargs, batch=3, other=9)
        return _merge_specs(first, second)

    def _call_on_zeros(self, args, kwargs, batch, other):
        """`call` on zero Tensors shaped like the KerasTensors (None -> `batch` / `other`)."""
        args, kwargs = zeros_like_symbolic(args, kwargs, batch, other)
        with no_grad():
            return self.call(*args, **kwargs)

    # -- the graph this operation is part of ---------------------------------------------------
    def _node_attribute(self, attribute, description):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name!r} has never been called on symbolic tensors "
                                 f"and thus has no defined {description}.")
        values = getattr(self._inbound_nodes[0], attribute)
        return values[0] if isinstance(values, list) and len(values) == 1 else values

    @property
    def input(self):
        """The symbolic input(s) of the first call (Keras: node 0)."""
        return self._node_attribute("input_tensors", "input")

    @property
    def output(self):
        """The symbolic output(s) of the first call (Keras: node 0)."""
        return self._node_attribute("output_tensors", "output")


def zeros_like_symbolic(args, kwargs, batch, other):
    """(args as a list, kwargs) with each KerasTensor replaced by a zero Tensor of its dtype,
    unknown sizes set to `batch` (axis 0) or `other` (any other axis)."""
    def zeros(x):
        if not isinstance(x, KerasTensor):
            return x
        shape = tuple((batch if axis == 0 else other) if d is None else d
                      for axis, d in enumerate(x.shape))
        if x.dtype == "string":  # text: empty strings stand in for zeros
            return Tensor(numpy.full(shape, "", dtype=str))
        return Tensor(xp.zeros(shape, dtype=x.dtype))
    return map_structure(zeros, list(args)), map_structure(zeros, kwargs)


def _to_keras_tensor(value):
    if isinstance(value, (Tensor, xp.ndarray)):
        return KerasTensor(value.shape, value.dtype)
    return value


def _merge_specs(first, second):
    """KerasTensors shaped like `first`, with None where `first` and `second` differ in size."""
    def merge(a, b):
        if not isinstance(a, (Tensor, xp.ndarray)):
            return a
        return KerasTensor(tuple(p if p == q else None for p, q in zip(a.shape, b.shape)), a.dtype)
    return map_structure(merge, first, second)
