"""The shared layer test: `run_layer_test` checks one layer configuration the way every layer
must work, after Keras's `TestCase.run_layer_test` (keras/src/testing/test_case.py).

For one case (a layer class, its constructor arguments and an input) it checks, in order:

1. serialization: `from_config(get_config())` gives the same config, through JSON too, and
   `layers.serialize` / `layers.deserialize` round-trip it;
2. the eager call: output shapes and dtypes, weight and loss counts, `supports_masking`;
3. `compute_output_shape` agrees with the eager output;
4. the symbolic call on `layers.Input` agrees (batch axis None);
5. a layer rebuilt from the config, given the first layer's weights, computes the same outputs;
6. float64 central differences agree with autodiff, for every float input and every trainable
   weight (`minikeras.utils.layer_gradient_check` under `set_floatx("float64")`);
7. a small functional model holding the layer survives `.keras`, `.h5` and `.weights.h5`: same
   configs, weights and predictions (bit for bit) after loading;
8. a layer with a seeded random generator replays its training-mode draws: from the same
   generator state, and when rebuilt with the same seed.

Inputs are described as in Keras: `input_shape` (with the batch axis) or `input_data`, each a
single shape / array, a list of them (merging layers: `layer([a, b])`) or a dict of them (passed
as keyword arguments: `layer(query=..., value=...)`). Shapes are kept tiny: the gradient check
evaluates the layer twice per input value and per weight value.

`LayerCase` holds the arguments of one `run_layer_test` call, so that a table of cases can be
parametrized over and other suites (the CuPy parity tests) can build the same probe models.
"""
import json
import os
import tempfile

import numpy as np

import minikeras
from minikeras import layers, ops, tree
from minikeras.backend import set_floatx
from minikeras.models import Model, load_model
from minikeras.ops.operation import Operation
from minikeras.random.seed_generator import find_seed_generators
from minikeras.utils import layer_gradient_check

#: The file formats every layer must survive.
SAVE_FORMATS = ("keras", "h5", "weights.h5")


