"""Checks of the plain arguments of fit / evaluate / predict, before any data is touched.

Each error names the argument, what was expected and what came. Keras 3 raises for some of
these (a float or a string for `epochs` fails in `range`, `steps_per_epoch=0` ends in an empty
epoch) and is silent for others (`epochs=-1`, `initial_epoch > epochs`, `shuffle="yes"`,
`batch_size=True`); those are plainly wrong, so minikeras refuses them too, and says so where it
goes beyond Keras.
"""
import numbers

import numpy as np

from minikeras.trainers.data_adapters import flatten_arrays


def _is_integer(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _describe(value):
    return f"{value!r} (of type {type(value).__name__})"


def check_positive_integer(value, name, allow_none=True):
    """`value` is a positive integer (or None when allowed). A bool is refused: True is no
    batch size, though Python would take it for 1 (Keras is silent here)."""
    if value is None and allow_none:
        return
    if not _is_integer(value):
        raise TypeError(f"`{name}` must be a positive integer{' or None' if allow_none else ''}, "
                        f"received {name}={_describe(value)}.")
    if value <= 0:
        raise ValueError(f"`{name}` must be a positive integer{' or None' if allow_none else ''}, "
                         f"received {name}={value}.")


def check_epochs(epochs, initial_epoch):
    """`epochs` and `initial_epoch` are integers with 0 <= initial_epoch <= epochs. Keras
    silently trains nothing for epochs=-1 or initial_epoch > epochs; minikeras refuses both."""
    for name, value in (("epochs", epochs), ("initial_epoch", initial_epoch)):
        if not _is_integer(value):
            raise TypeError(f"`{name}` must be an integer, received {name}={_describe(value)}.")
        if value < 0:
            raise ValueError(f"`{name}` must be a non-negative integer, received {name}={value}.")
    if initial_epoch > epochs:
        raise ValueError(f"`initial_epoch` ({initial_epoch}) must not be greater than `epochs` "
                         f"({epochs}): `epochs` is the index of the last epoch to train, not "
                         f"the number of epochs to add.")


def check_validation_split(validation_split):
    """A real number in [0, 1) (0: no validation split)."""
    if isinstance(validation_split, (bool, np.bool_)) or not isinstance(validation_split,
                                                                       numbers.Real):
        raise TypeError(f"`validation_split` must be a float between 0 and 1, received "
                        f"validation_split={_describe(validation_split)}.")
    if not 0 <= validation_split < 1:
        raise ValueError(f"`validation_split` must be a float in [0, 1), received "
                         f"validation_split={validation_split}.")


def check_shuffle(shuffle):
    """True, False or "batch". Keras reads any other value by its truth; a string such as "yes"
    is most likely a mistake, so minikeras refuses it."""
    if isinstance(shuffle, (bool, np.bool_)) or shuffle == "batch":
        return
    raise ValueError(f"`shuffle` must be True, False or 'batch', received "
                     f"shuffle={_describe(shuffle)}.")


def check_fit_arguments(batch_size, epochs, initial_epoch, validation_split, shuffle,
                        steps_per_epoch, validation_steps, validation_batch_size):
    """Every plain argument of `fit` (data and callbacks are checked where they are used)."""
    check_positive_integer(batch_size, "batch_size")
    check_epochs(epochs, initial_epoch)
    check_validation_split(validation_split)
    check_shuffle(shuffle)
    check_positive_integer(steps_per_epoch, "steps_per_epoch")
    check_positive_integer(validation_steps, "validation_steps")
    check_positive_integer(validation_batch_size, "validation_batch_size")


def check_evaluate_arguments(batch_size, steps):
    """The plain arguments of `evaluate` / `predict`."""
    check_positive_integer(batch_size, "batch_size")
    check_positive_integer(steps, "steps")


def check_has_samples(adapter, method, argument="x"):
    """An array input must hold at least one sample: with none, Keras raises too, where
    minikeras used to report a loss of 0.0 and no metrics. Adapters of unknown length
    (generators, PyDatasets) are not checked here."""
    num_samples = getattr(adapter, "num_samples", None)
    if num_samples == 0:
        shapes = [tuple(a.shape) for a in flatten_arrays(adapter.x)]
        raise ValueError(f"`{method}` needs at least one sample, but `{argument}` holds 0 "
                         f"samples (array shapes {shapes}).")
