"""STFTSpectrogram: a short-time Fourier transform as a 1-D convolution with DFT kernels."""
import math
import warnings

import numpy

from minikeras import ops
from minikeras.backend import config
from minikeras.layers.input_spec import InputSpec
from minikeras.layers.layer import Layer
from minikeras.layers.preprocessing.windows import check_window, get_window
from minikeras.ops.convolution import conv_output_length
from minikeras.ops.spatial_args import standardize_data_format
from minikeras.registry.layer_classes import register_layer

MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")


def stft_kernel(side, frame_length, num_frequencies, window="hann", scaling="density",
                periodic=False):
    """The (frame_length, 1, num_frequencies) kernel whose convolution with a signal gives the
    real ("real": cos) or imaginary ("imag": sin of the negative angle) part of its windowed DFT
    at frequencies k / fft_length, fft_length = 2 * (num_frequencies - 1) (Keras's STFT
    initializer). `scaling` divides by sqrt(sum(w^2)) ("density") or sum(|w|) ("spectrum")."""
    fft_length = (num_frequencies - 1) * 2
    time = numpy.arange(frame_length, dtype=numpy.float64).reshape(frame_length, 1, 1)
    freq = numpy.arange(num_frequencies, dtype=numpy.float64).reshape(1, 1, -1) / fft_length
    angle = -2.0 * time * freq * numpy.pi
    kernel = numpy.cos(angle) if side == "real" else numpy.sin(angle)
    if window is not None:
        win = get_window(window, frame_length, periodic).reshape(frame_length, 1, 1)
        if scaling == "density":
            kernel = kernel * win / numpy.sqrt(numpy.sum(win ** 2))
        elif scaling == "spectrum":
            kernel = kernel * win / numpy.sum(numpy.abs(win))
        else:
            kernel = kernel * win
    return kernel


