"""Nadam: `keras.optimizers.Nadam`, Adam with Nesterov momentum and a momentum schedule."""
from minikeras.backend import config as backend_config
from minikeras.backend.array_module import xp
from minikeras.optimizers.base_optimizer import Optimizer, _check_number
from minikeras.backend.naming import auto_name


class Nadam(Optimizer):
    """Nesterov-accelerated Adam (Dozat, 2015), as Keras 3 computes it.

    The momentum coefficient follows a warm-up schedule, mu_t = beta_1 * (1 - 0.5 * 0.96**t),
    and the optimizer keeps the running product of the mu's (one scalar Variable, starting at 1,
    Keras's `_u_product`). Once per step, at t = iterations + 1 (weight updates, not calls, when
    gradients are accumulated):

        mu_t = beta_1 * (1 - 0.5 * 0.96**t);  mu_next = beta_1 * (1 - 0.5 * 0.96**(t + 1))
        u_product *= mu_t                        (so it holds mu_1 * ... * mu_t)

    then per variable w with gradient g and learning rate lr:

        m += (g - m) * (1 - beta_1)              first moment   ("<var>_momentum")
        v += (g*g - v) * (1 - beta_2)            second moment  ("<var>_velocity")
        m_hat = mu_next * m / (1 - u_product * mu_next) + (1 - mu_t) * g / (1 - u_product)
        v_hat = v / (1 - beta_2**t)
        w -= lr * m_hat / (sqrt(v_hat) + epsilon)

    m_hat looks one step ahead (Nesterov): the next step's momentum weight on m, plus the current
    gradient's own share. The scalars are computed in the variable's float type like Keras.

    Variables, in Keras's order: iteration, learning_rate, [EMA averages], momentum and velocity
    interleaved per model variable, then the u_product scalar. Keras creates that scalar as a
    plain unnamed Variable, so its name is the auto name "variable" ("variable_1", ... for later
    ones) and its path has no optimizer prefix; both are reproduced here. It is typed like the
    first model variable (floatx when there are none).
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
        _check_number("Nadam", "beta_1", beta_1, low=0, high=1)
        _check_number("Nadam", "beta_2", beta_2, low=0, high=1)
        _check_number("Nadam", "epsilon", epsilon, low=0)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self._momentums, self._velocities = [], []
        self._u_product = None
        self._advance_u_product = False   # set by `apply`: the next update_step starts a step
        self._coefficient_cache = (None, None)
        self._numerator_buffers = {}      # dtype -> second work array for `update_step`

    def build(self, variables):
        if self.built:
            return
        variables = list(variables)
        dtype = variables[0].dtype if variables else backend_config.floatx()
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"])
        self._u_product = self.add_variable((), initializer="ones", dtype=dtype,
                                            name=auto_name("Variable"))
        self._u_product.path = self._u_product.name  # Keras: created outside the optimizer scope

    def apply(self, grads, trainable_variables=None):
        # u_product advances once per step, before the first variable's update (Keras does it
        # ahead of the per-variable updates); the flag hands that job to the first update_step.
        self._advance_u_product = True
        try:
            return super().apply(grads, trainable_variables)
        finally:
            self._advance_u_product = False

    def _momentum_schedule(self, dtype):
        """(mu_t, mu_next) at t = iterations + 1, in `dtype`."""
        real = dtype.type
        t = real(self._update_count() + 1)
        beta_1, decay, half, one = real(self.beta_1), real(0.96), real(0.5), real(1)
        return beta_1 * (one - half * decay ** t), beta_1 * (one - half * decay ** (t + one))

    def _coefficients(self, learning_rate, dtype):
        """(a, b, c) with m_hat = a*m + b*g and v_hat = c*v, once per step, rate and type."""
        real = dtype.type
        u_product = real(self._u_product.data.item())  # a host scalar (a GPU array too)
        key = (self._update_count(), learning_rate, dtype, float(u_product))
        if self._coefficient_cache[0] != key:
            mu_t, mu_next = self._momentum_schedule(dtype)
            one = real(1)
            u_product_next = u_product * mu_next
            beta_2_power = real(self.beta_2) ** real(key[0] + 1)
            values = (float(mu_next / (one - u_product_next)),
                      float((one - mu_t) / (one - u_product)),
                      float(one / (one - beta_2_power)))
            self._coefficient_cache = (key, values)
        return self._coefficient_cache[1]

    def _numerator_buffer(self, like):
        buffer = self._numerator_buffers.get(like.dtype)
        if buffer is None or buffer.size < like.size:
            buffer = xp.empty(max(like.size, 1), dtype=like.dtype)
            self._numerator_buffers[like.dtype] = buffer
        return buffer[:like.size]

    def update_step(self, gradient, variable, learning_rate):
        if self._advance_u_product:
            self._advance_u_product = False
            u_dtype = self._u_product.dtype
            mu_t, _ = self._momentum_schedule(u_dtype)
            self._u_product.data[...] = u_dtype.type(self._u_product.data.item()) * mu_t
        index = self._get_variable_index(variable)
        a, b, c = self._coefficients(learning_rate, variable.dtype)
        beta_1, beta_2, epsilon = float(self.beta_1), float(self.beta_2), float(self.epsilon)
        for scratch, g, w, m, v in self._blocks(gradient, variable.data,
                                                self._momentums[index].data,
                                                self._velocities[index].data):
            numerator = self._numerator_buffer(scratch)
            m *= beta_1                                   # m = beta_1 m + (1 - beta_1) g
            xp.multiply(g, 1.0 - beta_1, out=scratch)
            m += scratch
            v *= beta_2                                   # v = beta_2 v + (1 - beta_2) g^2
            xp.multiply(g, g, out=scratch)
            scratch *= 1.0 - beta_2
            v += scratch
            xp.multiply(m, a, out=numerator)              # m_hat = a m + b g
            xp.multiply(g, b, out=scratch)
            numerator += scratch
            xp.multiply(v, c, out=scratch)                # sqrt(v_hat) + epsilon
            xp.sqrt(scratch, out=scratch)
            scratch += epsilon
            numerator /= scratch                          # w -= lr m_hat / (sqrt(v_hat) + eps)
            numerator *= learning_rate
            w -= numerator

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
