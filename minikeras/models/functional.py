"""`Functional`: a model defined by a graph of layer calls, from `Input`s to outputs.

    inputs = Input((784,))
    x = Dense(64, activation="relu")(inputs)
    outputs = Dense(10, activation="softmax")(x)
    model = Model(inputs, outputs)          # a Functional instance

A Functional is a `Function` (minikeras/ops/function.py: the graph of nodes between the
inputs and the outputs, ordered once and replayed on data) that is also a `Model` (fit, save,
summary). This module adds what a model needs on top of the graph: inputs given as a tensor, a
list or a dict; Keras's courtesy reshape and cast of the data to each `Input`; masks; training
mode; configs; the summary's rows and connections.
"""
import warnings

from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor
from minikeras.backend.keras_tensor import KerasTensor
from minikeras.backend.masking import set_keras_mask
from minikeras.layers.layer import Layer, training_scope
from minikeras.tree import flatten, map_structure, pack_sequence_as as pack_as
from minikeras.models.model import Model
from minikeras.ops import cast, convert_to_tensor, reshape
from minikeras.ops.function import Function, discover_nodes, keras_tensors
from minikeras.ops.node import Node
from minikeras.registry.layer_classes import register_layer

FUNCTIONAL_MODULE = "keras.src.models.functional"  # what Keras 3 writes for a functional model


