"""`image_dataset_from_directory`: the images of a directory as batches of float32 arrays,
labelled by their subdirectory (Keras's `keras.utils.image_dataset_from_directory`). Decoding
and resizing use Pillow, the optional `image` extra (`pip install minikeras[image]`)."""
import numpy as np

from minikeras.backend import config
from minikeras.utils import dataset_utils_directory as directories
from minikeras.utils.image_utils import pil_image_module

ALLOWED_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
CHANNELS = {"rgb": 3, "rgba": 4, "grayscale": 1}
INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian",
                  "mitchellcubic")
#: Pillow's filter for each of Keras's methods (Pillow has no Gaussian nor Mitchell filter:
#: its bicubic stands in for both)
_PIL_FILTERS = {"bilinear": "BILINEAR", "nearest": "NEAREST", "bicubic": "BICUBIC",
                "area": "BOX", "lanczos3": "LANCZOS", "lanczos5": "LANCZOS",
                "gaussian": "BICUBIC", "mitchellcubic": "BICUBIC"}


def _resize(image, size, interpolation, Image):
    """Resize a float32 (h, w, c) array channel by channel in Pillow's float mode ("F"), so the
    values are not rounded to integers as Keras's tf.image.resize does not round them."""
    height, width = size
    resample = getattr(Image.Resampling, _PIL_FILTERS[interpolation])
    channels = [np.asarray(Image.fromarray(np.ascontiguousarray(image[:, :, c]), mode="F")
                           .resize((width, height), resample=resample))
                for c in range(image.shape[-1])]
    return np.stack(channels, axis=-1).astype("float32")


def load_image(path, image_size, color_mode="rgb", interpolation="bilinear",
               crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
               data_format="channels_last"):
    """One image as float32 (height, width, channels) with values 0..255, resized to
    `image_size`: straight (aspect ratio changes), after a centred crop to the target's aspect
    ratio, or fitted inside it and padded with zeros (centred), as Keras's loader does."""
    Image = pil_image_module("image_dataset_from_directory")
    mode = {"rgb": "RGB", "rgba": "RGBA", "grayscale": "L"}[color_mode]
    with Image.open(path) as file:
        image = np.asarray(file.convert(mode), dtype="float32")
    if image.ndim == 2:
        image = image[:, :, None]
    target_height, target_width = image_size
    height, width = image.shape[:2]
    if crop_to_aspect_ratio:
        crop_height = min(height, int(float(width * target_height) / target_width))
        crop_width = min(width, int(float(height * target_width) / target_height))
        top, left = int((height - crop_height) / 2), int((width - crop_width) / 2)
        image = _resize(image[top:top + crop_height, left:left + crop_width], image_size,
                        interpolation, Image)
    elif pad_to_aspect_ratio:
        ratio = max(width / target_width, height / target_height)
        inner = (int(height / ratio), int(width / ratio))
        resized = _resize(image, inner, interpolation, Image)
        image = np.zeros((target_height, target_width, image.shape[-1]), "float32")
        top, left = (target_height - inner[0]) // 2, (target_width - inner[1]) // 2
        image[top:top + inner[0], left:left + inner[1]] = resized
    else:
        image = _resize(image, image_size, interpolation, Image)
    if data_format == "channels_first":
        image = np.transpose(image, (2, 0, 1))
    return image


def image_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, color_mode="rgb", batch_size=32,
                                 image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, format="tf",
                                 verbose=True):
    """Batches of images read from `directory/<class>/*.{bmp,gif,jpeg,jpg,png}`.

    Args:
        directory, labels, label_mode, class_names, shuffle, seed, validation_split, subset,
            follow_links, format, verbose: as in `text_dataset_from_directory`.
        color_mode: "rgb" (3 channels), "rgba" (4) or "grayscale" (1).
        batch_size: images per batch; None yields single images.
        image_size: (height, width) every image is resized to (an int: a square).
        interpolation: "bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5",
            "gaussian" or "mitchellcubic".
        crop_to_aspect_ratio: crop the centre to the target's aspect ratio before resizing.
        pad_to_aspect_ratio: fit the image inside the target and pad with zeros instead.
        data_format: "channels_last" (default `image_data_format()`) or "channels_first".

    Returns:
        Keras returns a `tf.data.Dataset`. minikeras returns a `FileDataset` (a `PyDataset`:
        `fit` takes it, `dataset[i]` is batch i) whose batches are `(images, labels)`, images
        float32 of shape (batch, height, width, channels) with values 0..255, or `images` alone
        without labels; `class_names` and `file_paths` as in Keras.

    Resizing is Pillow's (which smooths when shrinking, as tf.image.resize does not; Pillow's
    bicubic stands in for "gaussian" and "mitchellcubic"), so resized pixel values differ
    slightly from Keras's; images already of `image_size` are read exactly. Needs Pillow.
    """
    function = "image_dataset_from_directory"
    directories.check_arguments(function, labels, label_mode, class_names, validation_split,
                                subset, shuffle, seed)
    if color_mode not in CHANNELS:
        raise ValueError(f'{function}: `color_mode` must be one of {{"rgb", "rgba", '
                         f'"grayscale"}}. Received: color_mode={color_mode}')
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    elif not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError(f"{function}: invalid `image_size` value. Expected a tuple of 2 "
                         f"integers. Received: image_size={image_size}")
    interpolation = str(interpolation).lower()
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"{function}: argument `interpolation` should be one of "
                         f"{INTERPOLATIONS}. Received: interpolation={interpolation}")
    if format not in ("tf", "grain"):
        raise ValueError(f'{function}: `format` should be either "tf" or "grain". Received: '
                         f"format={format}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(f"{function}: only one of `pad_to_aspect_ratio`, "
                         f"`crop_to_aspect_ratio` can be set to `True`.")
    data_format = data_format or config.image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f'{function}: `data_format` must be "channels_last" or '
                         f'"channels_first". Received: data_format={data_format}')
    pil_image_module(function)
    image_size = tuple(int(d) for d in image_size)

    def load(path):
        return load_image(path, image_size, color_mode, interpolation, crop_to_aspect_ratio,
                          pad_to_aspect_ratio, data_format)

    return directories.make_datasets(
        function, directory, labels, label_mode, class_names, batch_size, shuffle, seed,
        validation_split, subset, follow_links, verbose, ALLOWED_FORMATS, "image", load,
        np.stack)