def run_layer_test(layer_cls, init_kwargs=None, input_shape=None, input_dtype=None,
                   input_data=None, call_kwargs=None, expected_output_shape=None,
                   expected_output_dtype="float32", expected_output=None,
                   expected_num_trainable_weights=None, expected_num_non_trainable_weights=None,
                   expected_num_losses=None, supports_masking=None, adapt_data=None,
                   custom_objects=None, run_gradient_check=True, gradient_training=False,
                   gradient_tolerance=1e-6, run_saving_check=True, saving_outputs=None,
                   draws_in_training=False):
    """Check one configuration of a layer class (see the module docstring for the checks).

    Args:
        layer_cls: the layer class.
        init_kwargs: constructor arguments: a dict, or a function returning one when they hold
            layers (an RNN's cell, a wrapped layer), so that every construction gets fresh ones.
        input_shape: the input's shape with the batch axis; a list or dict of shapes for several
            inputs. Random data is drawn for it (integers in [0, 10) for integer dtypes).
        input_dtype: "float32" (default) or a structure of dtypes matching `input_shape`.
        input_data: the inputs themselves, instead of `input_shape`.
        call_kwargs: extra keyword arguments of `call` (not tensors).
        expected_output_shape: the output's shape (a list of shapes for several outputs).
        expected_output_dtype: the output dtype (one for all outputs, or a list).
        expected_output: exact output values, when known.
        expected_num_trainable_weights, expected_num_non_trainable_weights, expected_num_losses:
            counts after the first call.
        supports_masking: the layer's expected `supports_masking`.
        adapt_data: data for `layer.adapt` (preprocessing layers), before the first call.
        custom_objects: what `from_config` / `load_model` need for the layer's config.
        run_gradient_check: False for a layer that has nothing differentiable.
        gradient_training: run the gradient check in training mode (seeded masks replay).
        gradient_tolerance: largest relative error allowed by the gradient check.
        run_saving_check: False to skip the file formats.
        saving_outputs: `f(layer, input_tensors) -> outputs` to put the layer in the saved
            model differently (a mask that must reach the next layer). By default the model is
            inputs -> layer -> Flatten -> Dense(2), so the next layer's weights pin the output
            shape after loading.
        draws_in_training: the layer draws random numbers in training mode: it must hold a
            seeded generator, replay its draws and draw new values on the next call.
    """
    if (input_shape is None) == (input_data is None):
        raise ValueError("Pass exactly one of input_shape and input_data.")
    call_kwargs = dict(call_kwargs or {})
    if input_data is None:
        input_data = make_input_data(input_shape, input_dtype)

    new_layer = layer_factory(layer_cls, init_kwargs, adapt_data)
    _check_serialization(layer_cls(**_kwargs(init_kwargs)), custom_objects)

    layer = new_layer()
    output = call_layer(layer, input_data, **call_kwargs)
    assert layer.built, f"{layer.name} is not built after its first call"
    output_shapes = [tuple(o.shape) for o in tree.flatten(output)]
    if expected_output_shape is not None:
        assert output_shapes == _shape_leaves(expected_output_shape), (
            f"eager output shapes {output_shapes}, expected {expected_output_shape}")
    output_dtypes = [str(np.dtype(o.dtype)) for o in tree.flatten(output)]
    if expected_output_dtype is not None:
        expected_dtypes = (list(expected_output_dtype)
                           if isinstance(expected_output_dtype, (list, tuple))
                           else [expected_output_dtype] * len(output_dtypes))
        assert output_dtypes == expected_dtypes, (
            f"eager output dtypes {output_dtypes}, expected {expected_dtypes}")
    if expected_output is not None:
        for want, got in zip(tree.flatten(expected_output), tree.flatten(output)):
            np.testing.assert_allclose(_numpy(got), want, rtol=1e-6, atol=1e-6)
    if expected_num_trainable_weights is not None:
        assert len(layer.trainable_weights) == expected_num_trainable_weights, (
            f"{len(layer.trainable_weights)} trainable weights")
    if expected_num_non_trainable_weights is not None:
        assert len(layer.non_trainable_weights) == expected_num_non_trainable_weights, (
            f"{len(layer.non_trainable_weights)} non-trainable weights")
    if expected_num_losses is not None:
        assert len(layer.losses) == expected_num_losses, f"{len(layer.losses)} losses"
    if supports_masking is not None:
        assert layer.supports_masking == supports_masking

    _check_compute_output_shape(layer, input_data, output_shapes)
    _check_symbolic_call(new_layer(), input_data, call_kwargs, output_shapes, output_dtypes)
    _check_rebuilt_from_config(layer, input_data, call_kwargs, custom_objects)
    if run_gradient_check:
        _check_gradients(new_layer, input_data, call_kwargs, gradient_training,
                         gradient_tolerance)
    if run_saving_check:
        model, probed = probe_model(new_layer(), input_data, call_kwargs, saving_outputs)
        _check_save_formats(model, probed, input_data, custom_objects)
    _check_random_replay(new_layer, input_data, call_kwargs, draws_in_training)


class LayerCase:
    """The arguments of one `run_layer_test` call, kept for a parametrized table.

        LayerCase(layers.Dense, {"units": 3}, input_shape=(2, 4), expected_output_shape=(2, 3))
    """

    def __init__(self, layer_cls, init_kwargs=None, **options):
        self.layer_cls = layer_cls
        self.init_kwargs = init_kwargs
        self.options = options

    def run(self):
        run_layer_test(self.layer_cls, self.init_kwargs, **self.options)

    def data(self):
        """The case's input data (drawn from `input_shape` when no `input_data` was given)."""
        if self.options.get("input_data") is not None:
            return self.options["input_data"]
        return make_input_data(self.options["input_shape"], self.options.get("input_dtype"))

    def new_layer(self):
        return layer_factory(self.layer_cls, self.init_kwargs, self.options.get("adapt_data"))()

    def probe(self):
        """(model, layer): the small functional model of the saving check, holding a new layer."""
        return probe_model(self.new_layer(), self.data(), self.options.get("call_kwargs") or {},
                           self.options.get("saving_outputs"))

    def __repr__(self):
        return f"LayerCase({self.layer_cls.__name__}, {self.init_kwargs!r})"


