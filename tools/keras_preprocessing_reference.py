"""Record Keras 3's outputs for the non-image preprocessing layers (CategoryEncoding,
StringLookup, IntegerLookup, Hashing, Discretization, ...) into
tests/data/keras_preprocessing_reference.json, which tests/layers/test_preprocessing_reference.py
replays on minikeras.

These layers run on TensorFlow inside Keras (hash tables, string hashes), so run this with a
venv holding tensorflow-cpu and keras 3.15 (outside the project):

    /work/tfvenv/bin/python tools/keras_preprocessing_reference.py

Each case: the layer class, constructor arguments, optional `adapt` data, an input (nested
lists) and Keras's output (values, dtype), vocabulary / bin boundaries after adapt, and config.
"""
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "data",
                   "keras_preprocessing_reference.json")

WORDS = ["the", "cat", "sat", "on", "the", "mat", "a", "dog", "ate", "the", "cat", "food",
         "été", "", "naïve café au lait with a very long tail of text to pass sixty-four bytes"]
LONG = ["x" * n for n in (1, 3, 4, 7, 8, 9, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 200)]
TEXTS = ["The quick brown fox jumps over the lazy dog.", "The dog barked; the FOX ran!",
         "A fox, a dog, and a cat walk into a bar", "Cats? Dogs?  Foxes...\tall animals",
         "Déjà vu: the café's crème brûlée", "it's well-known that the fox is quick"]
RNG = np.random.default_rng(0)
AUDIO = RNG.standard_normal((2, 200)).round(3).astype("float32")
AUDIO3 = RNG.standard_normal((2, 40, 2)).round(3).astype("float32")

