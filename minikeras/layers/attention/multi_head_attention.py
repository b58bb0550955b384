"""MultiHeadAttention: the Transformer's attention, with Keras 3's weights and masking rules.

For query (B, T, dim) and value/key (B, S, dim_v/dim_k), with N heads:

    q = query @ Wq + bq        (B, T, N, key_dim)     Wq: "query/kernel" (dim, N, key_dim)
    k = key   @ Wk + bk        (B, S, N, key_dim)     Wk: "key/kernel"   (dim_k, N, key_dim)
    v = value @ Wv + bv        (B, S, N, value_dim)   Wv: "value/kernel" (dim_v, N, value_dim)
    scores  = softmax((q / sqrt(key_dim)) . k) per head      (B, N, T, S), masked steps -> 0
    output  = (scores @ v) @ Wo + bo   (B, T, dim)    Wo: "attention_output/kernel"
                                                          (N, value_dim, dim)

The four projections are small sublayers named like Keras's EinsumDense sublayers, so the
weights are `query/kernel`, `query/bias`, `key/...`, `value/...`, `attention_output/...` in
Keras's order and shapes (set_weights(get_weights()) moves them between the two). Each
projection is one GEMM (the Dense primitive on a reshaped kernel); the attention itself is
composed of matmul, softmax and where, so autodiff gives every gradient.
"""
import math

from minikeras import activations, constraints, initializers, random, regularizers
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor
from minikeras.backend.masking import get_keras_mask, set_keras_mask
from minikeras.layers.attention.attention import bool_mask, causal_mask
from minikeras.layers.core.dense import deserialize_weight_settings
from minikeras.layers.layer import Layer, name_scope
from minikeras.ops import (cast, convert_to_tensor, dense, matmul, multiply, reshape, softmax,
                           transpose, where)
from minikeras.registry.layer_classes import register_layer


class _EinsumProjection(Layer):
    """Keras's EinsumDense as MultiHeadAttention uses it: contract the last `bound_dims` axes
    of the input with the first ones of the kernel (*in_dims, *output_dims), add a bias of
    shape `output_dims`. Computed as one Dense GEMM on the kernel reshaped to a matrix."""

    def __init__(self, output_dims, bound_dims=1, use_bias=True, activation=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.output_dims = tuple(int(d) for d in output_dims)
        self.bound_dims = bound_dims
        self.use_bias = use_bias
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        in_dims = tuple(int(d) for d in input_shape[len(input_shape) - self.bound_dims:])
        kernel_shape = in_dims + self.output_dims
        initializer = self.kernel_initializer
        if (isinstance(initializer, initializers.VarianceScaling)
                and (initializer.input_axes is None or initializer.output_axes is None)):
            # As EinsumDense: the fans are the contracted axes and the output axes.
            config = initializer.get_config()
            config["seed"] = initializer.seed
            config["input_axes"] = list(range(len(in_dims)))
            config["output_axes"] = list(range(len(in_dims), len(kernel_shape)))
            initializer = type(initializer).from_config(config)
        self.kernel = self.add_weight(shape=kernel_shape, initializer=initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(shape=self.output_dims, initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint, name="bias")
        self._in_size = math.prod(in_dims)
        self._out_size = math.prod(self.output_dims)
        self.built = True

    def call(self, inputs):
        lead = tuple(inputs.shape[:inputs.ndim - self.bound_dims])
        x = inputs if self.bound_dims == 1 else reshape(inputs, lead + (self._in_size,))
        kernel = self.kernel
        if kernel.ndim != 2:
            kernel = reshape(kernel, (self._in_size, self._out_size))
        bias = self.bias
        if bias is not None and bias.ndim != 1:
            bias = reshape(bias, (self._out_size,))
        out = dense(x, kernel, bias)
        if len(self.output_dims) != 1:
            out = reshape(out, lead + self.output_dims)
        return self.activation(out) if self.activation is not activations.linear else out

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:len(input_shape) - self.bound_dims]) + self.output_dims


