"""`Function`: a graph of operations from symbolic inputs to symbolic outputs, run on data.

    x = Input((4,)); y = ops.exp(Dense(3)(x))
    f = Function([x], [y])                  # walks back from y to x once
    f([data])                               # replays Dense then exp on `data`

Every call of an operation on symbolic tensors left a `Node` (minikeras/ops/node.py). A Function
walks back from its outputs to its inputs once, orders the nodes so that each runs after the
nodes it depends on, and then replays them on real tensors: each node's arguments are looked up
by the id of the symbolic tensor they stand for. Gradients need nothing special: the replay
records the same ops as any eager call, so shared operations receive the sum of their uses'
gradients. `models.Functional` is a Function that is also a Model (Keras's layout).
"""
from minikeras.backend.keras_tensor import KerasTensor
from minikeras.tree import flatten, pack_sequence_as
from minikeras.ops.operation import Operation


class Function(Operation):
    """The graph between `inputs` and `outputs` (a KerasTensor, or a list / dict of them).

    Attributes: `inputs` / `outputs` are flat lists; `operations` lists every operation of the
    graph in Keras's order (deepest first); calling the Function on a flat list of values (one
    per input) replays the graph and returns the outputs in the structure given.
    """

    def __init__(self, inputs, outputs, name=None):
        Operation.__init__(self, name=name)  # explicit: a Functional is also a Layer
        self._init_graph(inputs, outputs)

    def _init_graph(self, inputs, outputs):
        """Check and record the graph between `inputs` and `outputs` (structures as given)."""
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self._inputs = keras_tensors(inputs, "inputs")
        self._outputs = keras_tensors(outputs, "outputs")
        self._nodes_by_depth, self._operations = map_graph(self._inputs, self._outputs)
        self._execution_nodes = [node for depth in sorted(self._nodes_by_depth, reverse=True)
                                 for node in self._nodes_by_depth[depth] if not node.is_input]

    @property
    def operations(self):
        """Every operation of the graph in Keras's order: inputs, layers and ops."""
        return list(self.__dict__.get("_operations", []))

    @property
    def inputs(self):
        return list(self._inputs)

    @property
    def outputs(self):
        return list(self._outputs)

    def call(self, inputs):
        """Replay the graph on a flat list of real values, one per input."""
        return self._run_through_graph(inputs, lambda operation, *a, **k: operation(*a, **k))

    def compute_output_spec(self, inputs):
        """The symbolic outputs for a flat list of symbolic inputs, without recording nodes."""
        return self._run_through_graph(
            inputs, lambda operation, *a, **k: operation.compute_output_spec(*a, **k))

    def _run_through_graph(self, flat_inputs, call_operation, unpack=True):
        """Run every node with `call_operation(operation, *args, **kwargs)`, its KerasTensor
        arguments replaced by the values computed so far; the outputs in `outputs`' structure
        (a one-element list unpacked when `unpack`, as Keras does)."""
        values = {id(t): x for t, x in zip(self._inputs, flat_inputs)}
        for node in self._execution_nodes:
            if not all(id(t) in values for t in node.input_tensors):
                continue  # feeds a model input that was given directly
            args, kwargs = node.arguments_with(values)
            outputs = call_operation(node.operation, *args, **kwargs)
            for tensor, value in zip(flatten(node.outputs), flatten(outputs)):
                if isinstance(tensor, KerasTensor):
                    values[id(tensor)] = value
        result = pack_sequence_as(self._outputs_struct, [values[id(t)] for t in self._outputs])
        if unpack and isinstance(result, list) and len(result) == 1:
            return result[0]  # Keras unpacks a one-element output list
        return result


def keras_tensors(structure, argument):
    """The flat list of KerasTensors in `structure`; a clear error for anything else."""
    flat = flatten(structure)
    if not flat:
        raise ValueError(f"`{argument}` argument cannot be empty. Received: {argument}={structure}")
    for value in flat:
        if not isinstance(value, KerasTensor):
            raise ValueError(f"All `{argument}` values must be KerasTensors (from `Input` and "
                             f"layer calls). Received: {argument}={structure} including invalid "
                             f"value {value!r} of type {type(value).__name__}")
    return flat


