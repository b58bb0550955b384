"""ConvLSTMCell, ConvLSTM and ConvLSTM1D/2D/3D: an LSTM whose input and recurrent transforms are
convolutions (Shi et al., 2015), Keras 3 layout.

One step on a frame x_t (batch, *spatial, channels) with states h, c (batch, *out_spatial,
filters) (channels_last; channels_first puts the channel axis second):

    [zi, zf, zc, zo] = conv(x_t, W, strides, padding, dilation) + b + conv(h, U, 1, 'same')
    i = s(zi)   f = s(zf)   o = s(zo)            W (*kernel_size, channels, 4 * filters)
    c_t = f * c + i * a(zc)                      U (*kernel_size, filters, 4 * filters)
    h_t = o * a(c_t)                             b (4 * filters,), gates in Keras's order i, f, c, o

The layer runs the cell step by step with the generic `RNN` loop (differentiable ops only).
Dropout masks (one per gate, drawn once per call) act on the whole frame, as in Keras.
"""
from minikeras import activations, constraints, initializers, ops, random, regularizers
from minikeras.backend.array_module import xp
from minikeras.layers.convolutional.base_conv import (check_positive, conv_output_shape,
                                                      input_channels, run_op,
                                                      standardize_layer_data_format,
                                                      standardize_layer_tuple,
                                                      standardize_padding)
from minikeras.layers.input_spec import InputSpec
from minikeras.layers.layer import Layer
from minikeras.layers.rnn.rnn import RNN, DropoutRNNCell, as_array, cell_property
from minikeras.layers.config_values import settings_config
from minikeras.registry.layer_classes import register_layer


