"""The models of tests/test_model_config.py, built with minikeras or with real Keras 3.

    build_models(layers, Model, Sequential, Input)  ->  {name: model}

Same layer names in both libraries, so that configs can be compared key by key.
`keras3_model_configs.json` (next to this file) holds what Keras 3.15.1 wrote for them; it was
made with the reference environment (torch backend):

    KERAS_BACKEND=torch /work/refvenv/bin/python tests/data/keras3_model_graphs.py

which stores, for each model, `json.loads(model.to_json())` under "to_json" and the
`model_config` attribute of `model.save("x.h5")` under "h5".
"""


def build_models(layers, Model, Sequential, Input):
    models = {}
    models["seq"] = Sequential([
        Input((4,), name="inp"), layers.Dense(3, activation="relu", name="d1"),
        layers.BatchNormalization(name="bn"), layers.Dropout(0.5, name="drop"),
        layers.Dense(2, activation="softmax", name="d2")], name="seq")

    a, b = Input((4,), name="in_a"), Input((3,), name="in_b")
    da, db = layers.Dense(5, name="da")(a), layers.Dense(5, name="db")(b)
    added = layers.Add(name="add")([da, db])
    models["multi"] = Model([a, b], [layers.Dense(1, name="o1")(added),
                                     layers.Dense(2, name="o2")(da)], name="multi")

    x, y = Input((4,), name="x"), Input((2,), name="y")
    joined = layers.Concatenate(name="cat")([x, y])
    models["dict_io"] = Model({"x": x, "y": y}, {"out": layers.Dense(1, name="out")(joined),
                                                "aux": layers.Dense(2, name="aux")(joined)},
                              name="dict_io")

    shared = layers.Dense(4, name="shared")
    shared(Input((3,), name="outside"))  # a call that is not part of the model
    sa, sb = Input((3,), name="sa"), Input((3,), name="sb")
    s1, s2, s3 = shared(sa), shared(sb), shared(sb)
    models["shared"] = Model([sa, sb], layers.Concatenate(name="scat")([s1, s2, s3]),
                             name="shared")

    inner_seq = Sequential([Input((4,), name="is_in"), layers.Dense(3, name="is_d")],
                           name="inner_seq")
    if_in = Input((3,), name="if_in")
    inner_fn = Model(if_in, layers.Dense(2, name="if_d")(if_in), name="inner_fn")
    nx = Input((4,), name="nx")
    nested_out = inner_fn(inner_seq(nx))
    models["nested"] = Model(nx, [nested_out, layers.Dense(1, name="after")(nested_out)],
                             name="nested")

    q, v = Input((5, 4), name="q"), Input((6, 4), name="v")
    attended = layers.MultiHeadAttention(2, 4, name="mha")(q, v)
    self_attended, scores = layers.MultiHeadAttention(1, 2, name="self_mha")(
        q, q, return_attention_scores=True)
    models["mha"] = Model([q, v], [layers.Add(name="mha_add")([attended, self_attended]),
                                   scores], name="mha")

    r_in = Input((5, 4), name="r_in")
    sequence, state_h, state_c = layers.LSTM(3, return_sequences=True, return_state=True,
                                             name="enc")(r_in)
    decoded = layers.LSTM(3, name="dec")(sequence, initial_state=[state_h, state_c])
    models["rnn_state"] = Model(r_in, [decoded, layers.Dense(1, name="hd")(state_h)],
                                name="rnn_state")

    tokens = Input((6,), dtype="int32", name="tokens")
    embedded = layers.Embedding(20, 4, mask_zero=True, name="emb")(tokens)
    models["masked_rnn"] = Model(tokens, layers.GRU(3, name="gru")(embedded), name="masked_rnn")

    d_in = Input((4,), name="d_in")
    hidden = layers.Dropout(0.5, name="dropout")(layers.Dense(8, name="dense")(d_in))
    models["dropout_fn"] = Model(d_in, layers.Dense(1, name="head")(
        layers.BatchNormalization(name="norm")(hidden)), name="dropout_fn")
    return models


if __name__ == "__main__":
    import json
    import os
    import tempfile

    import h5py
    import keras

    result = {}
    for name, model in build_models(keras.layers, keras.Model, keras.Sequential,
                                    keras.Input).items():
        path = os.path.join(tempfile.mkdtemp(), name + ".h5")
        model.save(path)
        with h5py.File(path, "r") as f:
            h5_config = json.loads(f.attrs["model_config"])
        result[name] = {"to_json": json.loads(model.to_json()), "h5": h5_config}
    target = os.path.join(os.path.dirname(os.path.abspath(__file__)), "keras3_model_configs.json")
    with open(target, "w") as f:
        json.dump(result, f, sort_keys=True)
        f.write("\n")
    print(f"wrote {target} (keras {keras.__version__})")
