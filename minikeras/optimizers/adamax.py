"""Adamax: `keras.optimizers.Adamax`, Adam with an infinity-norm second moment."""
from minikeras.backend.array_module import xp
from minikeras.optimizers.base_optimizer import Optimizer, _check_number


class Adamax(Optimizer):
    """Adam's variant built on the infinity norm (Kingma & Ba, 2014, section 7.1), as in Keras 3.

    Per variable w with gradient g and learning rate lr, at step t = iterations + 1 (counting
    weight updates when gradients are accumulated):

        m += (g - m) * (1 - beta_1)              first moment            ("<var>_momentum")
        u = max(beta_2 * u, |g|)                 decaying max of |g|     ("<var>_norm")
        w -= lr * m / ((1 - beta_1**t) * (u + epsilon))

    Only the first moment is bias-corrected; u needs no correction because it is a maximum, not
    an average. 1 - beta_1**t is computed in the variable's float type (float32), like Keras.
    Slots are created interleaved per variable: momentum(v0), norm(v0), momentum(v1), ...
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        _check_number("Adamax", "beta_1", beta_1, low=0, high=1)
        _check_number("Adamax", "beta_2", beta_2, low=0, high=1)
        _check_number("Adamax", "epsilon", epsilon, low=0)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self._m, self._u = [], []
        self._correction_cache = (None, None)  # ((step, dtype), 1 - beta_1**t)

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._m, self._u = self.add_optimizer_variables(variables, ["momentum", "norm"])

    def _bias_correction(self, dtype):
        """1 - beta_1**t in the variable's float type, once per step and type."""
        key = (self._update_count(), dtype)
        if self._correction_cache[0] != key:
            real = dtype.type
            correction = real(1) - real(self.beta_1) ** real(key[0] + 1)
            self._correction_cache = (key, float(correction))
        return self._correction_cache[1]

    def update_step(self, gradient, variable, learning_rate):
        index = self._get_variable_index(variable)
        correction = self._bias_correction(variable.dtype)
        beta_1, beta_2, epsilon = float(self.beta_1), float(self.beta_2), float(self.epsilon)
        for scratch, g, w, m, u in self._blocks(gradient, variable.data, self._m[index].data,
                                                self._u[index].data):
            m *= beta_1                                   # m = beta_1 m + (1 - beta_1) g
            xp.multiply(g, 1.0 - beta_1, out=scratch)
            m += scratch
            u *= beta_2                                   # u = max(beta_2 u, |g|)
            xp.abs(g, out=scratch)
            xp.maximum(u, scratch, out=u)
            xp.add(u, epsilon, out=scratch)               # w -= lr m / ((1 - beta_1^t)(u + eps))
            scratch *= correction
            xp.divide(m, scratch, out=scratch)
            scratch *= learning_rate
            w -= scratch

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
