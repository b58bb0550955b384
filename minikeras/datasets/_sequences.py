"""The word-index arithmetic shared by the IMDB and Reuters loaders, exactly as Keras does it.

The files store each text as a list of word ranks (1 = the most frequent word). The loaders

1. shuffle with `np.random.RandomState(seed)`,
2. shift every rank by `index_from` and put `start_char` in front (when it is not None), so
   that 0 (padding), 1 (start) and 2 (out of vocabulary) stay free,
3. drop (not truncate) every sequence whose length, start mark included, is `maxlen` or more,
4. replace every index outside `skip_top <= index < num_words` by `oov_char` (or drop it when
   `oov_char` is None). Without `num_words`, Keras uses the largest index present as
   `num_words`, so that largest index itself becomes `oov_char`; minikeras does the same, to
   give the same arrays.

Each sequence comes back as a Python list inside a 1-D object array.
"""
import numpy as np


def shuffle(rng, *arrays):
    """The same random permutation of each array (one `rng.shuffle` of the indices)."""
    indices = np.arange(len(arrays[0]))
    rng.shuffle(indices)
    return [array[indices] for array in arrays]


def add_start_and_offset(sequences, start_char, index_from):
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in sequences]
    return [[w + index_from for w in x] for x in sequences]


def drop_long(maxlen, sequences, labels):
    """Keep the (sequence, label) pairs with `len(sequence) < maxlen`, as lists."""
    kept = [(x, y) for x, y in zip(sequences, labels) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


def limit_vocabulary(sequences, num_words, skip_top, oov_char):
    if not num_words:
        num_words = max((max(x) for x in sequences if len(x)), default=0)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in sequences]
    return [[w for w in x if skip_top <= w < num_words] for x in sequences]


def object_array(sequences):
    """A 1-D object array holding each list (also when all lists happen to be equally long)."""
    array = np.empty(len(sequences), dtype=object)
    for i, sequence in enumerate(sequences):
        array[i] = sequence
    return array


def check_options(num_words, skip_top, maxlen, start_char, oov_char, index_from):
    for name, value in (("num_words", num_words), ("maxlen", maxlen)):
        if value is not None and (not isinstance(value, (int, np.integer)) or value < 0):
            raise ValueError(f"`{name}` must be None or a non-negative integer; "
                             f"received {value!r}.")
    for name, value in (("skip_top", skip_top), ("index_from", index_from)):
        if not isinstance(value, (int, np.integer)) or value < 0:
            raise ValueError(f"`{name}` must be a non-negative integer; received {value!r}.")
    for name, value in (("start_char", start_char), ("oov_char", oov_char)):
        if value is not None and not isinstance(value, (int, np.integer)):
            raise ValueError(f"`{name}` must be None or an integer; received {value!r}.")
