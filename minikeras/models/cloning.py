"""`clone_model`: the same architecture with new layers (and freshly initialized weights).

    twin = clone_model(model)                      # new weights; copy them with
    twin.set_weights(model.get_weights())          # ... when you want the same numbers

A Sequential or functional model is cloned layer by layer: each layer is rebuilt from its config
(`clone_function`, default `layer.__class__.from_config(layer.get_config())`) and the graph is
replayed on new `Input`s (or on `input_tensors`). A subclassed model is rebuilt from its config
(`get_config` / `from_config`, or Keras 3's automatic config of its constructor arguments).
As in Keras, a compiled model's clone is compiled the same way when the model can say how
(`get_compile_config` / `compile_from_config`).
"""
from minikeras.backend.keras_tensor import KerasTensor
from minikeras.layers.core.input_layer import Input, InputLayer
from minikeras.layers.serialization import deserialize, instantiate, serialize
from minikeras.tree import flatten


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """A new model with the architecture of `model` and new weights.

    Args:
        model: a Sequential, functional or subclassed `Model`.
        input_tensors: KerasTensor(s) to build the clone on, in the structure of `model.input`
            (Sequential and functional models only). Default: new `Input`s.
        clone_function: `fn(layer) -> layer` making each new layer (InputLayers excepted).
            Default: `layer.__class__.from_config(layer.get_config())`; `lambda layer: layer`
            shares the layers (and weights) instead.
        call_function: `fn(layer, *args, **kwargs)` calling each new layer (functional models
            only), e.g. to insert layers after some of them.
        recursive: clone nested Sequential / functional models with `clone_model` itself (same
            `clone_function`) instead of `clone_function`.
    """
    from minikeras.models.functional import Functional
    from minikeras.models.sequential import Sequential
    cache = kwargs.pop("cache", None)
    if kwargs:
        raise ValueError(f"clone_model: unexpected keyword argument(s) {tuple(kwargs)}.")
    if isinstance(model, Sequential):
        if call_function is not None:
            raise ValueError(f"`call_function` is not supported with Sequential models: their "
                             f"layers are not called when the model is made. Use it with "
                             f"functional models. Received a model of type "
                             f"{type(model).__name__!r}.")
        clone = _wrap_clone_function(clone_function, None, recursive, cache)
        return _copy_compile(model, _clone_sequential(model, clone, input_tensors))
    if isinstance(model, Functional):
        if not _user_defines(type(model), "get_config") or clone_function or input_tensors:
            clone = _wrap_clone_function(clone_function, call_function, recursive, cache)
            return _copy_compile(model, _clone_functional(model, clone, input_tensors,
                                                          call_function))
    if clone_function is not None or input_tensors is not None:
        raise ValueError(f"Arguments `clone_function` and `input_tensors` are only supported for "
                         f"Sequential and functional models; received a model of type "
                         f"{type(model).__name__!r}. A subclassed model is cloned from its "
                         f"config: `model.__class__.from_config(model.get_config())`.")
    if call_function is not None:
        raise ValueError(f"Argument `call_function` is only supported for functional models; "
                         f"received a model of type {type(model).__name__!r}.")
    config = serialize(model)
    config.pop("compile_config", None)
    return _copy_compile(model, deserialize(
        config, custom_objects={type(model).__name__: type(model)}))


def _user_defines(cls, method):
    """Whether a class outside minikeras defines `method` (then it is the one to use)."""
    for klass in cls.__mro__:
        if method in vars(klass):
            return klass.__module__.split(".")[0] != "minikeras"
    return False


def _default_clone(layer):
    """`layer.__class__.from_config(layer.get_config())`, for models too."""
    return instantiate(type(layer), layer.get_config())


def _wrap_clone_function(clone_function, call_function, recursive, cache):
    from minikeras.models.functional import Functional
    from minikeras.models.sequential import Sequential
    clone_function = clone_function or _default_clone
    cache = {} if cache is None else cache

    def clone(layer):
        if id(layer) in cache:
            return cache[id(layer)]
        if recursive and isinstance(layer, Sequential):
            new = clone_model(layer, clone_function=clone_function, recursive=True, cache=cache)
        elif recursive and isinstance(layer, Functional):
            new = clone_model(layer, clone_function=clone_function, call_function=call_function,
                              recursive=True, cache=cache)
        else:
            new = clone_function(layer)
        cache[id(layer)] = new
        return new

    return clone


