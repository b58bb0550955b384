"""GroupQueryAttention: grouped-query attention (Ainslie et al., 2023), Keras 3 layout.

For query (B, T, dim), value (B, S, dim_v), key (B, S, dim_k) (default: value), N query heads
sharing K key/value heads (N divisible by K; K = 1 is multi-query, K = N multi-head):

    q = query @ Wq + bq      (B, T, N, head_dim)    Wq "query/kernel" (dim, N, head_dim)
    k = key @ Wk + bk        (B, S, K, head_dim)    Wk "key/kernel"   (dim_k, K, head_dim)
    v = value @ Wv + bv      (B, S, K, head_dim)    Wv "value/kernel" (dim_v, K, head_dim)
    k, v repeated N / K times along the heads -> (B, S, N, head_dim)
    out = attention(q, k, v) [* gate] @ Wo + bo   (B, T, dim)
                                                    Wo "attention_output/kernel" (N, head_dim, dim)

Like Keras, the attention runs through `ops.dot_product_attention` unless the scores are asked
for or dropout is on; then it is the explicit masked softmax. The two differ only for a query
step whose keys are all masked: the fused op attends uniformly, the explicit path gives zero
weights (Keras's behaviour, kept).
"""
import math

from minikeras import constraints, initializers, random, regularizers
from minikeras.backend import naming
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor
from minikeras.backend.masking import set_keras_mask
from minikeras.layers.attention.attention import bool_mask
from minikeras.layers.attention.multi_head_attention import (
    _EinsumProjection, attention_inputs, build_shapes, check_scores_request,
    combine_attention_masks)
from minikeras.layers.core.dense import deserialize_weight_settings
from minikeras.layers.layer import Layer, name_scope
from minikeras.ops import dot_product_attention, einsum, multiply, repeat, softmax, where
from minikeras.registry.layer_classes import register_layer


def _clone_initializer(initializer):
    return type(initializer).from_config(initializer.get_config())