def attention_inputs(dtype, query, value, key, query_mask, value_mask, key_mask):
    """(query, value, key, query_mask, value_mask, key_mask) for a MultiHeadAttention or
    GroupedQueryAttention call: the inputs as tensors (floats cast to `dtype`; key defaults to
    value) and their masks. Keras 3 takes the query's mask from the tensor (an explicit
    query_mask is used when the tensor carries none; Keras 3.15 ignores it then); value and key
    masks: the explicit one first, else the tensor's."""
    query, own_query_mask = _as_input(query, dtype)
    value, own_value_mask = _as_input(value, dtype)
    if key is None:
        key = value
    else:
        key, own_key_mask = _as_input(key, dtype)
        key_mask = key_mask if key_mask is not None else own_key_mask
    query_mask = own_query_mask if own_query_mask is not None else query_mask
    value_mask = value_mask if value_mask is not None else own_value_mask
    return query, value, key, query_mask, value_mask, key_mask


def _as_input(x, dtype):
    mask = get_keras_mask(x)
    x = convert_to_tensor(x)
    if xp.issubdtype(x.dtype, xp.floating) and x.dtype != xp.dtype(dtype):
        x = cast(x, dtype)
    return x, mask


def build_shapes(owner, query_shape, value_shape, key_shape):
    """(query_shape, value_shape, key_shape) as tuples, key_shape defaulting to value_shape;
    a ValueError naming `owner` when value_shape is missing."""
    if value_shape is None:
        raise ValueError(f"{owner} is built from the query AND value shapes: call it as "
                         f"layer(query, value) or build(query_shape, value_shape).")
    query_shape, value_shape = tuple(query_shape), tuple(value_shape)
    return query_shape, value_shape, value_shape if key_shape is None else tuple(key_shape)


def check_scores_request(flash_attention, return_attention_scores):
    """Attention scores cannot come back from the fused (flash) path: a ValueError as Keras's."""
    if flash_attention and return_attention_scores:
        raise ValueError("Returning attention scores is not supported when flash attention "
                         "is enabled. Please disable flash attention to access attention "
                         "scores.")


def combine_attention_masks(query, value, query_mask, value_mask, key_mask, attention_mask,
                            use_causal_mask, sliding_window):
    """The boolean mask broadcasting to (B, T, S) of what may attend to what, for query
    (B, T, ...) and value (B, S, ...): the query mask as (B, T, 1), value and key masks as
    (B, 1, S), the causal mask and the |t - s| < sliding_window band (1, T, S) and
    `attention_mask`, all ANDed; None when there is nothing to mask (MultiHeadAttention,
    GroupedQueryAttention)."""
    auto_mask = None
    if query_mask is not None:
        auto_mask = bool_mask(query_mask)[..., None]
    for mask in (value_mask, key_mask):
        if mask is not None:
            mask = bool_mask(mask)[..., None, :]
            auto_mask = mask if auto_mask is None else auto_mask & mask
    if use_causal_mask:
        mask = causal_mask(query.shape[1], value.shape[1])
        auto_mask = mask if auto_mask is None else auto_mask & mask
    if sliding_window is not None:
        rows = xp.arange(query.shape[1])[:, None]
        cols = xp.arange(value.shape[1])[None, :]
        mask = (xp.abs(rows - cols) < sliding_window)[None]
        auto_mask = mask if auto_mask is None else auto_mask & mask
    if attention_mask is not None:
        attention_mask = bool_mask(attention_mask)
    if auto_mask is not None:
        attention_mask = auto_mask if attention_mask is None else attention_mask & auto_mask
    return attention_mask


def _clone_initializer(initializer):
    return type(initializer).from_config(initializer.get_config())


def _shape(x):
    return tuple(x.shape)


