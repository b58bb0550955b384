"""What the `*_dataset_from_directory` functions share: finding the files of a directory and
their labels as Keras does, the training / validation split, and `FileDataset`, the
`PyDataset` that reads a batch of those files when it is asked for.

Keras returns a `tf.data.Dataset` (or a Grain dataset); minikeras returns a `FileDataset`,
which `fit`, `evaluate` and `predict` take as `x`, and which can be indexed (`dataset[i]` is
batch i) and iterated. Its `class_names` and `file_paths` are Keras's.
"""
import os

import numpy as np

from minikeras.utils.io_utils import print_msg
from minikeras.utils.py_dataset import PyDataset

LABEL_MODES = ("int", "categorical", "binary", None)


def check_arguments(function, labels, label_mode, class_names, validation_split, subset,
                    shuffle, seed):
    """Keras's checks of the arguments every directory dataset takes; errors name `function`."""
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            raise ValueError(f"{function}: the `labels` argument should be a list/tuple of "
                             f"integer labels, of the same size as the number of files in the "
                             f"target directory. If you wish to infer the labels from the "
                             f"subdirectory names in the target directory, pass "
                             f'`labels="inferred"`. If you wish to get a dataset that only '
                             f"contains the samples (no labels), pass `labels=None`. Received: "
                             f"labels={labels}")
        if class_names:
            raise ValueError(f'{function}: you can only pass `class_names` if `labels="inferred"`'
                             f". Received: labels={labels}, and class_names={class_names}")
    if label_mode not in LABEL_MODES:
        raise ValueError(f'{function}: `label_mode` argument must be one of "int", '
                         f'"categorical", "binary", or None. Received: label_mode={label_mode}')
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"{function}: `validation_split` must be between 0 and 1, received: "
                         f"{validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError(f"{function}: if `subset` is set, `validation_split` must be set, and "
                         f"inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'{function}: `subset` must be either "training", "validation" or '
                         f'"both", received: {subset}')
    if validation_split and shuffle and seed is None:
        raise ValueError(f"{function}: if using `validation_split` and shuffling the data, you "
                         f"must provide a `seed` argument, to make sure that there is no overlap "
                         f"between the training and validation subset.")