@register_layer(module="keras.src.layers.rnn.conv_lstm", registered_name="ConvLSTMCell")
class ConvLSTMCell(Layer, DropoutRNNCell):
    """One ConvLSTM step: `call(frame, states=[h, c], training)` -> `(h, [h, c])`.

    Args:
        rank: number of spatial axes (1, 2 or 3).
        filters: int > 0, channels of the output and of both states.
        kernel_size, strides, dilation_rate: int or tuple of `rank` ints (strides > 1 cannot be
            combined with dilation_rate > 1). Strides and dilation act on the input transform
            only; the recurrent transform is a stride-1 'same' convolution.
        padding: 'valid' or 'same' for the input transform.
        data_format: 'channels_last' (default `image_data_format()`) or 'channels_first'.
        activation (tanh), recurrent_activation (sigmoid), use_bias, kernel_initializer
        (glorot_uniform), recurrent_initializer (orthogonal), bias_initializer (zeros),
        unit_forget_bias (forget-gate bias starts at 1), regularizers, constraints, dropout,
        recurrent_dropout, seed: as in `LSTMCell`.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if rank not in (1, 2, 3):
            raise ValueError(f"ConvLSTMCell: `rank` must be 1, 2 or 3 (rank {rank} convolutions "
                             f"are not implemented). Received: rank={rank!r}")
        self.rank = rank
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        self.filters = check_positive(self, "filters", filters)
        self.kernel_size = standardize_layer_tuple(self, kernel_size, "kernel_size")
        self.strides = standardize_layer_tuple(self, strides, "strides", allow_zero=True)
        self.padding = standardize_padding(self, padding)
        self.data_format = standardize_layer_data_format(self, data_format)
        self.dilation_rate = standardize_layer_tuple(self, dilation_rate, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"ConvLSTMCell: specifying `strides > 1` is not compatible with "
                             f"`dilation_rate > 1`. Received: strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}")
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = unit_forget_bias
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, dropout))
        self.recurrent_dropout = min(1.0, max(0.0, recurrent_dropout))
        self.dropout_mask_count = 4
        self.input_spec = InputSpec(ndim=rank + 2)
        # Two states shaped like the conv output; their full shapes come from the input shape.
        self.state_size = [-1, -1]
        self.output_size = -1
        self.spatial_dims = None
        self.input_dim = None

    def build(self, inputs_shape, states_shape=None):
        inputs_shape = tuple(inputs_shape)
        channels = input_channels(self, inputs_shape)
        spatial = inputs_shape[2:] if self.data_format == "channels_first" else inputs_shape[1:-1]
        if None in spatial:
            raise ValueError(f"ConvLSTM layers only support static input shapes for the spatial "
                             f"dimensions. Received input shape: input_shape={inputs_shape}")
        self.spatial_dims = tuple(int(s) for s in spatial)
        self.input_dim = channels
        self.compute_output_shape(inputs_shape)  # validates the spatial sizes
        self.kernel = self.add_weight(shape=self.kernel_size + (channels, self.filters * 4),
                                      name="kernel", initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            shape=self.kernel_size + (self.filters, self.filters * 4), name="recurrent_kernel",
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        if self.use_bias:
            if self.unit_forget_bias:
                base, filters = self.bias_initializer, self.filters

                def bias_initializer(shape, dtype=None):
                    return xp.concatenate([as_array(base((filters,), dtype=dtype)),
                                           xp.ones((filters,), dtype=dtype),
                                           as_array(base((filters * 2,), dtype=dtype))])
            else:
                bias_initializer = self.bias_initializer
            self.bias = self.add_weight(shape=(self.filters * 4,), name="bias",
                                        initializer=bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def _input_conv(self, x, kernel, bias):
        # The bias inside the conv node: no separate add (and its gradient) per step.
        return run_op(self, ops.conv, x, kernel, strides=self.strides, padding=self.padding,
                      data_format=self.data_format, dilation_rate=self.dilation_rate, bias=bias)

    def _recurrent_conv(self, h, kernel):
        return ops.conv(h, kernel, strides=1, padding="same", data_format=self.data_format)

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states[0], states[1]
        channel = self.rank + 1 if self.data_format == "channels_last" else 1
        dp = self.get_dropout_mask(inputs) if training and 0 < self.dropout < 1 else None
        rdp = (self.get_recurrent_dropout_mask(h_tm1)
               if training and 0 < self.recurrent_dropout < 1 else None)
        if dp is None and rdp is None:
            # No per-gate masks: the four gates in one convolution each, then split.
            z = (self._input_conv(inputs, self.kernel, self.bias)
                 + self._recurrent_conv(h_tm1, self.recurrent_kernel))
            pre = ops.split(z, 4, axis=channel)
        else:
            kernels = ops.split(self.kernel, 4, axis=self.rank + 1)
            recurrent_kernels = ops.split(self.recurrent_kernel, 4, axis=self.rank + 1)
            biases = ops.split(self.bias, 4) if self.use_bias else [None] * 4
            pre = []
            for k in range(4):
                x_k = inputs * dp[k] if dp is not None else inputs
                h_k = h_tm1 * rdp[k] if rdp is not None else h_tm1
                pre.append(self._input_conv(x_k, kernels[k], biases[k])
                           + self._recurrent_conv(h_k, recurrent_kernels[k]))
        i = self.recurrent_activation(pre[0])
        f = self.recurrent_activation(pre[1])
        c = f * c_tm1 + i * self.activation(pre[2])
        o = self.recurrent_activation(pre[3])
        h = o * self.activation(c)
        return h, [h, c]

    def compute_output_shape(self, inputs_shape, states_shape=None):
        out = conv_output_shape(self, inputs_shape, self.filters)
        return out, [out, out]

    def state_shape(self, batch_size=None):
        """The shape of h and of c for a batch: (batch, *out_spatial, filters) (channels_last)."""
        if self.data_format == "channels_last":
            frame = (batch_size,) + self.spatial_dims + (self.input_dim,)
        else:
            frame = (batch_size, self.input_dim) + self.spatial_dims
        return self.compute_output_shape(frame)[0]

    def get_initial_state(self, batch_size=None):
        shape = self.state_shape(batch_size)
        return [ops.zeros(shape, dtype=self.dtype), ops.zeros(shape, dtype=self.dtype)]

    def get_config(self):
        return {**super().get_config(), **settings_config(self, (
            "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
            "activation", "recurrent_activation", "use_bias", "kernel_initializer",
            "recurrent_initializer", "bias_initializer", "unit_forget_bias",
            "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
            "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
            "recurrent_dropout", "seed"))}

    @classmethod
    def from_config(cls, config_dict, custom_objects=None):
        config_dict = dict(config_dict)
        config_dict.setdefault("rank", len(config_dict["kernel_size"]))
        return cls(**config_dict)


class ConvLSTM(RNN):
    """The N-D convolutional LSTM layer over (batch, time, *spatial, channels) inputs (the base
    of ConvLSTM1D/2D/3D; channels_first: (batch, time, channels, *spatial)).

    Outputs the last h (batch, *out_spatial, filters), or every h (batch, time, *out_spatial,
    filters) with `return_sequences=True`; with `return_state=True` also the final h and c.
    Weights (Keras's names, shapes and order): `<name>/conv_lstm_cell/kernel`
    (*kernel_size, channels, 4 * filters), `.../recurrent_kernel` (*kernel_size, filters,
    4 * filters), `.../bias` (4 * filters,).

    Args: those of `ConvLSTMCell` plus activity_regularizer, return_sequences, return_state,
    go_backwards and stateful (as in `RNN`).
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 **kwargs):
        cell = ConvLSTMCell(rank=rank, filters=filters, kernel_size=kernel_size,
                            strides=strides, padding=padding, data_format=data_format,
                            dilation_rate=dilation_rate, activation=activation,
                            recurrent_activation=recurrent_activation, use_bias=use_bias,
                            kernel_initializer=kernel_initializer,
                            recurrent_initializer=recurrent_initializer,
                            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
                            kernel_regularizer=kernel_regularizer,
                            recurrent_regularizer=recurrent_regularizer,
                            bias_regularizer=bias_regularizer,
                            kernel_constraint=kernel_constraint,
                            recurrent_constraint=recurrent_constraint,
                            bias_constraint=bias_constraint, dropout=dropout,
                            recurrent_dropout=recurrent_dropout, seed=seed,
                            name="conv_lstm_cell", dtype=kwargs.get("dtype"))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, **kwargs)
        self.rank = rank
        self.input_spec = InputSpec(ndim=rank + 3)

    def _check_input_shape(self, shape):
        if len(shape) != self.rank + 3:
            layout = ("(batch, time, *spatial, channels)" if self.cell.data_format ==
                      "channels_last" else "(batch, time, channels, *spatial)")
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: '
                             f"expected ndim={self.rank + 3} {layout} for "
                             f"{type(self).__name__}, found ndim={len(shape)}. Full shape "
                             f"received: {tuple(shape)}")

    def _standardize_initial_state(self, initial_state, batch_size):
        if not isinstance(initial_state, (list, tuple)) or len(initial_state) != 2:
            count = len(initial_state) if isinstance(initial_state, (list, tuple)) else 1
            raise ValueError(f"Layer {self.name!r} ({type(self).__name__}) expects 2 initial "
                             f"state tensors [h, c], but received {count}.")
        expected = tuple(self.cell.state_shape(batch_size))
        tensors = []
        for k, state in enumerate(initial_state):
            state = ops.convert_to_tensor(state)
            if xp.issubdtype(state.dtype, xp.floating) and state.dtype != xp.dtype(self.dtype):
                state = ops.cast(state, self.dtype)
            if tuple(state.shape) != expected:
                raise ValueError(f"Layer {self.name!r} ({type(self).__name__}): initial state "
                                 f"{k} must have shape {expected}, but received shape "
                                 f"{tuple(state.shape)}.")
            tensors.append(state)
        return tensors

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        sequences_shape = tuple(sequences_shape)
        self._check_input_shape(sequences_shape)
        batch, steps = sequences_shape[0], sequences_shape[1]
        state = self.cell.compute_output_shape((batch,) + sequences_shape[2:])[0][1:]
        output = (batch, steps) + state if self.return_sequences else (batch,) + state
        if self.return_state:
            return [output, (batch,) + state, (batch,) + state]
        return output

    def compute_mask(self, inputs, mask):
        mask = mask[0] if isinstance(mask, (list, tuple)) else mask
        output_mask = mask if self.return_sequences else None
        return [output_mask, None, None] if self.return_state else output_mask

    filters = cell_property("filters")
    kernel_size = cell_property("kernel_size")
    strides = cell_property("strides")
    padding = cell_property("padding")
    data_format = cell_property("data_format")
    dilation_rate = cell_property("dilation_rate")
    activation = cell_property("activation")
    recurrent_activation = cell_property("recurrent_activation")
    use_bias = cell_property("use_bias")
    kernel_initializer = cell_property("kernel_initializer")
    recurrent_initializer = cell_property("recurrent_initializer")
    bias_initializer = cell_property("bias_initializer")
    unit_forget_bias = cell_property("unit_forget_bias")
    kernel_regularizer = cell_property("kernel_regularizer")
    recurrent_regularizer = cell_property("recurrent_regularizer")
    bias_regularizer = cell_property("bias_regularizer")
    kernel_constraint = cell_property("kernel_constraint")
    recurrent_constraint = cell_property("recurrent_constraint")
    bias_constraint = cell_property("bias_constraint")
    dropout = cell_property("dropout")
    recurrent_dropout = cell_property("recurrent_dropout")

    def get_config(self):
        config = {**settings_config(self, (
            "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
            "activation", "recurrent_activation", "use_bias", "kernel_initializer",
            "recurrent_initializer", "bias_initializer", "unit_forget_bias",
            "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
            "activity_regularizer", "kernel_constraint", "recurrent_constraint",
            "bias_constraint", "dropout", "recurrent_dropout")), "seed": self.cell.seed}
        base_config = super().get_config()
        del base_config["cell"]
        return {**base_config, **config}

    @classmethod
    def from_config(cls, config_dict, custom_objects=None):
        return Layer.from_config.__func__(cls, config_dict)


def _conv_lstm_class(rank):
    """ConvLSTM{rank}D: ConvLSTM with `rank` fixed (Keras's ConvLSTM1D/2D/3D)."""

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        ConvLSTM.__init__(
            self, rank=rank, filters=filters, kernel_size=kernel_size, strides=strides,
            padding=padding, data_format=data_format, dilation_rate=dilation_rate,
            activation=activation, recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, return_sequences=return_sequences,
            return_state=return_state, go_backwards=go_backwards, stateful=stateful, **kwargs)

    spatial = {1: "steps", 2: "rows, cols", 3: "dim1, dim2, dim3"}[rank]
    doc = (f"{rank}D convolutional LSTM over (batch, time, {spatial}, channels) inputs "
           f"(channels_first: (batch, time, channels, {spatial})). See `ConvLSTM` for the "
           f"outputs, weights and arguments.")
    name = f"ConvLSTM{rank}D"
    cls = type(name, (ConvLSTM,), {"__init__": __init__, "__doc__": doc,
                                   "__module__": __name__, "__qualname__": name})
    return register_layer(cls)


ConvLSTM1D = _conv_lstm_class(1)
ConvLSTM2D = _conv_lstm_class(2)
ConvLSTM3D = _conv_lstm_class(3)
