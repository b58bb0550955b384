"""Weight initializers, as in `keras.initializers`, plus get / serialize / deserialize.

An initializer is a callable object: `init(shape, dtype=None)` returns a fresh array (of the
active array module) of that shape, dtype `floatx()` unless told otherwise. Layers call it
once per weight in `build`.

Randomness (Keras 3's rules): an initializer given an integer `seed` returns the same values
on every call. An unseeded one draws its own seed once, when it is constructed, from
`minikeras.backend.random.global_generator()`; it too then repeats its values on every call,
exactly like Keras 3, and `minikeras.utils.set_random_seed(s)` before building a model makes
all of its initial weights reproducible. (So do not share one unseeded instance between layers
that should differ; pass the string name, which makes a new instance per layer.)

Fans (`compute_fans`): a (in, out) matrix has fan_in = in, fan_out = out; a convolution kernel
(k1, ..., kn, in, out) multiplies both by the receptive field k1 * ... * kn; a vector has
fan_in = fan_out = its length; a scalar has 1 and 1.
"""
import inspect
import math
import numbers

import numpy as np

from minikeras.backend import config
from minikeras.backend import random as backend_random
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor
from minikeras.random.seed_generator import draw_generator
from minikeras.registry.serialization import (deserialize_object, resolve,
                                              serialize_object)

# Standard deviation of a unit normal truncated to [-2, 2]; dividing by it makes a truncated
# draw have the intended standard deviation.
_TRUNCATED_STDDEV = 0.87962566103423978


class Initializer:
    """Base class: subclasses implement `__call__(shape, dtype=None)` and `get_config()`."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(
            f"{type(self).__name__} must implement __call__(shape, dtype=None).")

    def get_config(self):
        """Constructor arguments as a JSON-friendly dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def clone(self):
        """A new instance with the same configuration."""
        return type(self).from_config(self.get_config())

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


# -- shape, dtype and fan helpers ------------------------------------------------------------
def _standardize_shape(shape, who):
    if isinstance(shape, numbers.Integral):
        shape = (shape,)
    try:
        shape = tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise ValueError(f"{who}: `shape` must be a tuple of non-negative integers, "
                         f"received shape={shape!r}.") from None
    if any(d < 0 for d in shape):
        raise ValueError(f"{who}: `shape` must be a tuple of non-negative integers, "
                         f"received shape={shape!r}.")
    return shape


def _standardize_dtype(dtype, who, float_only=False):
    dtype = np.dtype(dtype or config.floatx())
    if float_only and not np.issubdtype(dtype, np.floating):
        raise ValueError(f"{who}: random values need a float dtype, received dtype={dtype.name!r}.")
    return dtype


def compute_fans(shape, input_axes=None, output_axes=None):
    """(fan_in, fan_out) of a weight shape, as Keras computes them (see the module docstring).

    `input_axes` / `output_axes` (both or neither) override the rule: each fan is the product
    of the sizes along those axes.
    """
    shape = tuple(shape)
    if input_axes is not None and output_axes is not None:
        return (int(np.prod([shape[a] for a in input_axes])),
                int(np.prod([shape[a] for a in output_axes])))
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    receptive_field = int(np.prod(shape[:-2]))  # 1 for a matrix
    return int(shape[-2]) * receptive_field, int(shape[-1]) * receptive_field


# -- constant initializers -------------------------------------------------------------------
class Zeros(Initializer):
    """All zeros (any numeric or bool dtype). The default bias initializer."""

    def __call__(self, shape, dtype=None):
        return xp.zeros(_standardize_shape(shape, "Zeros"),
                        dtype=_standardize_dtype(dtype, "Zeros"))


class Ones(Initializer):
    """All ones (any numeric or bool dtype)."""

    def __call__(self, shape, dtype=None):
        return xp.ones(_standardize_shape(shape, "Ones"), dtype=_standardize_dtype(dtype, "Ones"))


