"""IMDB movie reviews: 25,000 training and 25,000 test reviews, positive (1) or negative (0).

Each review is a list of word indices; `get_word_index()` maps words to their rank (the
indices in the data are those ranks shifted by `index_from`). Files, downloaded once into
`<cache root>/datasets/`: `imdb.npz` (17 MB) and `imdb_word_index.json` (1.6 MB).
"""
import json

import numpy as np

from minikeras.datasets import _sequences as seq
from minikeras.datasets._remote import KERAS_BUCKET, fetch, require_keys
from minikeras.datasets._safe_pickle import load_npz

ORIGIN = KERAS_BUCKET + "imdb.npz"
FILE_HASH = "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
WORD_INDEX_ORIGIN = KERAS_BUCKET + "imdb_word_index.json"
WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"  # md5, as Keras gives it


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113,
              start_char=1, oov_char=2, index_from=3):
    """Return `((x_train, y_train), (x_test, y_test))` as `keras.datasets.imdb.load_data`.

    x_train, x_test: 1-D object arrays of 25,000 lists of ints; y_train, y_test: int labels 0/1.

    Args:
        path: the file's name in the cache folder.
        num_words: keep the `num_words` most frequent words (indices below `num_words`);
            others become `oov_char`. None keeps all (see _sequences.py for Keras's edge).
        skip_top: the `skip_top` most frequent indices become `oov_char` too.
        maxlen: drop (not truncate) every review of `maxlen` or more indices, start mark
            included. None keeps all.
        seed: the shuffling seed (training and test sets are shuffled separately).
        start_char: put in front of every review (None: nothing).
        oov_char: replaces words cut by `num_words` / `skip_top` (None: drop them).
        index_from: added to every word rank.
    """
    seq.check_options(num_words, skip_top, maxlen, start_char, oov_char, index_from)
    path = fetch(path, ORIGIN, FILE_HASH)
    data = load_npz(path)
    require_keys(data, ("x_train", "y_train", "x_test", "y_test"), path)

    rng = np.random.RandomState(seed)
    x_train, labels_train = seq.shuffle(rng, data["x_train"], data["y_train"])
    x_test, labels_test = seq.shuffle(rng, data["x_test"], data["y_test"])

    x_train = seq.add_start_and_offset(x_train, start_char, index_from)
    x_test = seq.add_start_and_offset(x_test, start_char, index_from)

    if maxlen:
        x_train, labels_train = seq.drop_long(maxlen, x_train, labels_train)
        x_test, labels_test = seq.drop_long(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no "
                             f"sequence was kept. Increase maxlen.")

    xs = seq.limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    split = len(x_train)
    return ((seq.object_array(xs[:split]), labels[:split]),
            (seq.object_array(xs[split:]), labels[split:]))


def get_word_index(path="imdb_word_index.json"):
    """A dict from word to its rank (1 = most frequent); add `index_from` (3) to match the data."""
    path = fetch(path, WORD_INDEX_ORIGIN, WORD_INDEX_HASH)
    with open(path, encoding="utf-8") as f:
        return json.load(f)
