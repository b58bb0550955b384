"""`text_dataset_from_directory`: the .txt files of a directory as batches of strings, labelled
by their subdirectory (Keras's `keras.utils.text_dataset_from_directory`)."""
import numpy as np

from minikeras.utils import dataset_utils_directory as directories


def text_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                class_names=None, batch_size=32, max_length=None, shuffle=True,
                                seed=None, validation_split=None, subset=None,
                                follow_links=False, format="tf", verbose=True):
    """Batches of texts read from `directory/<class>/*.txt`.

    Args:
        directory: with labels="inferred", one subdirectory per class (files at any depth
            below it); otherwise any tree of .txt files.
        labels: "inferred" (from the subdirectories), None (texts only), or a list of integer
            labels, one per file in the sorted order of the file paths.
        label_mode: "int" (int32 indices), "categorical" (float32 one-hot), "binary" (float32
            (n, 1), two classes only) or None (texts only).
        class_names: with labels="inferred", the subdirectories to use, in this order.
        batch_size: texts per batch; None yields single texts.
        max_length: keep only the first `max_length` characters of each text.
        shuffle, seed: shuffle the files (with `np.random.RandomState(seed)`, as Keras does),
            and the order again at each new epoch.
        validation_split, subset: keep the last `int(validation_split * n)` files for
            validation: subset "training", "validation", or "both" (a (training, validation)
            pair; the validation part is not shuffled).
        follow_links: follow symbolic links to subdirectories.
        format: "tf" or "grain" (Keras's two dataset kinds); both give the same dataset here.
        verbose: print how many files and classes were found.

    Returns:
        Keras returns a `tf.data.Dataset` of (string tensor, labels). minikeras returns a
        `FileDataset` (a `PyDataset`: `fit` takes it, `dataset[i]` is batch i) whose batches are
        `(texts, labels)` with texts a NumPy array of `str` of shape (batch,), or `texts` alone
        without labels. It has Keras's `class_names` attribute, and `file_paths`.

    Files are read as UTF-8 text (Keras keeps the bytes; `max_length` counts bytes there, which
    is the same for ASCII text).
    """
    if format not in ("tf", "grain"):
        raise ValueError(f'text_dataset_from_directory: `format` should be either "tf" or '
                         f'"grain". Received: format={format}')
    directories.check_arguments("text_dataset_from_directory", labels, label_mode, class_names,
                                validation_split, subset, shuffle, seed)

    def load(path):
        with open(path, encoding="utf-8", errors="replace") as file:
            text = file.read()
        return text if max_length is None else text[:max_length]

    return directories.make_datasets(
        "text_dataset_from_directory", directory, labels, label_mode, class_names, batch_size,
        shuffle, seed, validation_split, subset, follow_links, verbose, (".txt",), "text", load,
        collate=lambda texts: np.asarray(texts, dtype=str))
