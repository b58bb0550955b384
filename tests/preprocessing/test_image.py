"""keras.preprocessing.image and keras.utils' image helpers (minikeras/utils/image_utils.py):
array <-> PIL image conversions, files, smart_resize, and the ImportError without Pillow.
Values were checked against Keras 3.15 (same arrays, modes and sizes)."""
import io
import sys

import numpy as np
import pytest

from minikeras import ops, preprocessing, utils
from minikeras.backend.autodiff import Tensor
from minikeras.preprocessing import image

PIL = pytest.importorskip("PIL")
RNG = np.random.default_rng(0)
X = (RNG.random((9, 13, 3)) * 3 - 1).astype("float32")


def test_the_same_functions_in_utils_and_preprocessing_image():
    for name in ("array_to_img", "img_to_array", "load_img", "save_img"):
        assert getattr(utils, name) is getattr(image, name)
    assert preprocessing.image is image and callable(image.smart_resize)


def test_array_to_img_scales_to_0_255_and_picks_the_mode():
    img = image.array_to_img(X)
    assert img.mode == "RGB" and img.size == (13, 9)
    pixels = np.asarray(img)
    assert pixels.min() == 0 and pixels.max() == 255
    assert image.array_to_img(np.ones((4, 5, 4))).mode == "RGBA"
    assert image.array_to_img(np.ones((4, 5, 1))).mode == "L"
    assert image.array_to_img(np.full((4, 5, 1), 300.0), scale=False).mode == "I"
    assert image.array_to_img(Tensor(X)).size == (13, 9)


def test_img_to_array_round_trips_in_both_data_formats():
    pixels = (RNG.random((6, 5, 3)) * 255).astype("uint8")
    img = image.array_to_img(pixels, scale=False)
    np.testing.assert_array_equal(image.img_to_array(img), pixels.astype("float32"))
    first = image.img_to_array(img, data_format="channels_first", dtype="uint8")
    assert first.shape == (3, 6, 5) and first.dtype == np.uint8
    gray = image.img_to_array(img.convert("L"))
    assert gray.shape == (6, 5, 1)


def test_save_and_load_images(tmp_path):
    path = tmp_path / "x.png"
    image.save_img(path, X)
    loaded = image.load_img(path)
    assert loaded.mode == "RGB" and loaded.size == (13, 9)
    np.testing.assert_array_equal(np.asarray(loaded), np.asarray(image.array_to_img(X)))
    assert image.load_img(str(path), color_mode="grayscale").mode == "L"
    assert image.load_img(path, color_mode="rgba").mode == "RGBA"
    assert image.load_img(path, target_size=(5, 6), interpolation="bilinear").size == (6, 5)
    cropped = image.load_img(path, target_size=(4, 4), keep_aspect_ratio=True)
    assert cropped.size == (4, 4)
    buffer = io.BytesIO(path.read_bytes())
    assert image.load_img(buffer).size == (13, 9)


def test_save_img_jpeg_drops_alpha_with_a_warning(tmp_path):
    with pytest.warns(UserWarning, match="RGBA"):
        image.save_img(tmp_path / "x.jpg", np.ones((4, 5, 4)))
    assert image.load_img(tmp_path / "x.jpg").size == (5, 4)


def test_smart_resize_crops_the_centre_then_resizes():
    out = image.smart_resize(X, (4, 4))
    assert isinstance(out, np.ndarray) and out.shape == (4, 4, 3)
    centre = X[:, 2:11]  # the 9 x 9 centre of a 9 x 13 image
    np.testing.assert_allclose(out, ops.image.resize(centre, (4, 4)).numpy(), atol=1e-6)
    batch = image.smart_resize((RNG.random((2, 10, 7, 3)) * 255).astype("uint8"), (5, 5),
                               interpolation="nearest")
    assert batch.shape == (2, 5, 5, 3) and batch.dtype == np.uint8
    assert isinstance(image.smart_resize(Tensor(X), (3, 3)), Tensor)


@pytest.mark.parametrize("call, error, message", [
    (lambda: image.array_to_img(np.ones((2, 4, 5, 3))), ValueError, "rank 3"),
    (lambda: image.array_to_img(np.ones((4, 5, 2))), ValueError, "channels: 2"),
    (lambda: image.img_to_array(np.ones((2, 2, 2, 2))), ValueError, "img_to_array"),
    (lambda: image.load_img(3), TypeError, "load_img: `path`"),
    (lambda: image.smart_resize(X, (4, 4, 4)), ValueError, "smart_resize: .*size"),
    (lambda: image.smart_resize(X[0], (4, 4)), ValueError, "smart_resize: .*rank"),
    (lambda: image.smart_resize(X, (4, 4), antialias=True), TypeError, "unexpected"),
])
def test_bad_arguments(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_load_img_bad_color_mode_and_interpolation(tmp_path):
    path = tmp_path / "x.png"
    image.save_img(path, X)
    with pytest.raises(ValueError, match="color_mode"):
        image.load_img(path, color_mode="cmyk")
    with pytest.raises(ValueError, match="interpolation"):
        image.load_img(path, target_size=(3, 3), interpolation="lanczos3")


def test_without_pillow_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r"minikeras\[image\]"):
        image.array_to_img(X)
    with pytest.raises(ImportError, match="load_img"):
        image.load_img("x.png")
