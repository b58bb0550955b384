"""Adafactor: `keras.optimizers.Adafactor`, with factored second moments for matrices."""
from minikeras.backend.array_module import xp
from minikeras.optimizers.base_optimizer import Optimizer, _check_number


class Adafactor(Optimizer):
    """Adafactor (Shazeer & Stern, 2018): Adam-like scaling by a second moment that, for a
    variable of rank >= 2, is stored as one row vector and one column vector per matrix (over
    the last two axes) instead of a full array, and a step size relative to the weights' scale.

    Per variable w with gradient g, learning rate lr, at step t = iterations + 1 (all in the
    variable's float type, as Keras computes it):

        rho = min(lr, 1 / sqrt(t))               the step size never exceeds 1 / sqrt(t)
        alpha = max(epsilon_2, rms(w)) * rho     rms(x) = sqrt(mean(x*x)), of w before the step
        beta_2_t = 1 - t**beta_2_decay           0 at t = 1: the first step uses g alone
        G = g*g + epsilon_1
        rank >= 2:  r = beta_2_t * r + (1 - beta_2_t) * mean(G, axis=-1)     shape w.shape[:-1]
                    c = beta_2_t * c + (1 - beta_2_t) * mean(G, axis=-2)     w.shape[:-2] + (n,)
                    v = (r / mean(r, axis=-1))[..., :, None] * c[..., None, :]
        rank < 2:   v = beta_2_t * v + (1 - beta_2_t) * G
        u = g / sqrt(v)
        w -= alpha * u / max(1, rms(u) / clip_threshold)   update clipping, not clipnorm's

    Slots, per variable in Keras 3.15.1's order and names: r and c, both named after the
    variable's *name* (not its path: "kernel", "kernel"), then v ("<var path>_velocity", full
    shape). For a variable of rank < 2 Keras still creates r and c, as two int32 scalars equal to
    0 named after the variable (and with the bare name as path, outside the optimizer's scope);
    we create the same placeholders so that `variables`, saved files and weight counts agree.

    `relative_step` is accepted and reported like Keras's, but in Keras 3.15.1 it changes
    nothing: the cap rho = min(lr, 1/sqrt(t)) is applied with or without it (also for a
    learning-rate schedule or callable).
    """

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        _check_number("Adafactor", "beta_2_decay", beta_2_decay, high=0)
        _check_number("Adafactor", "epsilon_1", epsilon_1, low=0)
        _check_number("Adafactor", "epsilon_2", epsilon_2, low=0)
        _check_number("Adafactor", "clip_threshold", clip_threshold, low=0)
        if clip_threshold == 0:
            raise ValueError("Adafactor: argument `clip_threshold` must be > 0. "
                             "Received: clip_threshold=0")
        if not isinstance(relative_step, bool):
            raise ValueError(f"Adafactor: argument `relative_step` must be True or False. "
                             f"Received: relative_step={relative_step!r}")
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step
        self._r, self._c, self._v = [], [], []

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._r, self._c, self._v = [], [], []
        for variable in variables:
            shape = tuple(variable.shape)
            if len(shape) < 2:  # not factored: int32 placeholders, as Keras creates them
                for slots in (self._r, self._c):
                    placeholder = self.add_variable((), dtype="int32", name=variable.name)
                    placeholder.path = variable.name
                    slots.append(placeholder)
            else:               # factor the last two axes
                self._r.append(self.add_variable(shape[:-1], dtype=variable.dtype,
                                                 name=variable.name))
                self._c.append(self.add_variable(shape[:-2] + shape[-1:], dtype=variable.dtype,
                                                 name=variable.name))
            self._v.append(self.add_variable_from_reference(variable, "velocity"))

    def update_step(self, gradient, variable, learning_rate):
        index = self._get_variable_index(variable)
        w, v = variable.data, self._v[index].data
        g = gradient
        real = variable.dtype.type
        t = real(self._update_count() + 1)
        rho = min(real(learning_rate), real(1) / xp.sqrt(t))
        work = self._scratch(w)

        xp.multiply(w, w, out=work)                       # alpha = max(epsilon_2, rms(w)) rho
        alpha = max(real(self.epsilon_2), xp.sqrt(xp.mean(work))) * rho
        beta_2_t = real(1) - xp.power(t, real(self.beta_2_decay))
        one_minus_beta_2_t = real(1) - beta_2_t

        xp.multiply(g, g, out=work)                       # G = g^2 + epsilon_1
        work += float(self.epsilon_1)
        if w.ndim >= 2:
            r, c = self._r[index].data, self._c[index].data
            r *= beta_2_t                                 # row and column means of G
            r += one_minus_beta_2_t * xp.mean(work, axis=-1)
            c *= beta_2_t
            c += one_minus_beta_2_t * xp.mean(work, axis=-2)
            row_share = r / xp.mean(r, axis=-1, keepdims=True)
            xp.multiply(row_share[..., :, None], c[..., None, :], out=v)
        else:
            v *= beta_2_t
            work *= one_minus_beta_2_t
            v += work

        xp.sqrt(v, out=work)                              # rms(u) with u = g / sqrt(v) ...
        xp.divide(g, work, out=work)
        work *= work
        rms_u = xp.sqrt(xp.mean(work))
        xp.sqrt(v, out=work)                              # ... then u again, in the same buffer
        xp.divide(g, work, out=work)
        work /= max(real(1), rms_u / real(self.clip_threshold))
        work *= alpha                                     # w -= alpha u / max(1, rms(u) / clip)
        w -= work

    def get_config(self):
        config = super().get_config()
        config.update({"beta_2_decay": self.beta_2_decay, "epsilon_1": self.epsilon_1,
                       "epsilon_2": self.epsilon_2, "clip_threshold": self.clip_threshold,
                       "relative_step": self.relative_step})
        return config
