"""keras.ops.image beyond the Keras reference cases (tests/ops/keras_cases/image.py): the
interpolations Keras's torch backend lacks (lanczos, area), elastic_transform's randomness,
import forms, and the errors that name the op and the argument."""
import numpy as np
import pytest

from minikeras import config, ops
from minikeras.backend.autodiff import Tensor, gradients
from minikeras.ops import image
from minikeras.utils import gradient_check

RNG = np.random.default_rng(0)
IMG = RNG.uniform(0, 1, (2, 8, 10, 3)).astype("float32")


def test_image_ops_are_reached_as_ops_image():
    import minikeras.ops.image as module
    assert image is module and ops.image.resize is module.resize
    assert not hasattr(ops, "resize")  # as in Keras: only keras.ops.image.resize


@pytest.mark.parametrize("interpolation", ["lanczos3", "lanczos5", "area", "bilinear",
                                           "bicubic", "nearest"])
def test_resize_to_the_same_size_is_the_identity(interpolation):
    out = image.resize(IMG, (8, 10), interpolation=interpolation)
    np.testing.assert_allclose(out.numpy(), IMG, atol=1e-6)


def test_area_resize_by_an_integer_factor_averages_blocks():
    out = image.resize(IMG, (4, 5), interpolation="area").numpy()
    blocks = IMG.reshape(2, 4, 2, 5, 2, 3).mean(axis=(2, 4))
    np.testing.assert_allclose(out, blocks, atol=1e-6)


@pytest.mark.parametrize("interpolation, antialias", [("lanczos3", True), ("lanczos5", False),
                                                      ("area", False)])
def test_resize_keeps_constants_and_differentiates(interpolation, antialias):
    ones = np.ones((1, 9, 7, 2), "float32")
    out = image.resize(ones, (4, 11), interpolation=interpolation, antialias=antialias)
    np.testing.assert_allclose(out.numpy(), 1.0, atol=1e-5)
    x = RNG.normal(size=(1, 5, 6, 2))

    def f(t):
        return ops.sum(image.resize(t, (3, 8), interpolation=interpolation,
                                    antialias=antialias) * np.arange(48.).reshape(1, 3, 8, 2))
    assert gradient_check(f, [x]) < 1e-6


def test_resize_follows_the_configured_data_format():
    previous = config.image_data_format()
    config.set_image_data_format("channels_first")
    try:
        out = image.resize(IMG.transpose(0, 3, 1, 2), (4, 5))
    finally:
        config.set_image_data_format(previous)
    assert out.shape == (2, 3, 4, 5)


def test_gaussian_blur_default_data_format_is_the_config_one():
    # Keras 3.15's torch backend treats data_format=None as channels_first here; minikeras
    # reads image_data_format() as every other image op does.
    np.testing.assert_allclose(image.gaussian_blur(IMG).numpy(),
                               image.gaussian_blur(IMG, data_format="channels_last").numpy())


def test_affine_transform_gives_the_transform_a_gradient():
    # entries that put no sample exactly on a pixel (where bilinear weights have a kink)
    transform = Tensor(np.array([1.013, 0.1123, 0.4137, 0.0531, 0.9071, -0.3117, 0.0, 0.0]),
                       requires_grad=True)
    x = Tensor(IMG[0].astype("float64"))
    loss = ops.sum(image.affine_transform(x, transform) ** 2)
    (grad,) = gradients(loss, [transform])
    eps = 1e-6
    for i in (0, 2, 4):
        bumped = transform.data.copy()
        bumped[i] += eps
        up = ops.sum(image.affine_transform(x, bumped) ** 2).numpy()
        bumped[i] -= 2 * eps
        down = ops.sum(image.affine_transform(x, bumped) ** 2).numpy()
        assert grad[i] == pytest.approx((up - down) / (2 * eps), rel=1e-4)


def test_affine_transform_divides_by_the_projective_term():
    # c0 = 0.1: output (x, y) reads input ((x) / k, (y) / k), k = 0.1 x + 1
    transform = [1, 0, 0, 0, 1, 0, 0.1, 0]
    out = image.affine_transform(IMG, transform, interpolation="nearest").numpy()
    ys, xs = np.meshgrid(np.arange(8), np.arange(10), indexing="ij")
    k = 0.1 * xs + 1
    want = IMG[:, np.round(ys / k).astype(int), np.round(xs / k).astype(int)]
    np.testing.assert_allclose(out, want)


