"""Writes keras3_einsum_dense.keras and keras3_einsum_dense.json (next to this file) with real
Keras 3.15.1, for tests/layers/test_einsum_dense.py:

    KERAS_BACKEND=torch /work/refvenv/bin/python tests/data/keras3_einsum_dense.py

The model is Input(5, 3) -> EinsumDense("abc,cde->abde", (5, 2, 4), bias_axes="de", relu)
-> EinsumDense("...b,bc->...c", 3) with weights set to fixed values; the JSON holds its input,
its prediction and each layer's config and weight shapes.
"""
import json
import pathlib

import numpy as np

import keras

HERE = pathlib.Path(__file__).resolve().parent


def main():
    inputs = keras.Input((5, 3))
    first = keras.layers.EinsumDense("abc,cde->abde", (5, 2, 4), bias_axes="de",
                                     activation="relu", name="proj")
    second = keras.layers.EinsumDense("...b,bc->...c", 3, name="head")
    outputs = second(first(inputs))
    model = keras.Model(inputs, outputs)
    rng = np.random.default_rng(0)
    for layer in (first, second):
        layer.set_weights([rng.standard_normal(w.shape).astype("float32")
                           for w in layer.weights])
    x = rng.standard_normal((2, 5, 3)).astype("float32")
    y = keras.ops.convert_to_numpy(model(x))
    model.save(HERE / "keras3_einsum_dense.keras")
    record = {"x": x.tolist(), "y": y.tolist(),
              "configs": {layer.name: layer.get_config() for layer in (first, second)},
              "weight_shapes": {layer.name: [list(w.shape) for w in layer.weights]
                                for layer in (first, second)}}
    (HERE / "keras3_einsum_dense.json").write_text(json.dumps(record, indent=1, default=list))


if __name__ == "__main__":
    main()
