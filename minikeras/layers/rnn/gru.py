"""GRUCell and GRU: gated recurrent unit (Cho et al., 2014), Keras 3 layout.

One step, gates in Keras's order z (update), r (reset), h (candidate):

    [xz, xr, xh] = x_t W + b_in                          W (in, 3u)
    [rz, rr, rh] = h_{t-1} U (+ b_rec if reset_after)    U (u, 3u)
    z = s(xz + rz)    r = s(xr + rr)                      s = recurrent_activation (sigmoid)
    reset_after=True  (default, cuDNN style):  h~ = a(xh + r * (h_{t-1} U_h + b_rec_h))
    reset_after=False (original paper):        h~ = a(xh + (r * h_{t-1}) U_h)
    h_t = z * h_{t-1} + (1 - z) * h~                      a = activation (tanh)

The bias is (2, 3 * units) with reset_after=True (row 0 input side, row 1 recurrent side) and
(3 * units,) otherwise. The GRU layer runs the whole sequence as one fused primitive
(`minikeras.ops.recurrent.gru_sequence`) unless recurrent dropout is active while training or an
activation is unknown to the primitive; then it runs the cell step by step.
"""
from minikeras import activations, constraints, initializers, ops, random, regularizers
from minikeras.layers.input_spec import InputSpec
from minikeras.layers.layer import Layer
from minikeras.layers.rnn.rnn import (RNN, DropoutRNNCell, cell_property, check_units,
                                      fused_activation_name, input_dropout)
from minikeras.ops import gru_sequence
from minikeras.layers.config_values import settings_config
from minikeras.registry.layer_classes import register_layer


