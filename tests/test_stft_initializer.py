"""keras.initializers.STFT (also STFTInitializer, stft): kernels that compute an STFT, checked
against NumPy's rfft and against torch's window values (Keras reads its windows from scipy)."""
import numpy as np
import pytest

from minikeras import initializers


def test_names_and_config_round_trip():
    assert initializers.STFTInitializer is initializers.STFT is initializers.stft
    assert isinstance(initializers.get("stft"), initializers.STFT)
    init = initializers.STFT("imag", "hamming", None, True)
    config = initializers.serialize(init)
    assert config["class_name"] == "STFT"
    assert config["config"] == {"side": "imag", "window": "hamming", "periodic": True,
                                "scaling": None}
    assert initializers.deserialize(config).get_config() == init.get_config()


@pytest.mark.parametrize("scaling, norm", [("density", lambda w: np.sqrt(np.sum(w ** 2))),
                                           ("spectrum", lambda w: np.sum(np.abs(w))),
                                           (None, lambda w: 1.0)])
def test_the_kernels_compute_the_windowed_rfft(scaling, norm):
    frame, bins = 8, 5
    window = np.random.default_rng(0).uniform(size=frame)
    real = initializers.STFT("real", window, scaling)((frame, 1, bins))
    imag = initializers.STFT("imag", window, scaling)((frame, 1, bins))
    assert real.shape == (frame, 1, bins) and real.dtype == np.float32
    signal = np.random.default_rng(1).normal(size=frame)
    want = np.fft.rfft(signal * window) / norm(window)
    np.testing.assert_allclose(signal @ real[:, 0, :], want.real, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(signal @ imag[:, 0, :], want.imag, rtol=1e-5, atol=1e-5)


def test_named_windows_match_scipys_symmetric_and_periodic_windows():
    # torch.hann_window(6, periodic=False), torch.hamming_window(6, periodic=True)
    np.testing.assert_allclose(initializers.cosine_window("hann", 6),
                               [0, 0.3454915, 0.9045085, 0.9045085, 0.3454915, 0], atol=1e-7)
    np.testing.assert_allclose(initializers.cosine_window("hamming", 6, periodic=True),
                               [0.08, 0.31, 0.77, 1.0, 0.77, 0.31], atol=1e-7)
    kernel = initializers.STFT(window="hann", periodic=True)((4, 1, 3))
    window = np.array([0, 0.5, 1, 0.5]) / np.sqrt(1.5)
    np.testing.assert_allclose(kernel[:, 0, 0], window, atol=1e-6)


def test_bad_arguments_name_the_initializer():
    with pytest.raises(ValueError, match="STFT: `side` must be 'real' or 'imag'"):
        initializers.STFT(side="both")
    with pytest.raises(ValueError, match="STFT: `scaling` must be None"):
        initializers.STFT(scaling="l2")
    with pytest.raises(ValueError, match="STFT: unknown `window`"):
        initializers.STFT(window="kaiserish")
    with pytest.raises(ValueError, match=r"STFT: the window must have shape \(4,\)"):
        initializers.STFT(window=np.ones(3))((4, 1, 3))
    with pytest.raises(ValueError, match="STFT: `shape` must be"):
        initializers.STFT()((4, 3))
