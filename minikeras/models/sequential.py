"""`Sequential`: a model that is a plain stack of layers, each feeding the next."""
from minikeras.layers.core.input_layer import InputLayer
from minikeras.layers.layer import KerasTensor, Layer, name_scope
from minikeras.models.model import Model


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
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    @property
    def _layers(self):
        return self._sequence if hasattr(self, "_sequence") else []

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
            self._sequence.append(layer)
        self.built = False
        if rebuild:
            self._maybe_rebuild()

    def pop(self, rebuild=True):
        """Remove and return the last layer."""
        if not self._sequence:
            raise TypeError("There are no layers in the model.")
        layer = self._sequence.pop()
        self.built = False
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self):
        if self._input_layer is not None and self._sequence:
            self.build(self._input_layer.batch_shape)

    @property
    def input_shape(self):
        return None if self._input_layer is None else self._input_layer.batch_shape

    @property
    def output_shape(self):
        if not self._sequence or getattr(self._sequence[-1], "_output_shape", None) is None:
            raise AttributeError(f"Sequential model {self.name!r} is not built yet: its output "
                                 f"shape is unknown.")
        return self._sequence[-1]._output_shape

    def build(self, input_shape=None):
        """Build every layer in turn, inferring each output shape from the previous one."""
        if input_shape is None:
            if self._input_layer is None:
                raise ValueError(f"Sequential model {self.name!r} cannot be built: pass an Input "
                                 f"as its first element or call build(input_shape).")
            input_shape = self._input_layer.batch_shape
        input_shape = tuple(input_shape)
        self._output_tensor = None
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
                layer._output_shape = tensor.shape
        self._output_tensor = tensor
        self._build_input_shape = self._input_layer.batch_shape
        self.built = True

    @property
    def inputs(self):
        """[the symbolic input] once the input shape is known (for feature-extraction models)."""
        self._require_graph("inputs")
        return [self._input_layer.output]

    @property
    def outputs(self):
        self._require_graph("outputs")
        return [self._output_tensor]

    @property
    def input(self):
        return self.inputs[0]

    @property
    def output(self):
        return self.outputs[0]

    def _require_graph(self, what):
        if not self.built or getattr(self, "_output_tensor", None) is None:
            raise AttributeError(f"Sequential model {self.name!r} has no `{what}` yet: give it an "
                                 f"Input first (or build it).")

    def call(self, inputs, training=None, mask=None):
        self._check_input_shape(inputs.shape)
        outputs = inputs
        for layer in self._sequence:
            outputs = layer(outputs, training=training)
        return outputs

    def _check_input_shape(self, shape):
        if self._input_layer is None:
            return
        expected = self._input_layer.batch_shape
        compatible = len(shape) == len(expected) and all(
            e is None or e == s for e, s in zip(expected, shape))
        if not compatible:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: '
                             f"expected shape={expected}, found shape={tuple(shape)}")

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self._sequence:
            shape = layer.compute_output_shape(shape)
        return shape

    def _summary_rows(self, expand_nested=False):
        return [(layer, getattr(layer, "_output_shape", None) if self.built else None)
                for layer in self._sequence]

    def get_config(self):
        from minikeras.layers.serialization import serialize
        layer_configs = []
        if self._input_layer is not None:
            layer_configs.append(serialize(self._input_layer))
        layer_configs += [serialize(layer) for layer in self._sequence]
        return {**super().get_config(), "dtype": self.get_dtype_policy(), "layers": layer_configs}

    def get_dtype_policy(self):
        from minikeras.layers.layer import dtype_policy_config
        return dtype_policy_config(self.dtype)

    @classmethod
    def from_config(cls, config_dict, custom_objects=None):
        from minikeras.layers.serialization import deserialize
        model = cls(name=config_dict.get("name"), trainable=config_dict.get("trainable", True))
        for layer_config in config_dict["layers"]:
            model.add(deserialize(layer_config, custom_objects), rebuild=False)
        model._maybe_rebuild()
        return model
