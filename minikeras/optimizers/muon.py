"""Muon: `keras.optimizers.Muon`, orthogonalized momentum for 2-D weights, AdamW for the rest."""
import math
import re

from minikeras.backend.array_module import xp
from minikeras.optimizers.base_optimizer import Optimizer, _check_number


class Muon(Optimizer):
    """MomentUm Orthogonalized by Newton-schulz (Jordan et al., 2024), with Moonlight's update
    scaling (Liu et al., 2025) so it can share Adam's learning rate and weight decay.

    Which rule a variable gets: AdamW unless it is 2-D, and for 2-D ones also AdamW when its path
    contains "embedding" (with exclude_embeddings) or matches (re.search) one of
    `exclude_layers`. The others get Muon:

        m = momentum * m + g                                  ("<var>_momentum")
        u = g + momentum * m   (nesterov)   or   u = m
        O = newton_schulz(u): ns_steps of X <- a X + (b A + c A A) X with A = X X^T, from
            X = u / (||u||_F + 1e-7) (transposed while it is taller than wide)
        w -= lr * O * sqrt(max(rows, cols)) * rms_rate        (no scaling if rms_rate is None)

    AdamW variables use Keras's Adam (epsilon on the uncorrected sqrt(v)) with the rate
    lr * adam_lr_ratio and slots "<var>_momentum", "<var>_velocity". Weight decay before the
    step: w -= w * wd * lr, wd = adam_weight_decay for AdamW variables, weight_decay for Muon
    ones (None skips it), lr the base rate in both cases.
    """

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999,
                 adam_weight_decay=0.004, epsilon=1e-7, weight_decay=0.004, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, exclude_layers=None,
                 exclude_embeddings=True, muon_a=3.4445, muon_b=-4.7750, muon_c=2.0315,
                 adam_lr_ratio=1, momentum=0.95, ns_steps=5, nesterov=True, rms_rate=0.2,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name,
                         **kwargs)
        _check_number("Muon", "adam_beta_1", adam_beta_1, low=0, high=1)
        _check_number("Muon", "adam_beta_2", adam_beta_2, low=0, high=1)
        _check_number("Muon", "epsilon", epsilon, low=0)
        _check_number("Muon", "adam_weight_decay", adam_weight_decay, low=0, allow_none=True)
        if not isinstance(ns_steps, int) or isinstance(ns_steps, bool) or ns_steps < 0:
            raise ValueError(f"Muon: `ns_steps` must be a non-negative integer. "
                             f"Received: ns_steps={ns_steps!r}")
        self.adam_beta_1 = adam_beta_1
        self.adam_beta_2 = adam_beta_2
        self.epsilon = epsilon
        self.muon_a = muon_a
        self.muon_b = muon_b
        self.muon_c = muon_c
        self.adam_lr_ratio = adam_lr_ratio
        self.momentum = momentum
        self.ns_steps = ns_steps
        self.nesterov = nesterov
        self.exclude_embeddings = exclude_embeddings
        self.exclude_layers = exclude_layers or []
        self.adam_weight_decay = adam_weight_decay
        self.rms_rate = rms_rate
        self.momentums, self.adam_velocities = [], []

    def _should_use_adamw(self, variable):
        if len(variable.shape) != 2:
            return True
        path = getattr(variable, "path", None) or variable.name
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(keyword, path) for keyword in self.exclude_layers)

    def build(self, variables):
        if self.built:
            return
        variables = list(variables)
        super().build(variables)
        self.momentums = [None] * len(variables)
        self.adam_velocities = [None] * len(variables)
        for index, variable in enumerate(variables):
            self.momentums[index] = self.add_variable_from_reference(variable, "momentum")
            if self._should_use_adamw(variable):
                self.adam_velocities[index] = self.add_variable_from_reference(variable,
                                                                               "velocity")

    def update_step(self, gradient, variable, learning_rate):
        index = self._get_variable_index(variable)
        m, v = self.momentums[index], self.adam_velocities[index]
        g = gradient.astype(variable.dtype, copy=False)
        if v is not None:
            self._adamw_step(g, variable.data, learning_rate * self.adam_lr_ratio, m.data, v.data)
        else:
            self._muon_step(g, variable.data, learning_rate, m.data)

    def _muon_step(self, g, w, learning_rate, m):
        real = w.dtype.type
        m += g + m * real(self.momentum - 1)
        u = g + real(self.momentum) * m if self.nesterov else m
        update = real(learning_rate) * self.zeropower_via_newtonschulz5(u, self.ns_steps)
        if self.rms_rate is not None:
            update = update * real(math.sqrt(max(w.shape[0], w.shape[1])) * self.rms_rate)
        w -= update

    def _adamw_step(self, g, w, learning_rate, m, v):
        real = w.dtype.type
        t = real(self._update_count() + 1)
        beta_1, beta_2 = real(self.adam_beta_1), real(self.adam_beta_2)
        alpha = real(learning_rate) * xp.sqrt(real(1) - beta_2 ** t) / (real(1) - beta_1 ** t)
        m += (g - m) * real(1 - self.adam_beta_1)
        v += (g * g - v) * real(1 - self.adam_beta_2)
        w -= m * alpha / (xp.sqrt(v) + real(self.epsilon))

    @staticmethod
    def _swap_last_axes(x):
        return xp.swapaxes(x, -1, -2)

    def zeropower_via_newtonschulz5(self, x, steps):
        """The quintic Newton-Schulz approximation of the orthogonal factor U V^T of x's SVD
        (an array of rank >= 2, over its last two axes)."""
        if x.ndim < 2:
            raise ValueError(f"Expected gradient or momentum to have at least 2 dimensions. "
                             f"Received: shape={tuple(x.shape)}")
        real = x.dtype.type
        a, b, c = real(self.muon_a), real(self.muon_b), real(self.muon_c)
        tall = x.shape[-2] > x.shape[-1]
        if tall:
            x = self._swap_last_axes(x)
        norm = xp.sqrt(xp.sum(x * x, axis=(-2, -1), keepdims=True))
        x = x / (norm + real(1e-7))
        for _ in range(steps):
            gram = x @ self._swap_last_axes(x)
            x = a * x + (b * gram + c * gram @ gram) @ x
        return self._swap_last_axes(x) if tall else x

    def _apply_weight_decay(self, variables, learning_rate):
        for variable in variables:
            if not self._use_weight_decay(variable):
                continue
            decay = (self.adam_weight_decay if self._should_use_adamw(variable)
                     else self.weight_decay)
            if decay is None:
                continue
            real = variable.data.dtype.type
            variable.data -= variable.data * real(decay) * real(learning_rate)

    def get_config(self):
        config = super().get_config()
        config.update({
            "adam_beta_1": self.adam_beta_1, "adam_beta_2": self.adam_beta_2,
            "epsilon": self.epsilon, "exclude_layers": self.exclude_layers,
            "muon_a": self.muon_a, "muon_b": self.muon_b, "muon_c": self.muon_c,
            "adam_lr_ratio": self.adam_lr_ratio, "momentum": self.momentum,
            "ns_steps": self.ns_steps, "nesterov": self.nesterov,
            "exclude_embeddings": self.exclude_embeddings,
            "adam_weight_decay": self.adam_weight_decay, "rms_rate": self.rms_rate,
        })
        return config
