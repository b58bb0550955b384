"""TimeDistributed: apply one layer to every time step of a sequence, with shared weights."""
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor
from minikeras.layers.layer import Layer, name_scope
from minikeras.ops import reshape
from minikeras.registry.layer_classes import register_layer


@register_layer
class TimeDistributed(Layer):
    """Applies `layer` to every temporal slice (axis 1) of the input.

    Shapes: (batch, time, *rest) -> (batch, time, *layer_output_rest). The same weights serve
    every step: the time axis is folded into the batch axis, the wrapped layer runs once on
    (batch * time, *rest), and the result is unfolded again.

    Args:
        layer: a Layer instance (Dense, Conv2D, ...).

    Call arguments:
        inputs: (batch, time, ...) tensor.
        training: passed to the wrapped layer when its `call` takes it.
        mask: (batch, time, ...) boolean, folded like the inputs and passed to the wrapped layer
            when its `call` takes it; the output carries the input's mask.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Please initialize `TimeDistributed` layer with a "
                             f"`keras.layers.Layer` instance. Received: {layer}")
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def _get_child_input_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError(f"`TimeDistributed` Layer should be passed an `input_shape` with at "
                             f"least 3 dimensions, received: {input_shape}")
        return (input_shape[0], *input_shape[2:])

    def compute_output_shape(self, input_shape):
        child_input_shape = self._get_child_input_shape(input_shape)
        child_output_shape = self.layer.compute_output_shape(child_input_shape)
        return (child_output_shape[0], input_shape[1], *child_output_shape[1:])

    def build(self, input_shape):
        child_input_shape = self._get_child_input_shape(input_shape)
        with name_scope(self.name):
            self.layer._maybe_build(child_input_shape)
        self.built = True

    def call(self, inputs, training=None, mask=None):
        input_shape = tuple(inputs.shape)
        if len(input_shape) < 3:
            raise ValueError(f"`TimeDistributed` layer {self.name!r} expects inputs of at least "
                             f"3 dimensions (batch, time, ...), received shape {input_shape}.")
        batch, steps = input_shape[:2]
        kwargs = {}
        if mask is not None:
            mask_data = mask.data if isinstance(mask, Tensor) else xp.asarray(mask)
            mask_shape = tuple(mask_data.shape)
            if len(mask_shape) < 2:
                raise ValueError(f"The `mask` passed to the `TimeDistributed` layer must be at "
                                 f"least 2D (e.g., `(batch_size, timesteps)`), but it has "
                                 f"{len(mask_shape)} dimension(s) with shape {mask_shape}.")
            if mask_shape[:2] != (batch, steps):
                raise ValueError(f"The `mask` passed to the `TimeDistributed` layer has a shape "
                                 f"{mask_shape} that is incompatible with the input shape "
                                 f"{input_shape}. The first two dimensions of the mask (batch "
                                 f"size and timesteps) must match the input's first two "
                                 f"dimensions. Expected mask shape prefix: ({batch}, {steps}).")
            if self.layer._call_takes_mask:
                kwargs["mask"] = mask_data.reshape((batch * steps,) + mask_shape[2:])
        if self.layer._call_takes_training:
            kwargs["training"] = training
        self.layer._clear_losses()
        folded = reshape(inputs, (batch * steps,) + input_shape[2:])
        outputs = self.layer.call(folded, **kwargs)
        return reshape(outputs, (batch, steps) + tuple(outputs.shape[1:]))

    def get_config(self):
        from minikeras.layers.serialization import serialize
        return {**super().get_config(), "layer": serialize(self.layer)}

    @classmethod
    def from_config(cls, config_dict, custom_objects=None):
        from minikeras.layers.serialization import deserialize
        config_dict = dict(config_dict)
        layer = deserialize(config_dict.pop("layer"), custom_objects=custom_objects)
        return cls(layer, **config_dict)
