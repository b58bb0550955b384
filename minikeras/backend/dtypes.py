"""Keras's dtype names and promotion rules: `standardize_dtype`, `result_type`,
`is_float_dtype`, `is_int_dtype` (`keras.backend`).

Every dtype in Keras is a plain string ("float32", "int8", "bool", ...). `result_type` follows
Keras's promotion lattice (adapted by Keras from JAX's), not NumPy's: an int and a float give
the float (`int64` with `float16` is `float16`, where NumPy says `float64`), and Python scalar
types (`int`, `float`) are *weak*: they take the other argument's kind and size
(`result_type("float16", float)` is "float16"; alone, they resolve at `floatx()`'s precision).
"""
import functools

import numpy

from minikeras.backend import config

BOOL_TYPES = ("bool",)
INT_TYPES = ("uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64")
FLOAT_TYPES = ("bfloat16", "float16", "float32", "float64")
FLOAT8_TYPES = ("float8_e4m3fn", "float8_e5m2")
COMPLEX_TYPES = ("complex64", "complex128")
#: the lattice nodes of Python's `int` and `float` (weak: the other argument decides the size)
WEAK_TYPES = ("int", "float")
ALLOWED_DTYPES = frozenset(BOOL_TYPES + INT_TYPES + FLOAT_TYPES + FLOAT8_TYPES + COMPLEX_TYPES
                           + ("string",))
#: Python types (and the string "int") as Keras names them on a non-TensorFlow backend
PYTHON_DTYPES_MAP = {bool: "bool", int: "int32", float: "float32", str: "string",
                     "int": "int32", complex: "complex64"}

# Each node and the nodes immediately above it: a value of a lower type converts losslessly
# (or by Keras's choice) to any type above it; the promotion of several types is their least
# common upper bound.
_LATTICE = {
    "bool": ["int"],
    "int": ["uint8", "int8", "complex64"],
    "uint8": ["int16", "uint16"], "uint16": ["int32", "uint32"], "uint32": ["int64", "uint64"],
    "uint64": ["float"],
    "int8": ["int16"], "int16": ["int32"], "int32": ["int64"], "int64": ["float"],
    "float": ["bfloat16", "float16"],
    "bfloat16": ["float32"], "float16": ["float32"],
    "float32": ["float64", "complex64"], "float64": ["complex128"],
    "complex64": ["complex128"], "complex128": [],
}


def _upper_bounds():
    """node -> the set of every node at or above it (the transitive closure of `_LATTICE`)."""
    bounds = {}
    for node in _LATTICE:
        seen, todo = set(), [node]
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(_LATTICE[current])
        bounds[node] = seen
    return bounds


_UPPER_BOUNDS = _upper_bounds()


def standardize_dtype(dtype):
    """The Keras name of `dtype`: None -> `floatx()`; Python `bool` / `int` / `float` ->
    "bool" / "int32" / "float32"; a NumPy dtype or scalar type -> its name. Raises a
    ValueError for anything that is not one of Keras's dtypes."""
    if dtype is None:
        return config.floatx()
    dtype = PYTHON_DTYPES_MAP.get(dtype, dtype)
    if is_string_dtype(dtype):
        return "string"
    if hasattr(dtype, "name"):          # numpy.dtype("float32")
        dtype = dtype.name
    elif hasattr(dtype, "__name__"):    # numpy.float32
        dtype = dtype.__name__
    elif isinstance(dtype, str) and dtype not in ALLOWED_DTYPES:
        try:                            # "f4", "<f8", ...: NumPy's spellings
            dtype = numpy.dtype(dtype).name
        except TypeError:
            pass
    if dtype not in ALLOWED_DTYPES:
        raise ValueError(f"Invalid dtype: {dtype!r}. Expected one of {sorted(ALLOWED_DTYPES)}.")
    return dtype


