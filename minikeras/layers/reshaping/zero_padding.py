"""ZeroPadding1D, ZeroPadding2D, ZeroPadding3D: add rows/columns/planes of zeros around the
spatial axes (often before a convolution)."""
from minikeras.layers.input_spec import InputSpec
from minikeras.layers.layer import Layer
from minikeras.ops import pad
from minikeras.ops.pooling import standardize_data_format, standardize_tuple
from minikeras.registry.layer_classes import register_layer

_ORDINALS = ("1st", "2nd", "3rd")


def layer_owner(layer):
    return f'{type(layer).__name__} layer "{layer.name}"'


def standardize_pairs(value, n, name, owner, example):
    """An int, n ints (symmetric) or n pairs of ints -> n (before, after) pairs, all >= 0.

    Keras's rule for ZeroPadding2D/3D `padding` and Cropping2D/3D `cropping`.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"{owner}: `{name}` cannot be negative. Received: {name}={value}.")
        return ((value, value),) * n
    if not hasattr(value, "__len__") or isinstance(value, str):
        raise ValueError(f"{owner}: `{name}` should be either an int, a tuple of {n} ints or a "
                         f"tuple of {n} tuples of 2 ints, e.g. {example}. Received: "
                         f"{name}={value!r}.")
    if len(value) != n:
        raise ValueError(f"{owner}: `{name}` should have {n} elements. Received: "
                         f"{name}={value!r}.")
    return tuple(standardize_tuple(entry, 2, f"{_ORDINALS[i]} entry of {name}", allow_zero=True,
                                   owner=owner) for i, entry in enumerate(value))


class _ZeroPadding(Layer):
    """Shared by ZeroPadding1D/2D/3D: `self.padding` holds one (before, after) pair per axis."""

    _dims = None

    def _spatial_axes(self):
        first = 2 if self.data_format == "channels_first" else 1
        return tuple(range(first, first + self._dims))

    def call(self, inputs):
        widths = [(0, 0)] * inputs.ndim
        for axis, pair in zip(self._spatial_axes(), self._pairs()):
            widths[axis] = pair
        return pad(inputs, widths)

    def _pairs(self):
        return self.padding if self._dims > 1 else (self.padding,)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (before, after) in zip(self._spatial_axes(), self._pairs()):
            if shape[axis] is not None:
                shape[axis] += before + after
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


@register_layer
class ZeroPadding1D(_ZeroPadding):
    """Pad the steps axis with zeros: (batch, steps, features) -> (batch, steps + l + r, features).

    Args:
        padding: int (same on both sides) or (left, right) ints >= 0 (default 1).
        data_format: "channels_last" (batch, steps, features) or "channels_first"
            (batch, features, steps); None means `image_data_format()`.
    """

    _dims = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        owner = layer_owner(self)
        self.data_format = standardize_data_format(data_format, owner)
        self.padding = standardize_tuple(padding, 2, "padding", allow_zero=True, owner=owner)
        self.input_spec = InputSpec(ndim=3)


@register_layer
class ZeroPadding2D(_ZeroPadding):
    """Pad height and width with zeros.

    Args:
        padding: int (all four sides), (symmetric_height_pad, symmetric_width_pad), or
            ((top, bottom), (left, right)); default (1, 1).
        data_format: "channels_last" (batch, h, w, c) or "channels_first" (batch, c, h, w).
    """

    _dims = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        owner = layer_owner(self)
        self.data_format = standardize_data_format(data_format, owner)
        self.padding = standardize_pairs(padding, 2, "padding", owner,
                                         "((top_pad, bottom_pad), (left_pad, right_pad))")
        self.input_spec = InputSpec(ndim=4)


@register_layer
class ZeroPadding3D(_ZeroPadding):
    """Pad three spatial axes with zeros.

    Args:
        padding: int, 3 ints (symmetric per axis) or 3 (before, after) pairs; default
            ((1, 1), (1, 1), (1, 1)).
        data_format: "channels_last" (batch, d1, d2, d3, c) or "channels_first".
    """

    _dims = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        owner = layer_owner(self)
        self.data_format = standardize_data_format(data_format, owner)
        self.padding = standardize_pairs(padding, 3, "padding", owner,
                                         "((left_dim1_pad, right_dim1_pad), (left_dim2_pad, "
                                         "right_dim2_pad), (left_dim3_pad, right_dim3_pad))")
        self.input_spec = InputSpec(ndim=5)
