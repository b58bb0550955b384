"""The generic recurrent layer `RNN(cell)`, `StackedRNNCells`, and the dropout-mask mixin of the
built-in cells.

`RNN` runs ANY cell, a layer (or object) with

    call(inputs_t, states, training=...) -> (output_t, new_states)
    state_size      an int, or a list of ints (one per state; nested for stacked cells)
    output_size     optional (default: the first state size)
    get_initial_state(batch_size)   optional (default: zeros)

with a Python loop over the time steps made of ordinary differentiable ops (`inputs[:, t]`,
the cell's own ops, `where` for masks, `stack`), so a user-written cell gets its gradients from
the generic autodiff. SimpleRNN, LSTM and GRU subclass `RNN` and replace that loop by one fused
primitive (minikeras/ops/recurrent.py) whenever they can.

Keras 3.15.1 semantics (torch backend, `keras.src.backend.torch.rnn.rnn`):

* `go_backwards=True` processes the sequence from the last step to the first and returns the
  output sequence in that (reversed) order.
* A mask (batch, time) of booleans (True = use the step), given as `mask=` or carried by the
  inputs as `_keras_mask`: at a masked step every state is carried through unchanged and the
  output repeats the previous step's output (zeros before the first unmasked step), or is zero
  with `zero_output_for_mask=True`. With `return_sequences=True` the output carries the mask.
* `stateful=True` keeps the final states of each call (non-trainable variables, not part of
  `weights`, like Keras) as the initial states of the next; `reset_state()` zeroes them.
  It needs a fixed batch size.
* `return_state=True` returns `(output, *final_states)`.
* `unroll` is accepted and changes nothing (the loop is always a Python loop).
"""
import inspect

from minikeras import ops, random
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor, Variable
from minikeras.backend.masking import get_keras_mask, set_keras_mask
from minikeras.layers.input_spec import InputSpec, assert_input_compatibility
from minikeras.layers.layer import Layer, name_scope
from minikeras.layers import serialization
from minikeras.registry.layer_classes import register_layer
from minikeras.tree import flatten, pack_sequence_as


# -- nested state structures (lists / tuples of Tensors), walked with minikeras.tree ------------
def _is_nested(x):
    return isinstance(x, (list, tuple))


# -- dropout masks of the built-in cells --------------------------------------------------------
class DropoutRNNCell:
    """Dropout masks drawn once per layer call and reused at every time step (Keras's
    `DropoutRNNCell`): the same units are dropped for the whole sequence.

    The cell must have `dropout` and `recurrent_dropout`, and draws the masks from its
    `seed_generator` (the shared generator when it has none); with a `dropout_mask_count`
    (LSTM 4, GRU 3, set when recurrent dropout is on) one independent mask per gate is drawn.
    """

    def _create_dropout_mask(self, step_input, rate):
        shape, dtype = tuple(step_input.shape), step_input.dtype
        seed_generator = getattr(self, "seed_generator", None)

        def one_mask():
            if rate >= 1:
                return Tensor(xp.zeros(shape, dtype=dtype))
            keep = random.uniform(shape, dtype="float32", seed=seed_generator).data >= rate
            return Tensor((keep * xp.asarray(1.0 / (1.0 - rate), dtype=dtype)).astype(dtype))

        count = getattr(self, "dropout_mask_count", None)
        return one_mask() if count is None else [one_mask() for _ in range(count)]

    def get_dropout_mask(self, step_input):
        if getattr(self, "_dropout_mask", None) is None and self.dropout > 0:
            self._dropout_mask = self._create_dropout_mask(step_input, self.dropout)
        return getattr(self, "_dropout_mask", None)

    def get_recurrent_dropout_mask(self, step_input):
        if getattr(self, "_recurrent_dropout_mask", None) is None and self.recurrent_dropout > 0:
            self._recurrent_dropout_mask = self._create_dropout_mask(step_input,
                                                                     self.recurrent_dropout)
        return getattr(self, "_recurrent_dropout_mask", None)

    def reset_dropout_mask(self):
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self):
        self._recurrent_dropout_mask = None


