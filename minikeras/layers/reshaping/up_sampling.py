"""UpSampling1D, UpSampling2D, UpSampling3D: enlarge the spatial axes by integer factors.

"nearest" repeats every value `size` times along each axis. It is written as
expand_dims -> broadcast_to -> reshape (one copy for all axes at once), whose gradient sums each
block back into its source value without any scatter. UpSampling2D's "bilinear" mode matches
Keras (`keras.ops.image.resize`, half-pixel centres, no antialiasing): output position o along an
axis of n values samples the input at (o + 0.5) / size - 0.5, interpolating linearly between the
two nearest values and clamping at the edges. For an integer factor f that means phase
r = o % f mixes value i = o // f with its neighbour (i + 1 or i - 1) by the fixed weight
|(r + 0.5) / f - 0.5|; the edges are handled by repeating the first and last value.
"""
from minikeras.layers.input_spec import InputSpec
from minikeras.layers.layer import Layer
from minikeras.layers.reshaping.zero_padding import layer_owner
from minikeras.ops import broadcast_to, concatenate, getitem, reshape, stack
from minikeras.ops.pooling import standardize_data_format, standardize_tuple
from minikeras.registry.layer_classes import register_layer

_INTERPOLATIONS = ("nearest", "bilinear")


def repeat_nearest(x, axes, factors):
    """Repeat every value factors[i] times along axes[i] (differentiable, no scatter-add)."""
    pairs = [(a % x.ndim, f) for a, f in zip(axes, factors) if f != 1]
    if not pairs:
        return x
    factor_of = dict(pairs)
    expanded, stretched, final = [], [], []
    for axis, size in enumerate(x.shape):
        expanded.append(size)
        stretched.append(size)
        final.append(size * factor_of.get(axis, 1))
        if axis in factor_of:
            expanded.append(1)
            stretched.append(factor_of[axis])
    return reshape(broadcast_to(reshape(x, tuple(expanded)), tuple(stretched)), tuple(final))


def upsample_linear(x, axis, factor):
    """Linear (half-pixel) up-sampling of one axis by an integer factor, clamped at the edges."""
    if factor == 1:
        return x
    axis %= x.ndim
    n = x.shape[axis]

    def take(start, stop):
        index = [slice(None)] * x.ndim
        index[axis] = slice(start, stop)
        return getitem(x, tuple(index))

    previous = concatenate([take(0, 1), take(0, n - 1)], axis=axis) if n > 1 else x
    following = concatenate([take(1, n), take(n - 1, n)], axis=axis) if n > 1 else x
    phases = []
    for r in range(factor):
        offset = (r + 0.5) / factor - 0.5
        if offset == 0:
            phases.append(x)
        else:
            neighbour = following if offset > 0 else previous
            phases.append(x * (1.0 - abs(offset)) + neighbour * abs(offset))
    out = stack(phases, axis=axis + 1)
    shape = list(x.shape)
    shape[axis] = n * factor
    return reshape(out, tuple(shape))


def _spatial_axes(data_format, dims):
    first = 2 if data_format == "channels_first" else 1
    return tuple(range(first, first + dims))


def _scaled_shape(input_shape, axes, factors):
    shape = list(input_shape)
    for axis, factor in zip(axes, factors):
        if shape[axis] is not None:
            shape[axis] *= factor
    return tuple(shape)


@register_layer
class UpSampling1D(Layer):
    """Repeat each step `size` times: (batch, steps, features) -> (batch, steps * size, features).

    Args:
        size: positive int (default 2).
    """

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(size, int) or isinstance(size, bool):
            raise TypeError(f"{layer_owner(self)}: expected an integer value for `size`. "
                            f"Received: size={size!r} (of type {type(size).__name__})")
        if size <= 0:
            raise ValueError(f"{layer_owner(self)}: argument `size` should be a positive "
                             f"integer. Received: size={size}")
        self.size = size
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        return repeat_nearest(inputs, (1,), (self.size,))

    def compute_output_shape(self, input_shape):
        return _scaled_shape(input_shape, (1,), (self.size,))

    def get_config(self):
        return {**super().get_config(), "size": self.size}


@register_layer
class UpSampling2D(Layer):
    """Enlarge height and width by (size_h, size_w).

    Args:
        size: int or 2 positive ints (default (2, 2)).
        data_format: "channels_last" (batch, h, w, c) or "channels_first" (batch, c, h, w);
            None means `image_data_format()`.
        interpolation: "nearest" (repeat values, the default) or "bilinear" (Keras's
            half-pixel resize). Keras's other `ops.image.resize` modes ("bicubic", "lanczos3",
            ...) are not available in minikeras.
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        owner = layer_owner(self)
        self.data_format = standardize_data_format(data_format, owner)
        self.size = standardize_tuple(size, 2, "size", owner=owner)
        if not isinstance(interpolation, str) or interpolation.lower() not in _INTERPOLATIONS:
            raise ValueError(f"{owner}: `interpolation` must be one of {_INTERPOLATIONS} in "
                             f"minikeras. Received: interpolation={interpolation!r}")
        self.interpolation = interpolation.lower()
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs):
        axes = _spatial_axes(self.data_format, 2)
        if self.interpolation == "nearest":
            return repeat_nearest(inputs, axes, self.size)
        out = inputs
        for axis, factor in zip(axes, self.size):
            out = upsample_linear(out, axis, factor)
        return out

    def compute_output_shape(self, input_shape):
        return _scaled_shape(input_shape, _spatial_axes(self.data_format, 2), self.size)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format,
                "interpolation": self.interpolation}


@register_layer
class UpSampling3D(Layer):
    """Repeat values along three spatial axes by (size_1, size_2, size_3).

    Args:
        size: int or 3 positive ints (default (2, 2, 2)).
        data_format: "channels_last" (batch, d1, d2, d3, c) or "channels_first".
    """

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(**kwargs)
        owner = layer_owner(self)
        self.data_format = standardize_data_format(data_format, owner)
        self.size = standardize_tuple(size, 3, "size", owner=owner)
        self.input_spec = InputSpec(ndim=5)

    def call(self, inputs):
        return repeat_nearest(inputs, _spatial_axes(self.data_format, 3), self.size)

    def compute_output_shape(self, input_shape):
        return _scaled_shape(input_shape, _spatial_axes(self.data_format, 3), self.size)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format}
