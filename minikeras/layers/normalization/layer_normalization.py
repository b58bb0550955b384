"""LayerNormalization: normalize each sample over its feature axes, as in Keras 3."""
import warnings

from minikeras import constraints, initializers, regularizers
from minikeras.backend.array_module import xp
from minikeras.layers.layer import Layer
from minikeras.ops import cast, layer_normalization
from minikeras.registry.layer_classes import register_layer


@register_layer
class LayerNormalization(Layer):
    """outputs = gamma * (x - mean) / sqrt(variance + epsilon) + beta, where mean and the biased
    variance are taken over `axis` separately for every sample (and every position of the other
    axes). Same in training and inference; no moving statistics.

    Weights: gamma (if scale), beta (if center), each shaped like the input's sizes on the sorted
    `axis` (e.g. (features,) for axis=-1).

    Args:
        axis: int or list/tuple of ints, the axes to normalize over (-1). After `build` it is kept
            as a sorted list, as in Keras (so get_config then gives e.g. [-1]).
        epsilon: added to the variance (1e-3).
        center, scale: use beta / gamma.
        beta_initializer, gamma_initializer: 'zeros', 'ones'.
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint.
        rms_scaling (keyword only, deprecated in Keras): outputs = x / sqrt(variance + epsilon) *
            gamma; no beta is created. Keras warns, and so does minikeras.
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None,
                 beta_constraint=None, gamma_constraint=None, **kwargs):
        rms_scaling = kwargs.pop("rms_scaling", False)
        if rms_scaling:
            warnings.warn("You passed `rms_scaling=True`, which is deprecated. This argument "
                          "incorrectly scales the input by the variance, not the root mean "
                          "square. To correctly use RMS Normalization, please use "
                          "`keras.layers.RMSNormalization` instead.")
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) and all(
                isinstance(a, int) and not isinstance(a, bool) for a in axis):
            self.axis = list(axis)
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError(f"Expected an int or a list/tuple of ints for the argument 'axis', "
                            f"but received: {axis!r}")
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.rms_scaling = rms_scaling
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.gamma = None
        self.beta = None

    def _axes(self):
        return list(self.axis) if isinstance(self.axis, list) else [self.axis]

    def _check_axes(self, input_shape):
        rank = len(input_shape)
        for axis in self._axes():
            if axis >= rank or axis < -rank:
                raise ValueError(f"LayerNormalization {self.name!r}: axis {axis} is out of bounds "
                                 f"for input shape {tuple(input_shape)}. "
                                 f"Received: axis={self.axis}")

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        self._check_axes(input_shape)
        self.axis = sorted(self._axes())
        shape = tuple(input_shape[a] for a in self.axis)
        if any(d is None for d in shape):
            raise ValueError(f"LayerNormalization {self.name!r}: the normalized axes {self.axis} "
                             f"must have known sizes. Received input shape {input_shape}.")
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(name="gamma", shape=shape,
                                         initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint, trainable=True,
                                         autocast=False)
        else:
            self.gamma = None
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(name="beta", shape=shape,
                                        initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint, trainable=True,
                                        autocast=False)
        else:
            self.beta = None
        self._normalized_shape = shape
        self.built = True

    def call(self, inputs):
        self._check_axes(inputs.shape)
        received = tuple(inputs.shape[a] for a in self.axis)
        if received != self._normalized_shape:
            raise ValueError(f"LayerNormalization {self.name!r} was built for sizes "
                             f"{self._normalized_shape} on axes {self.axis}, but received an "
                             f"input of shape {tuple(inputs.shape)} (sizes {received}).")
        if not xp.issubdtype(inputs.dtype, xp.floating):
            inputs = cast(inputs, self.dtype)
        return layer_normalization(inputs, self.gamma, self.beta, self.axis, self.epsilon,
                                   rms_scaling=self.rms_scaling)

    def compute_output_shape(self, input_shape):
        self._check_axes(input_shape)
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }
