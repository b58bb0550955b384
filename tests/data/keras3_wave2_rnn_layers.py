"""Writes keras3_wave2_rnn_layers.npz (next to this file) with real Keras 3.15.1 (torch
backend), for tests/layers/test_conv_lstm.py, test_group_query_attention.py and
test_reversible_embedding.py:

    KERAS_BACKEND=torch /work/refvenv/bin/python tests/data/keras3_wave2_rnn_layers.py

For each case (named in CASES) it stores the inputs `<case>/x<i>`, Keras's initial weights
`<case>/w<i>` (in Keras's order), the outputs `<case>/y<i>` and the gradients of
sum(outputs * cotangent) (`<case>/ct<i>` the cotangents) with respect to every input `gx<i>`
and weight `gw<i>`; and it saves small models as .keras files (see `saved_models`).
"""
import pathlib

import numpy as np
import torch

import keras

HERE = pathlib.Path(__file__).resolve().parent
L = keras.layers

#: name -> (layer factory, input shapes[, integer input bounds (None = float), call kwargs])
CASES = {
    "convlstm1d_seq": (lambda: L.ConvLSTM1D(3, 2, return_sequences=True), [(2, 4, 6, 2)]),
    "convlstm2d_same_back": (lambda: L.ConvLSTM2D(2, 3, padding="same", go_backwards=True),
                             [(2, 3, 5, 4, 2)]),
    "convlstm2d_strides_cf_state": (
        lambda: L.ConvLSTM2D(2, 2, strides=2, return_state=True, data_format="channels_first",
                             unit_forget_bias=False, bias_initializer="random_normal"),
        [(2, 3, 2, 5, 4)]),
    "convlstm3d_dilated_relu": (
        lambda: L.ConvLSTM3D(2, 2, dilation_rate=(1, 2, 1), return_sequences=True,
                             activation="relu", use_bias=False),
        [(1, 3, 3, 5, 4, 2)]),
    # GroupQueryAttention: (query, value[, key]); fast path (ops.dot_product_attention) and the
    # explicit path (return_attention_scores), masks, causal, sliding window, gate
    "gqa_basic": (lambda: L.GroupQueryAttention(2, 4, 2), [(2, 3, 5), (2, 4, 6)]),
    "gqa_key_nobias_scores": (
        lambda: L.GroupQueryAttention(3, 2, 1, use_bias=False, bias_initializer="ones"),
        [(2, 3, 4), (2, 5, 4), (2, 5, 3)], None, {"return_attention_scores": True}),
    "gqa_causal": (lambda: L.GroupQueryAttention(2, 2, 2), [(2, 4, 3), (2, 4, 3)], None,
                   {"use_causal_mask": True}),
    "gqa_causal_scores": (lambda: L.GroupQueryAttention(2, 2, 2), [(2, 4, 3), (2, 4, 3)], None,
                          {"use_causal_mask": True, "return_attention_scores": True}),
    "gqa_window_gate": (
        lambda: L.GroupQueryAttention(2, 4, 1, sliding_window=2, use_gate=True,
                                      bias_initializer="random_normal"),
        [(1, 5, 3), (1, 5, 3)]),
    # (no fully masked query step on the fused path: there Keras's torch backend weights the
    # values by 1 each instead of 1/S; tests/layers/test_group_query_attention.py covers it)
    "gqa_attention_mask": (
        lambda: L.GroupQueryAttention(2, 2, 1), [(2, 3, 3), (2, 4, 3)], None,
        {"attention_mask": np.array([[[1, 1, 0, 0], [0, 0, 0, 1], [1, 1, 1, 1]],
                                     [[1, 0, 1, 0], [1, 1, 1, 0], [0, 1, 0, 1]]], bool)}),
    "gqa_attention_mask_scores": (
        lambda: L.GroupQueryAttention(2, 2, 1), [(2, 3, 3), (2, 4, 3)], None,
        {"attention_mask": np.array([[[1, 1, 0, 0], [0, 0, 0, 0], [1, 1, 1, 1]],
                                     [[1, 0, 1, 0], [1, 1, 1, 0], [0, 1, 0, 1]]], bool),
         "return_attention_scores": True}),
    "gqa_value_mask": (
        lambda: L.GroupQueryAttention(2, 2, 2), [(2, 3, 3), (2, 4, 3)], None,
        {"value_mask": np.array([[1, 1, 0, 0], [1, 1, 1, 0]], bool)}),
    # ReversibleEmbedding: forward (integer ids) and reverse (vectors -> logits)
    "revemb_forward": (lambda: L.ReversibleEmbedding(7, 3), [(2, 4)], [7]),
    "revemb_reverse_tied": (lambda: L.ReversibleEmbedding(7, 3), [(2, 4, 3)], None,
                            {"reverse": True}),
    "revemb_reverse_untied_cap": (
        lambda: L.ReversibleEmbedding(6, 3, tie_weights=False, logit_soft_cap=0.05,
                                      embeddings_initializer="random_normal"),
        [(2, 3)], None, {"reverse": True}),
}


