"""`Sequential`: a model that is a plain stack of layers, each feeding the next.

As in Keras 3, a Sequential owns only its list of layers: once the input shape is known, it
calls the layers in turn on the `Input`'s symbolic tensor and keeps the graph so made as an
inner `Functional` (`model._functional`), which answers for its `inputs` / `outputs`, input
and output shapes, symbolic outputs and summary rows. `add` and `pop` rebuild that inner model.
A call on data walks the layer list itself (the same chain, without the replay's bookkeeping).
"""
from minikeras.backend.array_module import xp
from minikeras.backend.keras_tensor import KerasTensor
from minikeras.backend.masking import get_keras_mask, set_keras_mask
from minikeras.layers.core.input_layer import InputLayer
from minikeras.layers.layer import Layer, name_scope, dtype_policy_config
from minikeras.models.functional import Functional, fit_to_input_shape
from minikeras.models.model import Model
from minikeras.layers.serialization import deserialize, serialize_layer_entry, shape_to_list
from minikeras.ops import cast, reshape
from minikeras.registry.layer_classes import register_layer


@register_layer(module="keras")
class Sequential(Model):
    """A linear stack of layers.

        model = Sequential([Input((784,)), Dense(512, activation="relu"), Dense(10, activation="softmax")])

    The model is built as soon as its input shape is known: from an `Input` (or `InputLayer`),
    from `input_shape=` on the first layer, or else at the first call / fit on data.
    `model.layers` excludes the InputLayer, as in Keras.
    """

    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__(trainable=trainable, name=name)
        self._input_layer = None
        self._sequence = []
        self._set_functional(None)
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    @property
    def _layers(self):
        return self._sequence if hasattr(self, "_sequence") else []

    def _set_functional(self, functional):
        # Not a tracked sublayer: the inner Functional is another view of the same layers.
        object.__setattr__(self, "_functional", functional)

    def add(self, layer, rebuild=True):
        """Append a layer (or an `Input(...)` tensor as the first element)."""
        if isinstance(layer, KerasTensor) and layer._keras_history is not None:
            layer = layer._keras_history[0]
        if not isinstance(layer, Layer):
            raise ValueError(f"Only instances of `minikeras.layers.Layer` can be added to a "
                             f"Sequential model. Received: {layer!r} (of type {type(layer).__name__})")
        if isinstance(layer, InputLayer):
            if self._input_layer is not None or self._sequence:
                raise ValueError("Sequential model: an Input / InputLayer can only be the first "
                                 f"element; received {layer.name!r} after other layers.")
            self._input_layer = layer
        else:
            if not self._sequence and self._input_layer is None and layer._batch_input_shape is not None:
                self._input_layer = InputLayer(batch_shape=layer._batch_input_shape)
            if any(existing is layer for existing in self._sequence):
                raise ValueError(f"Layer {layer.name!r} is already in Sequential model {self.name!r}.")
            if any(existing.name == layer.name for existing in self._sequence):
                raise ValueError(f"All layers added to a Sequential model should have unique "
                                 f"names. Name {layer.name!r} is already the name of a layer in "
                                 f"this model. Update the `name` argument to pass a unique name.")
            self._sequence.append(layer)
        self.built = False
        self._set_functional(None)
        if rebuild:
            self._maybe_rebuild()

    def pop(self, rebuild=True):
        """Remove and return the last layer."""
        if not self._sequence:
            raise TypeError("There are no layers in the model.")
        layer = self._sequence.pop()
        self.built = False
        self._set_functional(None)
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self):
        if self._input_layer is not None and self._sequence:
            self.build(self._input_layer.batch_shape)

    def build(self, input_shape=None):
        """Call every layer in turn on the `Input`'s symbolic tensor (building each one and
        checking its input shape) and keep the graph as the inner Functional."""
        if input_shape is None:
            if self._input_layer is None:
                raise ValueError(f"Sequential model {self.name!r} cannot be built: pass an Input "
                                 f"as its first element or call build(input_shape).")
            input_shape = self._input_layer.batch_shape
        input_shape = tuple(input_shape)
        self._set_functional(None)
        if self._input_layer is None:
            self._input_layer = InputLayer(batch_shape=(None,) + input_shape[1:])
        tensor = self._input_layer.output
        with name_scope(self.name):
            for layer in self._sequence:
                tensor = layer(tensor)  # symbolic: builds the layer, checks shapes, adds a node
                if not isinstance(tensor, KerasTensor):
                    raise ValueError(f"All layers in a Sequential model should have a single "
                                     f"output tensor; layer {layer.name!r} returned "
                                     f"{len(tensor)}. For multi-output layers, use the "
                                     f"functional API.")
        # Named like the Sequential, so that it takes no auto name ("functional") from the user.
        self._set_functional(Functional(self._input_layer.output, tensor, name=self.name))
        self._build_input_shape = self._input_layer.batch_shape
        self.built = True

    # -- the graph, from the inner Functional ----------------------------------------------------
    @property
    def input_shape(self):
        if self._functional is not None:
            return self._functional.input_shape
        return None if self._input_layer is None else self._input_layer.batch_shape

    @property
    def output_shape(self):
        if self._functional is None:
            raise AttributeError(f"Sequential model {self.name!r} is not built yet: its output "
                                 f"shape is unknown.")
        return self._functional.output_shape

    @property
    def inputs(self):
        """[the symbolic input] once the input shape is known (for feature-extraction models)."""
        return self._built_functional("inputs").inputs

    @property
    def outputs(self):
        return self._built_functional("outputs").outputs

    @property
    def input(self):
        """As in Keras: once the model was called on symbolic tensors (nested in another model),
        the input of that first call; before, its own symbolic input (`inputs[0]`)."""
        if self._inbound_nodes:
            return Layer.input.fget(self)
        return self._built_functional("input").input

    @property
    def output(self):
        """As in Keras: the output of the first call on symbolic tensors (the tensor it made in
        the enclosing model); before any such call, its own symbolic output (`outputs[0]`)."""
        if self._inbound_nodes:
            return Layer.output.fget(self)
        return self._built_functional("output").output

    def _built_functional(self, what):
        if not self.built or self._functional is None:
            raise AttributeError(f"Sequential model {self.name!r} has no `{what}` yet: give it an "
                                 f"Input first (or build it).")
        return self._functional

    # -- running it ------------------------------------------------------------------------------
    def call(self, inputs, training=None, mask=None):
        """Call the layers in turn: the inner Functional's graph is this same chain, and
        walking the list directly skips the replay's bookkeeping (per-node argument lookup),
        which costs about half again the time of a small MLP's forward + backward step."""
        outputs = self._standardize_input(inputs)
        if mask is not None:
            set_keras_mask(outputs, mask)
        for layer in self._sequence:
            outputs = layer(outputs, training=training)
        return outputs

    def _standardize_input(self, inputs):
        """As Keras's Sequential (a functional graph inside): a trailing axis of size 1 may be
        missing or extra, the shape must fit the Input's, and data takes the Input's dtype."""
        if self._input_layer is None:
            return inputs
        shape = tuple(inputs.shape)
        adjusted = self._adjusted_input_shape(shape)
        mask = get_keras_mask(inputs)
        if adjusted != shape:
            inputs = reshape(inputs, adjusted)
        if inputs.dtype != xp.dtype(self._input_layer.dtype):
            inputs = cast(inputs, self._input_layer.dtype)
        if mask is not None and get_keras_mask(inputs) is None:
            set_keras_mask(inputs, mask)
        return inputs

    def _adjusted_input_shape(self, shape):
        """The shape the Input takes data of `shape` as (Sequential's own error message)."""
        if self._input_layer is None:
            return tuple(shape)
        expected = self._input_layer.batch_shape
        adjusted = fit_to_input_shape(shape, expected)
        if adjusted is None:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: '
                             f"expected shape={expected}, found shape={tuple(shape)}")
        return adjusted

    def compute_output_spec(self, inputs, training=None, mask=None):
        """The symbolic output for a symbolic input (a call inside another model's graph),
        through the inner Functional, with the same shape check as a call on data."""
        shape = self._adjusted_input_shape(inputs.shape)
        if shape != tuple(inputs.shape):
            inputs = KerasTensor(shape, inputs.dtype)
        if self._functional is not None:
            return self._functional.compute_output_spec(inputs)
        for layer in self._sequence:  # not built yet: each layer's own spec in turn
            inputs = layer.compute_output_spec(inputs)
        return inputs

    def compute_output_shape(self, input_shape):
        shape = self._adjusted_input_shape(input_shape)
        if self._functional is not None:
            return self._functional.compute_output_shape(shape)
        for layer in self._sequence:
            shape = layer.compute_output_shape(shape)
        return shape

    # -- description -----------------------------------------------------------------------------
    def _summary_rows(self, expand_nested=False):
        if self._functional is None:
            return [(layer, None) for layer in self._sequence]
        return [(layer, shape) for layer, shape in self._functional._summary_rows()
                if layer is not self._input_layer]

    def get_config(self):
        """Keras 3's Sequential config: name, trainable, dtype, the layers (InputLayer first
        when the input shape is known) and, once built, "build_input_shape"."""
        layers = []
        if self._input_layer is not None:
            layers.append(serialize_layer_entry(self._input_layer))
        layers += [serialize_layer_entry(layer) for layer in self.layers]
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": dtype_policy_config(self._dtype_policy), "layers": layers}
        shape = self.__dict__.get("_build_input_shape")
        if self.built and shape is not None:
            config["build_input_shape"] = shape_to_list(shape)
        return config

    def get_dtype_policy(self):
        from minikeras.layers.layer import dtype_policy_config
        return dtype_policy_config(self._dtype_policy)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A Sequential model from Keras 3's config, Keras 2's ({"name", "layers"}, the first
        layer possibly carrying `batch_input_shape`), or the bare list of layers of very old
        files."""
        if isinstance(config, list):
            config = {"layers": config}
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for entry in config.get("layers", []):
            model.add(deserialize(entry, custom_objects), rebuild=False)
        build_input_shape = config.get("build_input_shape")
        if model._input_layer is None and isinstance(build_input_shape, (list, tuple)):
            model.build(tuple(build_input_shape))
        else:
            model._maybe_rebuild()
        return model
