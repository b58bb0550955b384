"""`CSVLogger`: write every epoch's logs as one row of a CSV file."""
import collections.abc
import csv
import os

import numpy as np

from minikeras.callbacks.callback import Callback


class CSVLogger(Callback):
    """Stream the epoch results to a CSV file, in the same layout Keras 3 writes.

        model.fit(x, y, validation_split=0.2, callbacks=[callbacks.CSVLogger("training.csv")])

    The header is `epoch` followed by the first epoch's log keys, sorted; when none of them
    starts with "val_", a "val_<key>" column is added for each key (filled with "NA" if no
    validation values come). Rows hold the 0-based epoch and each value as Python writes it
    (`str(float)`, e.g. 0.30000000000000004, nan); a missing value is "NA", a list or array
    becomes "[1.0, 2.0]" in quotes. Lines end in "\\r\\n" (the csv module's "excel" dialect).
    The file is flushed after every row, so it can be read while training runs.

    Args:
        filename: the CSV file's path.
        separator: the column separator. Defaults to ",".
        append: add to an existing file (the header is written only if the file is empty or
            new) instead of overwriting it. Defaults to False.
    """

    chief_only = True  # writes files / sends data: only the chief runs it under DataParallel

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.sep = separator
        self.filename = os.fspath(filename)
        self.append = append
        self.writer = None
        self.keys = None
        self.append_header = True
        self.csv_file = None

    def on_train_begin(self, logs=None):
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename, "r") as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode, newline="")
        self.writer = None
        self.keys = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs.keys())
            if self.keys and not any(key.startswith("val_") for key in self.keys):
                self.keys.extend([f"val_{key}" for key in self.keys])
        if not self.writer:
            dialect = type("CSVLoggerDialect", (csv.excel,), {"delimiter": self.sep})
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys,
                                         dialect=dialect)
            if self.append_header:
                self.writer.writeheader()
        row = {"epoch": epoch}
        row.update((key, _csv_value(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None


def _csv_value(value):
    """A string or number as is; a list / array as the quoted text "[a, b, ...]"."""
    if isinstance(value, str):
        return value
    is_zero_dim_array = isinstance(value, np.ndarray) and value.ndim == 0
    if isinstance(value, collections.abc.Iterable) and not is_zero_dim_array:
        return f'"[{", ".join(map(str, value))}]"'
    return value
