"""Fourier transforms: bad input and the (real, imag) convention."""
import numpy as np
import pytest

from minikeras import ops


def test_complex_input_must_be_a_pair_of_float_tensors_of_one_shape():
    with pytest.raises(ValueError, match="fft: `x` must be a tuple of two tensors"):
        ops.fft(np.ones(4, "float32"))
    with pytest.raises(ValueError, match="fft2: the real and imaginary parts of `x` must have "
                                         "one shape"):
        ops.fft2((np.ones((2, 4)), np.ones((2, 3))))
    with pytest.raises(ValueError, match="irfft: both parts of `x` must be float tensors"):
        ops.irfft((np.ones(4, "int32"), np.ones(4, "int32")))
    with pytest.raises(ValueError, match="ifft2: `x` must have at least 2 dimension"):
        ops.ifft2((np.ones(4), np.ones(4)))


def test_fft_length_must_be_a_positive_integer():
    with pytest.raises(ValueError, match="rfft: `fft_length` must be a positive integer"):
        ops.rfft(np.ones(4, "float32"), fft_length=0)
    with pytest.raises(ValueError, match="irfft: `fft_length`"):
        ops.irfft((np.ones(3), np.ones(3)), fft_length=2.5)


def test_round_trips_and_dtypes():
    x = np.random.default_rng(0).normal(size=(3, 8)).astype("float32")
    real, imag = ops.rfft(x)
    assert real.dtype == imag.dtype == np.float32 and real.shape == (3, 5)
    np.testing.assert_allclose(ops.irfft((real, imag)).numpy(), x, atol=1e-5)
    fr, fi = ops.fft2((x, np.zeros_like(x)))
    back_r, back_i = ops.ifft2((fr, fi))
    np.testing.assert_allclose(back_r.numpy(), x, atol=1e-5)
    np.testing.assert_allclose(back_i.numpy(), 0, atol=1e-5)
    r64, _ = ops.fft((x.astype("float64"), x.astype("float64")))
    assert r64.dtype == np.float64


def test_stft_errors_name_the_argument():
    x = np.ones((2, 64), "float32")
    with pytest.raises(TypeError, match="stft: `x` must be float32 or float64"):
        ops.stft(np.ones(64, "int32"), 16, 8, 16)
    with pytest.raises(ValueError, match="stft: `fft_length` must be at least"):
        ops.stft(x, 16, 8, 8)
    with pytest.raises(ValueError, match='stft: a string `window` must be "hann" or "hamming"'):
        ops.stft(x, 16, 8, 16, window="kaiser")
    with pytest.raises(ValueError, match=r"stft: `window` must have shape \(16,\)"):
        ops.stft(x, 16, 8, 16, window=np.ones(8))
    with pytest.raises(ValueError, match="stft: `sequence_stride` must be a positive integer"):
        ops.stft(x, 16, 0, 16)
    with pytest.raises(ValueError, match="stft: the signal"):
        ops.stft(np.ones(8, "float32"), 16, 4, 16, center=False)


def test_istft_inverts_stft_and_checks_the_stride():
    x = np.random.default_rng(1).normal(size=(2, 64)).astype("float32")
    spectrum = ops.stft(x, 16, 4, 16)
    np.testing.assert_allclose(ops.istft(spectrum, 16, 4, 16, length=64).numpy(), x, atol=1e-5)
    with pytest.raises(ValueError, match="istft: `sequence_stride` must be at most"):
        ops.istft(spectrum, 16, 32, 16)
    with pytest.raises(ValueError, match="istft: `x` must be a tuple of two tensors"):
        ops.istft(x, 16, 4, 16)