def test_elastic_transform_is_seeded_and_alpha_zero_is_the_identity():
    a = image.elastic_transform(IMG, seed=3).numpy()
    b = image.elastic_transform(IMG, seed=3).numpy()
    assert a.shape == IMG.shape and np.array_equal(a, b)
    assert not np.allclose(a, IMG)
    np.testing.assert_allclose(image.elastic_transform(IMG, alpha=0.0, seed=1).numpy(), IMG,
                               atol=1e-6)


def test_map_coordinates_with_integer_inputs_rounds():
    x = np.arange(12, dtype="int32").reshape(3, 4)
    out = image.map_coordinates(x, [[0.5, 1.25], [0.5, 2.0]], 1)
    assert out.dtype == np.int32
    assert out.numpy().tolist() == [round(2.5), round(7.0)]


def test_scale_and_translate_any_rank_and_integers():
    x = np.arange(10, dtype="uint8").reshape(1, 10)
    out = image.scale_and_translate(x, (1, 5), (0.5,), (0.0,), (1,), "linear")
    assert out.dtype == np.uint8 and out.shape == (1, 5)
    assert out.numpy().min() >= 0 and out.numpy().max() <= 9


@pytest.mark.parametrize("call, message", [
    (lambda: image.resize(IMG, (4, 5), interpolation="cubic"), "resize: .*interpolation"),
    (lambda: image.resize(IMG, (4,)), "resize: .*size"),
    (lambda: image.resize(IMG, (4, 5), fill_mode="reflect"), "resize: .*fill_mode"),
    (lambda: image.resize(IMG, (4, 5), crop_to_aspect_ratio=True, pad_to_aspect_ratio=True),
     "resize: only one"),
    (lambda: image.resize(IMG[0, 0], (4, 5)), "resize: .*rank"),
    (lambda: image.resize(IMG, (4, 5), data_format="nhwc"), "resize: .*data_format"),
    (lambda: image.rgb_to_grayscale(IMG[..., :2]), "rgb_to_grayscale: .*channel"),
    (lambda: image.rgb_to_hsv(IMG.astype("int32")), "rgb_to_hsv: .*float"),
    (lambda: image.crop_images(IMG, 1, 1), "crop_images: must specify exactly two"),
    (lambda: image.crop_images(IMG, 1, 1, target_height=20, target_width=3),
     "crop_images: `bottom_cropping` must be >= 0"),
    (lambda: image.pad_images(IMG, 1, 1, target_height=3, target_width=20),
     "pad_images: `bottom_padding` must be >= 0"),
    (lambda: image.pad_images(IMG, -1, 1, 1, 1), "pad_images: `top_padding`"),
    (lambda: image.extract_patches_3d(IMG[0], 2), "extract_patches_3d: .*rank"),
    (lambda: image.map_coordinates(IMG, [[0.0]], 1), "map_coordinates: .*rank of `inputs`"),
    (lambda: image.map_coordinates(IMG[0, 0], [[0.5], [0.5]], 1, fill_mode="edge"),
     "map_coordinates: .*fill_mode"),
    (lambda: image.affine_transform(IMG, [1, 0, 0]), "affine_transform: .*transform"),
    (lambda: image.affine_transform(IMG, [1, 0, 0, 0, 1, 0, 0, 0], interpolation="cubic"),
     "affine_transform: .*interpolation"),
    (lambda: image.perspective_transform(IMG, [[0, 0]], [[0, 0]]),
     "perspective_transform: .*start_points"),
    (lambda: image.gaussian_blur(IMG, kernel_size=(3, 3, 3)), "gaussian_blur: .*kernel_size"),
    (lambda: image.ssim(IMG, IMG[:, :4]), "ssim: .*same shape"),
    (lambda: image.scale_and_translate(IMG, (2, 4, 5, 3), (1.0,), (0.0,), (1, 2), "linear"),
     "scale_and_translate: .*one value per spatial dim"),
    (lambda: image.scale_and_translate(IMG, (2, 4, 5, 3), (1.0,), (0.0,), (1,), "box"),
     "scale_and_translate: .*method"),
])
def test_bad_arguments_name_the_op_and_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_extract_patches_size_of_the_wrong_length_is_a_type_error():
    with pytest.raises(TypeError, match="extract_patches: invalid `size`"):  # as Keras
        image.extract_patches(IMG, (2, 2, 2, 2))


def test_map_coordinates_order_above_one_is_not_implemented():
    with pytest.raises(NotImplementedError, match="map_coordinates: `order`"):
        image.map_coordinates(IMG[0, 0], [[0.5], [0.5]], 3)
