"""A Lambda wrapping a minikeras op by name saves and loads (Keras 3 itself cannot find it)."""
import numpy as np

import minikeras
from minikeras import layers, ops


def test_lambda_of_a_named_op_round_trips(tmp_path):
    inputs = layers.Input((3,))
    model = minikeras.Model(inputs, layers.Lambda(ops.abs)(inputs))
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = minikeras.models.load_model(path)
    x = np.array([[-1.0, 2.0, -3.0]], "float32")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), [[1.0, 2.0, 3.0]])
