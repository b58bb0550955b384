"""The graph that symbolic calls record: one `Node` per call of an operation on KerasTensors.

Calling an operation (a layer, a model, an op such as `ops.exp`) on `KerasTensor`s (no data,
just shape and dtype) does not compute anything; it appends a `Node` to the operation's
`_inbound_nodes` remembering the call's arguments and the symbolic outputs it produced. Each
output tensor points back at its node through `_keras_history = KerasHistory(operation,
node_index, tensor_index)`, so a `Function` (minikeras/ops/function.py) can walk from its outputs
back to its inputs and replay the calls on real arrays in the same order.
"""
import collections

from minikeras.backend.keras_tensor import is_keras_tensor
from minikeras.tree import flatten, map_structure

KerasHistory = collections.namedtuple("KerasHistory", ["operation", "node_index", "tensor_index"])


class Node:
    """One call `operation(*call_args, **call_kwargs)` on symbolic tensors.

    Attributes:
        operation: the operation (layer, model or op) that was called.
        call_args, call_kwargs: the arguments as given (KerasTensors among other values).
        input_tensors: the KerasTensors found in the arguments, in order.
        outputs: the output structure (KerasTensors); `output_tensors` is it flattened.
        is_input: True for the node of an `InputLayer` (no inputs: data enters here).
    """

    def __init__(self, operation, call_args=(), call_kwargs=None, outputs=None):
        self.operation = operation
        self.call_args = tuple(call_args)
        self.call_kwargs = dict(call_kwargs or {})
        self.input_tensors = [x for x in flatten([self.call_args, self.call_kwargs])
                              if is_keras_tensor(x)]
        self.outputs = outputs
        self.output_tensors = [x for x in flatten(outputs) if is_keras_tensor(x)]
        self.is_input = not self.input_tensors
        node_index = len(operation._inbound_nodes)
        operation._inbound_nodes.append(self)
        for tensor in self.input_tensors:
            if tensor._keras_history is not None:
                tensor._keras_history.operation._outbound_nodes.append(self)
        for tensor_index, tensor in enumerate(self.output_tensors):
            tensor._keras_history = KerasHistory(operation, node_index, tensor_index)

    @property
    def parent_nodes(self):
        """The nodes that produced this node's inputs."""
        parents = []
        for tensor in self.input_tensors:
            if tensor._keras_history is not None:
                operation, node_index, _ = tensor._keras_history
                parents.append(operation._inbound_nodes[node_index])
        return parents

    def arguments_with(self, values_by_id):
        """The call's (args, kwargs) with every KerasTensor replaced by `values_by_id[id(t)]`."""
        replace = lambda x: values_by_id[id(x)] if is_keras_tensor(x) else x  # noqa: E731
        return (map_structure(replace, list(self.call_args)),
                map_structure(replace, self.call_kwargs))

    def __repr__(self):
        return f"<Node operation={self.operation.name}, inputs={len(self.input_tensors)}>"