class Constant(Initializer):
    """Every entry equal to `value` (a number; an array broadcastable to the shape also works)."""

    def __init__(self, value=0.0):
        if isinstance(value, Tensor):
            value = value.numpy()
        if not isinstance(value, numbers.Number) and not hasattr(value, "shape"):
            value = np.asarray(value)
            if value.dtype.kind not in "biuf":
                raise ValueError(f"Constant: `value` must be a number, received value={value!r}.")
        self.value = value

    def __call__(self, shape, dtype=None):
        shape = _standardize_shape(shape, "Constant")
        value = xp.asarray(self.value, dtype=_standardize_dtype(dtype, "Constant"))
        try:
            return xp.broadcast_to(value, shape).copy()
        except ValueError:
            raise ValueError(f"Constant: value of shape {value.shape} cannot fill a weight of "
                             f"shape {shape}.") from None

    def get_config(self):
        value = self.value
        if isinstance(value, np.generic) or getattr(value, "ndim", None) == 0:
            value = value.item()
        elif hasattr(value, "tolist"):
            value = value.tolist()
        return {"value": value}


class Identity(Initializer):
    """gain * the identity matrix (2-D shapes only; non-square shapes get the main diagonal)."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = _standardize_shape(shape, "Identity")
        if len(shape) != 2:
            raise ValueError(f"Identity initializer can only be used for 2D matrices, received "
                             f"shape={shape} of rank {len(shape)}.")
        dtype = _standardize_dtype(dtype, "Identity")
        return (self.gain * xp.eye(*shape)).astype(dtype)

    def get_config(self):
        # Keras 3.15 returns {} here and so loses `gain`; keeping it makes the round trip exact
        # and Keras still reads it (`gain` is a constructor argument).
        return {"gain": self.gain}


# -- random initializers ---------------------------------------------------------------------
class RandomInitializer(Initializer):
    """Base of the random initializers: owns the seed (see the module docstring)."""

    def __init__(self, seed=None):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise ValueError(f"{type(self).__name__}: `seed` must be an integer or None, "
                             f"received seed={seed!r}.")
        self._init_seed = seed
        if seed is None:
            seed = int(backend_random.global_generator().integers(1, 10**9))
        self.seed = int(seed)

    def _generator(self):
        """A generator restarted from this initializer's seed: same draws on every call (Keras's
        rule for an integer seed, `minikeras.random`'s `draw_generator`)."""
        return draw_generator(self.seed)

    def _prepare(self, shape, dtype):
        who = type(self).__name__
        shape = _standardize_shape(shape, who)
        dtype = _standardize_dtype(dtype, who, float_only=True)
        # NumPy samples float32 or float64 natively; float16 (and others) are drawn in float32.
        sample_dtype = np.float64 if dtype == np.float64 else np.float32
        return shape, dtype, sample_dtype

    def _normal(self, shape, mean, stddev, dtype):
        shape, dtype, sample_dtype = self._prepare(shape, dtype)
        values = self._generator().standard_normal(shape, dtype=sample_dtype)
        return xp.asarray(values * stddev + mean, dtype=dtype)

    def _truncated_normal(self, shape, mean, stddev, dtype):
        """Normal draws, re-drawn while more than 2 standard deviations from the mean."""
        shape, dtype, sample_dtype = self._prepare(shape, dtype)
        rng = self._generator()
        values = rng.standard_normal(shape, dtype=sample_dtype)
        outside = np.abs(values) >= 2
        while outside.any():  # each round re-draws only the ~4.6% that fell outside
            values[outside] = rng.standard_normal(int(outside.sum()), dtype=sample_dtype)
            outside = np.abs(values) >= 2
        return xp.asarray(values * stddev + mean, dtype=dtype)

    def _uniform(self, shape, minval, maxval, dtype):
        shape, dtype, sample_dtype = self._prepare(shape, dtype)
        values = self._generator().random(shape, dtype=sample_dtype)
        return xp.asarray(values * (maxval - minval) + minval, dtype=dtype)

    def get_config(self):
        return {"seed": self._init_seed}


