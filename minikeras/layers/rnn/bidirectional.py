"""Bidirectional: run a recurrent layer forwards and a copy of it backwards, merge the two."""
import copy

from minikeras.layers.layer import Layer, name_scope
from minikeras.ops import cast, concatenate, getitem
from minikeras.registry.layer_classes import register_layer

_RNN_ATTRIBUTES = ("return_sequences", "return_state", "go_backwards")
_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _check_recurrent(layer, argument):
    missing = [name for name in _RNN_ATTRIBUTES if not hasattr(layer, name)]
    if missing:
        raise ValueError(
            f"Bidirectional: `{argument}` must be a recurrent layer (LSTM, GRU, SimpleRNN, "
            f"RNN(cell), or any layer with Keras's RNN interface: the attributes "
            f"return_sequences, return_state and go_backwards, and get_config/from_config). "
            f"Received {type(layer).__name__} layer {layer.name!r}, which has no "
            f"{', '.join(missing)}.")


def _copy_layer(layer, **overrides):
    """A fresh layer of the same class built from `layer`'s config with `overrides` applied."""
    config = layer.get_config()
    config.update(overrides)
    return type(layer).from_config(config)


def _removeprefix(name, prefix):
    return name[len(prefix):] if name.startswith(prefix) else name


@register_layer
class Bidirectional(Layer):
    """Bidirectional wrapper for RNNs.

    The wrapped layer is copied twice from its config: a forward layer "forward_<name>" and a
    backward layer "backward_<name>" with `go_backwards` flipped (the wrapped instance itself is
    not used, so its weights are not shared). The backward layer reads the sequence from the
    end; with return_sequences its output sequence is flipped back so step t of both halves
    refers to input step t. Then the two are merged.

    Shapes: (batch, time, features) -> (batch, [time,] 2 * units) with merge_mode "concat",
    (batch, [time,] units) with "sum", "mul", "ave"; a list [forward, backward] with None.
    With return_state the states follow: forward states, then backward states.

    Args:
        layer: an RNN layer (LSTM, GRU, SimpleRNN, RNN, or a layer exposing return_sequences,
            return_state, go_backwards and get_config/from_config).
        merge_mode: "concat" (default), "sum", "mul", "ave" or None.
        weights: optional list of initial weights, the forward layer's then the backward
            layer's, set when the layer is built.
        backward_layer: optional layer for the backward direction (same return_sequences,
            return_state and stateful as `layer`, the opposite go_backwards).

    Call arguments:
        sequences: (batch, time, features).
        initial_state: list of states: the first half for the forward layer, the second half
            for the backward one.
        mask: (batch, time) boolean, passed to both layers.
        training: passed to both layers.
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Please initialize `Bidirectional` layer with a "
                             f"`keras.layers.Layer` instance. Received: {layer}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(f"`backward_layer` need to be a `keras.layers.Layer` instance. "
                             f"Received: {backward_layer}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should be "
                             f'one of {{"sum", "mul", "ave", "concat", None}}')
        _check_recurrent(layer, "layer")
        if backward_layer is not None:
            _check_recurrent(backward_layer, "backward_layer")
        super().__init__(**kwargs)
        self.forward_layer = _copy_layer(
            layer, name=f"forward_{_removeprefix(layer.name, 'forward_')}")
        if backward_layer is None:
            self.backward_layer = _copy_layer(
                layer, name=f"backward_{_removeprefix(layer.name, 'backward_')}",
                go_backwards=not layer.go_backwards)
        else:
            self.backward_layer = backward_layer
        self._verify_layer_config()
        for direction in (self.forward_layer, self.backward_layer):
            if getattr(direction, "zero_output_for_mask", None) is not None:
                direction.zero_output_for_mask = direction.return_sequences
        self.merge_mode = merge_mode
        self._initial_weights = list(weights) if weights is not None and len(weights) else None
        self.stateful = getattr(layer, "stateful", False)
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = getattr(layer, "input_spec", None)

    def _verify_layer_config(self):
        """The two directions must differ in go_backwards and agree on the rest."""
        forward, backward = self.forward_layer, self.backward_layer
        if forward.go_backwards == backward.go_backwards:
            raise ValueError(f"Forward layer and backward layer should have different "
                             f"`go_backwards` value. Received: forward_layer.go_backwards "
                             f"{forward.go_backwards}, backward_layer.go_backwards="
                             f"{backward.go_backwards}")
        for name in ("stateful", "return_sequences", "return_state"):
            forward_value = getattr(forward, name, False)
            backward_value = getattr(backward, name, False)
            if forward_value != backward_value:
                raise ValueError(f"Forward layer and backward layer are expected to have the "
                                 f'same value for attribute "{name}", got "{forward_value}" for '
                                 f'forward layer and "{backward_value}" for backward layer')

    # -- shapes and building -------------------------------------------------------------------
    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        output_shape = self.forward_layer.compute_output_shape(sequences_shape)
        state_shapes = []
        if self.return_state:
            output_shape, state_shapes = output_shape[0], [tuple(s) for s in output_shape[1:]]
        output_shape = tuple(output_shape)
        if self.merge_mode == "concat":
            output_shape = output_shape[:-1] + (
                None if output_shape[-1] is None else 2 * output_shape[-1],)
        if self.merge_mode is None:
            outputs = [output_shape, output_shape]
        else:
            outputs = [output_shape]
        if self.return_state or self.merge_mode is None:
            return outputs + state_shapes + state_shapes
        return output_shape

    def build(self, sequences_shape, initial_state_shape=None):
        with name_scope(self.name):
            self.forward_layer._maybe_build(tuple(sequences_shape))
            self.backward_layer._maybe_build(tuple(sequences_shape))
        if self._initial_weights is not None:
            half = len(self._initial_weights) // 2
            self.forward_layer.set_weights(self._initial_weights[:half])
            self.backward_layer.set_weights(self._initial_weights[half:])
            self._initial_weights = None
        self.built = True

    # -- calling -------------------------------------------------------------------------------
    def call(self, sequences, initial_state=None, mask=None, training=None):
        kwargs = {}
        if self.forward_layer._call_takes_training:
            kwargs["training"] = training
        if self.forward_layer._call_takes_mask:
            kwargs["mask"] = mask
        if initial_state is not None:
            if not isinstance(initial_state, (list, tuple)) or len(initial_state) % 2:
                count = len(initial_state) if isinstance(initial_state, (list, tuple)) else 1
                raise ValueError(f"Bidirectional layer {self.name!r}: `initial_state` must be a "
                                 f"list with the forward layer's states followed by the backward "
                                 f"layer's (an even number of tensors); received {count}.")
            half = len(initial_state) // 2
            y = self.forward_layer(sequences, initial_state=list(initial_state[:half]), **kwargs)
            y_rev = self.backward_layer(sequences, initial_state=list(initial_state[half:]),
                                        **kwargs)
        else:
            y = self.forward_layer(sequences, **kwargs)
            y_rev = self.backward_layer(sequences, **kwargs)

        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if y.dtype.kind == "f" and y.dtype != self.dtype:
            y, y_rev = cast(y, self.dtype), cast(y_rev, self.dtype)
        if self.return_sequences:
            y_rev = getitem(y_rev, (slice(None), slice(None, None, -1)))

        if self.merge_mode == "concat":
            output = concatenate([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = (y, y_rev)
        if self.return_state:
            if self.merge_mode is None:
                return output + states
            return (output,) + states
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, list):
            mask = mask[0]
        if self.return_sequences:
            output_mask = [mask, mask] if not self.merge_mode else mask
        else:
            output_mask = [None, None] if not self.merge_mode else None
        if self.return_state and not isinstance(output_mask, list):
            output_mask = [output_mask]  # the states (after the output) get no mask
        return output_mask

    # -- state ---------------------------------------------------------------------------------
    def reset_states(self):
        self.reset_state()

    def reset_state(self):
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    @property
    def states(self):
        forward = getattr(self.forward_layer, "states", None)
        backward = getattr(self.backward_layer, "states", None)
        if forward and backward:
            return tuple(forward) + tuple(backward)
        return None

    # -- configuration -------------------------------------------------------------------------
    def get_config(self):
        from minikeras.layers.serialization import serialize
        return {**super().get_config(), "merge_mode": self.merge_mode,
                "layer": serialize(self.forward_layer),
                "backward_layer": serialize(self.backward_layer)}

    @classmethod
    def from_config(cls, config_dict, custom_objects=None):
        from minikeras.layers.serialization import deserialize
        config_dict = copy.deepcopy(config_dict)
        config_dict["layer"] = deserialize(config_dict["layer"], custom_objects=custom_objects)
        backward_config = config_dict.pop("backward_layer", None)
        if backward_config is not None:
            config_dict["backward_layer"] = deserialize(backward_config,
                                                        custom_objects=custom_objects)
        return cls(**config_dict)