@register_layer(module=FUNCTIONAL_MODULE, registered_name="Functional")
class Functional(Function, Model):
    """A model built from symbolic `inputs` and `outputs` (a tensor, or a list or dict of them).

    `layers` lists every layer of the graph, InputLayers included, in Keras's order;
    `inputs` / `outputs` are flat lists; `input` / `output` are the structures as given;
    `output_names` are the names of the layers that make the outputs (keys for per-output
    losses and metrics).
    """

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        Model.__init__(self, name=name, trainable=trainable, **kwargs)
        keras_tensors(inputs, "inputs")
        keras_tensors(outputs, "outputs")
        inputs, outputs = _clone_graph_from_intermediate_inputs(inputs, outputs)
        if isinstance(inputs, dict):
            for key, tensor in inputs.items():
                if key != tensor.name:
                    warnings.warn(f"When providing `inputs` as a dict, all keys in the dict must "
                                  f"match the names of the corresponding tensors. Received key "
                                  f"{key!r} mapping to {tensor} (name {tensor.name!r}); name the "
                                  f"Input {key!r} via `Input(..., name={key!r})`.", stacklevel=2)
        self._init_graph(inputs, outputs)
        if not trainable:
            self.trainable = False
        self.output_names = [t._keras_history.operation.name for t in self._outputs]
        self.input_names = [t._keras_history.operation.name for t in self._inputs]
        self._build_input_shape = self.input_shape
        self.built = True

    # -- the graph -----------------------------------------------------------------------------
    @property
    def layers(self):
        """The layers of the graph, InputLayers included, in Keras's order. Ops applied to
        symbolic tensors (`inputs / 255.0`) are left out, as in Keras: see `operations`."""
        return [op for op in self.operations if isinstance(op, Layer)]

    @property
    def _layers(self):
        """What weights, losses and `trainable` walk: the graph's layers, then layers assigned
        as attributes (e.g. by a functional subclass) that are not in the graph, as in Keras."""
        graph = [op for op in self.__dict__.get("_operations", []) if isinstance(op, Layer)]
        extra = [layer for layer in self.__dict__.get("_tracked_layers", [])
                 if all(layer is not g for g in graph)]
        return graph + extra

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    @property
    def input_shape(self):
        shapes = [t.shape for t in self._inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [t.shape for t in self._outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    # -- running it ----------------------------------------------------------------------------
    def call(self, inputs, training=None, mask=None):
        """Replay the graph on real tensors; returns the outputs in the structure given."""
        flat_inputs = self._standardize_inputs(inputs)
        if mask is not None:
            for tensor, input_mask in zip(flat_inputs, flatten(mask)):
                if input_mask is not None:
                    set_keras_mask(tensor, input_mask)
        with training_scope(training):
            return self._run_through_graph(flat_inputs, lambda layer, *a, **k: layer(*a, **k))

    def compute_mask(self, inputs, previous_mask):
        """Masks flow through the graph itself (each output keeps the mask its layer gave it)."""
        return None

    def compute_output_spec(self, inputs, *args, **kwargs):
        """The symbolic outputs for symbolic `inputs`, without recording nodes in inner layers."""
        flat_inputs = [self._adjust_symbolic_rank(index, value, spec) for index, (value, spec)
                       in enumerate(zip(self._match_input_structure(inputs), self._inputs))]
        return self._run_through_graph(
            flat_inputs, lambda layer, *a, **k: layer.compute_output_spec(*a, **k))

    def compute_output_shape(self, input_shape):
        """Output shape(s) in the structure of `outputs` as given (a one-element list stays a
        list here, as in Keras), for input shape(s) given like the inputs."""
        flat_shapes = self._match_input_structure(input_shape, leaf=tuple)
        flat_specs = [self._adjust_symbolic_rank(index, KerasTensor(shape, spec.dtype), spec)
                      for index, (shape, spec) in enumerate(zip(flat_shapes, self._inputs))]
        specs = self._run_through_graph(
            flat_specs, lambda layer, *a, **k: layer.compute_output_spec(*a, **k), unpack=False)
        return map_structure(lambda t: t.shape, specs)

    def _match_input_structure(self, inputs, leaf=None):
        """Flat list of per-input values from a tensor, a list or a dict (keyed by input name)."""
        is_leaf = (lambda v: isinstance(v, leaf) and not _is_shape_list(v)) if leaf else \
            (lambda v: not isinstance(v, (list, tuple, dict)))
        n = len(self._inputs)
        if isinstance(inputs, dict):
            if isinstance(self._inputs_struct, dict):
                names = sorted(self._inputs_struct)
            else:
                names = [t.name for t in self._inputs]
            missing = [name for name in names if name not in inputs]
            if missing:
                raise ValueError(f"Model {self.name!r} expects inputs named {names}, but the "
                                 f"input dict has keys {sorted(inputs)}: missing {missing}.")
            return [inputs[name] for name in names]
        flat = [inputs] if is_leaf(inputs) else list(inputs)
        if len(flat) != n:
            raise ValueError(f"Model {self.name!r} expects {n} input(s), but it received "
                             f"{len(flat)} input tensors. Expected inputs: "
                             f"{[t.name for t in self._inputs]} with shapes "
                             f"{[t.shape for t in self._inputs]}.")
        return flat

    def _standardize_inputs(self, inputs):
        flat = self._match_input_structure(inputs)
        checked = []
        for index, (value, spec) in enumerate(zip(flat, self._inputs)):
            if not isinstance(value, Tensor):
                value = convert_to_tensor(value)
            checked.append(self._adjust_rank(index, value, spec))
        return checked

    def _adjusted_shape(self, index, shape, spec):
        """Keras's small courtesy: a trailing axis of size 1 may be missing or extra. Returns
        the shape the input is reshaped to; raises if it does not fit the `Input`'s shape."""
        adjusted = fit_to_input_shape(shape, spec.shape)
        if adjusted is None:
            raise ValueError(f'Input {index} ({spec.name!r}) of model "{self.name}" is '
                             f"incompatible with the model: expected shape={spec.shape}, found "
                             f"shape={tuple(shape)}")
        return adjusted

    def _adjust_symbolic_rank(self, index, value, spec):
        if not isinstance(value, KerasTensor):
            return value
        shape = self._adjusted_shape(index, value.shape, spec)
        return value if shape == value.shape else KerasTensor(shape, value.dtype)

    def _adjust_rank(self, index, value, spec):
        shape = tuple(value.shape)
        adjusted = self._adjusted_shape(index, shape, spec)
        if adjusted != shape:
            value = reshape(value, adjusted)
        if value.dtype != xp.dtype(spec.dtype):
            value = cast(value, spec.dtype)  # as Keras: data takes the dtype of its `Input`
        return value

    def get_config(self):
        """Keras's functional config: layers with their inbound nodes, input/output layers."""
        from minikeras.models.functional_config import functional_config
        return functional_config(self)

    # `from_config` is Model's: a functional config rebuilds the graph; a subclass whose
    # constructor does not take (inputs, outputs) is rebuilt from its constructor arguments.

    def get_build_config(self):
        """Keras 3 writes {"input_shape": None} for a functional model: its Input layers say
        the shapes."""
        return {"input_shape": None}

    # -- description ---------------------------------------------------------------------------
    def _summary_rows(self, expand_nested=False):
        return [(layer, _last_output_shape(layer)) for layer in self.operations]

    def _is_sequential_like(self):
        """Keras prints a plain chain of layers without the 'Connected to' column."""
        seen = set()
        for nodes in self._nodes_by_depth.values():
            if len(nodes) > 1 or (len(nodes) == 1 and len(nodes[0].input_tensors) > 1):
                return False
            seen.update(nodes)
        for layer in self.operations:
            if sum(node in seen for node in layer._inbound_nodes) > 1:
                return False
        return True

    def _connections(self, layer):
        """'input_layer[0][0], dense[0][0]': where each input of each call in this model came from."""
        relevant = {node for nodes in self._nodes_by_depth.values() for node in nodes}
        parts = []
        for node in layer._inbound_nodes:
            if node not in relevant:
                continue
            for tensor in node.input_tensors:
                source, node_index, tensor_index = tensor._keras_history
                parts.append(f"{source.name}[{node_index}][{tensor_index}]")
        return ", ".join(parts) or "-"


def fit_to_input_shape(shape, expected):
    """The shape data of `shape` takes to feed an `Input` of shape `expected`, or None when it
    does not fit. Keras's small courtesy: a trailing axis of size 1 may be missing or extra
    ((32,) fits (None, 1); (32, 4, 1) fits (None, 4)); unknown (None) sizes match any size."""
    adjusted = tuple(shape)
    if len(adjusted) == len(expected) + 1 and adjusted[-1] == 1:
        adjusted = adjusted[:-1]
    elif len(adjusted) + 1 == len(expected) and expected[-1] == 1:
        adjusted = adjusted + (1,)
    if len(adjusted) != len(expected) or any(e is not None and s is not None and e != s
                                             for e, s in zip(expected, adjusted)):
        return None
    return adjusted


def _clone_graph_from_intermediate_inputs(inputs, outputs):
    """Keras's answer to `Model(intermediate_tensor, outputs)`: such an input becomes a fresh
    `InputLayer` named after the tensor plus "CLONE", and the calls between the inputs and the
    outputs are recorded again (new nodes, new KerasTensors) starting from it, so the layer that
    made the intermediate tensor is not part of the new model (nor are its weights)."""
    from minikeras.layers.core.input_layer import InputLayer
    flat_inputs = flatten(inputs)
    if all(_is_input_tensor(t) for t in flat_inputs):
        return inputs, outputs
    mapping = {}
    for tensor in flat_inputs:
        if _is_input_tensor(tensor):
            mapping[id(tensor)] = tensor
        else:
            clone = InputLayer(batch_shape=tensor.shape, dtype=tensor.dtype,
                               name=f"{tensor.name}CLONE")
            mapping[id(tensor)] = clone.output
    nodes, _ = discover_nodes(flat_inputs, flatten(outputs))
    replace = lambda x: mapping.get(id(x), x) if isinstance(x, KerasTensor) else x  # noqa: E731
    for node in nodes:  # parents before children
        if node.is_input or all(id(t) in mapping for t in node.output_tensors):
            continue
        if not any(id(t) in mapping for t in flatten([node.call_args, node.call_kwargs])
                   if isinstance(t, KerasTensor)):
            continue  # does not depend on a cloned input: keep the original node
        new_outputs = map_structure(
            lambda t: KerasTensor(t.shape, t.dtype) if isinstance(t, KerasTensor) else t,
            node.outputs)
        Node(node.operation, map_structure(replace, list(node.call_args)),
             map_structure(replace, node.call_kwargs), new_outputs)
        for old, new in zip(flatten(node.outputs), flatten(new_outputs)):
            if isinstance(old, KerasTensor):
                mapping[id(old)] = new
    return pack_as(inputs, [mapping[id(t)] for t in flat_inputs]), map_structure(replace, outputs)


def _is_input_tensor(tensor):
    history = tensor._keras_history
    return history is not None and history.operation._inbound_nodes[history.node_index].is_input


def _is_shape_list(value):
    return isinstance(value, (list, tuple)) and bool(value) and isinstance(value[0], (list, tuple))


def _last_output_shape(layer):
    if not layer._inbound_nodes:
        return None
    shapes = [t.shape for t in layer._inbound_nodes[-1].output_tensors]
    return shapes[0] if len(shapes) == 1 else shapes

