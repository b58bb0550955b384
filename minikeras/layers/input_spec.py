"""InputSpec: what a layer accepts (dtype, rank, sizes of given axes), checked on every call."""
from minikeras.backend.dtypes import standardize_dtype


class InputSpec:
    """Describes the inputs a layer accepts, with Keras 3's arguments.

    Args:
        dtype: the dtype required, or None.
        shape: the full shape required (batch axis included; None entries match any size), or
            None. Giving it fixes `ndim`.
        ndim: exact rank required, or None.
        max_ndim, min_ndim: largest / smallest rank accepted, or None.
        axes: {axis: size} that must hold, e.g. {-1: 784} for a Dense layer built on 784
            features.
        allow_last_axis_squeeze: accept one more or one fewer trailing axis of size 1 than
            `ndim` / `shape` say.
        name: the input's name (for dict inputs), or None.
        optional: whether the input may be None.
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = standardize_dtype(dtype) if dtype is not None else None
        self.shape = None if shape is None else tuple(shape)
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.name = name
        self.optional = optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        try:
            self.axes = {int(axis): size for axis, size in (axes or {}).items()}
        except (ValueError, TypeError):
            raise TypeError(f"InputSpec: `axes` must be a dict with integer keys. Received: "
                            f"axes={axes!r}") from None
        largest = self.ndim if self.ndim is not None else self.max_ndim
        if self.axes and largest is not None and max(self.axes) > largest - 1:
            raise ValueError(f"InputSpec: axis {max(self.axes)} is out of range for "
                             f"ndim={largest}.")

    def __repr__(self):
        parts = [f"{key}={value!r}" for key, value in (
            ("dtype", self.dtype), ("shape", self.shape), ("ndim", self.ndim),
            ("max_ndim", self.max_ndim), ("min_ndim", self.min_ndim),
            ("axes", self.axes or None)) if value is not None]
        return f"InputSpec({', '.join(parts)})"

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _squeeze_last(shape):
    return shape[:-1] if shape and shape[-1] == 1 else shape


def assert_input_compatibility(spec, shape, layer_name, input_index=0, dtype=None):
    """Raise a ValueError naming the layer, the expectation and the received shape (and dtype,
    when `dtype` is given)."""
    if spec is None:
        return
    prefix = f'Input {input_index} of layer "{layer_name}" is incompatible with the layer: '
    shape = tuple(shape)
    rank = len(shape)
    if spec.ndim is not None and not spec.allow_last_axis_squeeze and rank != spec.ndim:
        raise ValueError(f"{prefix}expected ndim={spec.ndim}, found ndim={rank}. "
                         f"Full shape received: {shape}")
    if spec.max_ndim is not None and rank > spec.max_ndim:
        raise ValueError(f"{prefix}expected max_ndim={spec.max_ndim}, found ndim={rank}")
    if spec.min_ndim is not None and rank < spec.min_ndim:
        raise ValueError(f"{prefix}expected min_ndim={spec.min_ndim}, found ndim={rank}. "
                         f"Full shape received: {shape}")
    if spec.dtype is not None and dtype is not None and standardize_dtype(dtype) != spec.dtype:
        raise ValueError(f"{prefix}expected dtype={spec.dtype}, found dtype={dtype}")
    for axis, size in spec.axes.items():
        if size is None:
            continue
        if -rank <= axis < rank and shape[axis] is not None and shape[axis] != size:
            raise ValueError(f"{prefix}expected axis {axis} of input shape to have value {size}, "
                             f"but received input with shape {shape}")
    if spec.shape is not None:
        want_shape, got_shape = spec.shape, shape
        if spec.allow_last_axis_squeeze:  # compared without a trailing axis of size 1
            want_shape, got_shape = _squeeze_last(want_shape), _squeeze_last(got_shape)
        if len(want_shape) != len(got_shape):
            raise ValueError(f"{prefix}expected shape={spec.shape}, found shape={shape}")
        for want, got in zip(want_shape, got_shape):
            if want is not None and got is not None and want != got:
                raise ValueError(f"{prefix}expected shape={spec.shape}, found shape={shape}")
