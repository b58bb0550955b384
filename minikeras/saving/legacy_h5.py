"""The legacy HDF5 formats: whole models in `.h5` (Keras 2 and 3) and Keras 2 weight files.

Layout A, a whole model (`model.save("m.h5")`), as Keras 3.15.1 writes it:

    /  attrs keras_version, backend, model_config (JSON), training_config (JSON, if compiled)
    /model_weights       attrs layer_names (model.layers order), backend, keras_version
        /<layer name>    attr weight_names: trainable then non-trainable weights; a dataset at
                         each name ("seq/d1/kernel" -> group seq, group d1, dataset kernel);
                         a layer without weights gets an empty float64 array
        /top_level_model_weights   variables the model owns itself (usually none)
    /optimizer_weights   attr weight_names: optimizer.variables in order ("adam/iteration",
                         "adam/learning_rate", "adam/<variable path>_momentum", ...)

Layout B, Keras 2's `model.save_weights("w.h5")`: layout A's `model_weights` group at the root.

An attribute holding more than 64,512 bytes (the HDF5 object-header limit) is split into
`layer_names0`, `layer_names1`, ... as Keras does; readers join the pieces.

Weights are matched to layers **by position** among the layers that have weights (the names in
the file are ignored, as in Keras), or by layer name with `load_weights(..., by_name=True)`.
Nothing is assigned until every layer's weights have been read and checked, so a failed load
leaves the model as it was. Unlike Keras 3.15.1, `load_model` restores the optimizer's slots
(Adam's moments) too, so that `fit` continues exactly where the saved model stopped.

See shared/research/H5_FORMAT.md for the format as verified on real Keras files.
"""
import json
import warnings

import numpy as np

from minikeras.registry.serialization import custom_object_scope
from minikeras.saving.compile_config import compile_from_training_config, get_training_config
from minikeras.saving import h5_errors
from minikeras.saving.model_config import deserialize_model, legacy_model_config
from minikeras.saving.weights_h5 import check_stored_dtype

# `keras_version` says which Keras wrote the file. Keras 3 readers never branch on it; tf.keras
# treats a *missing* one (or "1") as a Keras 1 file and converts its kernels. Our files follow
# Keras 3.15.1's layout exactly (its model_config style included: batch_shape, DTypePolicy
# objects), so that is the version we write; minikeras's own goes in `minikeras_version`.
KERAS_VERSION = "3.15.1"
BACKEND = "numpy"
HDF5_OBJECT_HEADER_LIMIT = 64512


# -- attributes --------------------------------------------------------------------------------
def _as_text(value):
    if isinstance(value, (bytes, np.bytes_)):
        return value.decode("utf8", errors="surrogateescape")
    return str(value)


def _string_dtype(values):
    import h5py
    ascii_only = all(v.isascii() for v in values)
    return h5py.string_dtype("ascii" if ascii_only else "utf-8")