def _cell_output_size(cell):
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    state_size = cell.state_size
    return state_size[0] if _is_nested(state_size) else state_size


def _check_cell(cell, who):
    if "call" not in dir(cell):
        raise ValueError(f"{who}: argument `cell` should have a `call` method. Received: "
                         f"cell={cell!r}")
    if "state_size" not in dir(cell):
        raise ValueError(f"{who}: the RNN cell should have a `state_size` attribute (single "
                         f"integer or list of integers, one integer per RNN state). Received: "
                         f"cell={cell!r}")


def _call_cell(cell, inputs, states, training):
    if isinstance(cell, Layer):
        return cell(inputs, states, training=training)
    function = cell.call
    if "training" in inspect.signature(function).parameters:
        return function(inputs, states, training=training)
    return function(inputs, states)


def _custom_cells():
    """The built-in cells, for deserializing a `cell` config before they are registered."""
    from minikeras.layers.rnn.gru import GRUCell
    from minikeras.layers.rnn.lstm import LSTMCell
    from minikeras.layers.rnn.simple_rnn import SimpleRNNCell
    return {"SimpleRNNCell": SimpleRNNCell, "LSTMCell": LSTMCell, "GRUCell": GRUCell,
            "StackedRNNCells": StackedRNNCells}


def _serialize_cell(cell):
    return serialization.serialize(cell)


def _deserialize_cell(config, custom_objects=None):
    objects = _custom_cells()
    objects.update(custom_objects or {})
    return serialization.deserialize(config, custom_objects=objects)