CASES = [
    # CategoryEncoding
    ("CategoryEncoding", {"num_tokens": 5, "output_mode": "one_hot"}, None, [3, 1, 0, 4]),
    ("CategoryEncoding", {"num_tokens": 5, "output_mode": "one_hot"}, None, [[3], [1], [0]]),
    ("CategoryEncoding", {"num_tokens": 5, "output_mode": "one_hot"}, None, [[3, 1], [0, 4]]),
    ("CategoryEncoding", {"num_tokens": 6}, None, [[0, 1, 1], [5, 2, 5]]),
    ("CategoryEncoding", {"num_tokens": 6, "output_mode": "count"}, None, [[0, 1, 1], [5, 2, 5]]),
    ("CategoryEncoding", {"num_tokens": 4, "output_mode": "multi_hot"}, None, [1, 3]),
    # StringLookup
    ("StringLookup", {"vocabulary": ["a", "b", "c", "d"]}, None, [["a", "c", "d"], ["d", "z", "b"]]),
    ("StringLookup", {"vocabulary": ["a", "b", "c"], "mask_token": "", "num_oov_indices": 2},
     None, [["a", "", "q"], ["zz", "c", "hello"]]),
    ("StringLookup", {"vocabulary": ["a", "b", "c"], "num_oov_indices": 3, "salt": [7, 11]},
     None, [["a", "q", "r", "s", "t", "u"]]),
    ("StringLookup", {"vocabulary": ["a", "b", "c"], "num_oov_indices": 0}, None, [["c", "a"]]),
    ("StringLookup", {"vocabulary": ["a", "b", "c"], "invert": True}, None, [[1, 2, 3, 0, 7]]),
    ("StringLookup", {"vocabulary": ["a", "b", "c"], "invert": True, "mask_token": ""},
     None, [[0, 1, 2, 3, 4]]),
    ("StringLookup", {"vocabulary": ["a", "b", "c"], "output_mode": "one_hot"}, None,
     ["a", "b", "q"]),
    ("StringLookup", {"vocabulary": ["a", "b", "c"], "output_mode": "multi_hot"}, None,
     [["a", "b"], ["q", "q"]]),
    ("StringLookup", {"vocabulary": ["a", "b", "c"], "output_mode": "count",
                      "pad_to_max_tokens": True, "max_tokens": 6}, None, [["a", "a", "q"]]),
    ("StringLookup", {"vocabulary": ["a", "b", "c"], "output_mode": "tf_idf",
                      "idf_weights": [0.5, 0.25, 0.125]}, None, [["a", "a", "c", "q"]]),
    ("StringLookup", {}, WORDS, [["the", "cat", "zebra"]]),
    ("StringLookup", {"max_tokens": 5, "mask_token": "[MASK]"}, WORDS, [["the", "cat", "a"]]),
    ("StringLookup", {"output_mode": "tf_idf"}, [["a", "b", "a"], ["b", "c", "c"], ["d", "a", "a"]],
     [["a", "b", "c", "d", "z"]]),
    ("StringLookup", {"output_mode": "multi_hot", "num_oov_indices": 2}, WORDS,
     [["the", "zzz", "cat"], ["abc", "a", "a"]]),
    # IntegerLookup
    ("IntegerLookup", {"vocabulary": [12, 36, 1138, 42]}, None, [[12, 1138, 42], [42, 1000, 36]]),
    ("IntegerLookup", {"vocabulary": [12, 36, 1138, 42], "num_oov_indices": 3}, None,
     [[12, 5, 7, -2, 9]]),
    ("IntegerLookup", {"vocabulary": [12, 36], "num_oov_indices": 3, "oov_method": "farmhash"},
     None, [[12, 5, 7, -2, 9, 1000]]),
    ("IntegerLookup", {"vocabulary": [12, 36], "num_oov_indices": 3, "oov_method": "farmhash",
                       "salt": 5}, None, [[12, 5, 7, -2, 9, 1000]]),
    ("IntegerLookup", {"vocabulary": [12, 36, 1138, 42], "invert": True}, None, [[1, 2, 0, 9]]),
    ("IntegerLookup", {"vocabulary": [12, 36, 1138], "mask_token": 0}, None, [[0, 12, 7, 1138]]),
    ("IntegerLookup", {"vocabulary": [12, 36, 1138], "output_mode": "count"}, None,
     [[12, 12, 7], [36, 1138, 1138]]),
    ("IntegerLookup", {}, [3, 3, 3, 5, 5, 1, 9, 9, 9, 9, 2, 2], [[3, 5, 1, 9, 4]]),
    ("IntegerLookup", {"max_tokens": 4}, [3, 3, 3, 5, 5, 1, 9, 9, 9, 9, 2, 2], [[3, 5, 1, 9]]),
    # Hashing
    ("Hashing", {"num_bins": 7}, None, WORDS + LONG),
    ("Hashing", {"num_bins": 1000003}, None, WORDS + LONG),
    ("Hashing", {"num_bins": 1000003, "salt": [133, 137]}, None, WORDS + LONG),
    ("Hashing", {"num_bins": 97, "salt": 42}, None, WORDS),
    ("Hashing", {"num_bins": 5, "mask_value": ""}, None, [["a", "", "b"], ["", "c", "d"]]),
    ("Hashing", {"num_bins": 11}, None, [[1, 2, -3], [1000, 0, 123456789]]),
    ("Hashing", {"num_bins": 11, "mask_value": 0}, None, [[1, 2, 0], [0, 0, 123456789]]),
    ("Hashing", {"num_bins": 11}, None, [[1.5, 2.0, -3.7]]),
    ("Hashing", {"num_bins": 6, "output_mode": "one_hot"}, None, [["a"], ["b"], ["c"]]),
    ("Hashing", {"num_bins": 6, "output_mode": "multi_hot"}, None, [["a", "b"], ["c", "c"]]),
    ("Hashing", {"num_bins": 6, "output_mode": "count"}, None, [["a", "b", "a"], ["c", "c", "d"]]),
    # Discretization
    ("Discretization", {"bin_boundaries": [0.0, 1.0, 2.0]}, None, [[-1.5, 0.0, 0.5], [1.0, 2.5, 1.999]]),
    ("Discretization", {"bin_boundaries": [0.0, 1.0, 2.0], "output_mode": "one_hot"}, None,
     [-1.5, 0.0, 0.5, 2.5]),
    ("Discretization", {"bin_boundaries": [0.0, 1.0, 2.0], "output_mode": "count"}, None,
     [[-1.5, 0.0, 0.5, 2.5], [0.1, 0.2, 3.0, 3.0]]),
    ("Discretization", {"num_bins": 4}, np.arange(100.0).tolist(), [[-1.0, 24.0, 50.0, 99.0]]),
    ("Discretization", {"num_bins": 5, "epsilon": 0.05},
     RNG.standard_normal(1000).round(4).tolist(), [[-1.0, -0.3, 0.0, 0.3, 1.2]]),
    ("Discretization", {"num_bins": 3, "output_mode": "multi_hot"},
     RNG.uniform(0, 10, (50, 2)).round(3).tolist(), [[1.0, 9.0], [5.0, 5.1]]),
    # TextVectorization
    ("TextVectorization", {}, TEXTS, TEXTS[:3] + ["unseen words here, The CAT"]),
    ("TextVectorization", {"output_sequence_length": 4}, TEXTS, [["The cat"], ["a b c d e f"]]),
    ("TextVectorization", {"max_tokens": 6, "output_sequence_length": 5}, TEXTS, TEXTS[:3]),
    ("TextVectorization", {"standardize": "lower", "split": "character"}, TEXTS[:2],
     ["Cat!", "É tê"]),
    ("TextVectorization", {"standardize": None, "ngrams": 2}, TEXTS, TEXTS[:2]),
    ("TextVectorization", {"ngrams": (2, 3), "output_mode": "count"}, TEXTS, TEXTS[:3]),
    ("TextVectorization", {"output_mode": "multi_hot"}, TEXTS, TEXTS[2:5]),
    ("TextVectorization", {"output_mode": "tf_idf"}, TEXTS, TEXTS[:4]),
    ("TextVectorization", {"output_mode": "count", "pad_to_max_tokens": True, "max_tokens": 12},
     TEXTS, TEXTS[:2]),
    ("TextVectorization", {"vocabulary": ["earth", "wind", "and", "fire"],
                           "output_sequence_length": 5}, None,
     ["earth wind and fire", "fire and\tearth   water"]),
    ("TextVectorization", {"split": None, "output_mode": "int"}, ["a", "b", "b", "c c"],
     [["b"], ["c c"], ["zz"]]),
    ("TextVectorization", {"standardize": "strip_punctuation"}, TEXTS, ["It's A-OK; (Fine)."]),
    # HashedCrossing: the input is a list of features
    ("HashedCrossing", {"num_bins": 1000}, None, [["a", "b", "c"], [1, 2, -3]]),
    ("HashedCrossing", {"num_bins": 7}, None, [[["a"], ["b"]], [["x"], ["été"]]]),
    ("HashedCrossing", {"num_bins": 1000003}, None, [[5, 6], [3, 4], ["p", "q"]]),
    ("HashedCrossing", {"num_bins": 5, "output_mode": "one_hot"}, None,
     [[["a"], ["b"], ["c"]], [[1], [2], [3]]]),
    # audio (float inputs, rounded so the JSON stays exact)
    ("MelSpectrogram", {"fft_length": 64, "sequence_stride": 16, "num_mel_bins": 8,
                        "sampling_rate": 8000}, None, AUDIO[0].tolist()),
    ("MelSpectrogram", {"fft_length": 64, "sequence_stride": 20, "sequence_length": 48,
                        "num_mel_bins": 6, "sampling_rate": 4000, "power_to_db": False,
                        "mag_exp": 1.0, "window": "hamming"}, None, AUDIO.tolist()),
    ("MelSpectrogram", {"fft_length": 32, "sequence_stride": 8, "num_mel_bins": 5,
                        "top_db": 20.0, "ref_power": 2.0, "min_freq": 100.0,
                        "max_freq": 3000.0}, None, AUDIO.tolist()),
    ("STFTSpectrogram", {"frame_length": 16, "frame_step": 8}, None, AUDIO3.tolist()),
    ("STFTSpectrogram", {"mode": "magnitude", "frame_length": 12, "fft_length": 16,
                         "scaling": "spectrum", "periodic": True}, None, AUDIO3.tolist()),
    ("STFTSpectrogram", {"mode": "psd", "frame_length": 16, "frame_step": 4,
                         "padding": "same"}, None, AUDIO3.tolist()),
    ("STFTSpectrogram", {"mode": "stft", "frame_length": 8, "window": None,
                         "scaling": None, "expand_dims": True}, None, AUDIO3.tolist()),
    ("STFTSpectrogram", {"mode": "angle", "frame_length": 8, "window": "hamming",
                         "data_format": "channels_first"}, None,
     AUDIO3.transpose(0, 2, 1).tolist()),
    ("STFTSpectrogram", {"mode": "real", "frame_length": 8}, None, AUDIO3.tolist()),
    ("STFTSpectrogram", {"mode": "imag", "frame_length": 8, "expand_dims": True,
                         "data_format": "channels_first"}, None,
     AUDIO3.transpose(0, 2, 1).tolist()),
]