class RandomNormal(RandomInitializer):
    """Normal draws with the given `mean` and `stddev`."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return self._normal(shape, self.mean, self.stddev, dtype)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class TruncatedNormal(RandomInitializer):
    """Normal draws with `mean` and `stddev`, re-drawn beyond two `stddev` from the mean.

    (The result's own standard deviation is therefore 0.8796 * stddev.)
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return self._truncated_normal(shape, self.mean, self.stddev, dtype)

    def get_config(self):
        return {**super().get_config(), "mean": self.mean, "stddev": self.stddev}


class RandomUniform(RandomInitializer):
    """Uniform draws in [minval, maxval). The Embedding default ("uniform", +-0.05)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        return self._uniform(shape, self.minval, self.maxval, dtype)

    def get_config(self):
        return {**super().get_config(), "minval": self.minval, "maxval": self.maxval}


class VarianceScaling(RandomInitializer):
    """Draws scaled to the weight's fans: variance = scale / n.

    n is fan_in, fan_out or their average (`mode`). `distribution`:
      - "truncated_normal" (default; "normal" is accepted as its old name): truncated normal
        with stddev sqrt(scale / n) / 0.87962566, so the values' own stddev is sqrt(scale / n);
      - "untruncated_normal": normal with stddev sqrt(scale / n);
      - "uniform": uniform in [-limit, limit], limit = sqrt(3 * scale / n).
    n is never taken below 1.
    """

    _MODES = ("fan_in", "fan_out", "fan_avg")
    _DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        name = type(self).__name__
        if not isinstance(scale, numbers.Real) or not scale > 0:
            raise ValueError(f"{name}: `scale` must be a positive float, received scale={scale!r}.")
        if mode not in self._MODES:
            raise ValueError(f"{name}: invalid `mode` {mode!r}; expected one of {self._MODES}.")
        distribution = str(distribution).lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in self._DISTRIBUTIONS:
            raise ValueError(f"{name}: invalid `distribution` {distribution!r}; expected one "
                             f"of {self._DISTRIBUTIONS}.")
        if (input_axes is None) != (output_axes is None):
            raise ValueError(f"{name}: give both `input_axes` and `output_axes`, or neither.")
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.input_axes = input_axes
        self.output_axes = output_axes
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape = _standardize_shape(shape, type(self).__name__)
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        variance = self.scale / max(1.0, n)
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(variance) / _TRUNCATED_STDDEV
            return self._truncated_normal(shape, 0.0, stddev, dtype)
        if self.distribution == "untruncated_normal":
            return self._normal(shape, 0.0, math.sqrt(variance), dtype)
        limit = math.sqrt(3.0 * variance)
        return self._uniform(shape, -limit, limit, dtype)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


class _VarianceScalingPreset(VarianceScaling):
    """VarianceScaling with the scale, mode and distribution fixed by the subclass."""

    _scale, _mode, _distribution = 1.0, "fan_in", "truncated_normal"

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(scale=self._scale, mode=self._mode, distribution=self._distribution,
                         seed=seed, input_axes=input_axes, output_axes=output_axes)

    def get_config(self):
        return {"seed": self._init_seed, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


class GlorotUniform(_VarianceScalingPreset):
    """Uniform in [-limit, limit], limit = sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010).

    Keras's default kernel initializer.
    """
    _scale, _mode, _distribution = 1.0, "fan_avg", "uniform"


class GlorotNormal(_VarianceScalingPreset):
    """Truncated normal, stddev = sqrt(2 / (fan_in + fan_out)) / 0.87962566."""
    _scale, _mode, _distribution = 1.0, "fan_avg", "truncated_normal"


class HeUniform(_VarianceScalingPreset):
    """Uniform in [-limit, limit], limit = sqrt(6 / fan_in) (He et al., 2015; for relu)."""
    _scale, _mode, _distribution = 2.0, "fan_in", "uniform"


class HeNormal(_VarianceScalingPreset):
    """Truncated normal, stddev = sqrt(2 / fan_in) / 0.87962566 (He et al., 2015; for relu)."""
    _scale, _mode, _distribution = 2.0, "fan_in", "truncated_normal"


class LecunUniform(_VarianceScalingPreset):
    """Uniform in [-limit, limit], limit = sqrt(3 / fan_in)."""
    _scale, _mode, _distribution = 1.0, "fan_in", "uniform"


class LecunNormal(_VarianceScalingPreset):
    """Truncated normal, stddev = sqrt(1 / fan_in) / 0.87962566 (pairs with selu)."""
    _scale, _mode, _distribution = 1.0, "fan_in", "truncated_normal"


class Orthogonal(RandomInitializer):
    """gain * an orthogonal matrix: the Q of a QR decomposition of a unit-normal matrix.

    A shape (d1, ..., dn-1, dn) is treated as a (d1*...*dn-1, dn) matrix: columns orthonormal
    when it has at least as many rows as columns, rows orthonormal otherwise. The signs of Q's
    columns are fixed by R's diagonal, so Q is uniformly (Haar) distributed. The default
    recurrent-kernel initializer of LSTM/GRU/SimpleRNN.
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        super().__init__(seed=seed)

    def __call__(self, shape, dtype=None):
        shape = _standardize_shape(shape, "Orthogonal")
        if len(shape) < 2:
            raise ValueError(f"Orthogonal: the tensor to initialize must be at least "
                             f"two-dimensional, received shape={shape} of rank {len(shape)}.")
        dtype = _standardize_dtype(dtype, "Orthogonal", float_only=True)
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        a = self._generator().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)  # float64 for an accurate basis, cast at the end
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return xp.asarray((self.gain * q).reshape(shape), dtype=dtype)

    def get_config(self):
        return {**super().get_config(), "gain": self.gain}