# -- inputs and calls --------------------------------------------------------------------------
def make_input_data(input_shape, input_dtype=None, seed=1):
    """Arrays for a structure of shapes: standard normal floats, integers in [0, 10)."""
    rng = np.random.default_rng(seed)
    shapes = _shape_leaves(input_shape)
    dtypes = (tree.flatten(input_dtype) if input_dtype is not None
              and not isinstance(input_dtype, str) else [input_dtype or "float32"] * len(shapes))
    arrays = []
    for shape, dtype in zip(shapes, dtypes):
        if np.issubdtype(np.dtype(dtype), np.integer):
            arrays.append(rng.integers(0, 10, shape).astype(dtype))
        else:
            arrays.append(rng.standard_normal(shape).astype(dtype))
    return tree.pack_sequence_as(tree.map_shape_structure(_Shape, input_shape), arrays)


def call_layer(layer, inputs, **call_kwargs):
    """`layer(inputs)`; a dict of inputs is passed as keyword arguments."""
    if isinstance(inputs, dict):
        return layer(**inputs, **call_kwargs)
    return layer(inputs, **call_kwargs)


def layer_factory(layer_cls, init_kwargs, adapt_data=None):
    """A function making a new layer each call (with new sublayers, adapted when asked)."""
    def new_layer():
        layer = layer_cls(**_kwargs(init_kwargs))
        if adapt_data is not None:
            layer.adapt(adapt_data)
        return layer
    return new_layer


def _kwargs(init_kwargs):
    return dict(init_kwargs() if callable(init_kwargs) else init_kwargs or {})


class _Shape:
    """A shape as one leaf, so that `minikeras.tree` walks shapes in its usual order."""

    def __init__(self, dims):
        self.dims = tuple(dims)


def _shape_leaves(shapes):
    """The shapes of a structure of shapes, in `minikeras.tree`'s order (dicts by key)."""
    return [leaf.dims for leaf in tree.flatten(tree.map_shape_structure(_Shape, shapes))]


def _numpy(value):
    return np.asarray(value.numpy() if hasattr(value, "numpy") else value)


def _outputs(value):
    return [_numpy(o) for o in tree.flatten(value)]


# -- 1. serialization --------------------------------------------------------------------------
def _check_serialization(layer, custom_objects):
    """get_config -> from_config -> get_config gives the same config, as it is and through
    JSON; so does layers.serialize -> layers.deserialize."""
    cls = type(layer)
    config = layer.get_config()
    if cls is not layers.Pipeline:  # Keras's Pipeline config holds only its layers and name
        policy = config["dtype"]  # a DTypePolicy's config, or (SpatialDropout) its name
        assert (policy if isinstance(policy, str) else policy["config"]["name"]) == layer.dtype
    text = json.dumps(config, sort_keys=True)
    with minikeras.saving.custom_object_scope(custom_objects or {}):
        assert cls.from_config(config).get_config() == config
        assert json.dumps(cls.from_config(json.loads(text)).get_config(), sort_keys=True) == text
        serialized = layers.serialize(layer)
        assert serialized["class_name"] == cls.__name__
        if cls.__module__.startswith("minikeras.layers."):  # built-ins go by Keras's module
            assert serialized["module"] == "keras.layers"
        assert layers.deserialize(serialized).get_config() == config
        revived = layers.deserialize(json.loads(json.dumps(serialized)))
    assert type(revived) is cls
    assert json.dumps(revived.get_config(), sort_keys=True) == text


# -- 3, 4. output shapes without data ----------------------------------------------------------
def _check_compute_output_shape(layer, input_data, output_shapes):
    shapes = tree.map_structure(lambda a: tuple(a.shape), input_data)
    if isinstance(shapes, dict):
        computed = layer.compute_output_shape(**{f"{k}_shape": v for k, v in shapes.items()})
    else:
        computed = layer.compute_output_shape(shapes)
    assert [tuple(s) for s in _shape_leaves(computed)] == output_shapes, (
        f"compute_output_shape gives {computed}, the eager call {output_shapes}")


def _symbolic_inputs(input_data):
    """`layers.Input` for each array (named after its dict key, if any), batch axis None."""
    def make(path, array):
        name = str(path[-1]) if path and isinstance(input_data, dict) else None
        return layers.Input(array.shape[1:], dtype=str(array.dtype), name=name)
    flat = [make(path, a) for path, a in tree.flatten_with_path(input_data)]
    return tree.pack_sequence_as(input_data, flat)


