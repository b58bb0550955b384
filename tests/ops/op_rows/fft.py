"""Dispatch-table rows for the Fourier transforms ((real, imag) tuples in, tuples out)."""
from minikeras import ops

ROWS = {
    "fft": ("bb", lambda x, y: ops.fft((x, y)), [(None, 4, 3), (None, 4, 3)]),
    "fft2": ("bb", lambda x, y: ops.fft2((x, y)), [(None, 4, 3), (None, 4, 3)]),
    "ifft2": ("bb", lambda x, y: ops.ifft2((x, y)), [(None, 4, 3), (None, 4, 3)]),
    "rfft": ("b", lambda b: ops.rfft(b, 6), [(None, 4, 4), (None, 4, 4)]),
    "irfft": ("bb", lambda x, y: ops.irfft((x, y)), (None, 4, 4)),
}

ROWS.update({
    "stft": ("a", lambda a: ops.stft(a, 2, 1, 2, center=False), [(None, 2, 2), (None, 2, 2)]),
    "istft": ("bb", lambda x, y: ops.istft((x, y), 4, 2, 4), (None, 6)),
})