def _clone_sequential(model, clone, input_tensors):
    from minikeras.models.sequential import Sequential
    new_layers = [clone(layer) for layer in model.layers]
    reference = model._input_layer
    if input_tensors is not None:
        if isinstance(input_tensors, (list, tuple)):
            if len(input_tensors) != 1:
                raise ValueError(f"Argument `input_tensors` must contain a single tensor for a "
                                 f"Sequential model; received {len(input_tensors)}.")
            input_tensors = input_tensors[0]
        if not isinstance(input_tensors, KerasTensor):
            raise ValueError(f"Argument `input_tensors` must be a KerasTensor (from `Input`). "
                             f"Received: input_tensors={input_tensors!r}")
        name = reference.name if reference is not None else None
        new_layers = [InputLayer(input_tensor=input_tensors, name=name)] + new_layers
    elif reference is not None:
        new_layers = [Input(batch_shape=reference.batch_shape, dtype=reference.dtype,
                            name=reference.name, optional=reference.optional)] + new_layers
    return Sequential(new_layers, name=model.name, trainable=model.trainable)


def _clone_functional(model, clone, input_tensors, call_function):
    from minikeras.models.functional import Functional
    from minikeras.models.functional_config import _map_ordered, functional_like_constructor
    if input_tensors is not None:
        flat_new = flatten(input_tensors)
        if not all(isinstance(x, KerasTensor) for x in flat_new):
            raise ValueError(f"All entries in `input_tensors` must be KerasTensors. Received: "
                             f"input_tensors={input_tensors!r}")
        if len(flat_new) != len(model.inputs) or _kind(input_tensors) != _kind(model.input):
            raise ValueError(f"`input_tensors` must have the same structure as model.input.\n"
                             f"Reference structure: {model.input}\nReceived structure: "
                             f"{input_tensors}")
        if isinstance(input_tensors, dict):
            flat_new = [input_tensors[key] for key in sorted(input_tensors)]
        new_inputs = input_tensors
    else:
        new_inputs = _map_ordered(
            lambda t: Input(batch_shape=t.shape, dtype=t.dtype, name=t.name), model.input)
        flat_new = flatten(new_inputs) if not isinstance(new_inputs, dict) else \
            [new_inputs[key] for key in sorted(new_inputs)]
    values = {id(old): new for old, new in zip(model.inputs, flat_new)}
    call = call_function or (lambda layer, *args, **kw: layer(*args, **kw))
    nodes = [node for depth in sorted(model._nodes_by_depth, reverse=True)
             for node in model._nodes_by_depth[depth] if not node.is_input]
    for node in nodes:
        if not all(id(t) in values for t in node.input_tensors):
            continue
        args, kwargs = node.arguments_with(values)
        outputs = call(clone(node.operation), *args, **kwargs)
        for tensor, value in zip(node.output_tensors, flatten(outputs)):
            values[id(tensor)] = value
    missing = [t for t in model.outputs if id(t) not in values]
    if missing:
        raise ValueError(f"clone_model: the outputs {missing} of model {model.name!r} could not "
                         f"be recomputed from the new inputs.")
    new_outputs = _map_ordered(lambda t: values[id(t)], model.output)
    cls = type(model) if functional_like_constructor(type(model)) else Functional
    return cls(new_inputs, new_outputs, name=model.name)


def _kind(structure):
    if isinstance(structure, dict):
        return ("dict", tuple(sorted(structure)))
    if isinstance(structure, (list, tuple)):
        return ("list", len(structure))
    return ("tensor",)


def _copy_compile(model, clone):
    if getattr(model, "compiled", False):
        get_config = getattr(model, "get_compile_config", None)
        compile_from_config = getattr(clone, "compile_from_config", None)
        if callable(get_config) and callable(compile_from_config):
            compile_config = get_config()
            if compile_config:
                compile_from_config(compile_config)
    return clone

