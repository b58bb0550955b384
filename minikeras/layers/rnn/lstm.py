"""LSTMCell and LSTM: long short-term memory (Hochreiter & Schmidhuber, 1997), Keras 3 layout.

One step, with the four gates in Keras's order i, f, c, o packed in one kernel:

    [zi, zf, zc, zo] = x_t W + h_{t-1} U + b          W (in, 4u), U (u, 4u), b (4u,)
    i = s(zi)   f = s(zf)   o = s(zo)                   s = recurrent_activation (sigmoid)
    c_t = f * c_{t-1} + i * a(zc)                       a = activation (tanh)
    h_t = o * a(c_t)                                    output = h_t; states [h_t, c_t]

`unit_forget_bias=True` starts the forget-gate bias at 1. The LSTM layer runs the whole
sequence as one fused primitive (`minikeras.ops.recurrent.lstm_sequence`, BPTT in one VJP)
unless recurrent dropout is active while training or an activation is not one the primitive
knows; then it runs the cell step by step (the generic `RNN` loop).
"""
from minikeras import activations, constraints, initializers, ops, random, regularizers
from minikeras.backend.array_module import xp
from minikeras.layers.input_spec import InputSpec
from minikeras.layers.layer import Layer
from minikeras.layers.rnn.rnn import (RNN, DropoutRNNCell, as_array, cell_property, check_units,
                                      fused_activation_name, input_dropout)
from minikeras.ops import lstm_sequence
from minikeras.layers.config_values import settings_config
from minikeras.registry.layer_classes import register_layer


