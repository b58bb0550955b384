"""BaseConv: the shared body of Conv1D, Conv2D and Conv3D (Keras's base_conv.py), plus the
argument checks and shape formulas every convolution layer family uses."""
from minikeras import activations, constraints, initializers, regularizers
from minikeras.layers.input_spec import InputSpec, assert_input_compatibility
from minikeras.layers.layer import Layer
from minikeras.ops import conv
from minikeras.ops.convolution import (conv_output_length, standardize_data_format,
                                       standardize_tuple)


# -- helpers shared by the convolution layers ----------------------------------------------------
def layer_prefix(layer):
    return f"{type(layer).__name__} layer {layer.name!r}"


def check_positive(layer, name, value, allow_none=False):
    """`value` must be an int > 0 (Keras's message, with the layer named)."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not hasattr(value, "__index__") or int(value) <= 0:
        raise ValueError(f"{layer_prefix(layer)}: Invalid value for argument `{name}`. Expected a "
                         f"strictly positive value. Received {name}={value!r}.")
    return int(value)


def standardize_layer_tuple(layer, value, name, allow_zero=False):
    try:
        return standardize_tuple(value, layer.rank, name, allow_zero=allow_zero)
    except ValueError as error:
        raise ValueError(f"{layer_prefix(layer)}: {error}") from None


def standardize_padding(layer, padding, allow_causal=False):
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    value = padding.lower() if isinstance(padding, str) else padding
    if value not in allowed:
        raise ValueError(f"{layer_prefix(layer)}: The `padding` argument must be one of "
                         f"{allowed}. Received: padding={padding!r}")
    return value


def standardize_layer_data_format(layer, data_format):
    try:
        return standardize_data_format(data_format)
    except ValueError as error:
        raise ValueError(f"{layer_prefix(layer)}: {error}") from None


def check_no_lora(layer, lora_rank):
    if lora_rank is not None:
        raise ValueError(f"{layer_prefix(layer)}: `lora_rank` (LoRA fine-tuning) is not supported "
                         f"by minikeras.")


def input_channels(layer, input_shape):
    """The channel count of `input_shape` after checking its rank (errors name the layer)."""
    input_shape = tuple(input_shape)
    expected = layer.rank + 2
    if len(input_shape) != expected:
        layout = "(batch, steps, channels)" if layer.rank == 1 else "(batch, *spatial, channels)"
        raise ValueError(f'Input 0 of layer "{layer.name}" is incompatible with the layer: '
                         f"expected ndim={expected} {layout} for {type(layer).__name__}, found "
                         f"ndim={len(input_shape)}. Full shape received: {input_shape}")
    channels = input_shape[-1] if layer.data_format == "channels_last" else input_shape[1]
    if channels is None:
        raise ValueError(f"{layer_prefix(layer)}: the channel dimension of the inputs must be "
                         f"known (data_format='{layer.data_format}'). Received input shape "
                         f"{input_shape}.")
    return int(channels)


def conv_output_shape(layer, input_shape, filters):
    """Keras's compute_conv_output_shape, with the layer named in its errors."""
    input_shape = tuple(input_shape)
    input_channels(layer, input_shape)
    if layer.data_format == "channels_last":
        spatial = input_shape[1:-1]
    else:
        spatial = input_shape[2:]
    out = []
    for axis, size in enumerate(spatial):
        length = conv_output_length(size, layer.kernel_size[axis], layer.strides[axis],
                                    layer.padding, layer.dilation_rate[axis])
        if length is not None and length <= 0:
            raise ValueError(f"{layer_prefix(layer)}: Computed output size would be zero or "
                             f"negative. Received `inputs shape={input_shape}`, `kernel_size="
                             f"{layer.kernel_size}`, `dilation_rate={layer.dilation_rate}`, "
                             f"`strides={layer.strides}`, `padding={layer.padding}`.")
        out.append(length)
    if layer.data_format == "channels_last":
        return (input_shape[0],) + tuple(out) + (filters,)
    return (input_shape[0], filters) + tuple(out)


def check_call_rank(layer, inputs):
    if inputs.ndim != layer.rank + 2:
        raise ValueError(f'Input 0 of layer "{layer.name}" is incompatible with the layer: '
                         f"expected ndim={layer.rank + 2}, found ndim={inputs.ndim}. "
                         f"Full shape received: {tuple(inputs.shape)}")


def run_op(layer, op, *args, **kwargs):
    """Call a convolution op; its ValueErrors are re-raised with the layer named."""
    try:
        return op(*args, **kwargs)
    except ValueError as error:
        raise ValueError(f"{layer_prefix(layer)}: {error}") from None