def is_string_dtype(dtype):
    """Whether `dtype` is Keras's "string" or a NumPy text / bytes / object dtype (how NumPy
    holds strings)."""
    if isinstance(dtype, str):
        if dtype == "string":
            return True
        try:
            return numpy.dtype(dtype).kind in "USO"
        except TypeError:
            return False
    kind = getattr(dtype, "kind", None)
    if kind is None and isinstance(dtype, type) and issubclass(dtype, (str, bytes, numpy.str_,
                                                                       numpy.bytes_)):
        return True
    return kind in ("U", "S", "O") if isinstance(kind, str) else False


def is_float_dtype(dtype):
    """Whether `dtype` (anything `standardize_dtype` reads) is a float type, bfloat16 included."""
    dtype = standardize_dtype(dtype)
    return dtype.startswith("float") or dtype.startswith("bfloat")


def is_int_dtype(dtype):
    """Whether `dtype` is a signed or unsigned integer type (bool is not)."""
    dtype = standardize_dtype(dtype)
    return dtype.startswith("int") or dtype.startswith("uint")


@functools.lru_cache(maxsize=512)
def _least_upper_bound(*nodes):
    """The lowest lattice node above all of `nodes`."""
    unknown = [n for n in nodes if n not in _UPPER_BOUNDS]
    if unknown:
        raise ValueError(f"result_type: dtype {unknown[0]!r} has no place in Keras's type "
                         f"promotion.")
    common = set.intersection(*(_UPPER_BOUNDS[n] for n in nodes))
    lowest = [c for c in common if common <= _UPPER_BOUNDS[c]]
    if len(lowest) != 1:
        raise ValueError(f"result_type: the dtypes {nodes} have no implicit promotion; cast "
                         f"them explicitly.")
    return lowest[0]


def _weak_node(dtype):
    """The weak lattice node of a Python scalar type's dtype ("int32" -> "int")."""
    if dtype == "bool":
        return dtype
    return "float" if "float" in dtype else "int" if "int" in dtype else dtype


def _resolve_weak(node):
    """A weak result at floatx()'s precision: "int" -> "int32" under float32, and so on."""
    precision = config.floatx()[-2:]
    return {"int": f"int{precision}", "float": f"float{precision}"}.get(node, node)


def result_type(*dtypes):
    """The dtype Keras gives an operation on arguments of these dtypes.

    No argument gives `floatx()`; None counts as `floatx()`; Python `int` and `float` are weak
    (`result_type("int8", int)` is "int8", `result_type("float16", float)` is "float16",
    `result_type(int, float)` is `floatx()`); otherwise the least common upper bound on Keras's
    lattice ("int32" + "float16" -> "float16", "uint8" + "int8" -> "int16").

    minikeras keeps 64-bit results ("float64" stays "float64"): float64 is its precision for
    numerical gradient checks, where Keras's JAX-aligned rule narrows 64-bit types to 32.
    """
    if not dtypes:
        return config.floatx()
    for dtype in dtypes:
        if isinstance(dtype, str) and dtype in FLOAT8_TYPES:
            raise ValueError(f"result_type: float8 dtypes do not convert implicitly; cast "
                             f"explicitly. Received: {dtypes}")
    dtypes = [config.floatx() if d is None else d for d in dtypes]
    weak = [d is int or d is float for d in dtypes]
    names = [standardize_dtype(d) for d in dtypes]
    if len(names) == 1:
        out, out_weak = names[0], weak[0]
    elif len(set(names)) == 1 and not all(weak):
        out, out_weak = names[0], False
    elif all(weak):
        out, out_weak = _least_upper_bound(*sorted(set(names))), True
    else:
        nodes = {_weak_node(n) if w else n for n, w in zip(names, weak)}
        out = _least_upper_bound(*sorted(nodes))
        out_weak = out in WEAK_TYPES
    if out_weak and out != "bool":
        out = _resolve_weak(_weak_node(out))
    return out
