"""The one place where minikeras chooses its array library.

Every module does `from minikeras.backend.array_module import xp` and writes `xp.exp(...)`,
`xp.matmul(...)`. `xp` forwards attribute lookups to the active module (NumPy by default), so a
NumPy-compatible library such as CuPy can be slotted in with `set_array_module(cupy)` without
touching any layer, op or optimizer.
"""
import numpy

_active = numpy


class _ArrayNamespace:
    """Forwards `xp.name` to the active array module.

    Each name is looked up once and then kept on the instance, so `xp.exp` costs an ordinary
    attribute access; `set_array_module` forgets the kept names.
    """

    def __getattr__(self, name):
        value = getattr(_active, name)
        if not name.startswith("__"):
            self.__dict__[name] = value
        return value

    def __repr__(self):
        return f"<minikeras array namespace: {_active.__name__}>"


xp = _ArrayNamespace()


def set_array_module(module):
    """Make `module` (NumPy-compatible: numpy, cupy, ...) the array library used everywhere."""
    global _active
    for required in ("asarray", "matmul", "exp", "zeros"):
        if not hasattr(module, required):
            raise TypeError(f"set_array_module: {module!r} is not NumPy-compatible (no `{required}`).")
    _active = module
    xp.__dict__.clear()


def get_array_module():
    """The active array module (NumPy unless `set_array_module` was called)."""
    return _active


def to_numpy(array):
    """Return a NumPy array for an array of the active module (copies from a GPU when needed)."""
    if isinstance(array, numpy.ndarray):
        return array
    if hasattr(array, "get"):  # cupy
        return array.get()
    return numpy.asarray(array)
