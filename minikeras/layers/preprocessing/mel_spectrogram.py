"""MelSpectrogram: audio signals to (log-)mel spectrograms."""
import numpy

from minikeras import ops
from minikeras.layers.layer import Layer
from minikeras.layers.preprocessing.windows import check_window, get_window
from minikeras.registry.layer_classes import register_layer

MEL_BREAK_FREQUENCY_HERTZ = 700.0
MEL_HIGH_FREQUENCY_Q = 1127.0


def hertz_to_mel(frequencies):
    """HTK's mel scale: 1127 * ln(1 + f / 700)."""
    return MEL_HIGH_FREQUENCY_Q * numpy.log(1.0 + frequencies / MEL_BREAK_FREQUENCY_HERTZ)


def linear_to_mel_weight_matrix(num_mel_bins=20, num_spectrogram_bins=129, sampling_rate=8000,
                                lower_edge_hertz=125.0, upper_edge_hertz=3800.0,
                                dtype="float32"):
    """(num_spectrogram_bins, num_mel_bins) matrix of triangular mel filters (peak 1) over
    the linear bins [0, sampling_rate / 2]; the DC bin gets no weight (TensorFlow's and
    Keras's matrix)."""
    dtype = numpy.dtype(dtype).type
    nyquist = dtype(sampling_rate) / dtype(2.0)
    linear = numpy.linspace(dtype(0.0), nyquist, num_spectrogram_bins, dtype=dtype)[1:]
    bins_mel = hertz_to_mel(linear).astype(dtype)[:, None]
    edges = numpy.linspace(hertz_to_mel(dtype(lower_edge_hertz)),
                           hertz_to_mel(dtype(upper_edge_hertz)), num_mel_bins + 2,
                           dtype=dtype)
    lower, center, upper = edges[:-2][None], edges[1:-1][None], edges[2:][None]
    lower_slopes = (bins_mel - lower) / (center - lower)
    upper_slopes = (upper - bins_mel) / (upper - center)
    weights = numpy.maximum(dtype(0.0), numpy.minimum(lower_slopes, upper_slopes))
    return numpy.pad(weights, ((1, 0), (0, 0))).astype(dtype)


