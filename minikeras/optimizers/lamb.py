"""Lamb: `keras.optimizers.Lamb`, Adam with a per-layer trust ratio."""
from minikeras.backend.array_module import xp

from minikeras.optimizers.base_optimizer import Optimizer, _check_number


class Lamb(Optimizer):
    """Layer-wise Adaptive Moments (You et al., 2019): Adam's bias-corrected direction, rescaled
    per variable so the step is proportional to the variable's own norm (large-batch training).

    Per variable w with gradient g, at step t = iterations + 1:

        m += (g - m) * (1 - beta_1)                 ("<var>_momentum")
        v += (g*g - v) * (1 - beta_2)               ("<var>_velocity")
        u = (m / (1 - beta_1**t)) / (sqrt(v / (1 - beta_2**t)) + epsilon)
        ratio = |w| / |u|  (Frobenius norms; 1 when either norm is 0)
        w -= ratio * lr * u

    Unlike Adam, epsilon is added to the bias-corrected sqrt(v), as in Keras.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        _check_number("Lamb", "beta_1", beta_1, low=0, high=1)
        _check_number("Lamb", "beta_2", beta_2, low=0, high=1)
        _check_number("Lamb", "epsilon", epsilon, low=0)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self._momentums, self._velocities = [], []

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"])

    def update_step(self, gradient, variable, learning_rate):
        index = self._get_variable_index(variable)
        m, v, w = self._momentums[index].data, self._velocities[index].data, variable.data
        real = w.dtype.type
        t = real(self._update_count() + 1)
        beta_1, beta_2 = real(self.beta_1), real(self.beta_2)
        g = gradient.astype(w.dtype, copy=False)
        # the moment rates are rounded from Python's 1 - beta (0.001, not float32's 0.00099998713)
        m += (g - m) * real(1 - self.beta_1)
        v += (g * g - v) * real(1 - self.beta_2)
        update = (m / (real(1) - beta_1 ** t)) / (
            xp.sqrt(v / (real(1) - beta_2 ** t)) + real(self.epsilon))
        w_norm = xp.sqrt((w * w).sum())
        u_norm = xp.sqrt((update * update).sum())
        ratio = w_norm / u_norm if w_norm > 0 and u_norm > 0 else real(1)
        w -= ratio * real(learning_rate) * update

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
