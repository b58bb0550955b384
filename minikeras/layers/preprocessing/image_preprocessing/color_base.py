"""The shared part of the colour augmentation layers (RandomBrightness, RandomHue,
AutoContrast, ...): they change pixel values only, so bounding boxes, segmentation masks and
labels travel unchanged (as in Keras), and most take a `value_range`."""
from minikeras.layers.preprocessing.image_preprocessing.base import BaseImagePreprocessingLayer


def check_value_range(value_range, owner):
    """`value_range` (the pixel range of the inputs, e.g. (0, 255)) as Keras stores it: a sorted
    list of two numbers; anything else is a ValueError naming the layer."""
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(f"{owner}: the `value_range` argument should be a list of two numbers. "
                         f"Received: value_range={value_range!r}")
    return sorted(value_range)


def as_tuple(value):
    """A list argument Keras stores as given (value_range, tile_grid_size) kept as a tuple, so
    that a config read back from JSON equals the original."""
    return tuple(value) if isinstance(value, list) else value


class ColorImagePreprocessingLayer(BaseImagePreprocessingLayer):
    """A BaseImagePreprocessingLayer whose transformation moves no pixel: boxes and masks are
    returned as they are."""

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        return bounding_boxes

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return segmentation_masks

    def set_random_arguments(self, factor, value_range, seed, check_range=True):
        """Store what the random colour layers (RandomHue, RandomSaturation, ...) take: `factor`
        (read as the class's _FACTOR_BOUNDS say), `value_range` (checked and sorted, or with
        check_range=False kept as given, as Keras does for some layers) and `seed`."""
        self._set_factor(factor)
        self.value_range = (check_value_range(value_range, type(self).__name__) if check_range
                            else as_tuple(value_range))
        self.set_seed(seed)

    def random_config(self):
        """The config entries of those layers: factor, value_range and seed."""
        return {"factor": self.factor, "value_range": self.value_range, "seed": self.seed}

    def channel_axis(self):
        """The channel axis of a (batch, ...) image tensor in this layer's data_format."""
        return -1 if self.data_format == "channels_last" else 1

    def spatial_axes(self):
        """The (height, width) axes of a batch in this layer's data_format."""
        return (1, 2) if self.data_format == "channels_last" else (2, 3)


class RandomColorLayer(ColorImagePreprocessingLayer):
    """A random colour layer with Keras's arguments (factor, value_range=(0, 255),
    data_format=None, seed=None) and those three in its config (RandomHue, RandomSaturation,
    RandomSharpness, RandomPosterization, RandomColorDegeneration). `_KEEP_VALUE_RANGE`: store
    value_range as given instead of checked and sorted (as Keras's RandomHue)."""

    _KEEP_VALUE_RANGE = False

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.set_random_arguments(factor, value_range, seed,
                                  check_range=not self._KEEP_VALUE_RANGE)

    def get_config(self):
        return {**super().get_config(), **self.random_config()}
