"""keras.ops.image: image ops on (H, W, C) / (B, H, W, C) images (channels_last, the default
of `image_data_format()`) or (C, H, W) / (B, C, H, W) (channels_first).

    from minikeras.ops import image
    small = image.resize(batch, (64, 64), interpolation="bicubic")

resize.py: resize, scale_and_translate (separable resampling, resample.py's matrices);
color.py: rgb_to_grayscale, rgb_to_hsv, hsv_to_rgb; geometry.py: crop_images, pad_images,
extract_patches(_3d); warp.py: map_coordinates, affine_transform, perspective_transform,
elastic_transform; filters.py: gaussian_blur, sobel_edges, ssim. Saved nodes name Keras's
module keras.src.ops.image.
"""
from minikeras.ops.image.resize import resize, scale_and_translate
from minikeras.ops.image.color import rgb_to_grayscale, rgb_to_hsv, hsv_to_rgb
from minikeras.ops.image.geometry import (crop_images, pad_images, extract_patches,
                                          extract_patches_3d)
from minikeras.ops.image.filters import gaussian_blur, sobel_edges, ssim
from minikeras.ops.image.warp import (map_coordinates, affine_transform, perspective_transform,
                                      elastic_transform)

__all__ = ["resize", "scale_and_translate", "rgb_to_grayscale", "rgb_to_hsv", "hsv_to_rgb",
           "crop_images", "pad_images", "extract_patches", "extract_patches_3d",
           "map_coordinates", "affine_transform", "perspective_transform", "elastic_transform",
           "gaussian_blur", "sobel_edges", "ssim"]
