"""Cropping1D, Cropping2D, Cropping3D: cut values off the edges of the spatial axes."""
from minikeras.layers.input_spec import InputSpec
from minikeras.layers.layer import Layer
from minikeras.layers.reshaping.zero_padding import layer_owner, standardize_pairs
from minikeras.ops import getitem
from minikeras.ops.pooling import standardize_data_format, standardize_tuple
from minikeras.registry.layer_classes import register_layer


class _Cropping(Layer):
    """Shared by Cropping1D/2D/3D: `self.cropping` holds (before, after) per spatial axis."""

    _dims = None
    data_format = "channels_last"

    def _spatial_axes(self):
        first = 2 if self.data_format == "channels_first" else 1
        return tuple(range(first, first + self._dims))

    def _pairs(self):
        return self.cropping if self._dims > 1 else (self.cropping,)

    def _cropped_sizes(self, shape, what):
        """The cropped spatial sizes (None stays None); an error naming the layer if a crop
        leaves nothing."""
        sizes = []
        for axis, (before, after) in zip(self._spatial_axes(), self._pairs()):
            size = shape[axis]
            if size is not None and before + after >= size:
                raise ValueError(
                    f"{layer_owner(self)}: values in the `cropping` argument must add up to less "
                    f"than the corresponding spatial size of the input (axis {axis}: size {size}, "
                    f"cropping {(before, after)}). Received: {what}={tuple(shape)}, "
                    f"cropping={self.cropping}")
            sizes.append(None if size is None else size - before - after)
        return sizes

    def call(self, inputs):
        self._cropped_sizes(inputs.shape, "inputs.shape")
        index = [slice(None)] * inputs.ndim
        for axis, (before, after) in zip(self._spatial_axes(), self._pairs()):
            index[axis] = slice(before, inputs.shape[axis] - after)
        return getitem(inputs, tuple(index))

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, size in zip(self._spatial_axes(), self._cropped_sizes(shape, "input_shape")):
            shape[axis] = size
        return tuple(shape)


@register_layer
class Cropping1D(_Cropping):
    """Crop the steps axis: (batch, steps, features) -> (batch, steps - start - end, features).

    Args:
        cropping: int (both ends) or (start, end) ints >= 0 (default (1, 1)).
    """

    _dims = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = standardize_tuple(cropping, 2, "cropping", allow_zero=True,
                                          owner=layer_owner(self))
        self.input_spec = InputSpec(ndim=3)

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping}


@register_layer
class Cropping2D(_Cropping):
    """Crop height and width.

    Args:
        cropping: int (all four sides), (symmetric_height_crop, symmetric_width_crop) or
            ((top, bottom), (left, right)); default ((0, 0), (0, 0)).
        data_format: "channels_last" (batch, h, w, c) or "channels_first" (batch, c, h, w).
    """

    _dims = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        owner = layer_owner(self)
        self.data_format = standardize_data_format(data_format, owner)
        self.cropping = standardize_pairs(cropping, 2, "cropping", owner,
                                          "((top_crop, bottom_crop), (left_crop, right_crop))")
        self.input_spec = InputSpec(ndim=4)

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping, "data_format": self.data_format}


@register_layer
class Cropping3D(_Cropping):
    """Crop three spatial axes.

    Args:
        cropping: int, 3 ints (symmetric per axis) or 3 (before, after) pairs; default
            ((1, 1), (1, 1), (1, 1)).
        data_format: "channels_last" (batch, d1, d2, d3, c) or "channels_first".
    """

    _dims = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        owner = layer_owner(self)
        self.data_format = standardize_data_format(data_format, owner)
        self.cropping = standardize_pairs(cropping, 3, "cropping", owner,
                                          "((left_dim1_crop, right_dim1_crop), (left_dim2_crop, "
                                          "right_dim2_crop), (left_dim3_crop, right_dim3_crop))")
        self.input_spec = InputSpec(ndim=5)

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping, "data_format": self.data_format}