# Keras's snake_case function-style names are the classes themselves.
zeros, ones, constant, identity = Zeros, Ones, Constant, Identity
random_normal, truncated_normal, random_uniform = RandomNormal, TruncatedNormal, RandomUniform
variance_scaling, orthogonal = VarianceScaling, Orthogonal
# Keras 3 also exports the two under longer names: the same classes, not subclasses.
IdentityInitializer, OrthogonalInitializer = Identity, Orthogonal
glorot_uniform, glorot_normal = GlorotUniform, GlorotNormal
he_uniform, he_normal, lecun_uniform, lecun_normal = HeUniform, HeNormal, LecunUniform, LecunNormal


# -- the STFT kernel initializer ---------------------------------------------------------------
#: the cosine-sum windows `STFT` computes itself (scipy.signal.get_window's names for them)
_COSINE_WINDOWS = {"hann": (0.5, 0.5), "hanning": (0.5, 0.5), "hamming": (0.54, 0.46),
                   "blackman": (0.42, 0.5, 0.08), "boxcar": (1.0,), "rectangular": (1.0,),
                   "ones": (1.0,)}


def cosine_window(name, length, periodic=False):
    """The window `name` ("hann", "hamming", "blackman", "boxcar") of `length` samples, as
    scipy.signal.get_window(name, length, fftbins=periodic) gives it: symmetric by default,
    periodic (the symmetric window of length + 1 without its last sample) for spectra."""
    if name not in _COSINE_WINDOWS:
        raise ValueError(f"STFT: unknown `window` {name!r}; expected one of "
                         f"{sorted(_COSINE_WINDOWS)}, an array or None.")
    if length == 1:
        return np.ones(1)
    size = length + 1 if periodic else length
    phase = 2 * np.pi * np.arange(size) / (size - 1)
    window = sum((-1) ** k * a * np.cos(k * phase) for k, a in enumerate(_COSINE_WINDOWS[name]))
    return window[:length]


