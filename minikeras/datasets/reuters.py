"""Reuters newswires: 11,228 wires labelled with one of 46 topics (`get_label_names()`).

Each wire is a list of word indices; `get_word_index()` maps words to their rank (the indices
in the data are those ranks shifted by `index_from`). Files, downloaded once into
`<cache root>/datasets/`: `reuters.npz` (2 MB) and `reuters_word_index.json` (0.5 MB).
"""
import json

import numpy as np

from minikeras.datasets import _sequences as seq
from minikeras.datasets._remote import KERAS_BUCKET, fetch, require_keys
from minikeras.datasets._safe_pickle import load_npz

ORIGIN = KERAS_BUCKET + "reuters.npz"
FILE_HASH = "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
WORD_INDEX_ORIGIN = KERAS_BUCKET + "reuters_word_index.json"
WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"  # md5, as Keras gives it

LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply",
    "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas",
    "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin",
    "strategic-metal", "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs",
    "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead",
)


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3):
    """Return `((x_train, y_train), (x_test, y_test))` as `keras.datasets.reuters.load_data`.

    The wires are shuffled with `seed` and split at `int(n * (1 - test_split))` (8,982 / 2,246
    with the defaults). x: 1-D object arrays of lists of ints; y: int topic labels 0..45.
    The other arguments work as in `minikeras.datasets.imdb.load_data`.
    """
    seq.check_options(num_words, skip_top, maxlen, start_char, oov_char, index_from)
    if not 0 <= test_split <= 1:
        raise ValueError(f"`test_split` must be between 0 and 1; received {test_split!r}.")
    path = fetch(path, ORIGIN, FILE_HASH)
    data = load_npz(path)
    require_keys(data, ("x", "y"), path)

    rng = np.random.RandomState(seed)
    xs, labels = seq.shuffle(rng, data["x"], data["y"])
    xs = seq.add_start_and_offset(xs, start_char, index_from)
    if maxlen:
        xs, labels = seq.drop_long(maxlen, xs, labels)
    xs = seq.limit_vocabulary(xs, num_words, skip_top, oov_char)

    split = int(len(xs) * (1 - test_split))
    return ((seq.object_array(xs[:split]), np.array(labels[:split])),
            (seq.object_array(xs[split:]), np.array(labels[split:])))


def get_word_index(path="reuters_word_index.json"):
    """A dict from word to its rank (1 = most frequent); add `index_from` (3) to match the data."""
    path = fetch(path, WORD_INDEX_ORIGIN, WORD_INDEX_HASH)
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def get_label_names():
    """The 46 topic names, in label order (label 3 is "earn")."""
    return LABEL_NAMES
