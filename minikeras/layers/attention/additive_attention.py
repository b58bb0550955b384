"""AdditiveAttention: Bahdanau-style attention, scores = sum(scale * tanh(query + key))."""
from minikeras.layers.attention.attention import Attention
from minikeras.ops import expand_dims, sum as reduce_sum, tanh
from minikeras.registry.layer_classes import register_layer


@register_layer
class AdditiveAttention(Attention):
    """Additive attention layer, a.k.a. Bahdanau-style attention.

    Call it on `[query, value]` or `[query, value, key]` like `Attention`; the scores are
    `sum(scale * tanh(query[:, i, None] + key[:, None, j]), axis=-1)` with a learned vector
    `scale` of shape (dim,) (glorot_uniform), then softmax over the value steps and a weighted
    sum of the value: (batch, Tq, dim) and (batch, Tv, dim) -> (batch, Tq, dim).

    Args:
        use_scale: learn the "scale" vector (else the plain sum of tanh).
        dropout: fraction of the attention weights dropped while training.
        seed: integer for a reproducible dropout stream.

    Call arguments: as for `Attention` (mask, training, return_attention_scores,
    use_causal_mask).
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        dim = input_shape[0][-1]
        self.scale = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(dim,), initializer="glorot_uniform")
        self.built = True

    def _calculate_scores(self, query, key):
        q_reshaped = expand_dims(query, -2)
        k_reshaped = expand_dims(key, -3)
        activated = tanh(q_reshaped + k_reshaped)
        if self.use_scale:
            activated = self.scale * activated
        return reduce_sum(activated, axis=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