def map_graph(inputs, outputs):
    """Order the graph between `inputs` and `outputs` (flat lists of KerasTensors).

    Returns (nodes_by_depth, operations): nodes grouped by depth, where depth 0 holds the nodes
    that make the outputs and every node is deeper than the nodes that consume its outputs, and
    the operations in Keras's order (deepest first, ties in discovery order from the outputs).
    """
    nodes_in_decreasing_depth, operation_indices = discover_nodes(inputs, outputs)
    node_depths, operation_depths = {}, {}
    for node in reversed(nodes_in_decreasing_depth):
        depth = max(node_depths.setdefault(node, 0), operation_depths.get(node.operation, 0))
        operation_depths[node.operation] = depth
        node_depths[node] = depth
        for parent in node.parent_nodes:
            node_depths[parent] = max(depth + 1, node_depths.get(parent, 0))
    for tensor in inputs:
        operation = tensor._keras_history.operation
        if operation not in operation_depths:  # an input that no output depends on
            operation_depths[operation] = 0
            operation_indices[operation] = -1
            node_depths[operation._inbound_nodes[tensor._keras_history.node_index]] = 0

    nodes_by_depth = {}
    for node, depth in node_depths.items():
        nodes_by_depth.setdefault(depth, []).append(node)
    operations = sorted(operation_depths,
                        key=lambda op: (-operation_depths[op], operation_indices[op]))
    _check_connected(inputs, outputs, nodes_by_depth)
    names = [operation.name for operation in operations]
    for name in names:
        if names.count(name) > 1:
            raise ValueError(f'The name "{name}" is used {names.count(name)} times in the model. '
                             f"All layer names should be unique.")
    return nodes_by_depth, operations


def discover_nodes(inputs, outputs):
    """Depth-first walk from the outputs: (nodes after the nodes they depend on, {operation:
    discovery index}).

    Iterative (an explicit stack), so a graph thousands of operations deep needs no recursion."""
    input_ids = {id(t) for t in inputs}
    finished, in_progress, ordered, operation_indices = set(), set(), [], {}

    def enter(tensor):
        """Start visiting the node that made `tensor`: (node, its unvisited inputs) or None."""
        if tensor._keras_history is None:
            raise ValueError(f"Tensor {tensor} was not produced by a layer call on an `Input`: "
                             f"it cannot be part of a functional model.")
        operation, node_index, _ = tensor._keras_history
        node = operation._inbound_nodes[node_index]
        if node in finished:
            return None
        if node in in_progress:
            raise ValueError(f"Tensor {tensor} from layer {operation.name!r} is part of a cycle.")
        operation_indices.setdefault(operation, len(operation_indices))
        in_progress.add(node)
        parents = [] if node.is_input or id(tensor) in input_ids else node.input_tensors
        return node, iter(parents)

    for output in outputs:
        stack = [frame for frame in [enter(output)] if frame is not None]
        while stack:
            node, parents = stack[-1]
            parent = next(parents, None)
            if parent is not None:
                frame = enter(parent)
                if frame is not None:
                    stack.append(frame)
                continue
            stack.pop()
            finished.add(node)
            in_progress.discard(node)
            ordered.append(node)
    return ordered, operation_indices


def _check_connected(inputs, outputs, nodes_by_depth):
    """Every node's inputs must be computable from the inputs; else name what is missing."""
    computable = {id(t) for t in inputs}
    accessed = []
    for depth in sorted(nodes_by_depth, reverse=True):
        for node in nodes_by_depth[depth]:
            if all(id(t) in computable for t in node.output_tensors):
                continue  # a model input itself, possibly an intermediate tensor
            if node.is_input:
                continue  # an `Input` that is not among the model's inputs: its consumers fail
            for tensor in node.input_tensors:
                if id(tensor) not in computable:
                    source = tensor._keras_history.operation
                    raise ValueError(
                        f"Graph disconnected: cannot find parent for tensor {tensor} at layer "
                        f"{node.operation.name!r}. The tensor comes from layer {source.name!r}, "
                        f"which is not reachable from the model's inputs "
                        f"{[t.name for t in inputs]}; add it to `inputs` if it is an Input. The "
                        f"following previous layers were accessed without issue: {accessed}")
            accessed.append(node.operation.name)
            computable.update(id(t) for t in node.output_tensors)
    for tensor in outputs:
        if id(tensor) not in computable:  # an `Input` given as an output but not as an input
            raise ValueError(
                f"Graph disconnected: output {tensor} is the `Input` "
                f"{tensor._keras_history.operation.name!r}, which is not among the model's "
                f"inputs {[t.name for t in inputs]}; add it to `inputs`.")