class STFT(Initializer):
    """Conv kernels that compute a short-time Fourier transform (for `STFTSpectrogram`).

    For shape (frame_length, 1, bins), entry [t, 0, k] is cos (side="real") or sin
    (side="imag") of -2 pi t k / (2 (bins - 1)), times the window at t, divided by the
    window's L2 norm (scaling="density") or L1 norm ("spectrum"); None skips either. `window`
    is a name (see `cosine_window`; Keras reads any scipy window, minikeras the cosine-sum
    ones, without scipy), an array of frame_length values, or None; `periodic` as scipy's
    `fftbins`.
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise ValueError(f"STFT: `side` must be 'real' or 'imag', received side={side!r}.")
        if isinstance(window, str):
            cosine_window(window, 1)
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError(f"STFT: `scaling` must be None, 'density' or 'spectrum', received "
                             f"scaling={scaling!r}.")
        self.side, self.window, self.scaling, self.periodic = side, window, scaling, periodic

    def __call__(self, shape, dtype=None):
        shape = _standardize_shape(shape, "STFT")
        dtype = _standardize_dtype(dtype, "STFT", float_only=True)
        if len(shape) != 3:
            raise ValueError(f"STFT: `shape` must be (frame_length, input_channels, bins), "
                             f"received {shape}.")
        frame_length, _, bins = shape
        time = np.arange(frame_length).reshape(-1, 1, 1)
        freq = np.arange(bins).reshape(1, 1, -1) / ((bins - 1) * 2)
        angle = -2 * np.pi * time * freq
        kernel = np.cos(angle) if self.side == "real" else np.sin(angle)
        if self.window is not None:
            window = self.window
            if isinstance(window, str):
                window = cosine_window(window, frame_length, self.periodic)
            window = np.asarray(window.numpy() if isinstance(window, Tensor) else window,
                                dtype="float64")
            if window.shape != (frame_length,):
                raise ValueError(f"STFT: the window must have shape ({frame_length},) "
                                 f"(frame_length), received {window.shape}.")
            scale = {"density": np.sqrt(np.sum(window ** 2)),
                     "spectrum": np.sum(np.abs(window)), None: 1.0}[self.scaling]
            kernel = kernel * window.reshape(-1, 1, 1) / scale
        return xp.asarray(kernel.astype(dtype))

    def get_config(self):
        window = self.window
        if hasattr(window, "tolist"):
            window = np.asarray(window).tolist()
        return {"side": self.side, "window": window, "periodic": self.periodic,
                "scaling": self.scaling}


STFTInitializer = stft = STFT


# -- lookup and (de)serialization ------------------------------------------------------------
def _snake_case(name):
    out = ""
    for i, ch in enumerate(name):
        if ch.isupper() and i and not name[i - 1].isupper():
            out += "_"
        out += ch.lower()
    return out


_CLASSES = (Initializer, Zeros, Ones, Constant, Identity, RandomNormal, TruncatedNormal,
            RandomUniform, VarianceScaling, GlorotUniform, GlorotNormal, HeUniform, HeNormal,
            LecunUniform, LecunNormal, Orthogonal, STFT)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS_DICT.update({_snake_case(cls.__name__): cls for cls in _CLASSES})
ALL_OBJECTS_DICT.update(normal=RandomNormal, uniform=RandomUniform, one=Ones, zero=Zeros,
                        IdentityInitializer=Identity, OrthogonalInitializer=Orthogonal,
                        STFTInitializer=STFT)


def get(identifier):
    """An initializer from a name ("glorot_uniform", "zeros", "uniform", ...), a config dict,
    a class (instantiated), a callable `(shape, dtype=None) -> array`, or an array (returned
    as-is for a matching shape). None gives None.
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        return resolve(identifier, ALL_OBJECTS_DICT, "initializer")()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if inspect.isclass(identifier):
        return identifier()
    if isinstance(identifier, Tensor) or hasattr(identifier, "shape"):
        return _from_array(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r} (expected a "
                     f"name, a config dict, an Initializer, a callable or an array).")


def _from_array(array):
    array = array.numpy() if isinstance(array, Tensor) else array

    def initialize_fn(shape, dtype=None):
        if tuple(shape) != tuple(array.shape):
            raise ValueError(f"Expected `shape` to be {tuple(array.shape)} for an array used as "
                             f"initializer, received shape={tuple(shape)}.")
        return xp.asarray(array, dtype=_standardize_dtype(dtype, "initializer")).copy()
    return initialize_fn


def serialize(initializer):
    """A Keras 3 config dict: {"module", "class_name", "config", "registered_name"}."""
    return serialize_object(initializer, "keras.initializers")


def deserialize(config, custom_objects=None):
    """An initializer from a name or a config dict (Keras 2 and 3 spellings)."""
    return deserialize_object(config, ALL_OBJECTS_DICT, "initializer", custom_objects)
