"""test_op_dispatch rows of keras.ops.image (minikeras.ops.image)."""
import numpy as np

from minikeras import ops

_RNG = np.random.default_rng(7)
_TRANSFORM = np.array([1.1, 0.2, -1.3, 0.1, 0.9, 0.7, 0.0, 0.0], "float32")
_START = np.array([[0, 0], [6, 0], [0, 5], [6, 5]], "float32")
_END = np.array([[1, 0.5], [5.5, 0.3], [0.2, 4.6], [6.3, 5.1]], "float32")
_COORDS = np.stack([np.zeros((5,)), _RNG.uniform(0, 5, 5), _RNG.uniform(0, 6, 5),
                    np.full((5,), 1.0)]).astype("float32")

INPUTS = {
    "img": (dict(shape=(6, 7, 3)), _RNG.uniform(0, 1, (2, 6, 7, 3)).astype("float32")),
    "vol": (dict(shape=(4, 4, 4, 2)), _RNG.normal(size=(2, 4, 4, 4, 2)).astype("float32")),
}

ROWS = {
    "resize": (["img"], lambda x: ops.image.resize(x, (4, 9)), (None, 4, 9, 3)),
    "scale_and_translate": (["img"], lambda x: ops.image.scale_and_translate(
        x, (None, 12, 5, 3), (2.0, 0.7), (0.5, -0.3), (1, 2), "bilinear"), (None, 12, 5, 3)),
    "rgb_to_grayscale": (["img"], ops.image.rgb_to_grayscale, (None, 6, 7, 1)),
    "rgb_to_hsv": (["img"], ops.image.rgb_to_hsv, (None, 6, 7, 3)),
    "hsv_to_rgb": (["img"], ops.image.hsv_to_rgb, (None, 6, 7, 3)),
    "crop_images": (["img"], lambda x: ops.image.crop_images(x, 1, 2, target_height=3,
                                                             target_width=4), (None, 3, 4, 3)),
    "pad_images": (["img"], lambda x: ops.image.pad_images(x, 1, 2, target_height=9,
                                                           target_width=10), (None, 9, 10, 3)),
    "extract_patches": (["img"], lambda x: ops.image.extract_patches(x, 2), (None, 3, 3, 12)),
    "extract_patches_3d": (["vol"], lambda v: ops.image.extract_patches_3d(v, 2),
                           (None, 2, 2, 2, 16)),
    "map_coordinates": (["img"], lambda x: ops.image.map_coordinates(x, _COORDS, 1), (5,)),
    "affine_transform": (["img"], lambda x: ops.image.affine_transform(x, _TRANSFORM),
                         (None, 6, 7, 3)),
    "perspective_transform": (["img"], lambda x: ops.image.perspective_transform(
        x, _START, _END), (None, 6, 7, 3)),
    "elastic_transform": (["img"], lambda x: ops.image.elastic_transform(
        x, alpha=2.0, sigma=1.0, seed=3), (None, 6, 7, 3)),
    "gaussian_blur": (["img"], ops.image.gaussian_blur, (None, 6, 7, 3)),
    "sobel_edges": (["img"], ops.image.sobel_edges, (None, 6, 7, 3, 2)),
    "ssim": (["img"], lambda x: ops.image.ssim(x, x * 0.9 + 0.05, filter_size=3), (None,)),
}
