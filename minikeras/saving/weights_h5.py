"""Keras 3's weights-only HDF5 layout (`.weights.h5`, and `model.weights.h5` inside `.keras`).

The file is a walk of the model's object tree, exactly as Keras 3 walks it:

    vars/                      @name = <model name>; the model's own variables (usually none)
    layers/
        dense/vars/            @name = d1;  0 = kernel, 1 = bias
        dense_1/vars/          @name = d2
        batch_normalization/vars/   0 gamma, 1 beta, 2 moving_mean, 3 moving_variance
        lstm/vars/             @name = lstm   (the RNN layer owns no variables ...)
        lstm/cell/vars/        @name = lstm_cell;  0 kernel, 1 recurrent_kernel, 2 bias
    optimizer/vars/            @name = adam;  0 iteration, 1 learning_rate, 2.. the slots

* Every object visited gets a group `<path>/vars` (attribute `name` = the object's name) with
  one dataset per variable of its own, named "0", "1", ...: the trainable variables then the
  non-trainable ones, each in creation order. Variables of sublayers live in the sublayers'
  own groups.
* A list of objects (such as `model.layers`) is a group whose members are keyed by the
  snake_case CLASS name, made unique by position: dense, dense_1, batch_normalization, ...
  (not by the layer names, which differ between two instances of the same model). A list inside
  a list is keyed container, container_1, ...
* Sub-objects are reached through the attribute names KERAS uses for them, visited in sorted
  order with `_private` names last; an object reachable twice is written once, under the first
  path. Sequential and functional models list `layers` first.
* The model's optimizer, when it has one, is written under `optimizer/`.

minikeras stores some sub-objects under other attribute names than Keras (MultiHeadAttention
keeps `_query_dense`, Keras saves it as `query_dense`), so the children of every built-in layer
come from one explicit table, `keras_children_table()` below; only classes written by the user (custom
layers, subclassed models), whose attribute names are the user's own in both libraries, are
inspected for sublayer attributes.

Loading walks the TARGET model the same way and reads each object's group: a missing group means
"no variables", a different number of variables or a different shape is an error naming the
object (a warning with `skip_mismatch=True`, and that object keeps its weights). The whole file
is checked before any weight changes, so a failed load leaves the model as it was. An optimizer
whose variable count differs (e.g. not built yet) is skipped with a warning, as in Keras.
"""
import functools
import re
import warnings

import numpy as np

from minikeras.saving import h5_errors

_LEGACY_ROOT_ATTRIBUTES = ("layer_names",)
_LEGACY_ROOT_GROUPS = ("model_weights",)

# minikeras-internal attributes that hold layers but are not Keras attributes (the layer lists
# of Sequential / Functional / Layer are reached through `layers` instead).
_INTERNAL_ATTRIBUTES = frozenset({
    "_tracked_layers", "_sequence", "_input_layer", "_operations", "_inbound_nodes",
    "_outbound_nodes", "optimizer", "_functional",
})


class KerasPlaceholder:
    """An object Keras saves as an empty group but minikeras does not need (MultiHeadAttention's
    `_dropout_layer` and `_softmax` sublayers). It has no variables."""

    def __init__(self, name):
        self.name = name


# -- the children of the built-in classes, under Keras's attribute names -------------------------
def _rnn_children(layer):
    return {"cell": layer.cell}


def _stacked_cells_children(layer):
    return {"cells": list(layer.cells)}


def _bidirectional_children(layer):
    return {"forward_layer": layer.forward_layer, "backward_layer": layer.backward_layer}


def _time_distributed_children(layer):
    return {"layer": layer.layer}


def _multi_head_attention_children(layer):
    children = {}
    if getattr(layer, "_query_dense", None) is not None:   # created in build()
        children.update(query_dense=layer._query_dense, key_dense=layer._key_dense,
                        value_dense=layer._value_dense, output_dense=layer._output_dense)
        if getattr(layer, "_gate_dense", None) is not None:
            children["_gate_dense"] = layer._gate_dense
        children["_dropout_layer"] = KerasPlaceholder("dropout")
        children["_softmax"] = KerasPlaceholder("softmax")
    return children