def _valid_files(directory, follow_links, formats):
    walk = sorted(os.walk(directory, followlinks=follow_links), key=lambda entry: entry[0])
    for root, _, files in walk:
        for name in sorted(files):
            if name.lower().endswith(formats):
                yield os.path.join(root, name)


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None,
                    follow_links=False, verbose=True):
    """(file_paths, labels, class_names) as Keras lists them.

    With `labels="inferred"` each subdirectory (sorted, or in `class_names`'s order) is a
    class and its files (any depth, sorted by folder then name) are labelled with its index;
    otherwise the whole tree is indexed and `labels` (one per file, in that order) or None is
    used. With `shuffle`, paths and labels are permuted together by
    `np.random.RandomState(seed)`, as Keras does.
    """
    if not os.path.isdir(directory):
        raise ValueError(f"Could not find directory {directory}")
    if labels == "inferred":
        subdirs = [name for name in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, name)) and not name.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(subdirs):
                raise ValueError(f"The `class_names` passed did not match the names of the "
                                 f"subdirectories of the target directory. Expected: {subdirs} "
                                 f"(or a subset of it), but received: class_names={class_names}")
            subdirs = list(class_names)
    else:
        if class_names is not None:
            raise ValueError("When `labels=None` (no labels), argument `class_names` cannot be "
                             "specified." if labels is None else
                             "When argument `labels` is specified, argument `class_names` "
                             "cannot be specified (the `class_names` will be the sorted list of "
                             "labels).")
        subdirs = [""]
    file_paths, inferred = [], []
    for index, subdir in enumerate(subdirs):
        found = list(_valid_files(os.path.join(directory, subdir), follow_links, formats))
        file_paths += found
        inferred += [index] * len(found)
    if labels == "inferred":
        labels = np.asarray(inferred, dtype="int32")
        class_names = subdirs
    elif labels is not None:
        if len(labels) != len(file_paths):
            raise ValueError(f"Expected the lengths of `labels` to match the number of files in "
                             f"the target directory. len(labels) is {len(labels)} while we "
                             f"found {len(file_paths)} files in directory {directory}.")
        class_names = [str(name) for name in sorted(set(labels))]
        labels = np.asarray(labels)
    else:
        class_names = None
    if verbose:
        if labels is None:
            print_msg(f"Found {len(file_paths)} files.")
        else:
            print_msg(f"Found {len(file_paths)} files belonging to {len(class_names)} classes.")
    if shuffle:
        seed = np.random.randint(1e6) if seed is None else seed
        np.random.RandomState(seed).shuffle(file_paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    return file_paths, labels, class_names


def split(file_paths, labels, validation_split, subset, verbose=True):
    """The training (first) or validation (last `int(validation_split * n)`) files."""
    if not validation_split:
        return file_paths, labels
    num_val = int(validation_split * len(file_paths))
    if subset == "training":
        if verbose:
            print_msg(f"Using {len(file_paths) - num_val} files for training.")
        part = slice(None, len(file_paths) - num_val)
    else:
        if verbose:
            print_msg(f"Using {num_val} files for validation.")
        part = slice(len(file_paths) - num_val, None)
    return file_paths[part], None if labels is None else labels[part]


def encode_labels(labels, label_mode, num_classes):
    """int32 class indices ("int"), float32 (n, 1) zeros and ones ("binary") or float32 one-hot
    rows ("categorical")."""
    labels = np.asarray(labels)
    if label_mode == "binary":
        return labels.astype("float32").reshape(-1, 1)
    if label_mode == "categorical":
        labels = labels.astype("int64")
        depth = max(num_classes, int(labels.max()) + 1 if labels.size else 0)
        return np.eye(depth, dtype="float32")[labels]
    return labels.astype("int32")


class FileDataset(PyDataset):
    """Batches of files read on demand: `(samples, labels)`, or `samples` without labels.

    Args:
        file_paths: the files, in the dataset's order.
        labels: their encoded labels (see `encode_labels`) or None.
        load: path -> one sample (an array, or a string for text).
        collate: list of samples -> one batch.
        batch_size: files per batch (the last batch may be smaller); None yields single
            samples.
        shuffle: draw a new order of the files at the start of every epoch after the first
            (Keras's tf.data shuffle does so too, through a buffer), from `seed`.
        class_names, **kwargs: `class_names` is kept for the user; kwargs go to `PyDataset`.
    """

    def __init__(self, file_paths, labels, load, collate, batch_size, shuffle=False, seed=None,
                 class_names=None, **kwargs):
        super().__init__(**kwargs)
        self.file_paths = list(file_paths)
        self.labels = labels
        self.class_names = class_names
        self.batch_size = batch_size
        self.shuffle = shuffle
        self._load = load
        self._collate = collate
        self._order = np.arange(len(self.file_paths))
        self._rng = np.random.RandomState(seed)

    def __len__(self):
        if self.batch_size is None:
            return len(self.file_paths)
        return -(-len(self.file_paths) // self.batch_size)

    def __getitem__(self, index):
        if not -len(self) <= index < len(self):
            raise IndexError(f"{type(self).__name__} index {index} out of range (it has "
                             f"{len(self)} {'samples' if self.batch_size is None else 'batches'}).")
        index %= len(self)
        if self.batch_size is None:
            position = self._order[index]
            sample = self._load(self.file_paths[position])
            return sample if self.labels is None else (sample, self.labels[position])
        positions = self._order[index * self.batch_size:(index + 1) * self.batch_size]
        samples = self._collate([self._load(self.file_paths[p]) for p in positions])
        return samples if self.labels is None else (samples, self.labels[positions])

    def __iter__(self):
        for index in range(len(self)):
            yield self[index]

    def on_epoch_end(self):
        if self.shuffle:
            self._order = self._rng.permutation(len(self.file_paths))


def make_datasets(function, directory, labels, label_mode, class_names, batch_size, shuffle,
                  seed, validation_split, subset, follow_links, verbose, formats, kind, load,
                  collate, check_labels=None):
    """Index `directory`, split it and wrap the files into one `FileDataset` (two, as
    (training, validation), for `subset="both"`): the part every directory function shares.
    `check_labels(class_names)` may refuse a label setup (e.g. "binary" with 3 classes)."""
    if labels is None or label_mode is None:
        labels = label_mode = None
    seed = np.random.randint(1e6) if seed is None else seed
    file_paths, labels, class_names = index_directory(directory, labels, formats, class_names,
                                                      shuffle, seed, follow_links, verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f'{function}: when passing `label_mode="binary"`, there must be exactly '
                         f"2 class_names. Received: class_names={class_names}")
    if check_labels is not None:
        check_labels(class_names)
    num_classes = len(class_names) if class_names else 0

    def dataset(part, shuffle_part):
        paths, part_labels = split(file_paths, labels, validation_split, part, verbose)
        if not paths:
            raise ValueError(f"No {kind} files found in directory {directory}. Allowed "
                             f"format(s): {formats}")
        if part_labels is not None and label_mode is not None:
            part_labels = encode_labels(part_labels, label_mode, num_classes)
        return FileDataset(paths, part_labels if label_mode else None, load, collate,
                           batch_size, shuffle=shuffle_part, seed=seed, class_names=class_names)

    if subset == "both":
        return dataset("training", shuffle), dataset("validation", False)
    return dataset(subset, shuffle)