def jsonable(value):
    value = np.asarray(value)
    if value.dtype.kind in "SO":
        return [v.decode("utf-8") if isinstance(v, bytes) else v
                for v in value.reshape(-1).tolist()], list(value.shape)
    return value.reshape(-1).tolist(), list(value.shape)


def run_case(class_name, kwargs, adapt, data):
    layer = getattr(keras.layers, class_name)(**kwargs)
    if adapt is not None:
        layer.adapt(np.array(adapt) if class_name != "Discretization" else np.array(adapt))
    out = layer([np.array(x) for x in data] if class_name == "HashedCrossing"
                else np.array(data, dtype="float32") if "Spectrogram" in class_name
                else np.array(data))
    values, shape = jsonable(keras.ops.convert_to_numpy(out)
                             if not hasattr(out, "numpy") else out.numpy())
    record = {"layer": class_name, "kwargs": kwargs, "adapt": adapt, "input": data,
              "output": values, "output_shape": shape,
              "output_dtype": keras.backend.standardize_dtype(out.dtype)}
    if hasattr(layer, "get_vocabulary"):
        record["vocabulary"] = [v.decode() if isinstance(v, bytes) else
                                (int(v) if isinstance(v, (np.integer,)) else v)
                                for v in layer.get_vocabulary()]
    if class_name == "Discretization":
        record["bin_boundaries"] = [float(b) for b in layer.bin_boundaries]
    config = layer.get_config()
    record["config"] = {k: v for k, v in config.items() if k not in ("dtype", "name")}
    return record


def main():
    records = [run_case(*case) for case in CASES]
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"keras_version": keras.__version__, "cases": records}, f,
                  ensure_ascii=False, default=lambda o: o.tolist() if hasattr(o, "tolist")
                  else str(o))
    print(f"{len(records)} cases -> {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
