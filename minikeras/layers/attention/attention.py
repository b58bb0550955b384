"""Attention: dot-product (Luong-style) attention over a query and a value sequence.

    scores  = query @ key^T                      (batch, Tq, Tv)   ("dot"; times `scale`)
    weights = softmax(scores) over Tv, masked steps of the value pushed to -1e9 first
    output  = weights @ value                    (batch, Tq, dim)

Everything is composed of differentiable ops (matmul, softmax, where, ...), so autodiff gives
the gradients for the query, key, value and the optional scalar weights.
"""
from minikeras import random
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor
from minikeras.layers.layer import Layer
from minikeras.ops import (cast, convert_to_tensor, expand_dims, matmul, multiply, softmax,
                           subtract, sum as reduce_sum, tanh, transpose, where)
from minikeras.registry.layer_classes import register_layer


def bool_mask(mask):
    """A mask (Tensor, array, list) as a NumPy bool array; None stays None."""
    if mask is None:
        return None
    data = mask.data if isinstance(mask, Tensor) else xp.asarray(mask)
    return data if data.dtype == bool else data.astype(bool)


def swap_last_axes(x):
    axes = list(range(x.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return transpose(x, axes)


def causal_mask(length_q, length_v):
    """(1, Tq, Tv) lower-triangular bool mask: query step i sees value steps j <= i."""
    return (xp.arange(length_q)[:, None] >= xp.arange(length_v)[None, :])[None]


@register_layer
class Attention(Layer):
    """Dot-product attention layer, a.k.a. Luong-style attention.

    Call it on a list `[query, value]` or `[query, value, key]` (key defaults to value):
    query (batch, Tq, dim), value (batch, Tv, dim), key (batch, Tv, dim) ->
    output (batch, Tq, dim), and with `return_attention_scores=True` also the attention
    weights (batch, Tq, Tv) (after masking and softmax).

    Args:
        use_scale: learn a scalar weight "scale" multiplying the scores (initially 1).
        score_mode: "dot" (query . key) or "concat" (sum(tanh(query + key)) times a learned
            scalar "concat_score_weight").
        dropout: fraction of the attention weights dropped while training.
        seed: integer for a reproducible dropout stream.

    Call arguments:
        inputs: [query, value] or [query, value, key].
        mask: [query_mask, value_mask], booleans (batch, Tq) and (batch, Tv). Masked value steps
            get no attention; masked query steps give zero output. Taken from the inputs'
            `_keras_mask` when not given.
        training: dropout only while training.
        return_attention_scores: also return the attention weights.
        use_causal_mask: query step i attends only to value steps j <= i (decoder
            self-attention).
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        if not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError(f"{type(self).__name__}: `dropout` must be a float in [0, 1). "
                             f"Received: dropout={dropout!r}")
        self.seed_generator = random.SeedGenerator(seed)
        if self.score_mode not in ["dot", "concat"]:
            raise ValueError(f"Invalid value for argument score_mode. Expected one of "
                             f"{{'dot', 'concat'}}. Received: score_mode={score_mode}")
        self.scale = None
        self.concat_score_weight = None

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(),
                                                       initializer="ones")
        self.built = True

    def _calculate_scores(self, query, key):
        """Attention scores (batch, Tq, Tv) of the query against the key."""
        if self.score_mode == "dot":
            scores = matmul(query, swap_last_axes(key))
            if self.scale is not None:
                scores = multiply(scores, self.scale)
            return scores
        q_reshaped = expand_dims(query, -2)
        k_reshaped = expand_dims(key, -3)
        summed = q_reshaped + k_reshaped
        if self.scale is not None:
            summed = self.scale * summed
        return self.concat_score_weight * reduce_sum(tanh(summed), axis=-1)

    def _apply_scores(self, scores, value, scores_mask=None, training=False):
        """softmax(masked scores) @ value, and the weights."""
        if scores_mask is not None:
            padding_mask = xp.logical_not(scores_mask)
            max_value = 65504.0 if scores.dtype == xp.float16 else 1.0e9
            if padding_mask.ndim == 2:
                padding_mask = padding_mask[:, None, :]
            scores = where(padding_mask, subtract(scores, max_value), scores)
        weights = softmax(scores, axis=-1)
        applied = weights
        if training and self.dropout > 0:
            applied = random.dropout(weights, self.dropout, seed=self.seed_generator)
        return matmul(applied, value), weights

    @staticmethod
    def _calculate_score_mask(scores, v_mask, use_causal_mask):
        if use_causal_mask:
            mask = causal_mask(scores.shape[-2], scores.shape[-1])
            return mask if v_mask is None else xp.logical_and(v_mask[:, None, :], mask)
        return v_mask

    def call(self, inputs, mask=None, training=False, return_attention_scores=False,
             use_causal_mask=False):
        self._validate_inputs(inputs, mask)
        q = self._as_input(inputs[0])
        v = self._as_input(inputs[1])
        k = self._as_input(inputs[2]) if len(inputs) > 2 else v
        self._validate_shapes(q.shape, v.shape, k.shape)
        q_mask = bool_mask(mask[0]) if mask else None
        v_mask = bool_mask(mask[1]) if mask else None
        scores = self._calculate_scores(q, k)
        scores_mask = self._calculate_score_mask(scores, v_mask, use_causal_mask)
        attention_output, attention_scores = self._apply_scores(scores, v, scores_mask,
                                                                training=training)
        if q_mask is not None:
            attention_output = where(q_mask[..., None], attention_output, 0)
        if return_attention_scores:
            return attention_output, attention_scores
        return attention_output

    def _as_input(self, x):
        x = convert_to_tensor(x)
        if xp.issubdtype(x.dtype, xp.floating) and x.dtype != xp.dtype(self.dtype):
            x = cast(x, self.dtype)
        return x

    def compute_mask(self, inputs, mask=None):
        self._validate_inputs(inputs, mask)
        if mask is None or mask[0] is None:
            return None
        return Tensor(bool_mask(mask[0]))

    def compute_output_shape(self, input_shape):
        query_shape, value_shape = input_shape[0], input_shape[1]
        return (*query_shape[:-1], value_shape[-1])

    def _validate_shapes(self, query_shape, value_shape, key_shape):
        name = type(self).__name__
        if len(query_shape) < 3 or len(value_shape) < 3 or len(key_shape) < 3:
            raise ValueError(f"{name} layer {self.name!r}: query, value and key must be "
                             f"(batch, steps, dim) tensors; received shapes "
                             f"query={tuple(query_shape)}, value={tuple(value_shape)}, "
                             f"key={tuple(key_shape)}.")
        if query_shape[-1] != key_shape[-1]:
            raise ValueError(f"{name} layer {self.name!r}: the query and the key must have the "
                             f"same last dimension; received query shape {tuple(query_shape)} "
                             f"and key shape {tuple(key_shape)}.")
        if value_shape[-2] != key_shape[-2]:
            raise ValueError(f"{name} layer {self.name!r}: the value and the key must have the "
                             f"same number of steps (axis -2); received value shape "
                             f"{tuple(value_shape)} and key shape {tuple(key_shape)}.")

    def _validate_inputs(self, inputs, mask=None):
        """`inputs` must be [query, value] or [query, value, key]; `mask` a list of 2 or 3."""
        class_name = type(self).__name__
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"{class_name} layer must be called on a list of inputs, namely "
                             f"[query, value] or [query, value, key]. Received: inputs={inputs}.")
        if len(inputs) < 2 or len(inputs) > 3:
            raise ValueError(f"{class_name} layer accepts inputs list of length 2 or 3, namely "
                             f"[query, value] or [query, value, key]. Received length: "
                             f"{len(inputs)}.")
        if mask is not None:
            if not isinstance(mask, (list, tuple)):
                raise ValueError(f"{class_name} layer mask must be a list, namely [query_mask, "
                                 f"value_mask]. Received: mask={mask}.")
            if len(mask) < 2 or len(mask) > 3:
                raise ValueError(f"{class_name} layer accepts mask list of length 2 or 3. "
                                 f"Received: mask of length {len(mask)}.")

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale,
                "score_mode": self.score_mode, "dropout": self.dropout, "seed": self.seed}
