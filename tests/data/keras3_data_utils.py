"""Reference values for tests/test_data_utils.py, written by real Keras 3.15.1.

`keras3_data_utils.json` (next to this file) holds what Keras returned for the cases below. It was
made with the reference environment (torch backend) plus the `grain` package, which Keras needs
for `timeseries_dataset_from_array` without TensorFlow (installed to a side folder, not into the
environment):

    pip install --target /tmp/grainpkgs grain
    PYTHONPATH=/tmp/grainpkgs KERAS_BACKEND=torch /work/refvenv/bin/python tests/data/keras3_data_utils.py

`split_dataset` is recorded through Keras's TensorFlow-path helpers that need no TensorFlow: the
size rules (`_rescale_dataset_split_sizes`) and the shuffle (Python's `random.seed(seed)` then
`random.shuffle` of the sample list).
"""
import json
import pathlib
import random

import numpy as np

PAD_CASES = [
    ("default", [[1], [2, 3], [4, 5, 6]], {}),
    ("post", [[1], [2, 3], [4, 5, 6]], {"padding": "post"}),
    ("truncate_pre", [[1, 2, 3, 4], [5, 6]], {"maxlen": 3}),
    ("truncate_post", [[1, 2, 3, 4], [5, 6]], {"maxlen": 3, "truncating": "post"}),
    ("both_post", [[1, 2, 3, 4], [5, 6]], {"maxlen": 3, "truncating": "post", "padding": "post"}),
    ("value", [[1], [2, 3]], {"value": -1}),
    ("float", [[0.5, 1.5], [2.25]], {"dtype": "float32", "value": 0.5}),
    ("empty_rows", [[], [1, 2], []], {}),
    ("all_empty", [[], []], {}),
    ("maxlen_longer", [[1, 2]], {"maxlen": 4, "padding": "post"}),
    ("vectors", [[[1, 2], [3, 4]], [[5, 6]]], {}),
]

TIMESERIES_CASES = [
    ("basic", 20, 1, dict(sequence_length=4, batch_size=5)),
    ("stride_rate", 50, 2, dict(sequence_length=5, sequence_stride=3, sampling_rate=2,
                                batch_size=4)),
    ("start_end", 40, 1, dict(sequence_length=3, sequence_stride=2, batch_size=3, start_index=5,
                              end_index=30)),
    ("no_targets", 12, 1, dict(sequence_length=3, batch_size=4, targets=None)),
    ("unbatched", 10, 1, dict(sequence_length=4, sequence_stride=2, batch_size=None)),
    ("short_targets", 30, 1, dict(sequence_length=5, batch_size=8, targets_len=12)),
    ("features", 25, 3, dict(sequence_length=6, sampling_rate=3, batch_size=7)),
]

SPLIT_SIZES = [(0.8, None, 10), (None, 0.25, 10), (3, 3, 10), (0.5, 0.3, 7), (0.35, None, 10),
               (0.45, None, 10), (None, 7, 10), (0.2, 0.5, 9)]
SPLIT_SHUFFLES = [(7, 10), (0, 12), (123, 5)]


def timeseries_data(length, features):
    data = np.arange(length * features, dtype="float64").reshape(length, features)
    return data[:, 0] if features == 1 else data


def main():
    import keras
    from keras.src.utils.dataset_utils import _rescale_dataset_split_sizes

    out = {"pad_sequences": {}, "timeseries": {}, "split_sizes": [], "split_shuffle": []}
    for name, sequences, kwargs in PAD_CASES:
        result = keras.utils.pad_sequences(sequences, **kwargs)
        out["pad_sequences"][name] = {"dtype": str(result.dtype), "shape": list(result.shape),
                                      "values": result.tolist()}
    for name, length, features, kwargs in TIMESERIES_CASES:
        kwargs = dict(kwargs)
        data = timeseries_data(length, features)
        targets_len = kwargs.pop("targets_len", length)
        targets = kwargs.pop("targets", np.arange(targets_len) * 10)
        dataset = keras.utils.timeseries_dataset_from_array(data, targets, format="grain",
                                                            **kwargs)
        batches = []
        for batch in dataset:
            parts = batch if isinstance(batch, tuple) else (batch,)
            batches.append([np.asarray(p).tolist() for p in parts])
        out["timeseries"][name] = batches
    for left, right, total in SPLIT_SIZES:
        out["split_sizes"].append([left, right, total,
                                   list(_rescale_dataset_split_sizes(left, right, total))])
    for seed, total in SPLIT_SHUFFLES:
        order = list(range(total))
        random.seed(seed)
        random.shuffle(order)
        out["split_shuffle"].append([seed, total, order])
    path = pathlib.Path(__file__).with_name("keras3_data_utils.json")
    path.write_text(json.dumps(out, indent=1) + "\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
