"""Errors of a damaged HDF5 file, said as ValueErrors that name the file.

h5py raises OSError, KeyError, RuntimeError, ValueError, TypeError (and UnicodeError on garbled
names) from deep inside the HDF5 library when a file is truncated or its bytes are damaged.
The loaders read inside `reading(h5file, name)`, which turns exactly those errors (the ones
raised by h5py's own code, not the loaders' messages) into a ValueError naming the file.
"""
import contextlib


@contextlib.contextmanager
def reading(h5file, name=None):
    """Inside the block, an error raised by h5py becomes a ValueError naming the file (`name`,
    or the file's own name: an HDF5 file read from memory, such as the weights of a `.keras`
    archive, is named by its archive)."""
    try:
        yield
    except (OSError, KeyError, RuntimeError, ValueError, TypeError) as error:
        if not raised_by_h5py(error):
            raise
        raise ValueError(f"{name or filename(h5file)}: the file cannot be read ({error}): it is "
                         f"truncated or corrupted.") from error


def raised_by_h5py(error):
    """Whether `error` was raised inside h5py (not by the caller's own checks)."""
    traceback = error.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_globals.get("__name__", "").startswith("h5py"):
            return True
        traceback = traceback.tb_next
    return False


def filename(h5file):
    """The name of the file an h5py object lives in, for messages."""
    try:
        return h5file.file.filename
    except (AttributeError, ValueError):
        return "<HDF5 file>"
