"""The one place where minikeras chooses its array library.

Every module does `from minikeras.backend.array_module import xp` and writes `xp.exp(...)`,
`xp.matmul(...)`. `xp` forwards attribute lookups to the active module (NumPy by default), so a
NumPy-compatible library such as CuPy can be slotted in without touching any layer, op or
optimizer:

    minikeras.backend.set_array_backend("cupy")     # or MINIKERAS_BACKEND=cupy before import
    minikeras.backend.set_array_backend("numpy")    # back to the CPU

`set_array_module(module)` is the lower-level form that takes any NumPy-compatible module.

Rules that keep the two worlds apart (see docs/gpu.md):
- Arrays of the active module are "tensors"; NumPy arrays are what users hand in and get back.
  `fit` / `evaluate` / `predict` accept NumPy and move each dataset to the active module once,
  and `predict`, `get_weights` and every saved file give NumPy back (`to_numpy`).
- A layer called directly with an array of the other world (a NumPy array while CuPy is
  active, a CuPy array while NumPy is) raises a TypeError naming the layer and both types
  (`check_array_type`), instead of copying silently on every call or failing deep inside.
- Random numbers are drawn on the host by NumPy generators and moved to the device, so a seed
  gives the same numbers on every backend.
"""
import contextlib
import os

import numpy

_active = numpy
_device_types = ()  # ndarray types of the non-NumPy modules that have been active
_on_host = True     # the active module's arrays are NumPy arrays


class _ArrayNamespace:
    """Forwards `xp.name` to the active array module.

    Each name is looked up once and then kept on the instance, so `xp.exp` costs an ordinary
    attribute access; `set_array_module` forgets the kept names.

    A few helpers that only look at shapes or error settings are not offered by every NumPy
    twin (CuPy has no `errstate`); `_FALLBACKS` supplies them when the active module lacks them.
    """

    def __getattr__(self, name):
        try:
            value = getattr(_active, name)
        except AttributeError:
            if name not in _FALLBACKS:
                raise
            value = _FALLBACKS[name]
        if not name.startswith("__"):
            self.__dict__[name] = value
        return value

    def __repr__(self):
        return f"<minikeras array namespace: {_active.__name__}>"


def _errstate(**kwargs):
    """Devices do not raise floating-point warnings, so there is nothing to silence."""
    return contextlib.nullcontext()


_FALLBACKS = {
    "errstate": _errstate,
    "broadcast_shapes": numpy.broadcast_shapes,  # shapes only: plain tuples
}

xp = _ArrayNamespace()


def set_array_module(module):
    """Make `module` (NumPy-compatible: numpy, cupy, ...) the array library used everywhere.

    Variables, optimizer slots and metric states hold arrays of the module that was active when
    they were made: switch before building models (and use `set_array_backend` for the names).
    """
    global _active, _device_types, _on_host
    for required in ("asarray", "matmul", "exp", "zeros", "ndarray"):
        if not hasattr(module, required):
            raise TypeError(f"set_array_module: {module!r} is not NumPy-compatible "
                            f"(no `{required}`).")
    array_type = module.ndarray
    if not issubclass(array_type, numpy.ndarray) and array_type not in _device_types:
        _device_types = _device_types + (array_type,)
    _active = module
    _on_host = issubclass(array_type, numpy.ndarray)
    xp.__dict__.clear()


def get_array_module():
    """The active array module (NumPy unless `set_array_module` was called)."""
    return _active


def on_host():
    """True when the active module computes on NumPy arrays (the CPU)."""
    return _on_host


def _import_cupy():
    try:
        import cupy
    except ImportError as error:
        raise ImportError("The 'cupy' array backend needs CuPy: install the wheel that matches "
                          "your CUDA version, e.g. `pip install cupy-cuda12x`.") from error
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # CUDARuntimeError: no driver / no device
        raise RuntimeError(f"The 'cupy' array backend needs an NVIDIA GPU, but CUDA reports "
                           f"none: {error}") from error
    if count < 1:
        raise RuntimeError("The 'cupy' array backend needs an NVIDIA GPU, but CUDA reports none.")
    return cupy


_BACKENDS = {"numpy": lambda: numpy, "cupy": _import_cupy}


def set_array_backend(name):
    """Run every op on NumPy ('numpy', the CPU) or CuPy ('cupy', an NVIDIA GPU).

    Call it before building models: existing Variables keep the arrays they were made with.
    """
    key = str(name).lower()
    if key not in _BACKENDS:
        raise ValueError(f"Unknown array backend: {name!r}. Expected one of {sorted(_BACKENDS)}.")
    set_array_module(_BACKENDS[key]())


def array_backend():
    """The name of the active array module: 'numpy', 'cupy', or another module's name."""
    return _active.__name__.split(".")[0]


def is_device_array(array):
    """True for a GPU array (a CuPy array, or one of any non-NumPy module that has been active)."""
    return isinstance(array, _device_types) or hasattr(type(array), "__cuda_array_interface__")


def to_numpy(array):
    """Return a NumPy array for an array of the active module (copies from a GPU when needed)."""
    if isinstance(array, numpy.ndarray):
        return array
    if is_device_array(array) and hasattr(array, "get"):
        return array.get()
    return numpy.asarray(array)


def check_array_type(array, where):
    """Raise a TypeError when `array` belongs to the other array world than the active module.

    `where` names the caller (e.g. "Layer 'dense'"). Python numbers, lists and arrays of the
    active module pass; so does any NumPy array while NumPy is active (one type check).
    """
    if isinstance(array, numpy.ndarray):
        if _on_host:
            return
        raise TypeError(f"{where} received a {_type_name(type(array))} (host memory) while the "
                        f"active array backend is '{array_backend()}', which expects "
                        f"{_type_name(_active.ndarray)} (device memory). Move the data with "
                        f"`{array_backend()}.asarray(x)` (fit, evaluate and predict do this for "
                        f"you), or switch back with minikeras.backend.set_array_backend('numpy').")
    if is_device_array(array) and not isinstance(array, _active.ndarray):
        raise TypeError(f"{where} received a {_type_name(type(array))} (device memory) while "
                        f"the active array backend is '{array_backend()}', which expects "
                        f"{_type_name(_active.ndarray)}. Copy it to the host with "
                        f"minikeras.backend.to_numpy(x), or switch with "
                        f"minikeras.backend.set_array_backend(...).")


def _type_name(cls):
    return f"{cls.__module__.split('.')[0]}.{cls.__name__}"


def _from_environment():
    name = os.environ.get("MINIKERAS_BACKEND", "").strip()
    if name:
        set_array_backend(name)


_from_environment()