@register_layer
class GroupQueryAttention(Layer):
    """Grouped-query attention: `layer(query, value)` or `layer(query, value, key)`.

    Returns (B, T, dim), and with `return_attention_scores=True` also the attention weights
    (B, num_query_heads, T, S). Weights (Keras's order): query, key, [gate], value,
    attention_output, each `kernel` then `bias`.

    Args:
        head_dim: size of each attention head.
        num_query_heads: number of query heads.
        num_key_value_heads: number of key/value heads; must divide num_query_heads.
        dropout: dropout rate on the attention weights while training.
        use_bias: whether the projections have biases.
        sliding_window: None or an int > 0: each query step attends only to key steps closer
            than this (a symmetric band; combine with `use_causal_mask`).
        flash_attention: accepted for Keras's signature (the computation is always exact);
            True with dropout > 0 or with `return_attention_scores` raises, like Keras.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: for the projections.
        use_gate: a sigmoid gate projected from the query ("gate" sublayer, (B, T, N,
            head_dim)) multiplies the attention output before the output projection.
        seed: integer for a reproducible dropout stream.

    Call arguments: query, value, key; query_mask (B, T), value_mask (B, S), key_mask (B, S)
    (taken from the tensors' `_keras_mask` when not given); attention_mask broadcasting to
    (B, T, S), True = may attend; return_attention_scores; training; use_causal_mask.
    """

    #: Keras's Python class name (its default layer names and weight-file keys come from it).
    keras_class_name = "GroupedQueryAttention"

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0,
                 use_bias=True, sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None,
                 **kwargs):
        if not kwargs.get("name"):
            # Keras's class is GroupedQueryAttention, exported as GroupQueryAttention.
            kwargs["name"] = naming.auto_name(self.keras_class_name)
        super().__init__(**kwargs)
        self.supports_masking = True
        for arg, value in (("head_dim", head_dim), ("num_query_heads", num_query_heads),
                           ("num_key_value_heads", num_key_value_heads)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"GroupQueryAttention: `{arg}` must be a positive integer. "
                                 f"Received: {arg}={value!r}")
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError(f"GroupQueryAttention: `num_query_heads` must be divisible by "
                             f"`num_key_value_heads`. Received: num_query_heads="
                             f"{num_query_heads}, num_key_value_heads={num_key_value_heads}")
        if sliding_window is not None and (isinstance(sliding_window, bool) or not isinstance(
                sliding_window, int) or sliding_window <= 0):
            raise ValueError(f"`sliding_window` must be `None` or a positive integer. Received: "
                             f"sliding_window={sliding_window!r}")
        self.head_dim = head_dim
        self.num_query_heads = num_query_heads
        self.num_key_value_heads = num_key_value_heads
        self.num_repeats = num_query_heads // num_key_value_heads
        self.dropout = dropout
        self.use_bias = use_bias
        self.use_gate = use_gate
        self.sliding_window = sliding_window
        self._flash_attention = bool(flash_attention)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        self._inverse_sqrt_head_dim = 1.0 / math.sqrt(float(head_dim))
        if self._flash_attention and self.dropout > 0.0:
            raise ValueError("Dropout is not supported when flash attention is enabled. Please "
                             "set dropout to 0.0 to use flash attention.")

    # -- building ------------------------------------------------------------------------------
    def _projection(self, output_dims, name, bound_dims=1, activation=None):
        return _EinsumProjection(
            output_dims, bound_dims=bound_dims, use_bias=self.use_bias, activation=activation,
            kernel_initializer=_clone_initializer(self.kernel_initializer),
            bias_initializer=_clone_initializer(self.bias_initializer),
            kernel_regularizer=self.kernel_regularizer, bias_regularizer=self.bias_regularizer,
            activity_regularizer=self.activity_regularizer,
            kernel_constraint=self.kernel_constraint, bias_constraint=self.bias_constraint,
            dtype=self.dtype, name=name)

    def build(self, query_shape, value_shape=None, key_shape=None):
        query_shape, value_shape, key_shape = build_shapes(
            f"GroupQueryAttention layer {self.name!r}", query_shape, value_shape, key_shape)
        for arg, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if len(shape) != 3:
                raise ValueError(f"GroupQueryAttention layer {self.name!r}: `{arg}` must be 3-D "
                                 f"(batch, steps, features); received {arg}_shape={shape}.")
        self.feature_dim = query_shape[-1]
        heads, kv_heads, size = self.num_query_heads, self.num_key_value_heads, self.head_dim
        with name_scope(self.name):
            self._query_dense = self._projection((heads, size), "query")
            self._query_dense._maybe_build(query_shape)
            self._key_dense = self._projection((kv_heads, size), "key")
            self._key_dense._maybe_build(key_shape)
            if self.use_gate:
                self._gate_dense = self._projection((heads, size), "gate", activation="sigmoid")
                self._gate_dense._maybe_build(query_shape)
            self._value_dense = self._projection((kv_heads, size), "value")
            self._value_dense._maybe_build(value_shape)
            self._output_dense = self._projection((self.feature_dim,), "attention_output",
                                                  bound_dims=2)
            self._output_dense._maybe_build((None, None, heads, size))
        self.built = True

    # -- calling -------------------------------------------------------------------------------
    def __call__(self, query, value=None, key=None, **kwargs):
        if value is None:
            raise ValueError(f"GroupQueryAttention layer {self.name!r} must be called as "
                             f"layer(query, value) or layer(query, value, key); `value` is "
                             f"missing.")
        if not self.built:
            self.build(tuple(query.shape), tuple(value.shape),
                       None if key is None else tuple(key.shape))
        return super().__call__(query, value, key, **kwargs)

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        query, value, key, query_mask, value_mask, key_mask = attention_inputs(
            self.dtype, query, value, key, query_mask, value_mask, key_mask)
        check_scores_request(self._flash_attention, return_attention_scores)
        mask = self._compute_attention_mask(query, value, query_mask, value_mask, key_mask,
                                            attention_mask, use_causal_mask)
        gate = self._gate_dense(query) if self.use_gate else None
        query = self._query_dense(query)
        key = repeat(self._key_dense(key), self.num_repeats, axis=2)
        value = repeat(self._value_dense(value), self.num_repeats, axis=2)
        output, scores = self._compute_attention(query, key, value, mask, training,
                                                 return_attention_scores)
        if gate is not None:
            output = multiply(output, gate)
        output = self._output_dense(output)
        set_keras_mask(output, None if query_mask is None else Tensor(bool_mask(query_mask)))
        if return_attention_scores:
            return output, scores
        return output

    def _compute_attention_mask(self, query, value, query_mask, value_mask, key_mask,
                                attention_mask, use_causal_mask):
        """`combine_attention_masks` (the (B, T, S) mask, or None), checked to broadcast to
        (batch, query steps, key steps)."""
        attention_mask = combine_attention_masks(query, value, query_mask, value_mask, key_mask,
                                                 attention_mask, use_causal_mask,
                                                 self.sliding_window)
        if attention_mask is not None:
            expected = (query.shape[0], query.shape[1], value.shape[1])
            try:
                xp.broadcast_shapes(attention_mask.shape, expected)
            except ValueError:
                raise ValueError(f"GroupQueryAttention layer {self.name!r}: the attention mask "
                                 f"of shape {attention_mask.shape} does not broadcast to "
                                 f"(batch, query steps, key steps) = {expected}.") from None
        return attention_mask

    def _compute_attention(self, query, key, value, mask, training, return_scores):
        """Attention of the projected (B, T, N, h) query and (B, S, N, h) key and value:
        returns the output (B, T, N, h) and the weights (B, N, T, S) (None on the fused path)."""
        heads_mask = mask
        while heads_mask is not None and heads_mask.ndim < 4:
            heads_mask = xp.expand_dims(heads_mask, -3)  # (B, T, S) -> (B, 1, T, S), as Keras
        dropout_on = self.dropout > 0.0
        if not (dropout_on or return_scores):
            output = dot_product_attention(query, key, value, mask=heads_mask,
                                           scale=self._inverse_sqrt_head_dim,
                                           flash_attention=self._flash_attention)
            return output, None
        query = multiply(query, xp.asarray(self._inverse_sqrt_head_dim, dtype=query.dtype))
        scores = einsum("bquh,bkuh->buqk", query, key)
        if heads_mask is not None:
            keep = xp.broadcast_to(heads_mask, scores.shape)
            scores = where(keep, scores, -3e4 if scores.dtype == xp.float16 else -1e9)
            weights = where(keep, softmax(scores, axis=-1), 0.0)
        else:
            weights = softmax(scores, axis=-1)
        applied = weights
        if training and dropout_on:
            applied = random.dropout(weights, self.dropout, seed=self.seed_generator)
        return einsum("buqk,bkuh->bquh", applied, value), weights

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = tuple(query_shape)
        if value_shape is not None:
            value_shape = tuple(value_shape)
            key_shape = value_shape if key_shape is None else tuple(key_shape)
            if query_shape[-1] != value_shape[-1]:
                raise ValueError(f"The last dimension of `query_shape` and `value_shape` must be "
                                 f"equal, but are {query_shape[-1]}, {value_shape[-1]}. "
                                 f"Received: query_shape={query_shape}, "
                                 f"value_shape={value_shape}")
            if value_shape[1:-1] != key_shape[1:-1]:
                raise ValueError(f"All dimensions of `value` and `key`, except the last one, "
                                 f"must be equal. Received: value_shape={value_shape} and "
                                 f"key_shape={key_shape}")
        return query_shape

    # -- configuration -------------------------------------------------------------------------
    def get_config(self):
        return {
            **super().get_config(),
            "head_dim": self.head_dim,
            "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "use_bias": self.use_bias,
            "use_gate": self.use_gate,
            "sliding_window": self.sliding_window,
            "dropout": self.dropout,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        }

    @classmethod
    def from_config(cls, config_dict):
        return super().from_config(deserialize_weight_settings(config_dict))
