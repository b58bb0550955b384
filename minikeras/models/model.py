"""`Model`: a Layer that can be trained (the Trainer mix-in) and summarized.

Three ways to make one, as in Keras:
- the Functional API: `Model(inputs, outputs)` returns a `Functional` model (a graph of layers);
- subclassing: create layers as attributes in `__init__` (they are tracked, so their weights
  become the model's), and write the forward pass in `call(inputs, training=None)`;
- `Sequential`, the ready-made subclass for a plain stack of layers.
"""
from minikeras.backend.keras_tensor import KerasTensor
from minikeras.layers.auto_config import revive
from minikeras.layers.layer import Layer
from minikeras.layers.serialization import shape_to_list
from minikeras.registry.layer_classes import register_layer
from minikeras.registry.serialization import custom_object_scope
from minikeras.trainers.trainer import Trainer
from minikeras.tree import flatten


@register_layer(module="keras")
class Model(Trainer, Layer):
    """A trainable network of layers: compile / fit / evaluate / predict / summary."""

    def __new__(cls, *args, **kwargs):
        if cls is Model and _functional_arguments(args, kwargs):
            from minikeras.models.functional import Functional
            return Functional.__new__(Functional)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        if _functional_arguments(args, kwargs):
            # A subclass calling super().__init__(inputs, outputs) becomes a Functional subclass.
            from minikeras.models.functional import Functional
            _inject_functional(type(self))
            Functional.__init__(self, *args, **kwargs)
            return
        if args:
            raise TypeError(f"Model got unexpected positional arguments {args!r}: pass "
                            f"`inputs` and `outputs` (KerasTensors) for a functional model, or "
                            f"only keyword arguments (name=..., trainable=...).")
        super().__init__(**kwargs)
        self.optimizer = None
        self.history = None
        self.stop_training = False

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Print Keras's table: Layer (type) / Output Shape / Param #, then the totals."""
        from minikeras.visualization.summary import print_summary
        print_summary(self, line_length, positions, print_fn, expand_nested, show_trainable, layer_range)

    def _summary_rows(self, expand_nested=False):
        return [(layer, _known_output_shape(layer)) for layer in self.layers]

    @property
    def layers(self):
        return list(self._layers)

    def get_layer(self, name=None, index=None):
        """A sublayer by its name or position in `layers`."""
        if index is not None:
            if name is not None:
                raise ValueError("Provide only a layer name or a layer index, not both.")
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has "
                                 f"{len(self.layers)} layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name!r}. Existing layers are: "
                         f"{[layer.name for layer in self.layers]}.")

    # -- config --------------------------------------------------------------------------------
    # `get_config` is Layer's: name / trainable / dtype plus, for a user class without its own
    # `get_config`, the constructor arguments it was given (Keras 3's auto-config, which raises
    # NotImplementedError naming the arguments that are not plain values). Sequential and
    # Functional write their layers instead.

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """The model `config` describes, with Keras 3's rules: a functional config rebuilds the
        graph (for Functional, Model, or a subclass whose constructor takes inputs and outputs);
        any other subclass is called as `cls(**config)`, and a config that lacks constructor
        arguments gives an error naming them. (Sequential has its own `from_config`; a user
        class's own `from_config` may call this one through `super()`.)"""
        from minikeras.models.functional_config import (functional_from_config,
                                                        functional_like_constructor)
        with custom_object_scope(custom_objects):
            is_functional_config = isinstance(config, dict) and all(
                key in config for key in ("layers", "input_layers", "output_layers"))
            if is_functional_config and (cls is Model or functional_like_constructor(cls)):
                return functional_from_config(cls, config, custom_objects)
            return revive(cls, config, "model")

    def get_build_config(self):
        """{"input_shape": [...]} once built from a known input shape, else None."""
        shape = self.__dict__.get("_build_input_shape")
        if not self.built or shape is None:
            return None
        return {"input_shape": shape_to_list(shape)}

    def get_compile_config(self):
        """The compile() arguments, serialized as Keras 3 stores them in `.keras` files."""
        from minikeras.saving.compile_config import get_compile_config
        return get_compile_config(self)

    def compile_from_config(self, config):
        """compile() again from `get_compile_config()`'s output."""
        from minikeras.saving.compile_config import compile_from_config
        compile_from_config(self, config)

    # -- saving --------------------------------------------------------------------------------
    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Save the whole model: `.keras` (Keras 3's zip) or `.h5` / `.hdf5` (legacy HDF5).

        `include_optimizer=False` leaves the optimizer state out."""
        from minikeras.saving.saving_api import save_model
        save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite=True, max_shard_size=None):
        """Save the weights only, in Keras 3's layout; the name must end in `.weights.h5`."""
        from minikeras.saving.saving_api import save_weights
        save_weights(self, filepath, overwrite=overwrite, max_shard_size=max_shard_size)

    def load_weights(self, filepath, skip_mismatch=False, by_name=False, **kwargs):
        """Load weights from `.weights.h5`, `.keras`, or a legacy `.h5` file (Keras 2 or 3).

        Legacy files match layers by position, or by name with `by_name=True`;
        `skip_mismatch=True` skips layers whose weight shapes differ instead of failing."""
        from minikeras.saving.saving_api import load_weights
        load_weights(self, filepath, skip_mismatch=skip_mismatch, by_name=by_name, **kwargs)

    def to_json(self, **kwargs):
        """The architecture as a JSON string (`models.model_from_json` rebuilds it)."""
        import json
        from minikeras.layers.serialization import serialize
        return json.dumps(serialize(self), **kwargs)


def _functional_arguments(args, kwargs):
    """Whether Model(...) was given inputs and outputs (then it is a Functional model)."""
    if len(args) == 2 or ("inputs" in kwargs and "outputs" in kwargs) or (
            len(args) == 1 and "outputs" in kwargs):
        candidates = list(args) + [kwargs.get("inputs"), kwargs.get("outputs")]
        return any(isinstance(x, KerasTensor) for x in flatten(candidates))
    return False


def _inject_functional(cls):
    """Make `Functional` a base of `cls` in place of `Model` (Keras's functional subclassing)."""
    from minikeras.models.functional import Functional
    if issubclass(cls, Functional):
        return
    cls.__bases__ = tuple(Functional if base is Model else base for base in cls.__bases__)
    for base in cls.__bases__:
        if issubclass(base, Model) and not issubclass(base, Functional):
            _inject_functional(base)


def _known_output_shape(layer):
    """The output shape a summary can show: computed from the shape the layer was built with
    (Keras does the same); None ("?") when it is not known."""
    build_shape = layer.__dict__.get("_build_input_shape")
    if build_shape is None:
        return None
    try:
        return layer.compute_output_shape(build_shape)
    except Exception:  # a shape formula that needs more than the build shape
        return None
