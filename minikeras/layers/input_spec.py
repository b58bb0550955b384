"""InputSpec: what a layer accepts (rank, sizes of given axes), checked on every call."""


class InputSpec:
    """Describes the inputs a layer accepts.

    Args:
        ndim: exact rank required (batch axis included), or None.
        min_ndim: smallest rank accepted, or None.
        axes: {axis: size} that must hold, e.g. {-1: 784} for a Dense layer built on 784 features.
    """

    def __init__(self, ndim=None, min_ndim=None, axes=None):
        self.ndim = ndim
        self.min_ndim = min_ndim
        self.axes = dict(axes or {})

    def __repr__(self):
        return f"InputSpec(ndim={self.ndim}, min_ndim={self.min_ndim}, axes={self.axes})"


def assert_input_compatibility(spec, shape, layer_name, input_index=0):
    """Raise a ValueError naming the layer, the expectation and the received shape."""
    if spec is None:
        return
    prefix = f'Input {input_index} of layer "{layer_name}" is incompatible with the layer: '
    rank = len(shape)
    if spec.ndim is not None and rank != spec.ndim:
        raise ValueError(f"{prefix}expected ndim={spec.ndim}, found ndim={rank}. "
                         f"Full shape received: {tuple(shape)}")
    if spec.min_ndim is not None and rank < spec.min_ndim:
        raise ValueError(f"{prefix}expected min_ndim={spec.min_ndim}, found ndim={rank}. "
                         f"Full shape received: {tuple(shape)}")
    for axis, size in spec.axes.items():
        if size is None:
            continue
        if -rank <= axis < rank and shape[axis] is not None and shape[axis] != size:
            raise ValueError(f"{prefix}expected axis {axis} of input shape to have value {size}, "
                             f"but received input with shape {tuple(shape)}")
