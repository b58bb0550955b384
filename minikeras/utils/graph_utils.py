"""`get_source_inputs`: the `Input` tensors a symbolic tensor was computed from."""
from minikeras.backend.keras_tensor import is_keras_tensor
from minikeras.tree import flatten


def get_source_inputs(tensor):
    """The input KerasTensors at the start of the graph that produced `tensor`, in the order
    they are first reached (each once); `[tensor]` for an input itself (or a tensor with no
    recorded history); a value that is not a KerasTensor is returned as it is."""
    history = getattr(tensor, "_keras_history", None)
    if not is_keras_tensor(tensor) or history is None:
        return tensor if not is_keras_tensor(tensor) else [tensor]
    operation, node_index = history[0], history[1]
    nodes = getattr(operation, "_inbound_nodes", None)
    if not nodes:
        return [tensor]
    node = nodes[node_index]
    if node.is_input:
        return flatten(node.output_tensors)
    sources = []
    for parent in node.input_tensors:
        for source in get_source_inputs(parent):
            if all(source is not seen for seen in sources):
                sources.append(source)
    return sources