def _check_symbolic_call(layer, input_data, call_kwargs, output_shapes, output_dtypes):
    symbolic = tree.flatten(call_layer(layer, _symbolic_inputs(input_data), **call_kwargs))
    assert all(isinstance(o, layers.KerasTensor) for o in symbolic)
    got = [tuple(o.shape) for o in symbolic]
    assert got == [(None,) + shape[1:] for shape in output_shapes], (
        f"symbolic output shapes {got}, eager {output_shapes}")
    assert [str(np.dtype(o.dtype)) for o in symbolic] == output_dtypes


# -- 5. a layer rebuilt from its config --------------------------------------------------------
def _check_rebuilt_from_config(layer, input_data, call_kwargs, custom_objects):
    with minikeras.saving.custom_object_scope(custom_objects or {}):
        clone = type(layer).from_config(layer.get_config())
    call_layer(clone, input_data, **call_kwargs)
    clone.set_weights(layer.get_weights())
    expected = _outputs(call_layer(layer, input_data, training=False, **call_kwargs))
    for want, got in zip(expected, _outputs(call_layer(clone, input_data, training=False,
                                                       **call_kwargs))):
        np.testing.assert_array_equal(got, want)


# -- 6. float64 gradients ----------------------------------------------------------------------
class _FlatInputs(layers.Layer):
    """A layer of one flat float64 vector: it cuts the vector into the probed layer's float
    inputs (integer inputs stay fixed), calls it, and returns all its outputs as one flat
    vector, so that `layer_gradient_check` checks layers with several inputs or outputs, or
    integer inputs, for every float input value and every trainable weight."""

    def __init__(self, layer, input_data, call_kwargs, **kwargs):
        super().__init__(**kwargs)
        self.layer = layer
        self.input_data = input_data
        self.call_kwargs = call_kwargs

    def call(self, flat, training=None):
        start, leaves = 0, []
        for array in tree.flatten(self.input_data):
            if np.issubdtype(array.dtype, np.floating):
                leaves.append(ops.reshape(flat[start:start + array.size], array.shape))
                start += array.size
            else:
                leaves.append(array)
        inputs = tree.pack_sequence_as(self.input_data, leaves)
        outputs = call_layer(self.layer, inputs, training=training, **self.call_kwargs)
        return ops.concatenate([ops.reshape(o, (-1,)) for o in tree.flatten(outputs)], axis=0)


def _check_gradients(new_layer, input_data, call_kwargs, training, tolerance):
    set_floatx("float64")
    try:
        layer = new_layer()  # float64 weights
        data = tree.map_structure(
            lambda a: a.astype("float64") if np.issubdtype(a.dtype, np.floating) else a,
            input_data)
        simple = (isinstance(data, np.ndarray) and data.dtype == np.float64 and not call_kwargs
                  and len(tree.flatten(call_layer(layer, data))) == 1)
        if simple:
            error = layer_gradient_check(layer, data, training=training)
        else:
            floats = [a.reshape(-1) for a in tree.flatten(data) if a.dtype == np.float64]
            flat = np.concatenate(floats) if floats else np.zeros((0,))
            error = layer_gradient_check(_FlatInputs(layer, data, call_kwargs), flat,
                                         training=training)
    finally:
        set_floatx("float32")
    assert error < tolerance, f"gradient check: relative error {error:.3g} >= {tolerance}"


# -- 7. the save formats -----------------------------------------------------------------------
def probe_model(layer, input_data, call_kwargs=None, saving_outputs=None):
    """(model, layer): a functional model of `layer` on `layers.Input`s shaped like
    `input_data`, by default followed by Flatten and Dense(2) (the outputs flattened and joined
    when the layer has several)."""
    inputs = _symbolic_inputs(input_data)
    if saving_outputs is not None:
        outputs = saving_outputs(layer, inputs)
    else:
        flat = [layers.Flatten(name=f"head_flat_{i}")(o)
                for i, o in enumerate(tree.flatten(call_layer(layer, inputs,
                                                              **(call_kwargs or {}))))]
        joined = flat[0] if len(flat) == 1 else layers.Concatenate(name="head_join")(flat)
        outputs = layers.Dense(2, name="head")(joined)
    return Model(inputs, outputs, name="probe"), layer


def randomize_weights(model, seed=0):
    """Every weight (non-trainable ones too) gets values no initializer would give: positive,
    so that variances stay valid; integers in [1, 50)."""
    rng = np.random.default_rng(seed)
    for variable in model.weights:
        dtype = np.dtype(variable.dtype)
        if np.issubdtype(dtype, np.integer):
            value = rng.integers(1, 50, variable.shape)
        else:
            value = rng.uniform(0.5, 1.5, variable.shape)
        variable.assign(value.astype(dtype))


