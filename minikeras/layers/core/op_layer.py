"""Ops applied to symbolic tensors inside a functional model (`inputs / 255.0`, `ops.exp(x)`).

As in Keras 3, calling a `minikeras.ops` function (or a Python operator) on a `KerasTensor` does
not compute anything: it creates an `OpLayer` for that op and records the call as a graph node,
exactly like a layer call. The layer class is named after the op as Keras names its operation
classes (`true_divide` -> `TrueDivide`, `getitem` -> `GetItem`), so summaries, auto names
(`true_divide`, `true_divide_1`, ...) and saved configs read like Keras's:

    {"module": "keras.src.ops.numpy", "class_name": "TrueDivide", "config": {"name": "true_divide"},
     "inbound_nodes": [{"args": [<keras tensor>, 255.0], "kwargs": {}}]}

Positional arguments (tensors and constants) are the node's call arguments; keyword arguments
without tensors (`axis=1`) are the layer's config. At run time the op runs on real tensors.
"""
import numpy as np

import minikeras.ops as _ops
from minikeras.layers.layer import KerasTensor, Layer
from minikeras.layers.node import Node, flatten

#: minikeras op name -> the op name Keras gives the operation (and its instances)
_CANONICAL = {"abs": "absolute", "getitem": "get_item"}
#: ops that are not recorded (they take no tensor, or answer without an op)
_NOT_OPS = {"convert_to_tensor", "unbroadcast", "zeros", "ones", "shape"}
#: Keras op classes that a file's config does not turn into layers: Keras records the mask an
#: Embedding / Masking computes as `not_equal` ops, which minikeras propagates itself
#: (models/functional_config.py drops them; one used otherwise stays an error).
_NOT_READ = {"Equal", "NotEqual"}

_classes = {}  # Keras class name -> OpLayer subclass


def _keras_module(fn):
    module = getattr(fn, "__module__", "") or ""
    for ours, theirs in (("nn", "nn"), ("special", "math"), ("core", "core")):
        if module.endswith("ops." + ours):
            return "keras.src.ops." + theirs
    return "keras.src.ops.numpy"


class OpLayer(Layer):
    """One `minikeras.ops` function applied in a functional graph (subclassed once per op).

    Args:
        name: the layer name (default: the op's Keras name, made unique).
        **op_kwargs: the op's non-tensor keyword arguments (e.g. `axis=1`), its config.
    """

    op_name = None  # the public name in `minikeras.ops`
    keras_module = "keras.src.ops.numpy"

    def __init__(self, name=None, **op_kwargs):
        super().__init__(name=name)
        self.op_kwargs = op_kwargs
        self.built = True

    def __call__(self, *args, **kwargs):
        if any(isinstance(x, KerasTensor) for x in flatten([list(args), kwargs])):
            return self._symbolic_call(*args, **kwargs)
        kwargs.pop("training", None)
        kwargs.pop("mask", None)
        return self.call(*args, **kwargs)

    def _symbolic_call(self, *args, **kwargs):
        with np.errstate(all="ignore"):  # the shapes come from a run on zeros (e.g. 2 / x)
            outputs = self.compute_output_spec(*args, **kwargs)
        Node(self, args, kwargs, outputs)
        return outputs

    def call(self, *args, **kwargs):
        if self.op_name == "getitem" and len(args) == 2 and isinstance(args[1], list):
            args = (args[0], tuple(args[1]))  # a JSON config writes the index tuple as a list
        return _OP_FUNCTIONS[self.op_name](*args, **self.op_kwargs, **kwargs)

    def get_config(self):
        return {"name": self.name, **self.op_kwargs}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _class_name(op_name):
    canonical = _CANONICAL.get(op_name, op_name)
    return "".join(part[:1].upper() + part[1:] for part in canonical.split("_"))


def op_layer_class(op_name):
    """The OpLayer subclass for the `minikeras.ops` function `op_name` (created once)."""
    class_name = _class_name(op_name)
    cls = _classes.get(class_name)
    if cls is None:
        cls = type(class_name, (OpLayer,), {
            "op_name": op_name, "keras_module": _keras_module(_OP_FUNCTIONS[op_name]),
            "__doc__": f"`minikeras.ops.{op_name}` in a functional graph (Keras's {class_name})."})
        cls.__module__ = __name__
        _classes[class_name] = cls
    return cls


def keras_op_class(class_name):
    """The OpLayer class for a Keras op class name in a config (None if there is none)."""
    if class_name in _NOT_READ:
        return None
    if class_name not in _classes:
        for op_name in _OP_FUNCTIONS:
            if _class_name(op_name) == class_name:
                return op_layer_class(op_name)
        return None
    return _classes[class_name]


def apply_op(op_name, args, kwargs):
    """`ops.<op_name>(*args, **kwargs)` with KerasTensors among the arguments: a graph node."""
    if op_name == "shape":
        return tuple(args[0].shape)
    op_kwargs = {key: value for key, value in kwargs.items()
                 if not any(isinstance(x, KerasTensor) for x in flatten(value))}
    tensor_kwargs = {key: value for key, value in kwargs.items() if key not in op_kwargs}
    return op_layer_class(op_name)(**op_kwargs)(*args, **tensor_kwargs)


# The op functions themselves (undecorated), by public name.
_OP_FUNCTIONS = {name: getattr(fn, "__wrapped__", fn) for name, fn in vars(_ops).items()
                 if not name.startswith("_") and callable(fn) and not isinstance(fn, type)
                 and getattr(fn, "__module__", "").startswith("minikeras.ops")
                 and name not in _NOT_OPS}
_ops._register_symbolic(KerasTensor, apply_op)
