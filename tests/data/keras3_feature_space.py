"""Reference config for tests/layers/test_feature_space.py, written by real Keras 3.15.1.

`keras3_feature_space.json` (next to this file) holds `keras.utils.serialize_keras_object` of a
FeatureSpace with the feature types Keras builds without TensorFlow (float, float_normalized,
float_rescaled; the lookup / hashing / discretization layers need TensorFlow in Keras):

    KERAS_BACKEND=torch /work/refvenv/bin/python tests/data/keras3_feature_space.py
"""
import json
import pathlib

import keras
from keras.utils import FeatureSpace

space = FeatureSpace({"a": "float", "b": "float_normalized",
                      "c": FeatureSpace.float_rescaled(2.0, 1.0, name="c")}, output_mode="dict")
out = pathlib.Path(__file__).with_suffix(".json")
out.write_text(json.dumps(keras.saving.serialize_keras_object(space), indent=1, sort_keys=True))
