"""Keras reference cases: keras.ops.image (resize, colour, crop/pad, patches, warps, filters).

Transforms are passed as lists: Keras's torch backend writes into the transform tensor in
place, so torch cannot differentiate it (minikeras can: tests/ops/test_image.py). `gaussian_blur` names its data_format: Keras
3.15's torch backend treats data_format=None as channels_first there.
"""
import numpy as np

from tests.ops.keras_cases import Case, normal, uniform

IMG = uniform(2, 7, 9, 3, low=0.0, high=1.0)
IMG_CF = np.ascontiguousarray(IMG.transpose(0, 3, 1, 2))
U8 = (uniform(2, 6, 5, 3, low=0, high=255, seed=3)).astype("uint8")
TRANSFORMS = [[1.1, 0.2, -1.3, 0.1, 0.9, 0.7, 0.0, 0.0],
              [0.8, -0.3, 2.0, 0.25, 1.2, -0.5, 0.0, 0.0]]
START = [[0, 0], [8, 0], [0, 6], [8, 6]]
END = [[1.0, 0.5], [7.5, 0.3], [0.2, 5.6], [8.3, 6.1]]
COORDS = (uniform(2, 4, 3, low=-1.0, high=6.5, seed=5) + np.float32(0.013))


def _resize(size, **kwargs):
    return lambda ops, x: ops.image.resize(x, size, **kwargs)


CASES = [
    Case("resize_bilinear_down", _resize((4, 5)), [IMG]),
    Case("resize_bilinear_up", _resize((11, 13)), [IMG]),
    Case("resize_bilinear_antialias", _resize((3, 4), antialias=True), [IMG]),
    Case("resize_nearest", _resize((5, 12), interpolation="nearest"), [IMG]),
    Case("resize_bicubic", _resize((10, 6), interpolation="bicubic"), [IMG]),
    Case("resize_bicubic_antialias", _resize((4, 4), interpolation="bicubic", antialias=True),
         [IMG]),
    Case("resize_crop_to_aspect", _resize((4, 6), crop_to_aspect_ratio=True), [IMG]),
    Case("resize_pad_to_aspect", _resize((6, 4), pad_to_aspect_ratio=True, fill_value=0.5),
         [IMG]),
    Case("resize_unbatched_channels_first",
         lambda ops, x: ops.image.resize(x, (3, 5), data_format="channels_first"), [IMG_CF[0]]),
    Case("resize_uint8_bicubic", _resize((4, 7), interpolation="bicubic"), [U8], grad=False),
    Case("scale_and_translate", lambda ops, x: ops.image.scale_and_translate(
        x, (2, 12, 5, 3), (1.7, 0.6), (0.5, -0.3), (1, 2), "bilinear"), [IMG]),
    Case("scale_and_translate_lanczos3", lambda ops, x: ops.image.scale_and_translate(
        x, (2, 5, 9, 3), (0.7, 1.0), (0.2, 0.0), (1, 2), "lanczos3", antialias=True), [IMG]),
    Case("scale_and_translate_cubic", lambda ops, x: ops.image.scale_and_translate(
        x, (4, 11), (1.4,), (0.0,), (1,), "cubic", antialias=False), [normal(4, 8)]),
    Case("rgb_to_grayscale", lambda ops, x: ops.image.rgb_to_grayscale(x), [IMG]),
    Case("rgb_to_grayscale_uint8", lambda ops, x: ops.image.rgb_to_grayscale(x), [U8],
         grad=False),
    Case("rgb_to_hsv", lambda ops, x: ops.image.rgb_to_hsv(x), [IMG]),
    Case("rgb_to_hsv_channels_first", lambda ops, x: ops.image.rgb_to_hsv(
        x, data_format="channels_first"), [IMG_CF]),
    Case("hsv_to_rgb", lambda ops, x: ops.image.hsv_to_rgb(x),
         [uniform(2, 4, 5, 3, low=0.05, high=0.95, seed=2)]),
    Case("crop_images", lambda ops, x: ops.image.crop_images(
        x, 1, 2, target_height=4, target_width=5), [IMG]),
    Case("crop_images_margins", lambda ops, x: ops.image.crop_images(
        x, top_cropping=1, bottom_cropping=2, left_cropping=3, right_cropping=1), [IMG[0]]),
    Case("pad_images", lambda ops, x: ops.image.pad_images(
        x, 1, 2, target_height=10, target_width=12), [IMG]),
    Case("pad_images_channels_first", lambda ops, x: ops.image.pad_images(
        x, bottom_padding=2, right_padding=1, top_padding=0, left_padding=3,
        data_format="channels_first"), [IMG_CF]),
    Case("extract_patches", lambda ops, x: ops.image.extract_patches(x, 3), [IMG]),
    Case("extract_patches_same_strided", lambda ops, x: ops.image.extract_patches(
        x, (2, 3), strides=(1, 2), padding="same"), [IMG]),
    Case("extract_patches_dilated", lambda ops, x: ops.image.extract_patches(
        x, 2, strides=1, dilation_rate=2), [IMG[0]]),
    Case("extract_patches_3d", lambda ops, v: ops.image.extract_patches_3d(v, 2),
         [normal(2, 4, 5, 4, 2)]),
    Case("map_coordinates_linear", lambda ops, x, c: ops.image.map_coordinates(
        x, c, 1, fill_value=0.5), [normal(5, 6), COORDS]),
    Case("map_coordinates_nearest_wrap", lambda ops, x, c: ops.image.map_coordinates(
        x, c, 0, fill_mode="wrap"), [normal(5, 6), COORDS]),
    Case("map_coordinates_mirror", lambda ops, x, c: ops.image.map_coordinates(
        x, c, 1, fill_mode="mirror"), [normal(5, 6), COORDS]),
    Case("map_coordinates_reflect", lambda ops, x, c: ops.image.map_coordinates(
        x, c, 1, fill_mode="reflect"), [normal(5, 6), COORDS]),
    Case("affine_transform", lambda ops, x: ops.image.affine_transform(x, TRANSFORMS), [IMG]),
    Case("affine_transform_nearest_reflect", lambda ops, x: ops.image.affine_transform(
        x, TRANSFORMS[0], interpolation="nearest", fill_mode="reflect"), [IMG[0]]),
    Case("affine_transform_wrap_channels_first", lambda ops, x: ops.image.affine_transform(
        x, TRANSFORMS, fill_mode="wrap", data_format="channels_first"), [IMG_CF]),
    Case("perspective_transform", lambda ops, x: ops.image.perspective_transform(
        x, START, END, fill_value=0.25), [IMG]),
    Case("perspective_transform_point_gradients", lambda ops, x, s, e:
         ops.image.perspective_transform(x, s, e),
         [IMG[0], np.array(START, "float32") + np.float32(0.137),
          np.array(END, "float32") - np.float32(0.071)], symbolic=False,
         why="the symbolic shape run feeds zero points, whose 8 x 8 system is singular"),
    Case("gaussian_blur", lambda ops, x: ops.image.gaussian_blur(
        x, data_format="channels_last"), [IMG]),
    Case("gaussian_blur_5x5", lambda ops, x: ops.image.gaussian_blur(
        x, kernel_size=(5, 5), sigma=(1.5, 0.7), data_format="channels_first"), [IMG_CF]),
    Case("sobel_edges", lambda ops, x: ops.image.sobel_edges(x), [IMG]),
    Case("ssim", lambda ops, a, b: ops.image.ssim(a, b, filter_size=5),
         [IMG, uniform(2, 7, 9, 3, low=0.0, high=1.0, seed=9)]),
]