@register_layer
class STFTSpectrogram(Layer):
    """Spectrogram of (batch, time, channels) signals (channels_first: (batch, channels,
    time)) by a strided 1-D convolution with two trainable DFT kernels, `real_kernel` and
    `imag_kernel` (shape (frame_length, 1, fft_length // 2 + 1), initialized to the windowed DFT).

    Output, channels_last: (batch, frames, channels * F) with F = fft_length // 2 + 1 (2F for
    "stft": real parts then imaginary parts), or (batch, frames, F, channels) with
    `expand_dims=True`; channels_first puts channels before frames.

    Args:
        mode: "log" (log magnitude, default), "magnitude", "psd" (power, doubled except at
            the first and last frequency), "real", "imag", "angle" or "stft".
        frame_length: samples per frame (window length). Default 256.
        frame_step: hop between frames (default frame_length // 2).
        fft_length: DFT size (default the next power of two >= frame_length).
        window: a window name ("hann", "hamming", ...), an array, or None.
        periodic: use the periodic (DFT-even) window.
        scaling: "density", "spectrum" or None (see `stft_kernel`).
        padding: "valid" or "same".
        expand_dims: keep frequencies and channels as two axes.
        data_format: "channels_last" or "channels_first".
    """

    def __init__(self, mode="log", frame_length=256, frame_step=None, fft_length=None,
                 window="hann", periodic=False, scaling="density", padding="valid",
                 expand_dims=False, data_format=None, **kwargs):
        if frame_step is not None and (frame_step > frame_length or frame_step < 1):
            raise ValueError(f"STFTSpectrogram: `frame_step` should be a positive integer not "
                             f"greater than `frame_length`. Received frame_step={frame_step}, "
                             f"frame_length={frame_length}")
        if fft_length is not None and fft_length < frame_length:
            raise ValueError(f"STFTSpectrogram: `fft_length` should be not less than "
                             f"`frame_length`. Received fft_length={fft_length}, "
                             f"frame_length={frame_length}")
        if fft_length is not None and (fft_length & -fft_length) != fft_length:
            warnings.warn(f"`fft_length` is recommended to be a power of two. Received "
                          f"fft_length={fft_length}", stacklevel=2)
        if mode not in MODES:
            raise ValueError(f"STFTSpectrogram: output mode is invalid, it must be one of "
                             f"{', '.join(MODES)}. Received: mode={mode}")
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError(f"STFTSpectrogram: scaling is invalid, it must be `None`, "
                             f"'density' or 'spectrum'. Received scaling={scaling}")
        if padding not in ("valid", "same"):
            raise ValueError(f"STFTSpectrogram: padding is invalid, it should be 'valid', "
                             f"'same'. Received: padding={padding}")
        check_window(window, "STFTSpectrogram")
        super().__init__(**kwargs)
        self.mode = mode
        self.frame_length = frame_length
        self.frame_step = frame_step
        self._frame_step = frame_step or frame_length // 2
        self.fft_length = fft_length
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window = window
        self.periodic = periodic
        self.scaling = scaling
        self.padding = padding
        self.expand_dims = expand_dims
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape):
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        for side in ("real", "imag"):
            if (side, self.mode) in (("real", "imag"), ("imag", "real")):
                continue
            kernel = stft_kernel(side, self.frame_length, shape[-1], self.window,
                                 self.scaling, self.periodic)
            weight = self.add_weight(
                name=f"{side}_kernel", shape=shape,
                initializer=lambda shape, dtype=None, k=kernel: numpy.asarray(
                    k, dtype=dtype or config.floatx()))
            setattr(self, f"{side}_kernel", weight)
        self.built = True

    def _convolve(self, inputs, kernel):
        """(batch, channels, F, frames): each channel convolved on its own."""
        if self.data_format == "channels_last":
            _, time, channels = inputs.shape
            signals = ops.reshape(ops.transpose(inputs, (0, 2, 1)), (-1, time, 1))
        else:
            _, channels, time = inputs.shape
            signals = ops.reshape(inputs, (-1, 1, time))
        out = ops.conv(signals, ops.cast(kernel, inputs.dtype), strides=self._frame_step,
                       padding=self.padding, data_format=self.data_format)
        if self.data_format == "channels_last":
            out = ops.transpose(out, (0, 2, 1))
        return ops.reshape(out, (-1, channels, out.shape[1], out.shape[2]))

    def _arrange(self, outputs):
        """(batch, channels, F, frames) to the layer's output layout."""
        _, channels, freqs, frames = outputs.shape
        if self.data_format == "channels_last":
            if self.expand_dims:
                return ops.transpose(outputs, (0, 3, 2, 1))
            return ops.transpose(ops.reshape(outputs, (-1, channels * freqs, frames)), (0, 2, 1))
        if self.expand_dims:
            return ops.transpose(outputs, (0, 1, 3, 2))
        return ops.reshape(outputs, (-1, channels * freqs, frames))

    def call(self, inputs):
        if str(inputs.dtype) not in ("float16", "float32", "float64"):
            raise TypeError(f"STFTSpectrogram: invalid input type. Expected `float16`, "
                            f"`float32` or `float64`. Received: input type={inputs.dtype}")
        real = self._convolve(inputs, self.real_kernel) if self.mode != "imag" else None
        imag = self._convolve(inputs, self.imag_kernel) if self.mode != "real" else None
        if self.mode == "real":
            return self._arrange(real)
        if self.mode == "imag":
            return self._arrange(imag)
        if self.mode == "angle":
            return self._arrange(ops.arctan2(imag, real))
        if self.mode == "stft":
            return self._arrange(ops.concatenate([real, imag], axis=2))
        power = ops.add(ops.square(real), ops.square(imag))
        if self.mode == "psd":
            inner = ops.pad(power[:, :, 1:-1, :], ((0, 0), (0, 0), (1, 1), (0, 0)))
            return self._arrange(ops.add(power, inner))
        magnitude = self._arrange(ops.sqrt(ops.maximum(power, config.epsilon())))
        if self.mode == "magnitude":
            return magnitude
        return ops.log(ops.maximum(magnitude, config.epsilon()))

    def compute_output_shape(self, input_shape):
        if self.data_format == "channels_last":
            batch, time, channels = input_shape
        else:
            batch, channels, time = input_shape
        freqs = self._fft_length // 2 + 1
        if self.mode == "stft":
            freqs *= 2
        frames = conv_output_length(time, self.frame_length, self._frame_step, self.padding)
        if self.expand_dims:
            if self.data_format == "channels_last":
                return (batch, frames, freqs, channels)
            return (batch, channels, frames, freqs)
        features = None if channels is None else freqs * channels
        if self.data_format == "channels_last":
            return (batch, frames, features)
        return (batch, features, frames)

    def get_config(self):
        window = self.window if isinstance(self.window, (str, type(None))) else \
            numpy.asarray(self.window).tolist()
        return {**super().get_config(), "mode": self.mode, "frame_length": self.frame_length,
                "frame_step": self.frame_step, "fft_length": self.fft_length, "window": window,
                "periodic": self.periodic, "scaling": self.scaling, "padding": self.padding,
                "data_format": self.data_format, "expand_dims": self.expand_dims}
