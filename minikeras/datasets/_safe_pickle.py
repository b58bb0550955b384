"""Reading the pickled parts of dataset files without letting them run code.

CIFAR ships as Python pickles, and the IMDB / Reuters `.npz` files hold ragged sequences as
object arrays, which NumPy can only store as pickles. A pickle may name any importable
function and call it while loading, so `pickle.load` or `np.load(allow_pickle=True)` on a
tampered file could run anything. Both files are hash-checked by `get_file` before they are
read, and on top of that they are read with `ArrayUnpickler`, which resolves only the few
names needed to rebuild NumPy arrays (ndarray, dtype, the array and scalar reconstructors,
under NumPy 1's `numpy.core` and NumPy 2's `numpy._core` spellings) and refuses every other
name with `pickle.UnpicklingError`. Lists, dicts, ints and strings need no name at all.
"""
import io
import pickle
import zipfile

import numpy as np

try:  # NumPy >= 2
    from numpy._core import multiarray as _multiarray
    from numpy._core import numeric as _numeric
except ImportError:  # NumPy 1.x
    from numpy.core import multiarray as _multiarray
    from numpy.core import numeric as _numeric

_ALLOWED = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype}
for _package in ("numpy.core", "numpy._core"):
    _ALLOWED[(f"{_package}.multiarray", "_reconstruct")] = _multiarray._reconstruct
    _ALLOWED[(f"{_package}.multiarray", "scalar")] = _multiarray.scalar
    if hasattr(_numeric, "_frombuffer"):
        _ALLOWED[(f"{_package}.numeric", "_frombuffer")] = _numeric._frombuffer


class ArrayUnpickler(pickle.Unpickler):
    """A pickle reader that can rebuild NumPy arrays and plain Python data, and nothing else."""

    def find_class(self, module, name):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"Refusing to load `{module}.{name}` from a dataset file: only NumPy arrays and "
                f"plain Python data are allowed. The file is damaged or has been tampered with."
            ) from None


def load_pickle(f, encoding="ASCII"):
    """`pickle.load(f, encoding=...)` restricted to arrays and plain data."""
    return ArrayUnpickler(f, encoding=encoding).load()


def _read_npy(f):
    """One .npy member: plain arrays with pickling off, object arrays through ArrayUnpickler."""
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(f)
    elif version in ((2, 0), (3, 0)):
        # Versions 2 and 3 share the header layout (3 only allows UTF-8 in it).
        shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(f)
    else:
        raise ValueError(f"Unsupported .npy format version {version}.")
    if dtype.hasobject:
        return load_pickle(f, encoding="latin1")
    f.seek(0)
    return np.lib.format.read_array(f, allow_pickle=False)


def load_npz(path):
    """All arrays of an .npz file as a dict, like `np.load(path, allow_pickle=True)` but safe."""
    arrays = {}
    with zipfile.ZipFile(path) as archive:
        for member in archive.namelist():
            if member.endswith(".npy"):
                arrays[member[:-len(".npy")]] = _read_npy(io.BytesIO(archive.read(member)))
    return arrays