def _group_query_attention_children(layer):
    """GroupQueryAttention: Keras saves its sublayers under their private attribute names."""
    children = {}
    if getattr(layer, "_query_dense", None) is not None:   # created in build()
        children.update(_query_dense=layer._query_dense, _key_dense=layer._key_dense,
                        _value_dense=layer._value_dense, _output_dense=layer._output_dense,
                        _dropout_layer=KerasPlaceholder("dropout"),
                        _softmax=KerasPlaceholder("softmax"))
        if getattr(layer, "_gate_dense", None) is not None:
            children["_gate_dense"] = layer._gate_dense
    return children


def _feature_space_children(layer):
    # Keras walks the dict attributes' values, in insertion order, as lists
    return {name: list(getattr(layer, name).values())
            for name in ("crossers", "one_hot_encoders", "preprocessors")}


@functools.lru_cache(maxsize=None)
def keras_children_table():
    """THE mapping: [(built-in class, function(obj) -> {Keras attribute name: child})], the
    first matching class wins. Built-in classes not listed have no sub-objects to save."""
    from minikeras.layers.attention.grouped_query_attention import GroupQueryAttention
    from minikeras.layers.attention.multi_head_attention import MultiHeadAttention
    from minikeras.layers.rnn.bidirectional import Bidirectional
    from minikeras.layers.rnn.rnn import RNN, StackedRNNCells
    from minikeras.layers.core.wrapper import Wrapper
    from minikeras.layers.rnn.time_distributed import TimeDistributed
    from minikeras.layers.preprocessing.feature_space import FeatureSpace
    return [
        (Bidirectional, _bidirectional_children),       # forward_layer / backward_layer
        (RNN, _rnn_children),                           # SimpleRNN, LSTM, GRU, RNN(cell): cell
        (StackedRNNCells, _stacked_cells_children),     # cells: [lstm_cell, lstm_cell_1, ...]
        (TimeDistributed, _time_distributed_children),  # layer
        (Wrapper, _time_distributed_children),          # layer (SpectralNormalization)
        (MultiHeadAttention, _multi_head_attention_children),
        (GroupQueryAttention, _group_query_attention_children),
        (FeatureSpace, _feature_space_children),        # preprocessors / crossers / encoders
    ]


def _is_builtin_class(cls):
    return cls is object or cls.__module__.split(".")[0] == "minikeras"


def _name_key(name):
    """Keras's visiting order: sorted names, `_private` ones last."""
    return f"~{name}" if name.startswith("_") else name


def _is_saveable(obj):
    from minikeras.layers.layer import Layer
    from minikeras.optimizers.base_optimizer import Optimizer
    return isinstance(obj, (Layer, Optimizer, KerasPlaceholder))


def _holds_saveable(value, depth=0):
    if _is_saveable(value):
        return True
    if depth < 8 and isinstance(value, (list, tuple, dict)):
        items = value.values() if isinstance(value, dict) else value
        return any(_holds_saveable(item, depth + 1) for item in items)
    return False


def _user_attributes(obj):
    """{attribute: value} of the attributes user-written classes gave `obj` (layers or lists of
    layers only): instance attributes and properties of classes outside minikeras."""
    if _is_builtin_class(type(obj)):
        return {}
    names = set(vars(obj))
    for cls in type(obj).__mro__:
        if not _is_builtin_class(cls):
            names.update(n for n, v in vars(cls).items() if isinstance(v, property))
    result = {}
    for name in names:
        if name.startswith("__") or name in _INTERNAL_ATTRIBUTES:
            continue
        try:
            value = getattr(obj, name)
        except Exception:  # noqa: BLE001 - Keras also skips attributes that fail to resolve
            continue
        if value is not obj and _holds_saveable(value):
            result[name] = value
    return result


