"""Reading the pickled parts of dataset files without letting them run code or corrupt memory.

CIFAR ships as Python pickles, and the IMDB / Reuters `.npz` files hold ragged sequences as
object arrays, which NumPy can only store as pickles. A pickle may name any importable
function and call it while loading, so `pickle.load` or `np.load(allow_pickle=True)` on a
tampered file could run anything. Both files are hash-checked by `get_file` before they are
read, and on top of that they are read with `ArrayUnpickler`:

- It resolves only the names NumPy's own pickles use (`numpy.ndarray`, `numpy.dtype`, the
  array reconstructor, `_frombuffer` and `scalar`, under NumPy 1's `numpy.core` and NumPy 2's
  `numpy._core` spellings) and refuses every other name. Lists, dicts, ints and strings need
  no name at all.
- Those names are not NumPy's functions but stand-ins: NumPy never sees a state taken from
  the file. A dtype state (which can describe fields at arbitrary offsets, object pointers in
  raw bytes, ...) is checked and only a plain dtype is rebuilt: bool, int, uint, float,
  complex, bytes (`S`) or str (`U`), in either byte order. Structured, void, subarray,
  datetime and object dtypes are refused, except that a whole array may have dtype object
  (IMDB's ragged lists): its elements are then plain Python data from the same restricted
  reader, stored one by one into an array made here.
- Every array is built here from a buffer whose length must equal its shape times its item
  size exactly (`np.frombuffer(...).reshape(...)`, copied so that it owns its memory).

Anything wrong raises `pickle.UnpicklingError` (a damaged file too: errors of the pickle
machinery itself are reported as that type), never a crash.
"""
import io
import math
import pickle
import re
import zipfile

import numpy as np

_PLAIN_SPEC = re.compile(r"(b1|[iu][1248]|f(2|4|8|12|16)|c(8|16|24|32)|[SU]\d{1,9}|O\d?)")
_ENDIANS = ("<", ">", "|", "=")
_MAX_DEPTH = 100  # nesting of lists, tuples and dicts in a dataset pickle; real ones use 2 or 3


def _refuse(message):
    raise pickle.UnpicklingError(f"{message} The file is damaged or has been tampered with.")


def _text(value, what):
    """A str from a str, or from ASCII bytes (Python 2 pickles read with encoding="bytes")."""
    if isinstance(value, bytes):
        try:
            value = value.decode("ascii")
        except UnicodeDecodeError:
            _refuse(f"The {what} of a pickled NumPy value is not ASCII: {value[:40]!r}.")
    if not isinstance(value, str):
        _refuse(f"The {what} of a pickled NumPy value should be a string, got "
                f"{type(value).__name__}.")
    return value


def _whole_number(value, what, minimum=None):
    if type(value) is not int or (minimum is not None and value < minimum):
        _refuse(f"The {what} of a pickled NumPy array should be an int"
                f"{'' if minimum is None else f' >= {minimum}'}, got {value!r:.60}.")
    return value


def _as_bytes(data, what):
    """The raw bytes of a buffer: bytes, bytearray, a pickle buffer, or a latin-1 str (Python 2)."""
    if isinstance(data, str):
        try:
            return data.encode("latin1")
        except UnicodeEncodeError:
            _refuse(f"The {what} is a str that is not Latin-1.")
    if isinstance(data, (bytes, bytearray)):
        return bytes(data)
    if isinstance(data, pickle.PickleBuffer):
        with data.raw() as view:
            return view.tobytes()
    _refuse(f"The {what} should be bytes, got {type(data).__name__}.")


class _Pending:
    """A value the pickle is still building: stands where NumPy's object would stand.

    The pickle protocol first creates an object (REDUCE), then may hand it a state (BUILD ->
    `__setstate__`). The stand-in checks that state and builds the real NumPy object once;
    `load_pickle` then swaps every stand-in for its value. A second state is refused.
    """
    __hash__ = None  # never a dict key or set member, where it could not be swapped out
    kind = "value"
    value, built = None, False  # also for an instance made by NEWOBJ, without __init__

    def __init__(self, value=None, built=False):
        self.value, self.built = value, built

    def __setstate__(self, state):
        if self.built:
            _refuse(f"A pickled NumPy {self.kind} is given a state twice.")
        self.value, self.built = self._build(state), True

    def _build(self, state):
        raise NotImplementedError

    def finished(self):
        if not self.built:
            _refuse(f"A pickled NumPy {self.kind} is used before it is complete.")
        return self.value


def _finished(value, what):
    """The NumPy object a complete stand-in stands for (the pickle's `dtype` argument, ...)."""
    if not isinstance(value, _Pending):
        _refuse(f"The {what} should be a pickled NumPy {what}, got {type(value).__name__}.")
    return value.finished()