@register_layer
class MultiHeadAttention(Layer):
    """Multi-head attention, as in "Attention Is All You Need".

    Call it as `layer(query, value)` or `layer(query, value, key)`:
    query (B, T, dim), value (B, S, dim_v), key (B, S, dim_k) (default: value) ->
    output (B, T, dim) (or (B, T, *output_shape)), and with `return_attention_scores=True` also
    the attention weights (B, num_heads, T, S). Inputs of higher rank attend over
    `attention_axes`.

    Args:
        num_heads: number of attention heads.
        key_dim: size of each head for query and key.
        value_dim: size of each head for value (default: key_dim).
        dropout: dropout rate on the attention weights while training.
        use_bias: whether the four projections have biases.
        output_shape: size(s) of the output's last axes (default: the query's last axis).
        attention_axes: the axes attention runs over (default: all but batch, heads, features).
        sliding_window: each query step sees only key steps closer than this (None = all).
        flash_attention: accepted for compatibility; the computation is always exact.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: for the projections
            (the activity regularizer applies to each projection's output, as in Keras).
        use_gate: a sigmoid gate (B, T, N, value_dim), projected from the query ("gate"
            sublayer), multiplies the attention output before the output projection.
        seed: integer for a reproducible dropout stream.

    Call arguments:
        query, value, key: the tensors above.
        query_mask (B, T), value_mask (B, S), key_mask (B, S): which steps are real; taken from
            the tensors' `_keras_mask` (set by Embedding(mask_zero=True) or Masking) when not
            given. A masked query step attends to nothing (zero weights).
        attention_mask: boolean (B, T, S); True = may attend.
        return_attention_scores: also return the weights.
        training: dropout only while training.
        use_causal_mask: query step i attends only to key steps j <= i.
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, sliding_window=None,
                 flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate=False, seed=None, **kwargs):
        if not isinstance(num_heads, int) or isinstance(num_heads, bool) or num_heads <= 0:
            raise ValueError(f"Received an invalid value for argument `num_heads`, expected a "
                             f"positive integer. Received: num_heads={num_heads}")
        if not isinstance(key_dim, int) or isinstance(key_dim, bool) or key_dim <= 0:
            raise ValueError(f"Received an invalid value for argument `key_dim`, expected a "
                             f"positive integer. Received: key_dim={key_dim}")
        if value_dim is not None and (not isinstance(value_dim, int) or value_dim <= 0):
            raise ValueError(f"Received an invalid value for argument `value_dim`, expected a "
                             f"positive integer or `None`. Received: value_dim={value_dim}")
        if not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError(f"MultiHeadAttention: `dropout` must be a float in [0, 1). "
                             f"Received: dropout={dropout!r}")
        super().__init__(**kwargs)
        self.supports_masking = True
        self._num_heads = num_heads
        self._key_dim = key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout = dropout
        self._use_bias = use_bias
        self._use_gate = use_gate
        if output_shape:
            if isinstance(output_shape, int):
                output_shape = (output_shape,)
            try:
                output_shape = tuple(output_shape)
            except TypeError:
                raise ValueError(f"Invalid `output_shape`: {output_shape}. When specified, the "
                                 f"`output_shape` should be of type tuple, list, or int.") from None
        self._output_shape = output_shape
        self._flash_attention = flash_attention
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(f"`attention_axes` must be an int, list, or tuple."
                             f"Received: attention_axes={attention_axes}")
        self._attention_axes = attention_axes
        if sliding_window is not None and (not isinstance(sliding_window, int)
                                           or sliding_window <= 0):
            raise ValueError(f"`sliding_window` must be `None` or a positive integer. "
                             f"Received: sliding_window={sliding_window}")
        self._sliding_window = sliding_window
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(self._key_dim))
        if self._flash_attention and self._dropout > 0.0:
            raise ValueError("Dropout is not supported when flash attention is enabled. "
                             "Please set dropout to 0.0 to use flash attention.")

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)

    @property
    def query_dense(self):
        return self._query_dense

    @property
    def key_dense(self):
        return self._key_dense

    @property
    def value_dense(self):
        return self._value_dense

    @property
    def output_dense(self):
        return self._output_dense

    # -- building ------------------------------------------------------------------------------
    def _projection(self, output_dims, name, bound_dims=1, activation=None):
        return _EinsumProjection(
            output_dims, bound_dims=bound_dims, use_bias=self._use_bias, activation=activation,
            kernel_initializer=_clone_initializer(self._kernel_initializer),
            bias_initializer=_clone_initializer(self._bias_initializer),
            kernel_regularizer=self._kernel_regularizer, bias_regularizer=self._bias_regularizer,
            activity_regularizer=self._activity_regularizer,
            kernel_constraint=self._kernel_constraint, bias_constraint=self._bias_constraint,
            dtype=self.dtype_policy, name=name)

    def build(self, query_shape, value_shape=None, key_shape=None):
        query_shape, value_shape, key_shape = build_shapes(
            f"MultiHeadAttention layer {self.name!r}", query_shape, value_shape, key_shape)
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(f"All dimensions of `value` and `key`, except the last one, must be "
                             f"equal. Received: value_shape={value_shape} and "
                             f"key_shape={key_shape}")
        if len(query_shape) != len(value_shape):
            raise ValueError(f"MultiHeadAttention layer {self.name!r}: query and value must have "
                             f"the same rank; received query_shape={query_shape} and "
                             f"value_shape={value_shape}.")
        if len(query_shape) < 3:
            raise ValueError(f"MultiHeadAttention layer {self.name!r}: query and value must be "
                             f"at least 3-D (batch, steps, features); received "
                             f"query_shape={query_shape}.")
        heads = self._num_heads
        with name_scope(self.name):
            self._query_dense = self._projection((heads, self._key_dim), "query")
            self._query_dense._maybe_build(query_shape)
            self._key_dense = self._projection((heads, self._key_dim), "key")
            self._key_dense._maybe_build(key_shape)
            if self._use_gate:
                self._gate_dense = self._projection((heads, self._value_dim), "gate",
                                                    activation="sigmoid")
                self._gate_dense._maybe_build(query_shape)
            self._value_dense = self._projection((heads, self._value_dim), "value")
            self._value_dense._maybe_build(value_shape)
            output_dims = self._output_shape if self._output_shape else (query_shape[-1],)
            self._output_dense = self._projection(output_dims, "attention_output", bound_dims=2)
            self._output_dense._maybe_build(query_shape[:-1] + (heads, self._value_dim))
        rank = len(value_shape) + 1
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            self._attention_axes = tuple(axis if axis >= 0 else (rank - 1) + axis
                                         for axis in self._attention_axes)
        if any(not 1 <= axis < rank - 2 for axis in self._attention_axes):
            raise ValueError(f"MultiHeadAttention layer {self.name!r}: `attention_axes` must be "
                             f"axes of the inputs between 1 and {rank - 3} (not the batch or "
                             f"the feature axis); received {self._attention_axes}.")
        self.built = True

    # -- calling -------------------------------------------------------------------------------
    def __call__(self, query, value=None, key=None, **kwargs):
        if value is None:
            raise ValueError(f"MultiHeadAttention layer {self.name!r} must be called as "
                             f"layer(query, value) or layer(query, value, key); `value` is "
                             f"missing.")
        if not self.built:
            self.build(_shape(query), _shape(value), None if key is None else _shape(key))
        return super().__call__(query, value, key, **kwargs)

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        query, value, key, query_mask, value_mask, key_mask = attention_inputs(
            self.dtype, query, value, key, query_mask, value_mask, key_mask)
        check_scores_request(self._flash_attention, return_attention_scores)
        attention_mask = self._compute_attention_mask(
            query, value, query_mask=query_mask, value_mask=value_mask, key_mask=key_mask,
            attention_mask=attention_mask, use_causal_mask=use_causal_mask)
        if self._use_gate:
            gate = self._gate_dense(query)
        query = self._query_dense(query)
        key = self._key_dense(key)
        value = self._value_dense(value)
        attention_output, attention_scores = self._compute_attention(
            query, key, value, attention_mask, training)
        if self._use_gate:
            attention_output = multiply(attention_output, gate)
        attention_output = self._output_dense(attention_output)
        set_keras_mask(attention_output,
                       None if query_mask is None else Tensor(bool_mask(query_mask)))
        if return_attention_scores:
            return attention_output, attention_scores
        return attention_output

    def _compute_attention_mask(self, query, value, query_mask=None, value_mask=None,
                                key_mask=None, attention_mask=None, use_causal_mask=False):
        """The boolean (B, T, S) mask (or broadcastable to it) of what may attend to what: the
        query mask as (B, T, 1), value and key masks as (B, 1, S), the causal and sliding-window
        masks (1, T, S) and `attention_mask`, all ANDed; None when there is nothing to mask."""
        return combine_attention_masks(query, value, query_mask, value_mask, key_mask,
                                       attention_mask, use_causal_mask, self._sliding_window)

    def _compute_attention(self, query, key, value, attention_mask=None, training=None):
        """Scaled dot-product attention of the projected (B, ..., N, key_dim) tensors.

        Axes are ordered (batch axes, heads, attention axes, channels), the attention axes
        flattened into one so each head is one batched matmul; the softmax runs over all key
        attention axes at once. Returns the output (projected layout) and the weights
        (B, ..., N, *query attention axes, *key attention axes).
        """
        rank = query.ndim
        attention = list(self._attention_axes)
        batch = [i for i in range(rank - 1) if i not in attention]
        perm = batch + attention + [rank - 1]
        query = multiply(query, xp.asarray(self._inverse_sqrt_key_dim, dtype=query.dtype))
        q, k, v = (transpose(t, perm) for t in (query, key, value))
        batch_shape = tuple(q.shape[:len(batch)])
        q_steps = tuple(q.shape[len(batch):-1])
        k_steps = tuple(k.shape[len(batch):-1])
        flat = len(attention) > 1
        if flat:
            q = reshape(q, batch_shape + (math.prod(q_steps), q.shape[-1]))
            k = reshape(k, batch_shape + (math.prod(k_steps), k.shape[-1]))
            v = reshape(v, batch_shape + (math.prod(k_steps), v.shape[-1]))
        k_axes = list(range(k.ndim))
        k_axes[-1], k_axes[-2] = k_axes[-2], k_axes[-1]
        scores = matmul(q, transpose(k, k_axes))
        mask = None
        if attention_mask is not None:
            mask = self._expand_mask(attention_mask, batch_shape + q_steps + k_steps)
            if flat:
                mask = mask.reshape(scores.shape)
            large_negative = -3e4 if scores.dtype == xp.float16 else -1e9
            scores = where(mask, scores, large_negative)
        weights = softmax(scores, axis=-1)
        if mask is not None:
            weights = where(mask, weights, 0)
        applied = weights
        if training and self._dropout > 0:
            applied = random.dropout(weights, self._dropout, seed=self.seed_generator)
        output = matmul(applied, v)
        if flat:
            output = reshape(output, batch_shape + q_steps + (output.shape[-1],))
            weights = reshape(weights, batch_shape + q_steps + k_steps)
        inverse = sorted(range(len(perm)), key=perm.__getitem__)  # host ints, no array
        return transpose(output, inverse), weights

    def _expand_mask(self, mask, scores_shape):
        """Insert axes before the attention axes until the mask has the scores' rank (Keras's
        rule), then broadcast it to the scores' shape."""
        mask_expansion_axis = -len(self._attention_axes) * 2 - 1
        while mask.ndim < len(scores_shape):
            mask = xp.expand_dims(mask, mask_expansion_axis)
        try:
            return xp.broadcast_to(mask, scores_shape)
        except ValueError:
            raise ValueError(f"MultiHeadAttention layer {self.name!r}: the attention mask of "
                             f"shape {mask.shape} (after expansion) does not broadcast to the "
                             f"attention scores' shape {scores_shape}.") from None

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = tuple(query_shape)
        if value_shape is not None and key_shape is not None:
            if tuple(value_shape)[1:-1] != tuple(key_shape)[1:-1]:
                raise ValueError(f"All dimensions of `value` and `key`, except the last one, "
                                 f"must be equal. Received: value_shape={tuple(value_shape)} "
                                 f"and key_shape={tuple(key_shape)}")
        if self._output_shape:
            return query_shape[:-1] + tuple(self._output_shape)
        return query_shape

    # -- configuration -------------------------------------------------------------------------
    def get_config(self):
        return {
            **super().get_config(),
            "num_heads": self._num_heads,
            "key_dim": self._key_dim,
            "value_dim": self._value_dim,
            "dropout": self._dropout,
            "use_bias": self._use_bias,
            "use_gate": self._use_gate,
            "output_shape": self._output_shape,
            "attention_axes": self._attention_axes,
            "sliding_window": self._sliding_window,
            "kernel_initializer": initializers.serialize(self._kernel_initializer),
            "bias_initializer": initializers.serialize(self._bias_initializer),
            "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self._bias_regularizer),
            "activity_regularizer": regularizers.serialize(self._activity_regularizer),
            "kernel_constraint": constraints.serialize(self._kernel_constraint),
            "bias_constraint": constraints.serialize(self._bias_constraint),
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config_dict):
        return super().from_config(deserialize_weight_settings(config_dict))