# -- StackedRNNCells ---------------------------------------------------------------------------
@register_layer
class StackedRNNCells(Layer):
    """Several cells run as one: each step feeds the output of cell k to cell k + 1.

    `state_size` is the list of the cells' state sizes; the states passed around are a list with
    one entry per cell (itself a list for a multi-state cell such as LSTMCell).

        layer = RNN(StackedRNNCells([LSTMCell(64), LSTMCell(64)]))   # or RNN([cell, cell])
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            _check_cell(cell, "StackedRNNCells")
        self.cells = list(cells)

    @property
    def state_size(self):
        return [c.state_size for c in self.cells]

    @property
    def output_size(self):
        return _cell_output_size(self.cells[-1])

    def get_initial_state(self, batch_size=None):
        states = []
        for cell in self.cells:
            function = getattr(cell, "get_initial_state", None)
            if function is not None:
                states.append(function(batch_size=batch_size))
            elif _is_nested(cell.state_size):
                states.append([Tensor(xp.zeros((batch_size, d), dtype=self.dtype))
                               for d in cell.state_size])
            else:
                states.append(Tensor(xp.zeros((batch_size, cell.state_size), dtype=self.dtype)))
        return states

    def build(self, input_shape):
        with name_scope(self.name):
            for cell in self.cells:
                if isinstance(cell, Layer) and not cell.built:
                    cell.build(tuple(input_shape))
                    cell.built = True
                    cell._build_input_shape = tuple(input_shape)
                input_shape = (input_shape[0], _cell_output_size(cell))
        self.built = True

    def call(self, inputs, states, training=False):
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            was_list = _is_nested(cell_states)
            cell_states = list(cell_states) if was_list else [cell_states]
            inputs, cell_states = _call_cell(cell, inputs, cell_states, training)
            if not _is_nested(cell_states):
                cell_states = [cell_states]
            if len(cell_states) == 1 and not was_list:
                cell_states = cell_states[0]
            new_states.append(cell_states)
        if len(new_states) == 1:
            new_states = new_states[0]
        return inputs, new_states

    def get_config(self):
        return {**super().get_config(), "cells": [_serialize_cell(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config_dict, custom_objects=None):
        config_dict = dict(config_dict)
        cells = [_deserialize_cell(c, custom_objects) for c in config_dict.pop("cells")]
        return super().from_config({**config_dict, "cells": cells})


# -- RNN ---------------------------------------------------------------------------------------
@register_layer
class RNN(Layer):
    """A recurrent layer running `cell` over the time axis of (batch, time, features) inputs.

    Args:
        cell: an RNN cell (see the module docstring), or a list of cells (stacked).
        return_sequences: return the whole output sequence (batch, time, output_size) instead
            of the last output (batch, output_size).
        return_state: also return the final states: `output, *states`.
        go_backwards: process the sequence in reverse (outputs in processing order).
        stateful: reuse each call's final states as the next call's initial states.
        unroll: accepted for compatibility; no effect.
        zero_output_for_mask: masked steps output zeros instead of the previous output.

    Call arguments: `inputs` (batch, time, ...), `initial_state` (list of state tensors, one per
    state of the cell), `mask` (batch, time) bools, `training`.
    """

    # Input rank rules: RNN takes (batch, time, ...) for any cell; SimpleRNN/LSTM/GRU set
    # _EXACT_NDIM = 3.
    _MIN_NDIM = 3
    _EXACT_NDIM = None

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        _check_cell(cell, type(self).__name__)
        super().__init__(**kwargs)
        self.zero_output_for_mask = zero_output_for_mask
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.supports_masking = True
        self.input_spec = None
        self.states = None
        self._expected_batch_size = None
        state_size = getattr(self.cell, "state_size", None)
        if state_size is None:
            raise ValueError("state_size must be specified as property on the RNN cell.")
        if not isinstance(state_size, (list, tuple, int)):
            raise ValueError("state_size must be an integer, or a list/tuple of integers "
                             "(one for each state tensor).")
        self.single_state = isinstance(state_size, int)
        self.state_size = [state_size] if self.single_state else list(state_size)

    def _check_input_shape(self, shape):
        spec = InputSpec(ndim=self._EXACT_NDIM) if self._EXACT_NDIM else InputSpec(
            min_ndim=self._MIN_NDIM)
        try:
            assert_input_compatibility(spec, tuple(shape), self.name)
        except ValueError as error:
            raise ValueError(f"{error}. {type(self).__name__} layers take sequences shaped "
                             f"(batch, timesteps, features); for a single sequence add a batch "
                             f"axis, for one step add a time axis.") from None

    # -- shapes -----------------------------------------------------------------------------
    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, length = sequences_shape[0], sequences_shape[1]
        output_size = _cell_output_size(self.cell)
        if not isinstance(output_size, int):
            raise ValueError("output_size must be an integer.")
        if self.return_sequences:
            output_shape = (batch, length, output_size)
        else:
            output_shape = (batch, output_size)
        if not self.return_state:
            return output_shape
        return [output_shape] + [(batch, s) for s in flatten(self.state_size)]

    def compute_mask(self, inputs, mask):
        mask = flatten(mask)[0] if _is_nested(mask) else mask
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None for _ in self.state_size]
        return output_mask

    # -- weights and states -----------------------------------------------------------------
    def build(self, sequences_shape, initial_state_shape=None):
        self._check_input_shape(sequences_shape)
        step_input_shape = (sequences_shape[0],) + tuple(sequences_shape[2:])
        if isinstance(self.cell, Layer) and not self.cell.built:
            with name_scope(self.name):
                self.cell.build(step_input_shape)
            self.cell.built = True
            self.cell._build_input_shape = (None,) + tuple(step_input_shape[1:])
        if self.stateful:
            if self.states is not None:
                self.reset_state()
            else:
                if sequences_shape[0] is None:
                    raise ValueError(f"When using `stateful=True` in a RNN, the batch size must "
                                     f"be static. Found dynamic batch size: "
                                     f"sequence.shape={tuple(sequences_shape)} (layer "
                                     f"{self.name!r}).")
                self._create_state_variables(sequences_shape[0])
        self.built = True

    def _create_state_variables(self, batch_size):
        initial = self.get_initial_state(batch_size)
        variables = [Variable(Tensor(s).data.copy(), trainable=False, name="rnn_state")
                     for s in flatten(initial)]
        for v in variables:
            v.path = f"{self.name}/rnn_state"
        self.states = pack_sequence_as(initial, variables)
        self._expected_batch_size = batch_size

    def get_initial_state(self, batch_size):
        """Zero states for a batch (or the cell's own `get_initial_state`), always a list."""
        function = getattr(self.cell, "get_initial_state", None)
        if function is None:
            return [Tensor(xp.zeros((batch_size, d), dtype=self.dtype)) for d in self.state_size]
        states = function(batch_size=batch_size)
        return list(states) if _is_nested(states) else [states]

    def reset_states(self):
        """Compatibility alias of `reset_state`."""
        self.reset_state()

    def reset_state(self):
        """Zero the kept states of a stateful layer (no effect otherwise)."""
        if self.states is not None:
            for v in flatten(self.states):
                v.assign(xp.zeros_like(v.data))

    # -- the computation --------------------------------------------------------------------
    def _standardize_initial_state(self, initial_state, batch_size):
        if not _is_nested(initial_state):
            initial_state = [initial_state]
        initial_state = list(initial_state)
        expected = flatten(self.state_size)
        flat = flatten(initial_state)
        if len(flat) != len(expected):
            raise ValueError(f"Layer {self.name!r} ({type(self).__name__}) expects "
                             f"{len(expected)} initial state tensor(s), one per state of its "
                             f"cell (state sizes {self.state_size}), but received {len(flat)}.")
        tensors = []
        for k, (state, size) in enumerate(zip(flat, expected)):
            state = ops.convert_to_tensor(state)
            if xp.issubdtype(state.dtype, xp.floating) and state.dtype != xp.dtype(self.dtype):
                state = ops.cast(state, self.dtype)
            if state.ndim != 2 or state.shape[0] != batch_size or state.shape[1] != size:
                raise ValueError(f"Layer {self.name!r} ({type(self).__name__}): initial state "
                                 f"{k} must have shape (batch_size, {size}) = "
                                 f"{(batch_size, size)}, but received shape {tuple(state.shape)}.")
            tensors.append(state)
        return pack_sequence_as(initial_state, tensors)

    def _standardize_mask(self, mask, shape):
        if mask is None:
            return None
        if _is_nested(mask):
            mask = mask[0]
        mask = mask.data if isinstance(mask, Tensor) else xp.asarray(mask)
        if mask.shape != tuple(shape[:2]):
            raise ValueError(f"Layer {self.name!r} ({type(self).__name__}): the mask must have "
                             f"shape (batch_size, timesteps) = {tuple(shape[:2])}, but received "
                             f"shape {tuple(mask.shape)}.")
        return mask.astype(bool)

    def call(self, sequences, initial_state=None, mask=None, training=None):
        self._check_input_shape(sequences.shape)
        if mask is None:
            mask = get_keras_mask(sequences)
        mask = self._standardize_mask(mask, sequences.shape)
        batch_size = sequences.shape[0]
        if self.stateful and self._expected_batch_size is not None \
                and batch_size != self._expected_batch_size:
            raise ValueError(f"If an RNN is stateful, the batch size of the input sequences must "
                             f"be the same as the batch size of the initial state (layer "
                             f"{self.name!r}).\n- Expected batch size: "
                             f"{self._expected_batch_size}\n- Received batch size: {batch_size}")
        if initial_state is None:
            if self.stateful:
                # Copies: the kept variables are overwritten after this call, while the graph
                # of this call may still need the values it started from.
                initial_state = pack_sequence_as(
                    self.states, [Tensor(v.data.copy()) for v in flatten(self.states)])
            else:
                initial_state = self.get_initial_state(batch_size)
        initial_state = self._standardize_initial_state(initial_state, batch_size)
        self._reset_dropout_masks(self.cell)
        try:
            last_output, outputs, states = self.inner_loop(sequences, initial_state, mask,
                                                           training=bool(training))
        finally:
            self._reset_dropout_masks(self.cell)
        if self.stateful:
            for variable, state in zip(flatten(self.states), flatten(states)):
                variable.assign(state.data)
        output = outputs if self.return_sequences else last_output
        if self.return_sequences and mask is not None:
            set_keras_mask(output, mask)
        if self.return_state:
            return (output, *states)
        return output

    def inner_loop(self, sequences, initial_state, mask, training=False):
        """The generic loop: one cell call per step, composed of ordinary differentiable ops.

        Returns (last_output, outputs (batch, time, units) or None, final states).
        """
        steps = sequences.shape[1]
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        states = list(initial_state)
        outputs, previous = [], None
        for t in order:
            output, new_states = _call_cell(self.cell, sequences[:, t], tuple(states), training)
            if not _is_nested(new_states):
                new_states = [new_states]
            if mask is not None:
                step = mask[:, t]
                # (batch,) -> (batch, 1, ...), broadcast against each tensor of any rank
                keep = step.reshape((-1,) + (1,) * (output.ndim - 1))
                output = ops.where(keep, output, 0.0 if (self.zero_output_for_mask or previous
                                                         is None) else previous)
                flat = [ops.where(step.reshape((-1,) + (1,) * (new.ndim - 1)), new, old)
                        for new, old in zip(flatten(new_states), flatten(states))]
                new_states = pack_sequence_as(new_states, flat)
            previous = output
            states = list(new_states)
            if self.return_sequences:
                outputs.append(output)
        sequence = ops.stack(outputs, axis=1) if self.return_sequences else None
        return previous, sequence, states

    def _reset_dropout_masks(self, cell):
        if isinstance(cell, DropoutRNNCell):
            cell.reset_dropout_mask()
            cell.reset_recurrent_dropout_mask()
        if isinstance(cell, StackedRNNCells):
            for c in cell.cells:
                self._reset_dropout_masks(c)

    # -- configuration ----------------------------------------------------------------------
    def get_config(self):
        return {**super().get_config(),
                "return_sequences": self.return_sequences, "return_state": self.return_state,
                "go_backwards": self.go_backwards, "stateful": self.stateful,
                "unroll": self.unroll, "zero_output_for_mask": self.zero_output_for_mask,
                "cell": _serialize_cell(self.cell)}

    @classmethod
    def from_config(cls, config_dict, custom_objects=None):
        config_dict = dict(config_dict)
        cell = _deserialize_cell(config_dict.pop("cell"), custom_objects)
        return super().from_config({**config_dict, "cell": cell})


# -- helpers shared by SimpleRNN, LSTM and GRU ---------------------------------------------------
def fused_activation_name(function):
    """The name the fused primitives know `function` by ("tanh", ...), or None."""
    from minikeras import activations
    table = {activations.tanh: "tanh", activations.sigmoid: "sigmoid", activations.relu: "relu",
             activations.hard_sigmoid: "hard_sigmoid", activations.linear: "linear"}
    try:
        return table.get(function)
    except TypeError:          # an unhashable callable object
        return None


def input_dropout(cell, sequences, training):
    """The inputs times the cell's (time-invariant) input dropout mask, when training."""
    if training and cell.dropout > 0:
        mask = cell.get_dropout_mask(sequences[:, 0, :])
        return sequences * mask.data[:, None, :]
    return sequences


def cell_property(name, doc=None):
    """A read-only layer attribute that forwards to the cell (LSTM.units -> LSTM.cell.units)."""
    return property(lambda self: getattr(self.cell, name), doc=doc or f"The cell's `{name}`.")


def check_units(units):
    if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
        raise ValueError(f"Received an invalid value for argument `units`, expected a positive "
                         f"integer, got {units!r}.")


def as_array(value):
    return value.data if isinstance(value, Tensor) else xp.asarray(value)
