"""BatchNormalization: normalize each feature with batch statistics while training and with
moving averages of them at inference, as in Keras 3."""
from minikeras import constraints, initializers, regularizers
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor
from minikeras.layers.input_spec import InputSpec
from minikeras.layers.layer import Layer
from minikeras.ops import add, batch_normalization, cast, multiply
from minikeras.ops.normalization import batch_moments, batch_normalization_training
from minikeras.registry.layer_classes import register_layer


@register_layer
class BatchNormalization(Layer):
    """outputs = gamma * (x - mean) / sqrt(variance + epsilon) + beta, per feature.

    Training (`fit`, or `training=True`): mean and variance are those of the current batch (the
    biased variance, over every axis but `axis`), and the moving statistics follow them:
        moving_mean = moving_mean * momentum + mean * (1 - momentum)
        moving_variance = moving_variance * momentum + variance * (1 - momentum)
    (the same biased batch variance; Keras 3 applies no n / (n - 1) correction).
    Inference (`predict`, `evaluate`, `training=False` or None): the moving statistics are used
    and nothing changes. A frozen layer (`trainable=False`) always runs in inference mode, even
    with `training=True`, as in Keras 3.

    Weights, in Keras's order and names: gamma (if scale), beta (if center), moving_mean,
    moving_variance (non-trainable), all of shape (features,); with renorm also moving_stddev,
    renorm_mean and renorm_stddev (non-trainable).

    Args:
        axis: int, the feature axis (-1; 1 after channels_first convolutions).
        momentum: of the moving averages (0.99).
        epsilon: added to the variance (1e-3).
        center, scale: use beta / gamma.
        beta_initializer, gamma_initializer, moving_mean_initializer,
            moving_variance_initializer: 'zeros', 'ones', 'zeros', 'ones'.
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint.
        renorm, renorm_clipping, renorm_momentum: Batch Renormalization (Ioffe, 2017) as in
            Keras: the batch-normalized values are corrected by r = stddev / renorm_stddev and
            d = (mean - renorm_mean) / renorm_stddev (constants for the gradient), with r clipped
            to [rmin, rmax] and d to [-dmax, dmax].
        synchronized: accepted for compatibility; minikeras runs on one device, where the batch
            statistics are already the global ones.

    Call arguments: inputs; training; mask (rank inputs.ndim - 1, True where a value should
    count in the batch statistics; every position is still normalized).
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None, renorm_momentum=0.99,
                 synchronized=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, (int, xp.integer)):
            raise TypeError(f"BatchNormalization {self.name!r}: `axis` must be an int. "
                            f"Received: axis={axis!r}")
        self.axis = int(axis)
        self.synchronized = synchronized
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

        self.renorm = renorm
        if renorm:
            renorm_clipping = renorm_clipping or {}
            keys = ["rmax", "rmin", "dmax"]
            if set(renorm_clipping) - set(keys):
                raise ValueError(f"Received invalid keys for `renorm_clipping` argument: "
                                 f"{renorm_clipping}. Supported values: {keys}.")
            rmax, rmin = renorm_clipping.get("rmax"), renorm_clipping.get("rmin")
            dmax = renorm_clipping.get("dmax")
            if rmax is not None and rmin is not None and rmax < rmin:
                raise ValueError(f"rmax should be greater than rmin in the `renorm_clipping` "
                                 f"argument. Received: rmax={rmax}, rmin={rmin}.")
            if dmax is not None and dmax < 0:
                raise ValueError(f"dmax should be non-negative in the `renorm_clipping` "
                                 f"argument. Received: dmax={dmax}.")
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum

        self.gamma = None
        self.beta = None
        self.moving_mean = None
        self.moving_variance = None
        self._reduction_axes = None

    def _check_axis(self, input_shape):
        rank = len(input_shape)
        if not -rank <= self.axis < rank:
            raise ValueError(f"BatchNormalization {self.name!r}: axis {self.axis} is out of "
                             f"bounds for input shape {tuple(input_shape)}. "
                             f"Received: axis={self.axis}")

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        self._check_axis(input_shape)
        features = input_shape[self.axis]
        if features is None:
            raise ValueError(f"BatchNormalization {self.name!r}: axis {self.axis} of the input "
                             f"must have a known size. Received input shape {input_shape}.")
        shape = (features,)
        if self.scale:
            self.gamma = self.add_weight(shape=shape, name="gamma",
                                         initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint, trainable=True,
                                         autocast=False)
        if self.center:
            self.beta = self.add_weight(shape=shape, name="beta",
                                        initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint, trainable=True,
                                        autocast=False)
        self.moving_mean = self.add_weight(shape=shape, name="moving_mean",
                                           initializer=self.moving_mean_initializer,
                                           trainable=False, autocast=False)
        self.moving_variance = self.add_weight(shape=shape, name="moving_variance",
                                               initializer=self.moving_variance_initializer,
                                               trainable=False, autocast=False)
        if self.renorm:
            # Renorm tracks the moving stddev (initialized as the sqrt of the variance
            # initializer) and its own training-time mean and stddev.
            def moving_stddev_initializer(shape, dtype=None):
                return xp.sqrt(xp.asarray(self.moving_variance_initializer(shape, dtype=dtype)))

            self.moving_stddev = self.add_weight(shape=shape, name="moving_stddev",
                                                 initializer=moving_stddev_initializer,
                                                 trainable=False, autocast=False)
            self.renorm_mean = self.add_weight(shape=shape, name="renorm_mean",
                                               initializer=self.moving_mean_initializer,
                                               trainable=False, autocast=False)
            self.renorm_stddev = self.add_weight(shape=shape, name="renorm_stddev",
                                                 initializer=moving_stddev_initializer,
                                                 trainable=False, autocast=False)
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: features})
        reduction_axes = list(range(len(input_shape)))
        del reduction_axes[self.axis]
        self._reduction_axes = reduction_axes
        self.built = True

    def compute_output_shape(self, input_shape):
        self._check_axis(input_shape)
        return tuple(input_shape)

    def call(self, inputs, training=None, mask=None):
        if mask is not None:
            mask = mask.data if isinstance(mask, Tensor) else xp.asarray(mask)
            if mask.ndim != inputs.ndim - 1:
                raise ValueError(f"BatchNormalization {self.name!r}: the mask provided should be "
                                 f"one dimension less than the inputs. Received: "
                                 f"mask.shape={tuple(mask.shape)}, inputs.shape={inputs.shape}")
        if not xp.issubdtype(inputs.dtype, xp.floating):
            inputs = cast(inputs, self.dtype)
        if not (training and self.trainable):
            return batch_normalization(inputs, self.moving_mean, self.moving_variance, self.axis,
                                       offset=self.beta, scale=self.gamma, epsilon=self.epsilon)
        if self.renorm:
            return self._renorm_call(inputs, mask)
        outputs, mean, variance = batch_normalization_training(
            inputs, self.gamma, self.beta, axis=self.axis, epsilon=self.epsilon, mask=mask)
        self._update_moving(self.moving_mean, mean.data, self.momentum)
        self._update_moving(self.moving_variance, variance.data, self.momentum)
        return outputs

    @staticmethod
    def _update_moving(variable, value, momentum):
        """variable = variable * momentum + value * (1 - momentum), in the variable's dtype."""
        value = value.astype(variable.dtype, copy=False)
        variable.assign(variable.data * momentum + value * (1.0 - momentum))

    def _renorm_call(self, inputs, mask):
        mean, variance = batch_moments(inputs, self.axis, mask)
        dtype = mean.dtype
        epsilon = xp.asarray(self.epsilon, dtype)
        stddev = xp.sqrt(variance + epsilon)
        renorm_mean = self.renorm_mean.data.astype(dtype, copy=False)
        renorm_stddev = xp.maximum(self.renorm_stddev.data.astype(dtype, copy=False),
                                   xp.sqrt(epsilon))
        r = stddev / renorm_stddev
        d = (mean - renorm_mean) / renorm_stddev
        clipping = self.renorm_clipping
        if clipping.get("rmin") is not None:
            r = xp.maximum(r, xp.asarray(clipping["rmin"], dtype))
        if clipping.get("rmax") is not None:
            r = xp.minimum(r, xp.asarray(clipping["rmax"], dtype))
        if clipping.get("dmax") is not None:
            d = xp.clip(d, -xp.asarray(clipping["dmax"], dtype), xp.asarray(clipping["dmax"], dtype))
        # (xhat * r + d) * gamma + beta = xhat * (r * gamma) + (d * gamma + beta); r and d are
        # constants for the gradient.
        gamma = Tensor(r) if self.gamma is None else multiply(Tensor(r), self.gamma)
        beta = Tensor(d) if self.gamma is None else multiply(Tensor(d), self.gamma)
        if self.beta is not None:
            beta = add(beta, self.beta)
        outputs, _, _ = batch_normalization_training(inputs, gamma, beta, axis=self.axis,
                                                     epsilon=self.epsilon, mask=mask)
        self._update_moving(self.renorm_mean, mean, self.renorm_momentum)
        self._update_moving(self.renorm_stddev, stddev, self.renorm_momentum)
        self._update_moving(self.moving_mean, mean, self.momentum)
        self._update_moving(self.moving_stddev, stddev, self.momentum)
        # Keras derives the moving variance from the moving stddev (ReLU against rounding).
        new_stddev = self.moving_stddev.data
        self.moving_variance.assign(xp.maximum(new_stddev * new_stddev - epsilon, 0))
        return outputs

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(
                self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        }
