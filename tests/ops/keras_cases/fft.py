"""Keras reference cases: Fourier transforms on (real, imag) pairs of float tensors."""
from tests.ops.keras_cases import Case, integers, normal

CASES = [
    Case("fft", lambda ops, a, b: ops.fft((a, b)), [normal(3, 8), normal(3, 8, seed=1)]),
    Case("fft_odd", lambda ops, a, b: ops.fft((a, b)), [normal(5), normal(5, seed=1)]),
    Case("fft2", lambda ops, a, b: ops.fft2((a, b)), [normal(2, 4, 6), normal(2, 4, 6, seed=1)]),
    Case("ifft2", lambda ops, a, b: ops.ifft2((a, b)), [normal(3, 5), normal(3, 5, seed=1)]),
    Case("rfft", lambda ops, x: ops.rfft(x), [normal(2, 8)]),
    Case("rfft_pad", lambda ops, x: ops.rfft(x, fft_length=9), [normal(2, 6)]),
    Case("rfft_cut", lambda ops, x: ops.rfft(x, 6), [normal(3, 10)]),
    Case("rfft_int", lambda ops, x: ops.rfft(x), [integers(4, 6)], grad=False, check_dtype=False,
         why="Keras declares int32 symbolically but its eager rfft gives float32 (ours)"),
    Case("irfft", lambda ops, a, b: ops.irfft((a, b)), [normal(2, 5), normal(2, 5, seed=1)]),
    Case("irfft_odd", lambda ops, a, b: ops.irfft((a, b), 7),
         [normal(3, 4), normal(3, 4, seed=1)]),
    Case("irfft_pad", lambda ops, a, b: ops.irfft((a, b), 12),
         [normal(2, 4), normal(2, 4, seed=1)]),
    Case("irfft_cut", lambda ops, a, b: ops.irfft((a, b), 4),
         [normal(6), normal(6, seed=1)]),
]

CASES += [
    Case("stft", lambda ops, x: ops.stft(x, 16, 8, 32), [normal(2, 100)], rtol=1e-3, atol=1e-4),
    Case("stft_hamming_no_center", lambda ops, x: ops.stft(x, 12, 5, 16, window="hamming",
                                                           center=False),
         [normal(3, 2, 50)], rtol=1e-3, atol=1e-4),
    Case("stft_window_tensor", lambda ops, x, w: ops.stft(x, 8, 4, 8, window=w),
         [normal(40), normal(8, seed=1)], rtol=1e-3, atol=1e-4),
    Case("stft_no_window", lambda ops, x: ops.stft(x, 10, 3, 10, window=None), [normal(30)],
         rtol=1e-3, atol=1e-4),
    Case("istft", lambda ops, a, b: ops.istft((a, b), 32, 8, 32),
         [normal(2, 13, 17), normal(2, 13, 17, seed=1)], rtol=1e-3, atol=1e-4),
    Case("istft_length", lambda ops, a, b: ops.istft((a, b), 16, 4, 16, length=30),
         [normal(9, 9), normal(9, 9, seed=1)], rtol=1e-3, atol=1e-4),
    Case("istft_padded_window", lambda ops, a, b: ops.istft((a, b), 16, 8, 32),
         [normal(2, 13, 17), normal(2, 13, 17, seed=1)], rtol=1e-3, atol=1e-4),
    Case("istft_no_center", lambda ops, a, b: ops.istft((a, b), 12, 6, 16, window="hamming",
                                                        center=False),
         [normal(3, 7, 9), normal(3, 7, 9, seed=1)], rtol=1e-3, atol=1e-4),
    Case("istft_no_window", lambda ops, a, b: ops.istft((a, b), 8, 4, 8, window=None),
         [normal(6, 5), normal(6, 5, seed=1)], rtol=1e-3, atol=1e-4),
]