def weight_signature(model):
    """Names, shapes, dtypes, trainability, in order. Not the full `path`: like Keras 3, a cell
    or wrapped layer rebuilt from its build_config is built outside its wrapper's name scope
    ('rnn/lstm_cell/kernel' comes back as 'lstm_cell/kernel'); paths are never used to match
    weights in files."""
    return [(v.name, tuple(v.shape), str(np.dtype(v.dtype)), bool(v.trainable))
            for v in model.weights]


def predict(model, x):
    """The model's outputs in inference mode, as a list of NumPy arrays."""
    return _outputs(model(x, training=False))


def assert_same_model(original, loaded, x):
    """Same class, layers, configs, weights (bit for bit) and predictions."""
    assert type(loaded) is type(original)
    assert [type(l) for l in loaded.layers] == [type(l) for l in original.layers]
    for a, b in zip(original.layers, loaded.layers):
        assert a.name == b.name
        assert b.get_config() == a.get_config(), a.name
    assert weight_signature(loaded) == weight_signature(original)
    for va, vb in zip(original.weights, loaded.weights):
        np.testing.assert_array_equal(va.numpy(), vb.numpy(), err_msg=va.path)
    for pa, pb in zip(predict(original, x), predict(loaded, x)):
        np.testing.assert_array_equal(pa, pb)


def save_and_reload(model, folder, fmt, custom_objects=None):
    """Save `model` as `fmt` ("keras", "h5" or "weights.h5") in `folder` and load it back (for
    weights only: into a model rebuilt from its config)."""
    path = os.path.join(folder, f"model.{fmt}")
    if fmt == "weights.h5":
        model.save_weights(path)
        with minikeras.saving.custom_object_scope(custom_objects or {}):
            fresh = type(model).from_config(model.get_config())
        fresh.load_weights(path)
        return fresh
    model.save(path)
    return load_model(path, custom_objects=custom_objects)


def _check_save_formats(model, layer, input_data, custom_objects):
    class_name = type(layer).__name__
    # the probe holds the class (itself, or as the cell of an RNN) and all the layer's weights
    assert f'"class_name": "{class_name}"' in model.to_json()
    assert {id(v) for v in layer.weights} <= {id(v) for v in model.weights}
    randomize_weights(model)
    reference = predict(model, input_data)
    with tempfile.TemporaryDirectory() as folder:
        for fmt in SAVE_FORMATS:
            loaded = save_and_reload(model, folder, fmt, custom_objects)
            assert_same_model(model, loaded, input_data)
            assert f'"class_name": "{class_name}"' in loaded.to_json()
            for want, got in zip(reference, predict(loaded, input_data)):
                np.testing.assert_array_equal(got, want, err_msg=fmt)


# -- 8. seeded random draws --------------------------------------------------------------------
def _seeded_generators(layer):
    return [g for g in find_seed_generators(layer, Operation).values() if g.owns_state]


def _check_random_replay(new_layer, input_data, call_kwargs, draws_in_training):
    layer = new_layer()
    generators = _seeded_generators(layer)
    if draws_in_training:
        assert generators, f"{type(layer).__name__}: no seeded generator (pass a seed)"
    if not generators:
        return
    states = [g.state for g in generators]
    first = _outputs(call_layer(layer, input_data, training=True, **call_kwargs))
    following = _outputs(call_layer(layer, input_data, training=True, **call_kwargs))
    for generator, state in zip(generators, states):
        generator.state = state
    replayed = _outputs(call_layer(layer, input_data, training=True, **call_kwargs))
    again = new_layer()
    call_layer(again, input_data, training=False, **call_kwargs)  # builds; draws nothing
    again.set_weights(layer.get_weights())
    rebuilt = _outputs(call_layer(again, input_data, training=True, **call_kwargs))
    for a, b, c in zip(first, replayed, rebuilt):
        np.testing.assert_array_equal(b, a)
        np.testing.assert_array_equal(c, a)
    if draws_in_training:
        assert any(not np.array_equal(a, b) for a, b in zip(first, following)), (
            "a second training call drew the same values")