def run_case(name, factory, shapes, rng, out, call_kwargs=None, int_inputs=None):
    keras.utils.set_random_seed(1)
    layer = factory()
    xs = []
    for k, shape in enumerate(shapes):
        if int_inputs and int_inputs[k] is not None:
            xs.append(rng.integers(0, int_inputs[k], size=shape).astype("int32"))
        else:
            xs.append(rng.standard_normal(shape).astype("float32"))
    tensors = [torch.tensor(x, requires_grad=x.dtype == np.float32) for x in xs]
    ys = layer(*tensors, **(call_kwargs or {}))
    ys = list(ys) if isinstance(ys, (list, tuple)) else [ys]
    weights = [w.value for w in layer.weights]
    cts = [rng.standard_normal(tuple(y.shape)).astype("float32") for y in ys]
    total = sum((y * torch.tensor(ct)).sum() for y, ct in zip(ys, cts))
    float_inputs = [t for t in tensors if t.requires_grad]
    grads = torch.autograd.grad(total, float_inputs + weights, allow_unused=True)
    for k, x in enumerate(xs):
        out[f"{name}/x{k}"] = x
    for k, w in enumerate(layer.weights):
        out[f"{name}/w{k}"] = w.numpy()
    for k, (y, ct) in enumerate(zip(ys, cts)):
        out[f"{name}/y{k}"] = y.detach().numpy()
        out[f"{name}/ct{k}"] = ct
    for k, g in enumerate(grads[:len(float_inputs)]):
        out[f"{name}/gx{k}"] = g.numpy()
    for k, g in enumerate(grads[len(float_inputs):]):
        out[f"{name}/gw{k}"] = np.zeros(weights[k].shape, "float32") if g is None else g.numpy()


def saved_models(rng, out):
    """Small models saved as .keras files (`<name>.keras` next to this file), with an input and
    Keras's prediction in `out` (`<name>/x<i>`, `<name>/y0`)."""
    keras.utils.set_random_seed(2)
    frames = keras.Input((3, 4, 4, 2))
    seq = L.ConvLSTM2D(2, 2, padding="same", return_sequences=True, name="clstm")(frames)
    convlstm = keras.Model(frames, L.ConvLSTM2D(1, 2, name="clstm_2")(seq))
    query, value = keras.Input((3, 4)), keras.Input((5, 4))
    gqa = keras.Model([query, value], L.GroupQueryAttention(2, 4, 2, use_gate=True,
                                                            name="gqa")(query, value))
    for name, model in (("keras3_wave2_convlstm", convlstm), ("keras3_wave2_gqa", gqa)):
        for layer in model.layers:
            layer.set_weights([rng.standard_normal(w.shape).astype("float32") * 0.5
                               for w in layer.weights])
        xs = [rng.standard_normal((2,) + tuple(t.shape[1:])).astype("float32")
              for t in model.inputs]
        model.save(HERE / f"{name}.keras")
        for k, x in enumerate(xs):
            out[f"{name}/x{k}"] = x
        out[f"{name}/y0"] = keras.ops.convert_to_numpy(model(xs))


def main():
    rng = np.random.default_rng(0)
    out = {}
    for name, (factory, shapes, *rest) in CASES.items():
        int_inputs = rest[0] if rest else None
        call_kwargs = rest[1] if len(rest) > 1 else None
        run_case(name, factory, shapes, rng, out, call_kwargs, int_inputs)
    saved_models(rng, out)
    np.savez_compressed(HERE / "keras3_wave2_rnn_layers.npz", **out)


if __name__ == "__main__":
    main()