def save_attributes_to_hdf5_group(group, name, values):
    """Write a list of strings as attribute `name`, split into name0, name1, ... when it is
    larger than the HDF5 object-header limit (Keras's rule: count x longest name in bytes)."""
    values = [_as_text(v) for v in values]
    for stale in [key for key in group.attrs if key == name or
                  (key.startswith(name) and key[len(name):].isdigit())]:
        del group.attrs[stale]
    if not values:
        group.attrs[name] = np.asarray([], dtype="float64")  # what Keras writes for "none"
        return
    sizes = [len(v.encode("utf8", errors="surrogateescape")) for v in values]
    longest = max(sizes) or 1
    if longest > HDF5_OBJECT_HEADER_LIMIT:
        too_long = values[sizes.index(longest)]
        raise ValueError(f"Cannot save attribute {name!r}: the name {too_long[:80]!r}... is "
                         f"longer than {HDF5_OBJECT_HEADER_LIMIT} bytes.")
    chunks = 1
    while -(-len(values) // chunks) * longest > HDF5_OBJECT_HEADER_LIMIT:
        chunks += 1
    dtype = _string_dtype(values)
    if chunks == 1:
        group.attrs.create(name, np.asarray(values, dtype=object), dtype=dtype)
        return
    for index, piece in enumerate(np.array_split(np.asarray(values, dtype=object), chunks)):
        group.attrs.create(f"{name}{index}", piece, dtype=dtype)


def load_attributes_from_hdf5_group(group, name):
    """A list of strings from attribute `name` or its chunks name0, name1, ...; None when the
    attribute does not exist."""
    if name in group.attrs:
        return _names(group.attrs[name])
    if f"{name}0" not in group.attrs:
        return None
    values, index = [], 0
    while f"{name}{index}" in group.attrs:
        values.extend(_names(group.attrs[f"{name}{index}"]))
        index += 1
    return values


def _names(raw):
    array = np.asarray(raw)
    if array.ndim == 0:
        return [_as_text(array.item())]
    if array.size == 0:
        return []
    return [_as_text(v) for v in array.tolist()]


def _has_attribute(group, name):
    return name in group.attrs or f"{name}0" in group.attrs


# -- which weights, in which order -------------------------------------------------------------
def legacy_weights(layer):
    """A layer's weights in the order legacy files store them: trainable, then non-trainable
    (a nested model lists every sub-layer's trainable weights first)."""
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _model_own_variables(model):
    """Variables the model object holds itself (not through a layer): top_level_model_weights."""
    return list(getattr(model, "_trainable_variables", [])) + \
        list(getattr(model, "_non_trainable_variables", []))


def _unique_names(names):
    """Weight names made unique inside one group (a repeated name gets _1, _2, ...)."""
    seen, result = {}, []
    for name in names:
        name = name.lstrip("/") or "variable"
        candidate, count = name, 0
        while candidate in seen:
            count += 1
            candidate = f"{name}_{count}"
        seen[candidate] = True
        result.append(candidate)
    return result


def _weight_name(variable):
    return getattr(variable, "path", None) or variable.name


# -- saving ------------------------------------------------------------------------------------
def save_weights_to_hdf5_group(group, model):
    """Fill `group` with layout A's `model_weights` content (also layout B at a file root)."""
    layers = list(model.layers)
    names = [layer.name for layer in layers]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"Cannot save model {model.name!r} in the HDF5 format: layer names "
                         f"{duplicates} are used more than once, and each layer needs its own "
                         f"group. Give the layers unique names.")
    save_attributes_to_hdf5_group(group, "layer_names", names)
    group.attrs["backend"] = BACKEND.encode("utf8")
    group.attrs["keras_version"] = KERAS_VERSION.encode("utf8")
    for layer in sorted(layers, key=lambda l: l.name):
        _save_variables(group.create_group(layer.name), legacy_weights(layer))
    _save_variables(group.create_group("top_level_model_weights"), _model_own_variables(model))


def _save_variables(group, variables):
    names = _unique_names([_weight_name(v) for v in variables])
    save_attributes_to_hdf5_group(group, "weight_names", names)
    for name, variable in zip(names, variables):
        value = np.asarray(variable.numpy() if hasattr(variable, "numpy") else variable)
        dataset = group.create_dataset(name, value.shape, dtype=value.dtype)
        if value.shape:
            dataset[:] = value
        else:
            dataset[()] = value


def _model_config_json(model):
    return json.dumps(legacy_model_config(model), default=_json_default)


def _json_default(value):
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"Cannot serialize {value!r} ({type(value).__name__}) to JSON.")


def save_model_to_h5(model, h5file, include_optimizer=True):
    """Write `model` into the open, empty `h5py.File` (layout A, as Keras 3 writes it).

    Sequential and functional models only, as in Keras: the legacy format has no room for the
    input shape a subclassed model needs to create its weights before loading them."""
    import minikeras
    from minikeras.models.functional import Functional
    from minikeras.models.sequential import Sequential
    if not isinstance(model, (Sequential, Functional)):
        raise NotImplementedError(
            f"Saving the model to HDF5 format requires the model to be a Functional model or a "
            f"Sequential model; {model.name!r} is a subclassed {type(model).__name__}. Save it "
            f"in the `.keras` format instead (`model.save('{model.name}.keras')`), or save its "
            f"weights with `model.save_weights('{model.name}.weights.h5')`.")
    h5file.attrs["keras_version"] = KERAS_VERSION
    h5file.attrs["backend"] = BACKEND
    h5file.attrs["minikeras_version"] = getattr(minikeras, "__version__", "unknown")
    h5file.attrs["model_config"] = _model_config_json(model).encode("utf8")
    training_config = get_training_config(model) if include_optimizer else None
    if training_config is not None:
        h5file.attrs["training_config"] = json.dumps(training_config,
                                                     default=_json_default).encode("utf8")
    save_weights_to_hdf5_group(h5file.create_group("model_weights"), model)
    optimizer = getattr(model, "optimizer", None)
    if include_optimizer and training_config is not None and optimizer is not None:
        variables = list(optimizer.variables)
        if variables:
            _save_variables(h5file.create_group("optimizer_weights"), variables)
    h5file.flush()


