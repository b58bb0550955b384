"""Adam: `keras.optimizers.Adam`, with Keras's "epsilon hat" placement."""
import numpy as np

from minikeras.backend.array_module import xp
from minikeras.optimizers.base_optimizer import Optimizer, _check_number


class Adam(Optimizer):
    """Adaptive moment estimation (Kingma & Ba, 2014), as Keras 3 computes it.

    Per variable w with gradient g, at step t = iterations + 1:

        m += (g - m) * (1 - beta_1)              first moment   ("<var>_momentum")
        v += (g*g - v) * (1 - beta_2)            second moment  ("<var>_velocity")
        v_hat = max(v_hat, v); use v_hat for v   only with amsgrad ("<var>_velocity_hat")
        alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)
        w -= alpha * m / (sqrt(v) + epsilon)

    epsilon is added to the square root of the *uncorrected* v (PyTorch adds it to the
    bias-corrected one), so the two libraries differ slightly for the same epsilon. alpha is
    computed in float32 like Keras (1 - beta_2**1 is 0.00099998713 there, not 0.001), once per
    step and float type.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        _check_number("Adam", "beta_1", beta_1, low=0, high=1)
        _check_number("Adam", "beta_2", beta_2, low=0, high=1)
        _check_number("Adam", "epsilon", epsilon, low=0)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        self._momentums, self._velocities, self._velocity_hats = [], [], []
        self._alpha_cache = (None, None)  # ((step, lr, dtype), alpha): one alpha per step

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"])
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(variables, "velocity_hat")

    def _step_size(self, learning_rate, dtype):
        """alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t), in the variable's float type."""
        key = (self._update_count(), learning_rate, dtype)
        if self._alpha_cache[0] != key:
            real = dtype.type
            t = real(key[0] + 1)
            beta_1_power = real(self.beta_1) ** t
            beta_2_power = real(self.beta_2) ** t
            alpha = real(learning_rate) * np.sqrt(real(1) - beta_2_power) / (real(1) - beta_1_power)
            self._alpha_cache = (key, float(alpha))
        return self._alpha_cache[1]

    def update_step(self, gradient, variable, learning_rate):
        index = self._get_variable_index(variable)
        alpha = self._step_size(learning_rate, variable.dtype)
        beta_1, beta_2, epsilon = float(self.beta_1), float(self.beta_2), float(self.epsilon)
        slots = [self._momentums[index].data, self._velocities[index].data]
        if self.amsgrad:
            slots.append(self._velocity_hats[index].data)
        for scratch, g, w, m, v, *v_hat in self._blocks(gradient, variable.data, *slots):
            m *= beta_1                                   # m = beta_1 m + (1 - beta_1) g
            xp.multiply(g, 1.0 - beta_1, out=scratch)
            m += scratch
            v *= beta_2                                   # v = beta_2 v + (1 - beta_2) g^2
            xp.multiply(g, g, out=scratch)
            scratch *= 1.0 - beta_2
            v += scratch
            if v_hat:
                xp.maximum(v_hat[0], v, out=v_hat[0])
                v = v_hat[0]
            xp.sqrt(v, out=scratch)                       # w -= alpha m / (sqrt(v) + epsilon)
            scratch += epsilon
            xp.divide(m, scratch, out=scratch)
            scratch *= alpha
            w -= scratch

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "amsgrad": self.amsgrad})
        return config
