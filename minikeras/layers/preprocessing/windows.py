"""Window functions for the audio layers (SciPy's `get_window` for the names Keras uses),
in NumPy so that SciPy is not needed."""
import numpy

_SYMMETRIC = {
    "hann": numpy.hanning, "hanning": numpy.hanning, "hamming": numpy.hamming,
    "blackman": numpy.blackman, "bartlett": numpy.bartlett,
    "boxcar": numpy.ones, "rectangular": numpy.ones, "ones": numpy.ones,
}


def check_window(window, owner):
    """Raise a ValueError naming `owner` for a window name this module does not know."""
    if isinstance(window, str) and window not in _SYMMETRIC:
        raise ValueError(f"{owner}: unknown `window` {window!r}; expected one of "
                         f"{sorted(_SYMMETRIC)}, an array of window values or None.")


def get_window(window, length, periodic=True):
    """A window of `length` samples, shape (length,) float64: a name from `_SYMMETRIC`
    (`periodic=True` gives the DFT-even form, SciPy's `fftbins=True`) or the values themselves.
    """
    if not isinstance(window, str):
        values = numpy.asarray(window, dtype=numpy.float64)
        if values.shape != (length,):
            raise ValueError(f"The shape of `window` must be equal to [{length}]. Received: "
                             f"window shape={values.shape}")
        return values
    check_window(window, "get_window")
    make = _SYMMETRIC[window]
    if periodic and length > 1:
        return make(length + 1)[:-1]
    return make(length)
