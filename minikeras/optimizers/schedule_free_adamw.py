"""ScheduleFreeAdamW: `keras.optimizers.ScheduleFreeAdamW`, AdamW without a learning-rate
schedule (Defazio et al., 2024)."""
from minikeras.backend.array_module import xp
from minikeras.optimizers.base_optimizer import Optimizer, _check_number


class ScheduleFreeAdamW(Optimizer):
    """Schedule-free AdamW: the weights y are an interpolation between a fast iterate z (the
    "<var>_momentum" slot, which starts as a copy of the weights) and x, a uniform average of
    the z's, so no decay schedule is needed.

    Per variable, at step t = iterations + 1 (lr ramps as lr * min(t / warmup_steps, 1) when
    warmup_steps > 0), all in the variable's float type as Keras computes it:

        v += (g*g - v) * (1 - beta_2)                          ("<var>_velocity")
        z_new = z - lr * g / (sqrt(v / (1 - beta_2**t)) + epsilon)
        x = (y - (1 - beta_1) * z_old) / beta_1                recover the average from y
        x = (1 - 1/t) * x + (1/t) * z_new
        y = (1 - beta_1) * z_new + beta_1 * x

    weight_decay is the base class's decoupled decay (applied to y before the step).
    """

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 warmup_steps=0, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        _check_number("ScheduleFreeAdamW", "beta_1", beta_1, low=0, high=1)
        _check_number("ScheduleFreeAdamW", "beta_2", beta_2, low=0, high=1)
        _check_number("ScheduleFreeAdamW", "epsilon", epsilon, low=0)
        _check_number("ScheduleFreeAdamW", "warmup_steps", warmup_steps, low=0)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.warmup_steps = warmup_steps
        self._momentums, self._velocities = [], []

    def build(self, variables):
        if self.built:
            return
        variables = list(variables)
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"])
        for momentum, variable in zip(self._momentums, variables):
            momentum.assign(xp.array(variable.data, copy=True))

    def update_step(self, gradient, variable, learning_rate):
        index = self._get_variable_index(variable)
        z, v, y = self._momentums[index].data, self._velocities[index].data, variable.data
        real = y.dtype.type
        t = real(self._update_count() + 1)
        beta_1, beta_2 = real(self.beta_1), real(self.beta_2)
        lr = real(learning_rate)
        if self.warmup_steps > 0:
            lr = lr * min(t / real(self.warmup_steps), real(1))
        g = gradient.astype(y.dtype, copy=False)
        z_old = z.copy()
        v += (g * g - v) * (real(1) - beta_2)
        z -= lr * g / (xp.sqrt(v / (real(1) - beta_2 ** t)) + real(self.epsilon))
        weight = real(1) / t
        x = (y - (real(1) - beta_1) * z_old) / beta_1
        x = (real(1) - weight) * x + weight * z
        y[...] = (real(1) - beta_1) * z + beta_1 * x

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "warmup_steps": self.warmup_steps})
        return config
