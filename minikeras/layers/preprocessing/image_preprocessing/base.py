"""The base of Keras's image preprocessing layers: one random transformation per call, applied
to the images and to whatever travels with them (labels, bounding boxes, segmentation masks).

A subclass says how to draw a transformation (`get_random_transformation`) and how to apply it
(`transform_images`, and `transform_labels` / `transform_bounding_boxes` /
`transform_segmentation_masks` where it changes them). `call` does the rest, as Keras's does:

- `data` is an image batch (batch, height, width, channels) - (batch, channels, height, width)
  with data_format="channels_first" - or one image without the batch axis, or a dict with the
  key "images" and optionally "labels", "bounding_boxes" ({"boxes", "labels"}) and
  "segmentation_masks"; a dict comes back with the same keys.
- One image is transformed as a batch of one and comes back without the batch axis.
- `training` defaults to True in `call`, as in Keras: a layer called directly augments; in a
  model, `fit` trains and `predict` / `evaluate` do not. With training=False a random layer
  returns its input (each subclass's `transform_*` decides).

`factor` (for the layers that take one) is a number f or a pair (lower, upper) inside
`_FACTOR_BOUNDS`; f means the range (-f, f) clipped to the bounds, stored as `self.factor`.
"""
from minikeras import random
from minikeras.backend.autodiff import Tensor
from minikeras.layers.layer import Layer
from minikeras.ops import cast, convert_to_tensor, expand_dims, squeeze
from minikeras.ops.spatial_args import standardize_data_format