# -- loading weights ---------------------------------------------------------------------------
def _read_layer_weights(group, layer_name, filename):
    """The (names, datasets) stored for one layer group of a weights group. The datasets are
    read only once their shapes were checked against the model (`_assign`)."""
    if layer_name not in group:
        raise ValueError(f"{filename}: the file lists layer {layer_name!r} in `layer_names` but "
                         f"has no group for it: the file is truncated or corrupted.")
    layer_group = group[layer_name]
    weight_names = load_attributes_from_hdf5_group(layer_group, "weight_names")
    if weight_names is None:
        raise ValueError(f"{filename}: the group of layer {layer_name!r} has no `weight_names` "
                         f"attribute: the file is truncated or corrupted.")
    return weight_names, [_read_dataset(layer_group, name, f"layer {layer_name!r}", filename)
                          for name in weight_names]


def _read_dataset(group, name, owner, filename):
    """The h5py dataset `name` of `group`, its type checked from the metadata; nothing is read
    yet (a file declaring a huge weight must fail its shape check before a byte is read)."""
    import h5py
    try:
        dataset = group[name]
    except KeyError:
        raise ValueError(f"{filename}: weight {name!r} of {owner} is missing from the file: the "
                         f"file is truncated or corrupted.") from None
    except (OSError, RuntimeError) as error:
        raise ValueError(f"{filename}: weight {name!r} of {owner} cannot be read ({error}): "
                         f"the file is truncated or corrupted.") from None
    if not isinstance(dataset, h5py.Dataset):
        raise ValueError(f"{filename}: weight {name!r} of {owner} is a {type(dataset).__name__}, "
                         f"not a dataset: the file is corrupted.")
    check_stored_dtype(dataset, f"{filename}: weight {name!r} of {owner}")
    return dataset


def _read_value(value):
    """The array of a dataset from `_read_dataset` (or an array as it is)."""
    import h5py
    if not isinstance(value, h5py.Dataset):
        return np.asarray(value)
    try:
        return np.asarray(value[()])
    except (OSError, RuntimeError) as error:
        raise ValueError(f"{h5_errors.filename(value)}: weight {value.name!r} cannot be read ({error}): "
                         f"the file is truncated or corrupted.") from None


def _check_layer(layer, variables, names, values, skip_mismatch, filename):
    """Pairs (variable, value) for one layer, or None when skipped; raises on a mismatch."""
    if len(values) != len(variables):
        message = (f"Layer {layer.name!r} ({type(layer).__name__}) expects {len(variables)} "
                   f"weight(s) {[tuple(v.shape) for v in variables]}, but the saved weights "
                   f"have {len(values)} element(s) {[tuple(v.shape) for v in values]} "
                   f"(saved names {names}; file {filename}).")
        if skip_mismatch:
            warnings.warn(f"Skipping loading weights for layer {layer.name!r}: {message}",
                          stacklevel=4)
            return None
        raise ValueError(message)
    for variable, value, name in zip(variables, values, names):
        if tuple(variable.shape) != tuple(value.shape):
            message = (f"Shape mismatch in layer {layer.name!r} ({type(layer).__name__}) for "
                       f"weight {_weight_name(variable)!r}: the model's weight has shape "
                       f"{tuple(variable.shape)}, the saved weight {name!r} has shape "
                       f"{tuple(value.shape)} (file {filename}).")
            if skip_mismatch:
                warnings.warn(f"Skipping loading weights for layer {layer.name!r}: {message}",
                              stacklevel=4)
                return None
            raise ValueError(message)
    return list(zip(variables, values))


def _assign(pairs):
    """Read every checked dataset, then assign them all (a read error changes no weight)."""
    values = [_read_value(value) for _, value in pairs]
    for (variable, _), value in zip(pairs, values):
        variable.assign(np.asarray(value, dtype=variable.dtype))


def _require_built(model):
    if not getattr(model, "built", False):
        raise ValueError(f"Model {model.name!r} has not created its weights yet, so weights cannot "
                         f"be loaded into it. Build it first: give it an Input, call "
                         f"`model.build(input_shape)`, or call it on a batch of data.")