@register_layer
class LSTMCell(Layer, DropoutRNNCell):
    """One LSTM step: `call(inputs, states=[h, c], training)` -> `(h, [h, c])`.

    Use it inside `RNN(LSTMCell(units))` (or a `StackedRNNCells`); the `LSTM` layer is the
    fast way to run a whole sequence.

    Args:
        units: positive int, size of the output and of both states.
        activation: for the candidate and the cell output (default tanh; None = linear).
        recurrent_activation: for the gates i, f, o (default sigmoid).
        use_bias: whether the layer has a bias (4 * units,).
        kernel_initializer / recurrent_initializer / bias_initializer: glorot_uniform /
            orthogonal / zeros by default.
        unit_forget_bias: add 1 to the forget gate's bias at initialization (default True).
        kernel_regularizer, recurrent_regularizer, bias_regularizer: penalties on the weights.
        kernel_constraint, recurrent_constraint, bias_constraint: projections after each step.
        dropout: fraction of the input units dropped (one mask for the whole sequence).
        recurrent_dropout: fraction of the recurrent state units dropped (one mask per gate).
        seed: seed for the dropout masks.
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        check_units(units)
        implementation = kwargs.pop("implementation", 2)
        super().__init__(**kwargs)
        self.implementation = implementation
        self.units = units
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, dropout))
        self.recurrent_dropout = min(1.0, max(0.0, recurrent_dropout))
        if self.recurrent_dropout != 0.0:
            self.implementation = 1
        if self.implementation == 1:
            self.dropout_mask_count = 4
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        self.unit_forget_bias = unit_forget_bias
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape):
        input_dim = input_shape[-1]
        self.kernel = self.add_weight(shape=(input_dim, self.units * 4), name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units * 4),
                                                name="recurrent_kernel",
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        if self.use_bias:
            if self.unit_forget_bias:
                base, units = self.bias_initializer, self.units

                def bias_initializer(shape, dtype=None):
                    return xp.concatenate([as_array(base((units,), dtype=dtype)),
                                           xp.ones((units,), dtype=dtype),
                                           as_array(base((units * 2,), dtype=dtype))])
            else:
                bias_initializer = self.bias_initializer
            self.bias = self.add_weight(shape=(self.units * 4,), name="bias",
                                        initializer=bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states[0], states[1]
        u = self.units
        if self.implementation == 1:
            # Gate by gate, so that each gate gets its own dropout masks.
            dp = self.get_dropout_mask(inputs) if training and 0 < self.dropout < 1 else None
            rdp = (self.get_recurrent_dropout_mask(h_tm1)
                   if training and 0 < self.recurrent_dropout < 1 else None)
            pre = []
            for k in range(4):
                x_k = inputs * dp[k] if dp is not None else inputs
                h_k = h_tm1 * rdp[k] if rdp is not None else h_tm1
                z = ops.matmul(x_k, self.kernel[:, k * u:(k + 1) * u])
                if self.use_bias:
                    z = z + self.bias[k * u:(k + 1) * u]
                pre.append(z + ops.matmul(h_k, self.recurrent_kernel[:, k * u:(k + 1) * u]))
        else:
            if training and 0 < self.dropout < 1:
                inputs = inputs * self.get_dropout_mask(inputs)
            z = ops.matmul(inputs, self.kernel) + ops.matmul(h_tm1, self.recurrent_kernel)
            if self.use_bias:
                z = z + self.bias
            pre = ops.split(z, 4, axis=1)
        i = self.recurrent_activation(pre[0])
        f = self.recurrent_activation(pre[1])
        c = f * c_tm1 + i * self.activation(pre[2])
        o = self.recurrent_activation(pre[3])
        h = o * self.activation(c)
        return h, [h, c]

    def get_initial_state(self, batch_size=None):
        return [ops.zeros((batch_size, d), dtype=self.dtype) for d in self.state_size]

    def get_config(self):
        return {**super().get_config(), **settings_config(self, (
            "units", "activation", "recurrent_activation", "use_bias", "unit_forget_bias",
            "kernel_initializer", "recurrent_initializer", "bias_initializer",
            "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
            "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
            "recurrent_dropout", "seed"))}


@register_layer
class LSTM(RNN):
    """Long short-term memory layer over (batch, timesteps, features) inputs.

    Outputs (batch, units), or (batch, timesteps, units) with `return_sequences=True`; with
    `return_state=True` also the final `h` and `c`: `output, h, c = LSTM(8, return_state=True)(x)`.
    Weights (Keras's names, shapes and order): `lstm/lstm_cell/kernel` (features, 4 * units),
    `lstm/lstm_cell/recurrent_kernel` (units, 4 * units), `lstm/lstm_cell/bias` (4 * units,);
    gates i, f, c, o.

    Args: those of `LSTMCell` (units, activation, recurrent_activation, use_bias, initializers,
    unit_forget_bias, regularizers, activity_regularizer, constraints, dropout,
    recurrent_dropout, seed) and of `RNN` (return_sequences, return_state, go_backwards,
    stateful, unroll). `use_cudnn` is accepted ("auto", True, False) and has no effect.

    Call arguments: inputs, `initial_state=[h0, c0]`, `mask` (batch, timesteps) of bools,
    `training` (turns dropout on).
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 use_cudnn="auto", **kwargs):
        cell = LSTMCell(units, activation=activation, recurrent_activation=recurrent_activation,
                        use_bias=use_bias, kernel_initializer=kernel_initializer,
                        unit_forget_bias=unit_forget_bias,
                        recurrent_initializer=recurrent_initializer,
                        bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                        recurrent_regularizer=recurrent_regularizer,
                        bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                        recurrent_constraint=recurrent_constraint,
                        bias_constraint=bias_constraint, dropout=dropout,
                        recurrent_dropout=recurrent_dropout, dtype=kwargs.get("dtype", None),
                        trainable=kwargs.get("trainable", True), name="lstm_cell", seed=seed,
                        implementation=kwargs.pop("implementation", 2))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=3)
        if use_cudnn not in ("auto", True, False):
            raise ValueError(f"Invalid valid received for argument `use_cudnn`. Expected one of "
                             f"{{'auto', True, False}}. Received: use_cudnn={use_cudnn}")
        self.use_cudnn = use_cudnn

    _EXACT_NDIM = 3

    def inner_loop(self, sequences, initial_state, mask, training=False):
        cell = self.cell
        activation = fused_activation_name(cell.activation)
        recurrent_activation = fused_activation_name(cell.recurrent_activation)
        if (activation is None or recurrent_activation is None
                or (training and cell.recurrent_dropout > 0)):
            return super().inner_loop(sequences, initial_state, mask, training=training)
        outputs, h, c = lstm_sequence(
            input_dropout(cell, sequences, training), cell.kernel, cell.recurrent_kernel,
            cell.bias, initial_state=list(initial_state), mask=mask,
            go_backwards=self.go_backwards, activation=activation,
            recurrent_activation=recurrent_activation, return_sequences=self.return_sequences,
            zero_output_for_mask=self.zero_output_for_mask)
        if self.return_sequences:
            return None, outputs, [h, c]
        return outputs, None, [h, c]

    units = cell_property("units")
    activation = cell_property("activation")
    recurrent_activation = cell_property("recurrent_activation")
    use_bias = cell_property("use_bias")
    unit_forget_bias = cell_property("unit_forget_bias")
    kernel_initializer = cell_property("kernel_initializer")
    recurrent_initializer = cell_property("recurrent_initializer")
    bias_initializer = cell_property("bias_initializer")
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
            "units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
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