class BaseImagePreprocessingLayer(Layer):
    """Base class of the image preprocessing layers (see the module docstring).

    Args:
        factor: the strength range of the random transformation (layers with `_USE_BASE_FACTOR`;
            others must not receive it).
        bounding_box_format: the format of "bounding_boxes" in dict inputs (e.g. "xyxy"); needed
            only when such inputs are passed.
        data_format: "channels_last" or "channels_first" (default: image_data_format()).
    """

    _USE_BASE_FACTOR = True
    _FACTOR_BOUNDS = (-1, 1)

    def __init__(self, factor=None, bounding_box_format=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.bounding_box_format = bounding_box_format
        self.data_format = standardize_data_format(data_format, owner=type(self).__name__)
        if self._USE_BASE_FACTOR:
            self._set_factor(factor or 0.0)
        elif factor is not None:
            raise ValueError(f"Layer {type(self).__name__} does not take a `factor` argument. "
                             f"Received: factor={factor!r}")
        self.supports_masking = False

    def _set_factor(self, factor):
        low, high = self._FACTOR_BOUNDS
        message = (f"{type(self).__name__}: the `factor` argument should be a number (or a list "
                   f"of two numbers) in the range [{low}, {high}]. Received: factor={factor!r}")
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or factor[0] > high or factor[1] < low:
                raise ValueError(message)
            self.factor = tuple(sorted(factor))
        elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
            if not low <= factor <= high:
                raise ValueError(message)
            factor = abs(factor)
            self.factor = (max(-factor, low), factor)
        else:
            raise ValueError(message)

    # -- what subclasses define ---------------------------------------------------------------
    def get_random_transformation(self, data, training=True, seed=None):
        """The random parameters of one call (any structure `transform_*` understand), drawn
        for the whole batch; None for deterministic layers."""
        return None

    def transform_images(self, images, transformation, training=True):
        """images: (batch, h, w, c) (or channels first) -> the transformed batch."""
        raise NotImplementedError(f"{type(self).__name__} must define transform_images.")

    def transform_labels(self, labels, transformation, training=True):
        """Labels travel unchanged unless the layer mixes images (MixUp, CutMix)."""
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """{"boxes": (batch, n, 4), "labels": (batch, n)} in `bounding_box_format`."""
        raise NotImplementedError(f"{type(self).__name__} does not transform bounding boxes.")

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        """Masks shaped like the images (one channel of class ids)."""
        raise NotImplementedError(f"{type(self).__name__} does not transform segmentation "
                                  f"masks.")

    # -- the shared call ----------------------------------------------------------------------
    def call(self, data, training=True):
        if isinstance(data, dict):
            return self._call_on_dict(dict(data), training)
        images, batched = self._as_batch(data)
        transformation = self.get_random_transformation(images, training=training)
        out = self.transform_images(images, transformation, training=training)
        return out if batched else squeeze(out, axis=0)

    def _call_on_dict(self, data, training):
        if "images" not in data:
            raise ValueError(f"{type(self).__name__}: a dict input needs the key 'images'. "
                             f"Received keys: {sorted(data)}")
        images, batched = self._as_batch(data["images"])
        batch_dict = dict(data, images=images)
        transformation = self.get_random_transformation(batch_dict, training=training)
        data["images"] = self._unbatch(self.transform_images(images, transformation,
                                                             training=training), batched)
        if "bounding_boxes" in data:
            if not self.bounding_box_format:
                raise ValueError(
                    f"You passed an input with a 'bounding_boxes' key, but you didn't specify a "
                    f"bounding box format. Pass a `bounding_box_format` argument to your "
                    f"{type(self).__name__} layer, e.g. `bounding_box_format='xyxy'`.")
            boxes = {key: self._batch_part(value, batched)
                     for key, value in data["bounding_boxes"].items()}
            boxes = self.transform_bounding_boxes(boxes, transformation, training=training)
            data["bounding_boxes"] = {key: self._unbatch(value, batched)
                                      for key, value in boxes.items()}
        for key, transform in (("labels", self.transform_labels),
                               ("segmentation_masks", self.transform_segmentation_masks)):
            if key in data:
                part = self._batch_part(data[key], batched)
                data[key] = self._unbatch(transform(part, transformation, training=training),
                                          batched)
        return data

    def _as_batch(self, images):
        images = convert_to_tensor(images)
        if images.ndim == 3:
            return expand_dims(images, 0), False
        if images.ndim == 4:
            return images, True
        raise ValueError(f"{type(self).__name__}: expected an image tensor of rank 3 (one "
                         f"image) or 4 (a batch of images). Received: shape={images.shape}")

    @staticmethod
    def _batch_part(value, batched):
        value = convert_to_tensor(value)
        return value if batched else expand_dims(value, 0)

    @staticmethod
    def _unbatch(value, batched):
        return value if batched or not isinstance(value, Tensor) else squeeze(value, axis=0)

    # -- helpers ------------------------------------------------------------------------------
    def set_seed(self, seed, attribute="generator"):
        """Keep `seed` (for get_config) and a layer-owned SeedGenerator built from it, stored
        as `self.<attribute>`."""
        self.seed = seed
        setattr(self, attribute, random.SeedGenerator(seed))

    def seed_for(self, seed):
        """The seed a draw uses: the one passed to get_random_transformation, else the layer's
        own `self.generator`."""
        return self.generator if seed is None else seed

    @staticmethod
    def images_of(data):
        """The images of `data`: its "images" entry for a dict, else `data` itself."""
        return data["images"] if isinstance(data, dict) else data

    @staticmethod
    def batch_size_of(data):
        """The batch size of a batched `data` (a dict with "images" or an image batch)."""
        return int(BaseImagePreprocessingLayer.images_of(data).shape[0])

    def image_size(self, shape):
        """(height, width) of a 4-d image `shape` in this layer's data_format."""
        return (shape[2], shape[3]) if self.data_format == "channels_first" else shape[1:3]

    @staticmethod
    def batch_shape_of(data):
        """The 4-d shape of the images of `data`, a single image counting as a batch of one."""
        shape = tuple(BaseImagePreprocessingLayer.images_of(data).shape)
        return shape if len(shape) == 4 else (1,) + shape

    def transform_value_range(self, images, original_range, target_range, dtype="float32"):
        """Map pixel values linearly from `original_range` to `target_range` (e.g. (0, 1) ->
        (0, 255)), computed in `dtype`; the images come back unchanged when the ranges agree."""
        if tuple(original_range) == tuple(target_range):
            return images
        images = cast(images, dtype)
        (from_low, from_high), (to_low, to_high) = original_range, target_range
        return (images - from_low) / (from_high - from_low) * (to_high - to_low) + to_low

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {**super().get_config(), "data_format": self.data_format}
        if self.bounding_box_format is not None:
            config["bounding_box_format"] = self.bounding_box_format
        return config
