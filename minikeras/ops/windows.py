"""Window functions for signal processing: bartlett, blackman, hamming, hanning, kaiser.

Each takes the window length M (a Python int or an integer scalar tensor) and returns the
symmetric window of shape (M,) in `floatx()`, computed in float64 and rounded once, as
Keras's backends do. They are constructors (no tensor input to record), so they are plain
functions like `arange`.
"""
from minikeras.backend import config
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor


def _length(name, x):
    value = x.data if isinstance(x, Tensor) else x
    if getattr(value, "ndim", 0) or isinstance(value, (bool, float)) or (
            hasattr(value, "dtype") and xp.dtype(value.dtype).kind not in "iu"):
        raise ValueError(f"{name}: `x` must be an integer window length, received {x!r}.")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: `x` must be an integer window length, received {x!r}.") \
            from None


def _window(numpy_fn, name, x, *args):
    return Tensor(numpy_fn(_length(name, x), *args).astype(config.floatx()))


def bartlett(x):
    """The triangular (Bartlett) window of length x: 0 at both ends, 1 in the middle."""
    return _window(xp.bartlett, "bartlett", x)


def blackman(x):
    """The Blackman window of length x (three cosine terms; near 0 at both ends)."""
    return _window(xp.blackman, "blackman", x)


def hamming(x):
    """The Hamming window of length x: 0.54 - 0.46 cos(2 pi n / (x - 1))."""
    return _window(xp.hamming, "hamming", x)


def hanning(x):
    """The Hann window of length x: 0.5 - 0.5 cos(2 pi n / (x - 1))."""
    return _window(xp.hanning, "hanning", x)


def kaiser(x, beta):
    """The Kaiser window of length x with shape parameter `beta` (0: rectangular; larger:
    narrower)."""
    beta = float(beta.data if isinstance(beta, Tensor) else beta)
    return _window(xp.kaiser, "kaiser", x, beta)