def load_weights_from_hdf5_group(group, model, skip_mismatch=False):
    """Topological loading: the i-th layer with weights in the file goes to the i-th layer with
    weights in the model, whatever their names (Keras's rule)."""
    filename = h5_errors.filename(group)
    layer_names = load_attributes_from_hdf5_group(group, "layer_names")
    if layer_names is None:
        raise ValueError(f"{filename}: no `layer_names` attribute: this is not a Keras weights "
                         f"group, or the file is corrupted.")
    saved = []
    for name in layer_names:
        weight_names, values = _read_layer_weights(group, name, filename)
        if values:
            saved.append((name, weight_names, values))
    layers = [layer for layer in model.layers if legacy_weights(layer)]
    if len(saved) != len(layers):
        raise ValueError(f"Layer count mismatch when loading weights from {filename}: the model "
                         f"{model.name!r} has {len(layers)} layer(s) with weights "
                         f"{[layer.name for layer in layers]}, the file has {len(saved)} "
                         f"{[name for name, _, _ in saved]}.")
    pairs = []
    for layer, (name, weight_names, values) in zip(layers, saved):
        checked = _check_layer(layer, legacy_weights(layer), weight_names, values,
                               skip_mismatch, filename)
        pairs.extend(checked or [])
    pairs.extend(_top_level_pairs(group, model, skip_mismatch, filename))
    _assign(pairs)


def load_weights_from_hdf5_group_by_name(group, model, skip_mismatch=False):
    """Load each saved layer into the model's layer of the same name; others are left alone."""
    filename = h5_errors.filename(group)
    layer_names = load_attributes_from_hdf5_group(group, "layer_names")
    if layer_names is None:
        raise ValueError(f"{filename}: no `layer_names` attribute: this is not a Keras weights "
                         f"group, or the file is corrupted.")
    by_name = {}
    for layer in model.layers:
        by_name.setdefault(layer.name, []).append(layer)
    pairs = []
    for name in layer_names:
        if name not in by_name:
            continue
        weight_names, values = _read_layer_weights(group, name, filename)
        for layer in by_name[name]:
            checked = _check_layer(layer, legacy_weights(layer), weight_names, values,
                                   skip_mismatch, filename)
            pairs.extend(checked or [])
    pairs.extend(_top_level_pairs(group, model, skip_mismatch, filename))
    _assign(pairs)


def _top_level_pairs(group, model, skip_mismatch, filename):
    if "top_level_model_weights" not in group:
        return []
    top = group["top_level_model_weights"]
    names = load_attributes_from_hdf5_group(top, "weight_names") or []
    values = [_read_dataset(top, name, f"model {model.name!r}", filename) for name in names]
    variables = _model_own_variables(model)
    if not values and not variables:
        return []
    return _check_layer(model, variables, names, values, skip_mismatch, filename) or []


def _weights_group(h5file):
    """The group holding `layer_names`: the root (layout B) or `model_weights` (layout A)."""
    if _has_attribute(h5file, "layer_names"):
        return h5file
    if "model_weights" in h5file:
        return h5file["model_weights"]
    filename = h5_errors.filename(h5file)
    raise ValueError(f"{filename} holds no Keras weights: it has neither a `layer_names` "
                     f"attribute (Keras 2 `save_weights` files) nor a `model_weights` group "
                     f"(whole-model `.h5` files).")


def load_weights_from_legacy_h5(model, h5file, by_name=False, skip_mismatch=False):
    """`model.load_weights("x.h5")` for legacy files: a whole-model file (layout A) or a
    Keras 2 weights file (layout B). Layers are matched by position among the layers with
    weights, or by name with `by_name=True`; `skip_mismatch=True` warns about and skips the
    layers whose weight count or shapes differ."""
    _require_built(model)
    with h5_errors.reading(h5file):
        group = _weights_group(h5file)
        if by_name:
            load_weights_from_hdf5_group_by_name(group, model, skip_mismatch)
        else:
            load_weights_from_hdf5_group(group, model, skip_mismatch)


# -- loading a whole model ---------------------------------------------------------------------
def _json_attribute(h5file, name, filename):
    raw = h5file.attrs[name]
    try:
        return json.loads(_as_text(raw))
    except RecursionError:
        raise ValueError(f"{filename}: the `{name}` attribute is nested too deeply to be a "
                         f"model's config: the file is corrupted or crafted.") from None
    except (ValueError, TypeError) as error:
        raise ValueError(f"{filename}: the `{name}` attribute is not valid JSON ({error}): the "
                         f"file is corrupted.") from None