@register_layer
class GRUCell(Layer, DropoutRNNCell):
    """One GRU step: `call(inputs, states, training)` -> `(h, [h])` (or `h` for a bare state).

    Args:
        units: positive int, size of the output and of the state.
        activation: for the candidate (default tanh; None = linear).
        recurrent_activation: for the gates z, r (default sigmoid).
        use_bias: whether the layer has a bias.
        kernel_initializer / recurrent_initializer / bias_initializer: glorot_uniform /
            orthogonal / zeros by default.
        kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
            recurrent_constraint, bias_constraint: as for Dense, per weight.
        dropout / recurrent_dropout: fractions of the input / recurrent units dropped.
        reset_after: apply the reset gate after the recurrent matrix product (default True).
        seed: seed for the dropout masks.
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, reset_after=True,
                 seed=None, **kwargs):
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
            self.dropout_mask_count = 3
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        self.reset_after = reset_after
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        input_dim = input_shape[-1]
        self.kernel = self.add_weight(shape=(input_dim, self.units * 3), name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units * 3),
                                                name="recurrent_kernel",
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        if self.use_bias:
            # Separate input and recurrent biases with reset_after (rows 0 and 1).
            shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
            self.bias = self.add_weight(shape=shape, name="bias",
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def call(self, inputs, states, training=False):
        nested = isinstance(states, (list, tuple))
        h_tm1 = states[0] if nested else states
        u = self.units
        input_bias = recurrent_bias = None
        if self.use_bias:
            if self.reset_after:
                input_bias, recurrent_bias = self.bias[0], self.bias[1]
            else:
                input_bias = self.bias
        if self.implementation == 1:
            dp = self.get_dropout_mask(inputs) if training and 0 < self.dropout < 1 else None
            rdp = (self.get_recurrent_dropout_mask(h_tm1)
                   if training and 0 < self.recurrent_dropout < 1 else None)
            x_part, h_part = [], []
            for k in range(3):
                x_k = inputs * dp[k] if dp is not None else inputs
                x = ops.matmul(x_k, self.kernel[:, k * u:(k + 1) * u])
                if input_bias is not None:
                    x = x + input_bias[k * u:(k + 1) * u]
                x_part.append(x)
                h_part.append(h_tm1 * rdp[k] if rdp is not None else h_tm1)
            rec = [ops.matmul(h_part[k], self.recurrent_kernel[:, k * u:(k + 1) * u])
                   for k in range(2)]
            if recurrent_bias is not None:
                rec = [rec[k] + recurrent_bias[k * u:(k + 1) * u] for k in range(2)]
            z = self.recurrent_activation(x_part[0] + rec[0])
            r = self.recurrent_activation(x_part[1] + rec[1])
            if self.reset_after:
                rec_h = ops.matmul(h_part[2], self.recurrent_kernel[:, 2 * u:])
                if recurrent_bias is not None:
                    rec_h = rec_h + recurrent_bias[2 * u:]
                rec_h = r * rec_h
            else:
                rec_h = ops.matmul(r * h_part[2], self.recurrent_kernel[:, 2 * u:])
            hh = self.activation(x_part[2] + rec_h)
        else:
            if training and 0 < self.dropout < 1:
                inputs = inputs * self.get_dropout_mask(inputs)
            matrix_x = ops.matmul(inputs, self.kernel)
            if input_bias is not None:
                matrix_x = matrix_x + input_bias
            x_z, x_r, x_h = ops.split(matrix_x, 3, axis=-1)
            if self.reset_after:
                matrix_inner = ops.matmul(h_tm1, self.recurrent_kernel)
                if recurrent_bias is not None:
                    matrix_inner = matrix_inner + recurrent_bias
            else:
                matrix_inner = ops.matmul(h_tm1, self.recurrent_kernel[:, :2 * u])
            z = self.recurrent_activation(x_z + matrix_inner[:, :u])
            r = self.recurrent_activation(x_r + matrix_inner[:, u:2 * u])
            if self.reset_after:
                rec_h = r * matrix_inner[:, 2 * u:]
            else:
                rec_h = ops.matmul(r * h_tm1, self.recurrent_kernel[:, 2 * u:])
            hh = self.activation(x_h + rec_h)
        h = z * h_tm1 + (1 - z) * hh
        return h, ([h] if nested else h)

    def get_initial_state(self, batch_size=None):
        return [ops.zeros((batch_size, self.state_size), dtype=self.dtype)]

    def get_config(self):
        return {**super().get_config(), **settings_config(self, (
            "units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
            "recurrent_initializer", "bias_initializer", "kernel_regularizer",
            "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
            "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout",
            "reset_after", "seed"))}


@register_layer
class GRU(RNN):
    """Gated recurrent unit layer over (batch, timesteps, features) inputs.

    Outputs (batch, units), or (batch, timesteps, units) with `return_sequences=True`; with
    `return_state=True` also the final state: `output, h = GRU(8, return_state=True)(x)`.
    Weights: `gru/gru_cell/kernel` (features, 3 * units), `gru/gru_cell/recurrent_kernel`
    (units, 3 * units), `gru/gru_cell/bias` (2, 3 * units) — (3 * units,) with
    reset_after=False; gates z, r, h.

    Args: those of `GRUCell` (units, activation, recurrent_activation, use_bias, initializers,
    regularizers, activity_regularizer, constraints, dropout, recurrent_dropout, seed,
    reset_after) and of `RNN` (return_sequences, return_state, go_backwards, stateful, unroll).
    `use_cudnn` is accepted ("auto", True, False) and has no effect.
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, reset_after=True,
                 use_cudnn="auto", **kwargs):
        cell = GRUCell(units, activation=activation, recurrent_activation=recurrent_activation,
                       use_bias=use_bias, kernel_initializer=kernel_initializer,
                       recurrent_initializer=recurrent_initializer,
                       bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                       recurrent_regularizer=recurrent_regularizer,
                       bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                       recurrent_constraint=recurrent_constraint,
                       bias_constraint=bias_constraint, dropout=dropout,
                       recurrent_dropout=recurrent_dropout, reset_after=reset_after,
                       dtype=kwargs.get("dtype", None), trainable=kwargs.get("trainable", True),
                       name="gru_cell", seed=seed,
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
        outputs, h = gru_sequence(
            input_dropout(cell, sequences, training), cell.kernel, cell.recurrent_kernel,
            cell.bias, initial_state=list(initial_state), mask=mask,
            go_backwards=self.go_backwards, activation=activation,
            recurrent_activation=recurrent_activation, reset_after=cell.reset_after,
            return_sequences=self.return_sequences,
            zero_output_for_mask=self.zero_output_for_mask)
        if self.return_sequences:
            return None, outputs, [h]
        return outputs, None, [h]

    units = cell_property("units")
    activation = cell_property("activation")
    recurrent_activation = cell_property("recurrent_activation")
    use_bias = cell_property("use_bias")
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
    reset_after = cell_property("reset_after")

    def get_config(self):
        config = {**settings_config(self, (
            "units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
            "recurrent_initializer", "bias_initializer", "kernel_regularizer",
            "recurrent_regularizer", "bias_regularizer", "activity_regularizer",
            "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
            "recurrent_dropout", "reset_after")), "seed": self.cell.seed}
        base_config = super().get_config()
        del base_config["cell"]
        return {**base_config, **config}

    @classmethod
    def from_config(cls, config_dict, custom_objects=None):
        return Layer.from_config.__func__(cls, config_dict)