class _PendingDtype(_Pending):
    """`numpy.dtype(spec, align, copy)` followed by its state: only plain dtypes come out."""
    kind = "dtype"
    spec = None

    def __init__(self, spec, align=False, copy=False):
        super().__init__()
        spec = _text(spec, "dtype")
        if not _PLAIN_SPEC.fullmatch(spec):
            _refuse(f"Refusing the dtype {spec!r:.40}: only bool, int, uint, float, complex, "
                    f"bytes, str and (for a whole array) object dtypes are allowed.")
        try:
            self.spec = np.dtype(spec)
        except TypeError:
            _refuse(f"{spec!r} is not a dtype.")
        if self.spec.kind not in "biufcSUO" or self.spec.fields is not None:
            _refuse(f"Refusing the dtype {spec!r}.")

    def _build(self, state):
        # NumPy writes (3, byteorder, subarray, names, fields, elsize, alignment, flags), and
        # version 4 appends metadata (datetimes). Only the byte order is taken from it.
        if self.spec is None:
            _refuse("A pickled dtype was made without its type.")
        if not isinstance(state, tuple) or len(state) not in (8, 9) or state[0] not in (3, 4):
            _refuse("A pickled dtype has a state NumPy would not write.")
        endian = _text(state[1], "byte order")
        if endian not in _ENDIANS:
            _refuse(f"A pickled dtype has the byte order {endian!r:.10}.")
        if any(part is not None for part in state[2:5]) or (len(state) == 9
                                                           and state[8] is not None):
            _refuse("Refusing a structured, subarray or datetime dtype.")
        elsize = _whole_number(state[5], "dtype's item size", minimum=-1)
        if elsize not in (-1, self.spec.itemsize) or (elsize == -1 and self.spec.kind in "SU"):
            _refuse(f"A pickled dtype {self.spec.str!r} claims an item size of {elsize}.")
        if endian in "<>" and self.spec.kind not in "bSO" and self.spec.itemsize > 1:
            return self.spec.newbyteorder(endian)
        return self.spec


def _shape(shape):
    if not isinstance(shape, tuple):
        _refuse(f"The shape of a pickled array should be a tuple, got {type(shape).__name__}.")
    return tuple(_whole_number(n, "shape", minimum=0) for n in shape)


def _array_from_buffer(data, dtype, shape, fortran):
    """A new array owning a copy of `data`, whose length must be exactly shape x item size."""
    if dtype.hasobject:
        _refuse("An object array must be pickled as a list of its elements, not as raw bytes.")
    if dtype.itemsize == 0 and math.prod(shape) > 0:
        _refuse("A pickled array has items of size 0.")
    expected = math.prod(shape) * dtype.itemsize
    if len(data) != expected:
        _refuse(f"A pickled array of shape {shape} and dtype {dtype.str!r} needs {expected} "
                f"bytes of data; the file holds {len(data)}.")
    flat = np.frombuffer(data, dtype=dtype)
    return flat.reshape(shape, order="F" if fortran else "C").copy(order="K")


def _object_array(items, shape, fortran):
    """An object array of `shape` whose elements (C order, as NumPy pickles them) are `items`."""
    if not isinstance(items, list) or len(items) != math.prod(shape):
        _refuse(f"A pickled object array of shape {shape} should hold a list of "
                f"{math.prod(shape)} elements.")
    array = np.empty(len(items), dtype=object)
    for index, item in enumerate(items):
        array[index] = item  # one element at a time: a list element stays one object
    array = array.reshape(shape)
    return np.asfortranarray(array) if fortran else array


class _PendingArray(_Pending):
    """`_reconstruct(ndarray, (0,), b"b")` followed by `(version, shape, dtype, fortran, data)`."""
    kind = "array"

    def _build(self, state):
        if isinstance(state, tuple) and len(state) == 5:
            version, *state = state
            if version != 1:
                _refuse(f"A pickled array has the state version {version!r:.20}.")
        if not isinstance(state, (tuple, list)) or len(state) != 4:
            _refuse("A pickled array has a state NumPy would not write.")
        shape, dtype, fortran, data = state
        shape, dtype = _shape(shape), _finished(dtype, "dtype")
        if not isinstance(fortran, (bool, int)) or fortran not in (0, 1):
            _refuse("A pickled array's memory order flag is not a bool.")
        if dtype.hasobject:
            return _object_array(data, shape, fortran)
        return _array_from_buffer(_as_bytes(data, "data of a pickled array"), dtype, shape,
                                  fortran)


class _NdarrayName:
    """What `numpy.ndarray` resolves to: only usable as `_reconstruct`'s first argument."""

    def __call__(self, *args, **kwargs):
        _refuse("A pickle calls numpy.ndarray directly.")


_NDARRAY = _NdarrayName()


def _reconstruct(subtype, shape=(0,), typecode=b"b"):
    if subtype is not _NDARRAY:
        _refuse("A pickled array is not a plain numpy.ndarray.")
    return _PendingArray()


def _frombuffer(buffer, dtype, shape, order):
    """NumPy 2's protocol-5 array pickles: `_frombuffer(buffer, dtype, shape, order)`."""
    order = _text(order, "memory order")
    if order not in ("C", "F"):
        _refuse(f"A pickled array has the memory order {order!r:.10}.")
    array = _array_from_buffer(_as_bytes(buffer, "buffer of a pickled array"),
                               _finished(dtype, "dtype"), _shape(shape), order == "F")
    return _Pending(array, built=True)


