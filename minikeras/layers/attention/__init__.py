"""Attention layers: dot-product (Luong) and additive (Bahdanau) attention, multi-head attention,
grouped-query attention."""
from minikeras.layers.attention.additive_attention import AdditiveAttention
from minikeras.layers.attention.attention import Attention
from minikeras.layers.attention.multi_head_attention import MultiHeadAttention
from minikeras.layers.attention.grouped_query_attention import GroupQueryAttention

__all__ = ["AdditiveAttention", "Attention", "MultiHeadAttention", "GroupQueryAttention"]