@register_layer
class MelSpectrogram(Layer):
    """Mel spectrogram of raw audio: centred STFT (reflect padding of fft_length // 2 on both
    sides, periodic window of `sequence_length` samples centred in `fft_length`), magnitude to
    the power `mag_exp`, triangular mel filters, then optionally decibels.

    Shapes: (batch, samples) -> (batch, num_mel_bins, frames) and (samples,) ->
    (num_mel_bins, frames), frames = 1 + samples // sequence_stride.

    Args:
        fft_length: DFT size. Default 2048.
        sequence_stride: hop between frames. Default 512.
        sequence_length: window length (default fft_length; at most fft_length).
        window: "hann" (default), "hamming", another window name, or None.
        sampling_rate: samples per second. Default 16000.
        num_mel_bins: number of mel filters. Default 128.
        min_freq, max_freq: filter bank edges in Hz (max default sampling_rate / 2).
        power_to_db: convert to decibels: 10 log10(max(x, min_power) / max(|ref_power|,
            min_power)), floored at (the largest value of the whole batch) - top_db.
        top_db, mag_exp, min_power, ref_power: as in Keras (80, 2, 1e-10, 1).
    """

    def __init__(self, fft_length=2048, sequence_stride=512, sequence_length=None,
                 window="hann", sampling_rate=16000, num_mel_bins=128, min_freq=20.0,
                 max_freq=None, power_to_db=True, top_db=80.0, mag_exp=2.0, min_power=1e-10,
                 ref_power=1.0, **kwargs):
        self.fft_length = fft_length
        self.sequence_stride = sequence_stride
        self.sequence_length = sequence_length or fft_length
        if self.fft_length < self.sequence_length:
            raise ValueError(f"MelSpectrogram: `fft_length` must be greater than or equal to "
                             f"`sequence_length`. Received: `sequence_length`="
                             f"{self.sequence_length}, `fft_length`={self.fft_length}.")
        check_window(window, "MelSpectrogram")
        self.window = window
        self.sampling_rate = sampling_rate
        self.num_mel_bins = num_mel_bins
        self.min_freq = min_freq
        self.max_freq = max_freq or int(sampling_rate / 2)
        self.power_to_db = power_to_db
        self.top_db = top_db
        self.mag_exp = mag_exp
        self.min_power = min_power
        self.ref_power = ref_power
        super().__init__(**kwargs)

    def _dft_matrices(self, dtype):
        """Windowed (fft_length, F) cosine and negative-sine matrices: frames @ them gives the
        real and imaginary parts of the rfft of the windowed frames."""
        n = self.fft_length
        left = (n - self.sequence_length) // 2
        if self.window is None:
            window = numpy.ones(n)
        else:
            window = numpy.pad(get_window(self.window, self.sequence_length, periodic=True),
                               (left, n - self.sequence_length - left))
        angle = 2.0 * numpy.pi * numpy.outer(numpy.arange(n), numpy.arange(n // 2 + 1)) / n
        return ((window[:, None] * numpy.cos(angle)).astype(dtype),
                (-window[:, None] * numpy.sin(angle)).astype(dtype))

    def _spectrogram(self, inputs):
        """|STFT| ** mag_exp, shape (..., frames, fft_length // 2 + 1)."""
        half = self.fft_length // 2
        pad = [(0, 0)] * (len(inputs.shape) - 1) + [(half, half)]
        padded = ops.pad(inputs, pad, mode="reflect")
        frames = 1 + (padded.shape[-1] - self.fft_length) // self.sequence_stride
        index = (numpy.arange(frames)[:, None] * self.sequence_stride
                 + numpy.arange(self.fft_length)[None])
        framed = ops.take(padded, index, axis=-1)
        cos, sin = self._dft_matrices(str(inputs.dtype))
        real, imag = ops.matmul(framed, cos), ops.matmul(framed, sin)
        magnitude = ops.sqrt(ops.add(ops.square(real), ops.square(imag)))
        return ops.power(magnitude, self.mag_exp)

    def _dbscale(self, inputs):
        log_spec = ops.multiply(10.0, ops.log10(ops.maximum(inputs, self.min_power)))
        reference = 10.0 * numpy.log10(max(abs(self.ref_power), self.min_power))
        log_spec = ops.subtract(log_spec, reference)
        return ops.maximum(log_spec, ops.subtract(ops.max(log_spec), self.top_db))

    def call(self, inputs):
        dtype = self.dtype if self.dtype in ("float32", "float64") else "float32"
        outputs = ops.cast(inputs, dtype)
        outputs = self._spectrogram(outputs)
        matrix = linear_to_mel_weight_matrix(self.num_mel_bins, outputs.shape[-1],
                                             self.sampling_rate, self.min_freq, self.max_freq,
                                             dtype)
        outputs = ops.tensordot(outputs, matrix, axes=1)
        if self.power_to_db:
            outputs = self._dbscale(outputs)
        outputs = ops.swapaxes(outputs, -1, -2)
        return ops.cast(outputs, self.dtype)

    def compute_output_shape(self, input_shape):
        samples = input_shape[-1]
        frames = None if samples is None else (samples + self.sequence_stride + 1) \
            // self.sequence_stride
        if len(input_shape) == 1:
            return (self.num_mel_bins, frames)
        return (input_shape[0], self.num_mel_bins, frames)

    def get_config(self):
        return {**super().get_config(), "fft_length": self.fft_length,
                "sequence_stride": self.sequence_stride,
                "sequence_length": self.sequence_length, "window": self.window,
                "sampling_rate": self.sampling_rate, "num_mel_bins": self.num_mel_bins,
                "min_freq": self.min_freq, "max_freq": self.max_freq,
                "power_to_db": self.power_to_db, "top_db": self.top_db,
                "mag_exp": self.mag_exp, "min_power": self.min_power,
                "ref_power": self.ref_power}