def _not_a_model_file(h5file, filename):
    if _has_attribute(h5file, "layer_names"):
        what = ("a weights-only file (Keras 2 `save_weights` layout): it has layer weights but "
                "no `model_config` attribute describing the architecture. Build the model in "
                "code and call `model.load_weights(...)`")
    elif "layers" in h5file or "vars" in h5file:
        what = ("a Keras 3 weights-only file (`.weights.h5` layout): it has no `model_config` "
                "attribute describing the architecture. Build the model in code and call "
                "`model.load_weights(...)`")
    else:
        what = ("not a Keras model file: it has no `model_config` attribute (the model "
                "architecture saved by `model.save`)")
    return ValueError(f"{filename} is {what}.")


def load_model_from_h5(h5file, custom_objects=None, compile=True):
    """Rebuild the model stored in an open `h5py.File` (layout A from minikeras, Keras 3 or
    Keras 2): architecture, weights, and, with `compile=True` and a saved training
    configuration, the compiled optimizer / loss / metrics with the optimizer's state."""
    with h5_errors.reading(h5file):
        return _load_model(h5file, custom_objects, compile)


def _load_model(h5file, custom_objects, compile):
    filename = h5_errors.filename(h5file)
    if "model_config" not in h5file.attrs:
        raise _not_a_model_file(h5file, filename)
    config = _json_attribute(h5file, "model_config", filename)
    if "model_weights" not in h5file:
        raise ValueError(f"{filename}: the file describes a model but has no `model_weights` "
                         f"group: it is truncated or corrupted.")
    with custom_object_scope(custom_objects):
        model = deserialize_model(config, custom_objects, source=filename)
        load_weights_from_hdf5_group(h5file["model_weights"], model)
        if compile and "training_config" in h5file.attrs:
            training_config = _json_attribute(h5file, "training_config", filename)
            compile_from_training_config(model, training_config, custom_objects)
            if "optimizer_weights" in h5file:
                _restore_optimizer(model, h5file["optimizer_weights"], filename)
    return model


# -- optimizer state ---------------------------------------------------------------------------
def _restore_optimizer(model, group, filename):
    """Build the optimizer on the model's trainable variables and set its variables from the
    file by position, with a shape check. Files written by Keras 2 (no learning_rate variable,
    int64 iteration) are aligned first. On any mismatch the optimizer stays freshly initialized
    (with a warning) rather than half restored."""
    optimizer = model.optimizer
    names = load_attributes_from_hdf5_group(group, "weight_names")
    if names is None:
        raise ValueError(f"{filename}: the `optimizer_weights` group has no `weight_names` "
                         f"attribute: the file is truncated or corrupted.")
    values = [_read_dataset(group, name, f"optimizer {optimizer.name!r}", filename)
              for name in names]
    optimizer.build(model.trainable_variables)
    variables = list(optimizer.variables)
    names, values = _align_optimizer_values(optimizer, variables, names, values)
    if len(values) < len(variables) and len(values) == _unbuilt_count(optimizer) and \
            all(tuple(v.shape) == tuple(w.shape) for v, w in zip(variables, values)):
        variables = variables[:len(values)]  # saved before its first step: no slots yet
    problem = None
    if len(values) != len(variables):
        problem = (f"the optimizer has {len(variables)} variables but the file has "
                   f"{len(values)}")
    else:
        for variable, value, name in zip(variables, values, names):
            if tuple(variable.shape) != tuple(value.shape):
                problem = (f"optimizer variable {variable.path!r} has shape "
                           f"{tuple(variable.shape)} but the saved {name!r} has shape "
                           f"{tuple(value.shape)}")
                break
    if problem:
        warnings.warn(f"Error in loading the saved optimizer state from {filename}: {problem}. "
                      f"Training will start with a freshly initialized optimizer.", stacklevel=3)
        return
    _assign(list(zip(variables, values)))


def _unbuilt_count(optimizer):
    """How many variables an optimizer has before `build`: iteration (+ learning_rate)."""
    return sum(1 for v in optimizer.variables if v is getattr(optimizer, "_iterations", None)
               or v is getattr(optimizer, "_learning_rate", None))


def _align_optimizer_values(optimizer, variables, names, values):
    """Keras 2.11+ files ("iteration:0", "Adam/m/<var>:0", ...) have no learning_rate variable:
    keep ours in its place so that the slots line up by position."""
    saved_rate = any(n.rsplit("/", 1)[-1].split(":")[0] == "learning_rate" for n in names)
    rate = getattr(optimizer, "_learning_rate", None)
    if not saved_rate and values and len(variables) > 1 and variables[1] is rate:
        names = names[:1] + ["(the configured learning_rate)"] + names[1:]
        values = values[:1] + [np.asarray(rate.numpy())] + values[1:]
    return names, values