def _scalar(dtype, data=None):
    """A NumPy scalar (`np.float64(1.5)` pickles as `scalar(dtype("f8"), b"...")`)."""
    dtype = _finished(dtype, "dtype")
    array = _array_from_buffer(_as_bytes(data, "data of a pickled scalar"), dtype, (1,), False)
    return _Pending(array[0], built=True)


_ALLOWED = {("numpy", "ndarray"): _NDARRAY, ("numpy", "dtype"): _PendingDtype}
for _package in ("numpy.core", "numpy._core"):
    _ALLOWED[(f"{_package}.multiarray", "_reconstruct")] = _reconstruct
    _ALLOWED[(f"{_package}.multiarray", "scalar")] = _scalar
    _ALLOWED[(f"{_package}.numeric", "_frombuffer")] = _frombuffer


class ArrayUnpickler(pickle.Unpickler):
    """A pickle reader that can rebuild plain NumPy arrays and plain Python data, nothing else.

    Its `load()` may return stand-ins for NumPy values; `load_pickle` swaps them out.
    """

    def find_class(self, module, name):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"Refusing to load `{module}.{name}` from a dataset file: only NumPy arrays and "
                f"plain Python data are allowed. The file is damaged or has been tampered with."
            ) from None


_LEAVES = frozenset({int, float, complex, bool, str, bytes, type(None)})


class _Finisher:
    """Swaps every stand-in in a loaded pickle for its NumPy value.

    Lists, dicts and object arrays are changed in place, so that objects the pickle shares
    (or that refer to themselves) stay shared; a tuple holding a stand-in is rebuilt, and
    refused if it is part of a reference cycle (no NumPy pickle makes one). This walks
    arbitrary pickled data (cycles, shared objects, in-place edits), not a model structure,
    hence its own recursion, bounded by `_MAX_DEPTH`.
    """

    def __init__(self):
        self.done = {}        # id(container) -> its finished object
        self.open_tuples = set()
        self.cyclic = set()
        self.alive = []       # keeps the originals alive so that their ids stay unique

    def __call__(self, obj, depth=0):
        if isinstance(obj, _Pending):
            obj = obj.finished()
        if not (type(obj) in (list, dict, tuple)
                or (isinstance(obj, np.ndarray) and obj.dtype.hasobject)):
            return obj
        key = id(obj)
        if key in self.done:
            if key in self.open_tuples:
                self.cyclic.add(key)
            return self.done[key]
        if depth > _MAX_DEPTH:
            _refuse(f"A pickle nests lists, tuples or dicts more than {_MAX_DEPTH} levels deep.")
        self.done[key] = obj
        self.alive.append(obj)
        if type(obj) is list:
            if not _LEAVES.issuperset(map(type, obj)):  # IMDB: thousands of lists of ints
                for index, item in enumerate(obj):
                    obj[index] = self(item, depth + 1)
        elif type(obj) is dict:
            for name, item in obj.items():
                obj[name] = self(item, depth + 1)
        elif isinstance(obj, np.ndarray):
            flat = obj.reshape(-1, order="A")  # a view: the object arrays made here are contiguous
            for index in range(flat.size):
                flat[index] = self(flat[index], depth + 1)
        else:
            self.open_tuples.add(key)
            items = tuple(self(item, depth + 1) for item in obj)
            self.open_tuples.discard(key)
            if any(new is not old for new, old in zip(items, obj)):
                if key in self.cyclic:
                    _refuse("A pickled tuple holding an array is part of a reference cycle.")
                self.done[key] = obj = items
        return obj


def load_pickle(f, encoding="ASCII"):
    """`pickle.load(f, encoding=...)` restricted to plain arrays and plain data (see above).

    Raises:
        pickle.UnpicklingError: a name outside the allow-list, a dtype or array state NumPy
            would not write or that does not fit its data, or a damaged pickle.
    """
    try:
        loaded = ArrayUnpickler(f, encoding=encoding).load()
        return _Finisher()(loaded)
    except pickle.UnpicklingError:
        raise
    except Exception as e:  # the pickle machinery's own errors on a damaged stream
        raise pickle.UnpicklingError(f"Could not read a pickle: {type(e).__name__}: {e}. The "
                                     f"file is damaged or has been tampered with.") from None


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
        if dtype != np.dtype(object):
            raise pickle.UnpicklingError(f"Refusing an .npy member of dtype {dtype}: only plain "
                                         f"object arrays may be pickled.")
        array = load_pickle(f, encoding="latin1")
        if (not isinstance(array, np.ndarray) or array.dtype != dtype
                or array.shape != tuple(shape)):
            raise pickle.UnpicklingError(
                f"An .npy member's header declares an object array of shape {tuple(shape)} but "
                f"its pickle holds {getattr(array, 'shape', type(array).__name__)}. The file is "
                f"damaged or has been tampered with.")
        return array
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
