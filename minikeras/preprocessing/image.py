"""keras.preprocessing.image: images between files, PIL images and arrays, and
`smart_resize` (the code lives in minikeras.utils.image_utils, as Keras's does)."""
from minikeras.utils.image_utils import (array_to_img, img_to_array, load_img, save_img,
                                         smart_resize)

__all__ = ["array_to_img", "img_to_array", "load_img", "save_img", "smart_resize"]
