"""GroupNormalization: normalize each sample over groups of channels, as in Keras 3."""
from minikeras import constraints, initializers, regularizers
from minikeras.backend.array_module import xp
from minikeras.layers.input_spec import InputSpec
from minikeras.layers.layer import Layer
from minikeras.ops import cast, layer_normalization, reshape
from minikeras.registry.layer_classes import register_layer


@register_layer
class GroupNormalization(Layer):
    """Split the channels (`axis`) into `groups` groups of consecutive channels; normalize each
    sample's group over its channels and all other non-batch axes (mean and biased variance),
    then scale by gamma and shift by beta per channel. groups=1 is LayerNormalization over all
    non-batch axes; groups=-1 (one group per channel) is InstanceNormalization.

    Weights: gamma (if scale), beta (if center), each of shape (channels,).

    Args:
        groups: positive int dividing the number of channels, or -1 (set to the number of
            channels at build time, as Keras does; get_config then reports that number). 32.
        axis: the channel axis (-1).
        epsilon: added to the variance (1e-3).
        center, scale: use beta / gamma.
        beta_initializer, gamma_initializer: 'zeros', 'ones'.
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint.
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        if (not isinstance(groups, int) or isinstance(groups, bool)
                or (groups <= 0 and groups != -1)):
            raise ValueError(f"Received an invalid value for argument `groups`, expected a "
                             f"positive integer (or `-1` for instance normalization). "
                             f"Received: groups={groups!r}")
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"GroupNormalization {self.name!r}: `axis` must be an int. "
                            f"Received: axis={axis!r}")
        self.supports_masking = True
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.gamma = None
        self.beta = None

    def _check_axis(self, input_shape):
        rank = len(input_shape)
        if self.axis >= rank or self.axis < -rank:
            raise ValueError(f"GroupNormalization {self.name!r}: axis {self.axis} is out of "
                             f"bounds for input shape {tuple(input_shape)}. "
                             f"Received: axis={self.axis}")

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        self._check_axis(input_shape)
        dim = input_shape[self.axis]
        if dim is None:
            raise ValueError(f"GroupNormalization {self.name!r}: axis {self.axis} of input tensor "
                             f"should have a defined dimension but the layer received an input "
                             f"with shape {input_shape}.")
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(f"GroupNormalization {self.name!r}: number of groups "
                             f"({self.groups}) cannot be more than the number of channels "
                             f"({dim}).")
        if dim % self.groups != 0:
            raise ValueError(f"GroupNormalization {self.name!r}: the number of channels ({dim}) "
                             f"must be a multiple of the number of groups ({self.groups}).")
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: dim})
        if self.scale:
            self.gamma = self.add_weight(shape=(dim,), name="gamma",
                                         initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint, autocast=False)
        else:
            self.gamma = None
        if self.center:
            self.beta = self.add_weight(shape=(dim,), name="beta",
                                        initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint, autocast=False)
        else:
            self.beta = None
        self.built = True

    def call(self, inputs):
        if not xp.issubdtype(inputs.dtype, xp.floating):
            inputs = cast(inputs, self.dtype)
        shape = tuple(inputs.shape)
        axis = self.axis % len(shape)
        channels = shape[axis]
        # (..., C, ...) -> (..., groups, C // groups, ...); gamma/beta -> (groups, C // groups)
        # at the same place, ones elsewhere.
        grouped_shape = shape[:axis] + (self.groups, channels // self.groups) + shape[axis + 1:]
        param_shape = [1] * len(grouped_shape)
        param_shape[axis], param_shape[axis + 1] = self.groups, channels // self.groups
        reduce_axes = [i for i in range(1, len(grouped_shape)) if i != axis]
        gamma = None if self.gamma is None else reshape(self.gamma, param_shape)
        beta = None if self.beta is None else reshape(self.beta, param_shape)
        outputs = layer_normalization(reshape(inputs, grouped_shape), gamma, beta,
                                      axis=reduce_axes, epsilon=self.epsilon)
        return reshape(outputs, shape)

    def compute_output_shape(self, input_shape):
        self._check_axis(input_shape)
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }
