"""A functional model's config (Keras 3's "Functional" dict) and the model rebuilt from it.

    config = functional_config(model)        # what Keras 3's model.get_config() gives
    model = functional_from_config(Functional, config)

The config lists every layer in `model.layers` order, each with the calls it makes inside this
model ("inbound_nodes"), and says which tensors are the model's inputs and outputs:

    {"name": "multi", "trainable": True,
     "layers": [{"module": "keras.layers", "class_name": "InputLayer", "config": {...},
                 "registered_name": None, "name": "in_a", "inbound_nodes": []},
                {"module": "keras.layers", "class_name": "Dense", "config": {...}, ...,
                 "name": "da", "inbound_nodes": [
                     {"args": [{"class_name": "__keras_tensor__",
                                "config": {"shape": [None, 4], "dtype": "float32",
                                           "keras_history": ["in_a", 0, 0]}}],
                      "kwargs": {}}]},
                ...],
     "input_layers": [["in_a", 0, 0], ["in_b", 0, 0]],   # a single tensor: ["in_a", 0, 0]
     "output_layers": {"out": ["out", 0, 0], ...}}       # dicts stay dicts

`keras_history` is [layer name, index of the call among that layer's calls *in this model*,
index of the output tensor]. Keras 2 wrote the calls as lists instead,
`[[["in_a", 0, 0, {kwargs}], ...]]` (several tensors = one list argument; extra tensors such as
attention's `value` inside the kwargs as ["name", 0, 0]); both are read.

Rebuilding creates every layer first, then replays the calls; a call whose input tensors do not
exist yet (a layer shared at several depths) waits for the next pass.
"""
import inspect

import numpy

from minikeras.backend.array_module import xp
from minikeras.backend.keras_tensor import KerasTensor
from minikeras.layers.layer import Layer
from minikeras.layers.serialization import deserialize, serialize_layer_entry
from minikeras.registry.serialization import custom_object_scope

KERAS_TENSOR = "__keras_tensor__"


# -- writing ---------------------------------------------------------------------------------------
def functional_config(model):
    """The dict Keras 3 stores under "config" for the functional `model`.

    A subclass of a functional model whose constructor does not take (inputs, outputs, ...)
    is described like any subclassed model instead (its constructor arguments), as in Keras."""
    if not functional_like_constructor(type(model)):
        return Layer.get_config(model)
    own_nodes = {id(node) for nodes in model._nodes_by_depth.values() for node in nodes}
    layer_configs = []
    for layer in model.operations:  # layers and ops on tensors, as Keras writes them
        entry = serialize_layer_entry(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = [_serialize_node(node, own_nodes) for node in layer._inbound_nodes
                                  if id(node) in own_nodes and not node.is_input]
        layer_configs.append(entry)

    def tensor_entry(tensor):
        layer, node_index, tensor_index = tensor._keras_history
        index = _model_node_index(layer, node_index, own_nodes)
        if _is_functional(layer):
            index += 1  # Keras counts a functional model's calls from 1 here (not in the nodes)
        return [layer.name, index, tensor_index]

    return {"name": model.name, "trainable": model.trainable, "layers": layer_configs,
            "input_layers": _map_ordered(tensor_entry, model._inputs_struct),
            "output_layers": _map_ordered(tensor_entry, model._outputs_struct)}


def functional_like_constructor(cls):
    """Whether `cls(inputs=..., outputs=..., name=..., trainable=...)` rebuilds the model: the
    constructor is Functional's own, or takes (*args, **kwargs) and passes them on."""
    from minikeras.models.functional import Functional
    init = cls.__init__
    if init is Functional.__init__:
        return True
    try:
        spec = inspect.getfullargspec(init)
    except TypeError:
        return False
    if spec.varargs is not None and spec.varkw is not None:
        return True
    return spec.args[1:] == inspect.getfullargspec(Functional.__init__).args[1:]


def _is_functional(layer):
    from minikeras.models.functional import Functional
    return isinstance(layer, Functional)


def _model_node_index(layer, node_index, own_nodes):
    """The index of the layer's call among its calls that belong to this model."""
    return sum(1 for node in layer._inbound_nodes[:node_index] if id(node) in own_nodes)


def _map_ordered(fn, structure):
    """`fn` on each KerasTensor, keeping lists, tuples and dicts (in their own key order)."""
    if isinstance(structure, (list, tuple)):
        return type(structure)(_map_ordered(fn, item) for item in structure) \
            if not hasattr(structure, "_fields") else [_map_ordered(fn, i) for i in structure]
    if isinstance(structure, dict):
        return {key: _map_ordered(fn, value) for key, value in structure.items()}
    return fn(structure)


def _serialize_node(node, own_nodes):
    layer = node.operation
    args = _trim_default_none_arguments(layer, list(node.call_args))
    kwargs = _with_keras_filled_arguments(layer, args, dict(node.call_kwargs))

    def convert(value):
        if isinstance(value, KerasTensor):
            source, node_index, tensor_index = value._keras_history
            return {"class_name": KERAS_TENSOR,
                    "config": {"shape": [None if d is None else int(d) for d in value.shape],
                               "dtype": value.dtype,
                               "keras_history": [source.name,
                                                 _model_node_index(source, node_index, own_nodes),
                                                 tensor_index]}}
        if (callable(value) and not isinstance(value, type)) or isinstance(
                value, numpy.random.Generator):
            raise TypeError(
                f"Cannot save the call of {layer.name!r}: its argument {value!r} is a Python "
                f"object (a function, a random generator) that a model config cannot hold. Put "
                f"the computation in a `Lambda` layer (saved as code, loaded with "
                f"safe_mode=False) or in a custom layer.")
        return serialize_call_argument(value, convert)

    return {"args": convert(args), "kwargs": convert(kwargs)}


def serialize_call_argument(value, convert=None):
    """A non-tensor call argument as JSON (Keras's spellings for arrays, bytes, slices)."""
    convert = convert or serialize_call_argument
    if isinstance(value, (list, tuple)):
        return [convert(item) for item in value]
    if isinstance(value, dict):
        return {key: convert(item) for key, item in value.items()}
    if isinstance(value, xp.ndarray):
        if value.ndim == 0:
            return value.item()
        return {"class_name": "__numpy__",
                "config": {"value": value.tolist(), "dtype": value.dtype.name}}
    if isinstance(value, xp.generic):
        return value.item()
    if isinstance(value, bytes):
        return {"class_name": "__bytes__", "config": {"value": value.decode("utf-8")}}
    if isinstance(value, slice):
        return {"class_name": "__slice__",
                "config": {"start": value.start, "stop": value.stop, "step": value.step}}
    if value is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    return value


def _call_parameters(layer):
    try:
        return inspect.signature(layer.call).parameters
    except (TypeError, ValueError):
        return {}


def _trim_default_none_arguments(layer, args):
    """Drop trailing positional Nones that only repeat the call's defaults (attention's `key`)."""
    parameters = [p for p in _call_parameters(layer).values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    while args and args[-1] is None and len(args) <= len(parameters) \
            and parameters[len(args) - 1].default is None and len(args) > 1:
        args.pop()
    return args


def keras_training_default(layer):
    """The default of `training` in the Keras 3 signature of the layer's `call` (None if the
    call has no `training`). Keras's recurrent layers default to False where ours say None."""
    from minikeras.layers.rnn.rnn import RNN
    parameters = _call_parameters(layer)
    if "training" not in parameters:
        return None
    if isinstance(layer, RNN):
        return False
    default = parameters["training"].default
    return None if default is inspect.Parameter.empty else default


def _with_keras_filled_arguments(layer, args, kwargs):
    """The call kwargs as Keras 3 records them: for a call on one tensor of the layer's dtype and
    no keyword arguments, Keras adds `training` (when the call's default is not None) and
    `mask: None` (when the call takes a mask) to the recorded call."""
    if kwargs or len(args) != 1 or not isinstance(args[0], KerasTensor):
        return kwargs
    if args[0].dtype != layer.dtype:
        return kwargs
    parameters = _call_parameters(layer)
    training = keras_training_default(layer)
    if training is not None:
        kwargs["training"] = training
    if "mask" in parameters:
        kwargs["mask"] = None
    return kwargs


# -- reading ---------------------------------------------------------------------------------------
def functional_from_config(cls, config, custom_objects=None):
    """Rebuild a functional model (an instance of `cls`, or `Functional` when `cls` cannot take
    inputs and outputs) from `functional_config`'s output, Keras 3's, or Keras 2's."""
    from minikeras.models.functional import Functional
    config = dict(config)
    for key in ("layers", "input_layers", "output_layers"):
        if key not in config:
            raise ValueError(f"A functional model config needs {key!r}; received keys "
                             f"{sorted(config)}.")
    layer_entries = [dict(entry) for entry in config.pop("layers")]
    input_layers = config.pop("input_layers")
    output_layers = config.pop("output_layers")
    name = config.pop("name", None)
    trainable = config.pop("trainable", None)
    legacy = any(isinstance(node, list) for entry in layer_entries
                 for node in entry.get("inbound_nodes") or [])

    with custom_object_scope(custom_objects):
        layer_entries = _drop_mask_operations(layer_entries, _endpoint_layer_names(output_layers))
        created, queue = {}, []
        for entry in layer_entries:
            layer_name = entry.get("name") or (entry.get("config") or {}).get("name")
            layer = deserialize({key: value for key, value in entry.items()
                                 if key not in ("name", "inbound_nodes")}, custom_objects)
            created[layer_name] = layer
            queue.append((layer, list(entry.get("inbound_nodes") or [])))

        offsets = _legacy_node_offsets(layer_entries, created) if legacy else {}
        while any(nodes for _, nodes in queue):
            progressed = False
            for index, (layer, nodes) in enumerate(queue):
                done = 0
                for node_data in nodes:
                    call = _node_call(layer, node_data, created, offsets)
                    if call is None:
                        break  # an input of this call does not exist yet: next pass
                    args, kwargs = call
                    _strip_keras_filled_arguments(layer, kwargs)
                    layer(*args, **kwargs)
                    done += 1
                if done:
                    progressed = True
                    queue[index] = (layer, nodes[done:])
            if not progressed:
                waiting = {layer.name: len(nodes) for layer, nodes in queue if nodes}
                raise ValueError(f"Invalid functional model config: the calls of layers "
                                 f"{waiting} (number of calls) cannot be made, because their "
                                 f"inputs never appear (the graph has a loop or refers to "
                                 f"missing layers / calls).")

        def get_tensor(layer_name, node_index, tensor_index):
            if layer_name not in created:
                raise ValueError(f"Invalid functional model config: input/output layer "
                                 f"{layer_name!r} is not among the layers "
                                 f"{sorted(created)}.")
            layer = created[layer_name]
            if legacy:
                node_index -= offsets.get(layer_name, 0)
            elif _is_functional(layer):
                node_index -= 1  # Keras 3 writes a functional model's calls from 1 here
            node_index = max(node_index, 0)
            try:
                return layer._inbound_nodes[node_index].output_tensors[tensor_index]
            except IndexError:
                raise ValueError(f"Invalid functional model config: layer {layer_name!r} has no "
                                 f"call {node_index} with an output {tensor_index}.") from None

        inputs = _map_references(get_tensor, input_layers)
        outputs = _map_references(get_tensor, output_layers)
        if legacy:  # Keras 2 wrapped a single input / output in a list
            inputs = _unwrap_single(inputs)
            outputs = _unwrap_single(outputs)
        model_cls = cls if functional_like_constructor(cls) else Functional
        extra = {}
        if trainable is not None:
            extra["trainable"] = trainable
        return model_cls(inputs=inputs, outputs=outputs, name=name, **extra, **config)


def _is_reference(value):
    return (isinstance(value, (list, tuple)) and len(value) == 3 and isinstance(value[0], str)
            and isinstance(value[1], int) and isinstance(value[2], int))


def _map_references(get_tensor, structure):
    """input_layers / output_layers: one ["name", node, tensor] triple, or lists / dicts of them."""
    if _is_reference(structure):
        return get_tensor(*structure)
    if isinstance(structure, dict):
        return {key: _map_references(get_tensor, value) for key, value in structure.items()}
    if isinstance(structure, (list, tuple)):
        return [_map_references(get_tensor, value) for value in structure]
    raise ValueError(f"Invalid functional model config: expected a [layer_name, node_index, "
                     f"tensor_index] entry, received {structure!r}.")


def _unwrap_single(structure):
    if isinstance(structure, list) and len(structure) == 1 \
            and isinstance(structure[0], KerasTensor):
        return structure[0]
    return structure


def _node_call(layer, node_data, created, offsets):
    """(args, kwargs) of one recorded call with real KerasTensors, or None while one of its
    input tensors does not exist yet."""
    if isinstance(node_data, list):
        return _legacy_node_call(layer, node_data, created, offsets)
    if not isinstance(node_data, dict):
        raise ValueError(f"Invalid functional model config: a call should be "
                         f"{{'args': [...], 'kwargs': {{...}}}} or a Keras 2 list; received "
                         f"{node_data!r}.")
    missing = []

    def revive(value):
        if isinstance(value, dict):
            class_name = value.get("class_name")
            if class_name == KERAS_TENSOR:
                history = (value.get("config") or {}).get("keras_history")
                tensor = _tensor_at(created, *history, offsets={}) if history else None
                if tensor is None:
                    missing.append(history)
                return tensor
            special = deserialize_call_argument(value)
            if special is not value:
                return special
            return {key: revive(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [revive(item) for item in value]
        return value

    args = revive(node_data.get("args") or [])
    kwargs = revive(node_data.get("kwargs") or {})
    if missing:
        return None
    return list(args), dict(kwargs)


def deserialize_call_argument(value):
    """Keras's spellings of arrays, tuples, bytes, slices and Ellipsis in a recorded call (other
    values are returned as they are)."""
    class_name = value.get("class_name") if isinstance(value, dict) else None
    inner = value.get("config") if isinstance(value, dict) else None
    if class_name in ("__numpy__", "__tensor__"):
        return xp.asarray(inner["value"], dtype=inner.get("dtype"))
    if class_name == "__tuple__":
        return tuple(inner["value"])
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    if class_name == "__slice__":
        return slice(inner.get("start"), inner.get("stop"), inner.get("step"))
    if class_name == "__ellipsis__":
        return Ellipsis
    return value


def _tensor_at(created, layer_name, node_index, tensor_index, offsets):
    layer = created.get(layer_name)
    if layer is None:
        raise ValueError(f"Invalid functional model config: a call refers to layer "
                         f"{layer_name!r}, which is not among the model's layers "
                         f"{sorted(created)}.")
    node_index -= offsets.get(layer_name, 0)
    if node_index >= len(layer._inbound_nodes):
        return None
    outputs = layer._inbound_nodes[node_index].output_tensors
    if tensor_index >= len(outputs):
        raise ValueError(f"Invalid functional model config: layer {layer_name!r} call "
                         f"{node_index} has {len(outputs)} output(s), not {tensor_index + 1}.")
    return outputs[tensor_index]


def _legacy_node_call(layer, node_data, created, offsets):
    """Keras 2: [[name, node, tensor, {kwargs}], ...]; several entries = one list argument;
    tensors inside the kwargs are written as [name, node, tensor] (attention's `value`). A Keras 2
    recurrent layer given `initial_state` recorded [sequences, *states] as its one argument."""
    tensors, kwargs = [], {}
    for item in node_data:
        if not isinstance(item, (list, tuple)) or len(item) not in (3, 4):
            raise ValueError(f"Invalid Keras 2 functional config: a call input should be "
                             f"[layer_name, node_index, tensor_index(, kwargs)], received "
                             f"{item!r}.")
        tensor = _tensor_at(created, item[0], item[1], item[2], offsets)
        if tensor is None:
            return None
        tensors.append(tensor)
        if len(item) == 4 and item[3]:
            kwargs.update(item[3])
    missing = []

    def revive(value):
        if _is_reference(value) and value[0] in created:
            tensor = _tensor_at(created, *value, offsets=offsets)
            if tensor is None:
                missing.append(value)
            return tensor
        if isinstance(value, dict):
            special = deserialize_call_argument(value)
            if special is not value:
                return special
            return {key: revive(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [revive(item) for item in value]
        return value

    kwargs = revive(kwargs)
    if missing:
        return None
    if len(tensors) > 1 and _is_recurrent(layer) and "initial_state" not in kwargs:
        return [tensors[0]], {**kwargs, "initial_state": tensors[1:]}
    first = tensors[0] if len(tensors) == 1 else tensors
    return [first], kwargs


def _is_recurrent(layer):
    from minikeras.layers.rnn.bidirectional import Bidirectional
    from minikeras.layers.rnn.rnn import RNN
    return isinstance(layer, (RNN, Bidirectional))


def _legacy_node_offsets(layer_entries, created):
    """Keras 2 numbered the calls of a nested model from 1 (its node 0 joined its own inputs to
    its outputs) when that model was built from an Input: a functional model always, a
    Sequential model when its first layer is an InputLayer or carries `batch_input_shape`."""
    from minikeras.models.model import Model
    offsets = {}
    for entry in layer_entries:
        layer = created.get(entry.get("name"))
        if not isinstance(layer, Model):
            continue
        inner = entry.get("config") or {}
        if _is_functional(layer):
            offsets[layer.name] = 1
        else:
            layers = inner.get("layers") if isinstance(inner, dict) else inner
            first = (layers or [{}])[0]
            first_config = first.get("config") or {}
            if first.get("class_name") == "InputLayer" or "batch_input_shape" in first_config \
                    or "batch_shape" in first_config:
                offsets[layer.name] = 1
    return offsets


def _strip_keras_filled_arguments(layer, kwargs):
    """Forget what Keras recorded on its own (`training` equal to the call's default, `mask`
    None): replayed literally, `training=False` would keep a Dropout off during `fit`."""
    if "training" in kwargs and kwargs["training"] is not None \
            and kwargs["training"] == keras_training_default(layer):
        kwargs.pop("training")
    elif "training" in kwargs and kwargs["training"] is None:
        kwargs.pop("training")
    if "mask" in kwargs and kwargs["mask"] is None:
        kwargs.pop("mask")
    parameters = _call_parameters(layer)
    accepts_any = any(p.kind == p.VAR_KEYWORD for p in parameters.values())
    if not accepts_any:
        for key in [k for k in kwargs if k not in parameters and kwargs[k] is None]:
            kwargs.pop(key)


def _endpoint_layer_names(endpoints):
    """The layer names in an `output_layers` value: one [name, node, index] triple, or a list /
    dict of them."""
    if isinstance(endpoints, dict):
        return {name for value in endpoints.values() for name in _endpoint_layer_names(value)}
    if isinstance(endpoints, (list, tuple)):
        if endpoints and isinstance(endpoints[0], str):
            return {endpoints[0]}
        return {name for value in endpoints for name in _endpoint_layer_names(value)}
    return set()


def _drop_mask_operations(layer_entries, outputs=()):
    """Keras 3 records the ops that compute a mask (an Embedding's `not_equal(x, 0)`) as
    entries of the layer list, feeding the next layer's `mask` argument. minikeras propagates
    masks itself: such entries, and the `mask` arguments that refer to them, are left out.
    Any other op entry, or an unknown class (no `module` in a legacy `.h5` config) that is not
    a mask computation (e.g. a model output), is kept, so that deserializing it gives the usual
    "Unknown layer ... custom_objects" error."""
    from minikeras.layers.serialization import is_known_class
    operations = {entry.get("name") for entry in layer_entries
                  if str(entry.get("module") or "").startswith(("keras.src.ops", "keras.ops"))
                  or (entry.get("module") is None and "class_name" in entry
                      and not is_known_class(entry))}
    if not operations:
        return layer_entries

    def refers_to_operation(value):
        return any(isinstance(leaf, dict) and leaf.get("class_name") == KERAS_TENSOR and
                   ((leaf.get("config") or {}).get("keras_history") or [None])[0] in operations
                   for leaf in _dict_leaves(value))

    kept = []
    for entry in layer_entries:
        nodes = []
        for node in entry.get("inbound_nodes") or []:
            if isinstance(node, dict):
                kwargs = dict(node.get("kwargs") or {})
                for key in [k for k in kwargs if (k == "mask" or k.endswith("_mask"))
                            and refers_to_operation(kwargs[k])]:
                    kwargs.pop(key)
                node = {**node, "kwargs": kwargs}
            nodes.append(node)
        kept.append({**entry, "inbound_nodes": nodes})
    still_used = {leaf["config"]["keras_history"][0] for entry in kept
                  for leaf in _dict_leaves(entry.get("inbound_nodes"))
                  if (leaf.get("config") or {}).get("keras_history")}
    still_used |= {item[0] for entry in kept for node in entry.get("inbound_nodes") or []
                   if isinstance(node, list) for item in node if isinstance(item, list) and item}
    still_used |= set(outputs)
    if operations & still_used:
        # not a mask computation: deserializing the entry gives the usual "Unknown layer" error
        unused = operations - still_used
        return [entry for entry in kept if entry.get("name") not in unused] \
            if unused else layer_entries
    return [entry for entry in kept if entry.get("name") not in operations]


def _dict_leaves(value):
    if isinstance(value, dict):
        if value.get("class_name") == KERAS_TENSOR:
            return [value]
        return [leaf for item in value.values() for leaf in _dict_leaves(item)]
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in _dict_leaves(item)]
    return []