def keras_children(obj):
    """[(Keras attribute name, child)] in the order Keras visits them; a child is a layer, an
    optimizer, a `KerasPlaceholder` or a (nested) list of those."""
    from minikeras.layers.layer import Layer
    from minikeras.models.functional import Functional
    from minikeras.models.model import Model
    from minikeras.models.sequential import Sequential
    if not isinstance(obj, Layer):
        # optimizers holding others save them as child groups, as Keras does:
        # LossScaleOptimizer's "inner_optimizer", MultiOptimizer's list "optimizers"
        inner = getattr(obj, "inner_optimizer", None)
        if _is_optimizer(inner):
            return [("inner_optimizer", inner)]
        optimizers = getattr(obj, "optimizers", None) if _is_optimizer(obj) else None
        return [("optimizers", list(optimizers))] if isinstance(optimizers, list) else []
    children = {}
    for cls, function in keras_children_table():
        if isinstance(obj, cls):
            children.update(function(obj))
            break
    known = {id(child) for child in children.values()}
    for name, value in _user_attributes(obj).items():
        if name not in children and id(value) not in known:
            children[name] = value
    if isinstance(obj, Model):
        children.setdefault("layers", obj.layers)
        if getattr(obj, "optimizer", None) is not None:
            children["optimizer"] = obj.optimizer
    ordered = sorted(children.items(), key=lambda item: _name_key(item[0]))
    if isinstance(obj, (Sequential, Functional)):
        # Keras visits the layers of Sequential and functional models before anything else.
        ordered = [("layers", children["layers"])] + [
            (name, child) for name, child in ordered if name != "layers"]
    return ordered


def own_variables(obj):
    """The variables an object stores in its own group, in Keras's order."""
    from minikeras.layers.layer import Layer
    from minikeras.optimizers.base_optimizer import Optimizer
    if isinstance(obj, Optimizer):
        return list(obj.variables)
    if isinstance(obj, Layer):
        return list(obj._trainable_variables) + list(obj._non_trainable_variables)
    return []