def activate(layer, outputs):
    return outputs if layer.activation is activations.linear else layer.activation(outputs)


def add_kernel_and_bias(layer, kernel_shape):
    """Create `layer.kernel` (kernel_shape) and, with use_bias, `layer.bias` (filters,), in
    Keras's order, from the layer's initializers, regularizers and constraints."""
    layer.kernel = layer.add_weight(name="kernel", shape=kernel_shape,
                                    initializer=layer.kernel_initializer,
                                    regularizer=layer.kernel_regularizer,
                                    constraint=layer.kernel_constraint)
    layer.bias = None
    if layer.use_bias:
        layer.bias = layer.add_weight(name="bias", shape=(layer.filters,),
                                      initializer=layer.bias_initializer,
                                      regularizer=layer.bias_regularizer,
                                      constraint=layer.bias_constraint)


def channel_axis(data_format):
    return -1 if data_format == "channels_last" else 1


# -- BaseConv ----------------------------------------------------------------------------------
class BaseConv(Layer):
    """N-D convolution layer: outputs = activation(conv(inputs, kernel) + bias).

    Args:
        rank: number of spatial axes (1, 2 or 3).
        filters: int > 0, the number of output channels.
        kernel_size: int or tuple of `rank` ints.
        strides: int or tuple of `rank` ints (strides > 1 cannot be combined with
            dilation_rate > 1, as in Keras).
        padding: 'valid', 'same' (Keras's split: the extra pixel goes after) or, for Conv1D,
            'causal' (left padding by dilation_rate * (kernel_size - 1)).
        data_format: 'channels_last' (default `image_data_format()`) or 'channels_first'.
        dilation_rate: int or tuple of `rank` ints.
        groups: int > 0 dividing both the input channels and `filters`.
        activation, use_bias, kernel_initializer ('glorot_uniform'), bias_initializer ('zeros'),
        kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
        bias_constraint: as in Keras.

    Weights (Keras's names, shapes and order): kernel (*kernel_size, in_channels // groups,
    filters), then bias (filters,).
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, lora_alpha=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        check_no_lora(self, lora_rank)
        self.rank = rank
        self.filters = check_positive(self, "filters", filters)
        self.groups = check_positive(self, "groups", groups)
        self.kernel_size = standardize_layer_tuple(self, kernel_size, "kernel_size")
        self.strides = standardize_layer_tuple(self, strides, "strides")
        self.dilation_rate = standardize_layer_tuple(self, dilation_rate, "dilation_rate")
        self.padding = standardize_padding(self, padding, allow_causal=rank == 1)
        self.data_format = standardize_layer_data_format(self, data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=self.rank + 2)
        if self.filters % self.groups != 0:
            raise ValueError(f"{layer_prefix(self)}: The number of filters must be evenly "
                             f"divisible by the number of groups. Received: groups={self.groups}, "
                             f"filters={self.filters}.")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{layer_prefix(self)}: `strides > 1` not supported in conjunction "
                             f"with `dilation_rate > 1`. Received: strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}")

    def build(self, input_shape):
        assert_input_compatibility(self.input_spec, input_shape, self.name)
        channels = input_channels(self, input_shape)
        if channels % self.groups != 0:
            raise ValueError(f"{layer_prefix(self)}: The number of input channels must be evenly "
                             f"divisible by the number of groups. Received groups={self.groups}, "
                             f"but the input has {channels} channels (full input shape is "
                             f"{tuple(input_shape)}).")
        self.compute_output_shape(input_shape)  # validates the spatial sizes
        self.input_spec = InputSpec(min_ndim=self.rank + 2,
                                    axes={channel_axis(self.data_format): channels})
        add_kernel_and_bias(self, self.kernel_size + (channels // self.groups, self.filters))
        self.built = True

    def _padding_for_op(self):
        if self.padding == "causal":  # Conv1D: pad (kernel_size - 1) * dilation_rate on the left
            return [(self.dilation_rate[0] * (self.kernel_size[0] - 1), 0)]
        return self.padding

    def call(self, inputs):
        check_call_rank(self, inputs)
        fuse_relu = self.activation is activations.relu
        outputs = run_op(self, conv, inputs, self.kernel, self.strides, self._padding_for_op(),
                         self.data_format, self.dilation_rate, bias=self.bias, relu=fuse_relu)
        return outputs if fuse_relu else activate(self, outputs)

    def compute_output_shape(self, input_shape):
        return conv_output_shape(self, input_shape, self.filters)

    def get_config(self):
        config_dict = super().get_config()
        config_dict.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config_dict
