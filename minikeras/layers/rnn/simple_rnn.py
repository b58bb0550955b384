"""SimpleRNNCell and SimpleRNN: the fully connected (Elman) recurrent network, Keras 3 layout.

One step:  h_t = activation(x_t W + b + h_{t-1} U)      W (in, u), U (u, u), b (u,)

The SimpleRNN layer runs the whole sequence as one fused primitive
(`minikeras.ops.recurrent.simple_rnn_sequence`, BPTT in one VJP) unless recurrent dropout is
active while training or the activation is unknown to the primitive; then it runs the cell step
by step (the generic `RNN` loop).

Keras 3.15.1 quirks kept on purpose: `SimpleRNN(activity_regularizer=...)` is accepted but not
applied (Keras does not pass it on, and its config reports None), and the layer's config has no
`seed` (the cell's has).
"""
from minikeras import activations, constraints, initializers, ops, random, regularizers
from minikeras.layers.input_spec import InputSpec
from minikeras.layers.layer import Layer
from minikeras.layers.rnn.rnn import (RNN, DropoutRNNCell, cell_property, check_units,
                                      fused_activation_name, input_dropout)
from minikeras.ops import simple_rnn_sequence
from minikeras.layers.config_values import settings_config
from minikeras.registry.layer_classes import register_layer


@register_layer
class SimpleRNNCell(Layer, DropoutRNNCell):
    """One SimpleRNN step: `call(inputs, states, training)` -> `(h, [h])` (or `h` for a bare
    state).

    Args:
        units: positive int, size of the output and of the state.
        activation: default tanh (None = linear).
        use_bias: whether the layer has a bias (units,).
        kernel_initializer / recurrent_initializer / bias_initializer: glorot_uniform /
            orthogonal / zeros by default.
        kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
            recurrent_constraint, bias_constraint: as for Dense, per weight.
        dropout / recurrent_dropout: fractions of the input / recurrent units dropped (one mask
            for the whole sequence).
        seed: seed for the dropout masks.
    """

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        check_units(units)
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        self.units = units
        self.activation = activations.get(activation)
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
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                name="recurrent_kernel",
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), name="bias",
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        else:
            self.bias = None
        self.built = True

    def call(self, sequence, states, training=False):
        nested = isinstance(states, (list, tuple))
        prev_output = states[0] if nested else states
        if training and self.dropout > 0:
            sequence = sequence * self.get_dropout_mask(sequence)
        h = ops.matmul(sequence, self.kernel)
        if self.bias is not None:
            h = h + self.bias
        if training and self.recurrent_dropout > 0:
            prev_output = prev_output * self.get_recurrent_dropout_mask(prev_output)
        output = self.activation(h + ops.matmul(prev_output, self.recurrent_kernel))
        return output, ([output] if nested else output)

    def get_initial_state(self, batch_size=None):
        return [ops.zeros((batch_size, self.state_size), dtype=self.dtype)]

    def get_config(self):
        return {**super().get_config(), **settings_config(self, (
            "units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
            "bias_initializer", "kernel_regularizer", "recurrent_regularizer",
            "bias_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint",
            "dropout", "recurrent_dropout", "seed"))}


@register_layer
class SimpleRNN(RNN):
    """Fully connected recurrent layer over (batch, timesteps, features) inputs.

    Outputs (batch, units), or (batch, timesteps, units) with `return_sequences=True`; with
    `return_state=True` also the final state. Weights: `simple_rnn/simple_rnn_cell/kernel`
    (features, units), `.../recurrent_kernel` (units, units), `.../bias` (units,).

    Args: those of `SimpleRNNCell` and of `RNN` (return_sequences, return_state, go_backwards,
    stateful, unroll). `activity_regularizer` is accepted but, as in Keras 3.15.1, ignored.
    """

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, seed=None, **kwargs):
        cell = SimpleRNNCell(units, activation=activation, use_bias=use_bias,
                             kernel_initializer=kernel_initializer,
                             recurrent_initializer=recurrent_initializer,
                             bias_initializer=bias_initializer,
                             kernel_regularizer=kernel_regularizer,
                             recurrent_regularizer=recurrent_regularizer,
                             bias_regularizer=bias_regularizer,
                             kernel_constraint=kernel_constraint,
                             recurrent_constraint=recurrent_constraint,
                             bias_constraint=bias_constraint, dropout=dropout,
                             recurrent_dropout=recurrent_dropout, seed=seed,
                             dtype=kwargs.get("dtype", None),
                             trainable=kwargs.get("trainable", True), name="simple_rnn_cell")
        # Keras 3.15.1 does not pass `activity_regularizer` on; neither do we.
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    _EXACT_NDIM = 3

    def inner_loop(self, sequences, initial_state, mask, training=False):
        cell = self.cell
        activation = fused_activation_name(cell.activation)
        if activation is None or (training and cell.recurrent_dropout > 0):
            return super().inner_loop(sequences, initial_state, mask, training=training)
        outputs, h = simple_rnn_sequence(
            input_dropout(cell, sequences, training), cell.kernel, cell.recurrent_kernel,
            cell.bias, initial_state=list(initial_state), mask=mask,
            go_backwards=self.go_backwards, activation=activation,
            return_sequences=self.return_sequences,
            zero_output_for_mask=self.zero_output_for_mask)
        if self.return_sequences:
            return None, outputs, [h]
        return outputs, None, [h]

    units = cell_property("units")
    activation = cell_property("activation")
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

    def get_config(self):
        config = {**settings_config(self, (
            "units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
            "bias_initializer", "kernel_regularizer", "recurrent_regularizer",
            "bias_regularizer", "activity_regularizer", "kernel_constraint",
            "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout"))}
        base_config = super().get_config()
        del base_config["cell"]
        return {**base_config, **config}

    @classmethod
    def from_config(cls, config_dict, custom_objects=None):
        return Layer.from_config.__func__(cls, config_dict)