def snake_case(name):
    """Keras's `to_snake_case`: 'LSTMCell' -> 'lstm_cell', 'Conv2D' -> 'conv2d'."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def keras_class_name(obj):
    """The name of the Python class Keras defines for `obj`: a class exported under another
    name says so in `keras_class_name` (GroupQueryAttention is Keras's GroupedQueryAttention)."""
    return getattr(type(obj), "keras_class_name", None) or type(obj).__name__


def _unique_name(name, used):
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def _join(path, name):
    return f"{path}/{name}" if path else name


def walk(model, objects_to_skip=()):
    """[(path, object)] for every saveable object reachable from `model`, each once, in Keras's
    visiting order ("" is the model itself; "layers/dense", "layers/lstm/cell", ...).
    `objects_to_skip` are left out (with what only they lead to)."""
    visited, result = {id(obj) for obj in objects_to_skip}, []

    def visit(obj, path):
        if id(obj) in visited:
            return
        visited.add(id(obj))
        result.append((path, obj))
        for name, child in keras_children(obj):
            if _is_saveable(child):
                visit(child, _join(path, name))
            elif isinstance(child, (list, tuple, dict)):
                visit_container(child, _join(path, name), set())

    def visit_container(container, path, seen_containers):
        if id(container) in seen_containers:
            return
        seen_containers.add(id(container))
        used = {}
        for item in (container.values() if isinstance(container, dict) else container):
            if _is_saveable(item):
                # The key counts every saveable of the list, even one already written elsewhere.
                visit(item, _join(path, _unique_name(snake_case(keras_class_name(item)), used)))
            elif isinstance(item, (list, tuple, dict)):
                visit_container(item, _join(path, _unique_name("container", used)),
                                seen_containers)

    visit(model, "")
    return result


def _vars_path(path):
    return _join(path, "vars")


def _describe(obj, path):
    kind = "Optimizer" if _is_optimizer(obj) else "Layer"
    where = f"group '{_vars_path(path)}'"
    return f"{kind} '{getattr(obj, 'name', type(obj).__name__)}' ({where})"


def _is_optimizer(obj):
    from minikeras.optimizers.base_optimizer import Optimizer
    return isinstance(obj, Optimizer)


# -- saving --------------------------------------------------------------------------------------
def save_weights_to_h5(model, h5file):
    """Write `model`'s weights (and its optimizer's state) into the open h5py File `h5file`."""
    if not model.built:
        raise ValueError(f"You are saving a model that has not yet been built (model "
                         f"{model.name!r}). Try building the model first by calling it on some "
                         f"data or by using `build()`.")
    write_tree(model, h5file)


def write_tree(model, h5file, include_optimizer=True):
    """Write the tree of `model` (built or not) into `h5file`; the optimizer is left out with
    `include_optimizer=False`."""
    skip = _optimizer_to_skip(model, include_optimizer)
    written = set()
    for path, obj in walk(model, skip):
        group = h5file.create_group(_vars_path(path))
        name = getattr(obj, "name", None)
        if isinstance(name, str):
            group.attrs["name"] = name
        for i, variable in enumerate(own_variables(obj)):
            group[str(i)] = _value_of(variable)
            written.add(id(variable))
    lost = [getattr(v, "path", None) or v.name for v in model.weights if id(v) not in written]
    if lost:
        warnings.warn(f"Model {model.name!r}: {len(lost)} weights are held by objects the Keras "
                      f"file layout does not reach (a layer kept somewhere other than an "
                      f"attribute or list of its owner?) and are NOT saved: {lost}",
                      stacklevel=3)


def _optimizer_to_skip(model, include_optimizer):
    optimizer = getattr(model, "optimizer", None)
    return [optimizer] if (not include_optimizer and optimizer is not None) else []


def _value_of(variable):
    value = variable.numpy() if hasattr(variable, "numpy") else np.asarray(variable)
    return np.asarray(value)


# -- loading -------------------------------------------------------------------------------------
def is_weights_h5_layout(h5file):
    """Whether an open h5py File is in Keras 3's `.weights.h5` layout (not a legacy `.h5`)."""
    if any(key in h5file.attrs for key in _LEGACY_ROOT_ATTRIBUTES):
        return False
    if any(key in h5file for key in _LEGACY_ROOT_GROUPS):
        return False
    if any(key in h5file for key in ("layers", "vars", "optimizer",
                                     "_layer_checkpoint_dependencies")):
        return True
    # A subclassed model's file may hold only its attribute groups (`dense1/vars`, ...).
    import h5py
    return any(isinstance(item, h5py.Group) and "vars" in item for item in h5file.values())


def _stored_group(h5file, path):
    """The `vars` group of `path`, or None (Keras 2.13 files say `_layer_checkpoint_dependencies`
    where Keras 3 says `layers`)."""
    import h5py
    candidates = [_vars_path(path)]
    if "_layer_checkpoint_dependencies" in h5file and path:
        candidates.append(_vars_path(path.replace("layers", "_layer_checkpoint_dependencies")))
    for candidate in candidates:
        item = h5file.get(candidate)
        if isinstance(item, h5py.Group):
            return item
    return None


def is_bfloat16(dataset):
    """Whether Keras stored `dataset` as bfloat16 (2-byte blobs with the attribute
    dtype="bfloat16")."""
    return dataset.attrs.get("dtype") in ("bfloat16", b"bfloat16")


def stored_dtype_problem(dataset):
    """None when `dataset` stores numbers or bools, else what is wrong: strings, objects and
    compound records are refused from the metadata, before anything is read."""
    dtype = dataset.dtype
    if dtype.kind in "biuf" and dtype.fields is None:
        return None
    if dtype.itemsize == 2 and dtype.fields is None and is_bfloat16(dataset):
        return None
    return (f"the saved weight has the non-numeric type {dtype}; weights are stored as numbers "
            f"(float, int or bool). The file is corrupted or was not written by Keras")


def check_stored_dtype(dataset, where):
    """Raise `stored_dtype_problem(dataset)` as a ValueError; `where` names the weight and the
    file."""
    problem = stored_dtype_problem(dataset)
    if problem:
        raise ValueError(f"{where}: {problem}.")


def _read_dataset(dataset):
    """A dataset as a NumPy array; bfloat16 values (stored by Keras as 2-byte blobs with the
    attribute dtype="bfloat16") become float32. Only called once its shape and type were checked
    against the variable it goes into (from the metadata), so that a file cannot make this read
    more than the model's own size."""
    value = dataset[()]
    if is_bfloat16(dataset):
        raw = np.frombuffer(np.ascontiguousarray(value).tobytes(), dtype=np.uint16)
        value = (raw.astype(np.uint32) << 16).view(np.float32).reshape(dataset.shape)
    return np.asarray(value)


def _plan_object(obj, path, h5file):
    """(assignments, error message or None) for one object of the target."""
    import h5py
    variables = own_variables(obj)
    group = _stored_group(h5file, path)
    keys = [] if group is None else [k for k in group.keys()
                                     if isinstance(group[k], h5py.Dataset)]
    if len(keys) != len(variables):
        if _is_optimizer(obj):
            return [], None, "optimizer-count"
        names = [getattr(v, "name", "?") for v in variables]
        if not variables and not getattr(obj, "built", True):
            message = (f"{_describe(obj, path)} was never built and thus it doesn't have any "
                       f"variables. However the weights file lists {len(keys)} variables for "
                       f"this layer. Build it (call the model on data or `build()` it) before "
                       f"loading weights.")
        else:
            message = (f"{_describe(obj, path)} expected {len(variables)} variables, but "
                       f"received {len(keys)} variables during loading. Expected: {names}")
        return [], message, None
    expected_keys = [str(i) for i in range(len(variables))]
    if sorted(keys, key=lambda k: (len(k), k)) != expected_keys:
        return [], (f"{_describe(obj, path)}: expected datasets named {expected_keys}, found "
                    f"{sorted(keys)}."), None
    datasets = []
    for i, variable in enumerate(variables):
        dataset = group[str(i)]
        # Shape and type come from the metadata: a file declaring a huge dataset is refused
        # before a byte of it is read.
        problem = stored_dtype_problem(dataset)
        if problem:
            return [], f"{_describe(obj, path)}: weight {i}: {problem}.", None
        if tuple(dataset.shape) != tuple(variable.shape):
            if _is_optimizer(obj):
                return [], None, (f"variable {i} ({getattr(variable, 'path', variable.name)}) "
                                  f"has shape {tuple(variable.shape)}, the file has "
                                  f"{tuple(dataset.shape)}")
            return [], (f"{_describe(obj, path)}: weight {i} "
                        f"({getattr(variable, 'path', None) or variable.name}) has shape "
                        f"{tuple(variable.shape)}, but the saved weight "
                        f"'{_vars_path(path)}/{i}' has shape {tuple(dataset.shape)}."), None
        datasets.append((variable, dataset))
    return [(variable, _read_dataset(dataset)) for variable, dataset in datasets], None, None




def load_weights_from_h5(model, h5file, skip_mismatch=False, source=None):
    """Load a Keras 3 `.weights.h5` tree (open h5py File or Group) into `model`; `source` names
    the file in errors (default: the HDF5 file's name)."""
    if not model.built:
        raise ValueError(f"You are loading weights into a model that has not yet been built "
                         f"(model {model.name!r}). Try building the model first by calling it on "
                         f"some data or by using `build()`.")
    read_tree(model, h5file, skip_mismatch=skip_mismatch, source=source)


def read_tree(model, h5file, skip_mismatch=False, source=None):
    """Load the tree in `h5file` into `model` (built or not; see the module docstring); `source`
    names the file in errors."""
    assignments, errors = [], []
    for path, obj in walk(model):
        planned, error, optimizer_problem = _plan_object(obj, path, h5file)
        if optimizer_problem is not None:
            group = _stored_group(h5file, path)
            if group is None:
                continue  # no optimizer state saved: nothing to restore, nothing mismatched
            if optimizer_problem == "optimizer-count":
                detail = (f"because it has {len(own_variables(obj))} variables whereas the "
                          f"saved optimizer has {len(group.keys())} variables.")
                if not getattr(obj, "built", True):
                    detail += (" This is likely because the optimizer has not been called/built "
                               "yet.")
            else:
                detail = f"because its {optimizer_problem}."
            warnings.warn(f"Skipping variable loading for optimizer '{obj.name}', {detail}",
                          stacklevel=3)
            continue
        if error is not None:
            errors.append(error)
            continue
        assignments.extend(planned)
    if errors:
        source = source or repr(h5_errors.filename(h5file))
        message = (f"A total of {len(errors)} objects could not be loaded from the weights file "
                   f"{source} into model '{model.name}':\n" + "\n".join(f"- {e}" for e in errors))
        if not skip_mismatch:
            raise ValueError(message)
        warnings.warn(message + "\nThese objects keep their current weights (skip_mismatch=True).",
                      stacklevel=3)
    for variable, value in assignments:
        variable.assign(np.asarray(value, dtype=variable.dtype))
