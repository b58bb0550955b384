"""Lion: `keras.optimizers.Lion`, the sign-of-momentum optimizer."""
from minikeras.backend.array_module import xp
from minikeras.optimizers.base_optimizer import BLOCK_SIZE, Optimizer, _check_number


class Lion(Optimizer):
    """EvoLved Sign Momentum (Chen et al., 2023): every weight moves by exactly lr per step, in
    the direction of the sign of an interpolation between the momentum and the gradient.

    Per variable w with gradient g and learning rate lr:

        w -= lr * sign(beta_1 * m + (1 - beta_1) * g)     m is the value from the previous step
        m = beta_2 * m + (1 - beta_2) * g                 ("<var>_momentum")

    sign(0) is 0, so a weight whose interpolation is exactly 0 does not move. Because the
    update has a fixed size, Lion wants a rate 3-10x smaller than Adam's, and a weight decay
    3-10x larger for the same decay strength lr * weight_decay. beta_1 must be in (0, 1]
    (beta_1 = 0 would be plain sign-SGD, which Keras refuses).
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        _check_number("Lion", "beta_1", beta_1, low=0, high=1)
        if beta_1 == 0:
            raise ValueError("Lion: argument `beta_1` must be in (0, 1]; with beta_1=0 the "
                             "optimizer degenerates to sign-SGD. Received: beta_1=0")
        _check_number("Lion", "beta_2", beta_2, low=0, high=1)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self._momentums = []
        self._second_buffers = {}  # dtype -> a second block-sized work array

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._momentums = self.add_optimizer_variables(variables, "momentum")

    def _second_scratch(self, scratch):
        """A reused work array like `scratch` (one block), distinct from it."""
        buffer = self._second_buffers.get(scratch.dtype)
        if buffer is None or buffer.size < scratch.size:  # larger than a block: a GPU's
            buffer = self._second_buffers[scratch.dtype] = xp.empty(max(BLOCK_SIZE, scratch.size),
                                                                    scratch.dtype)
        return buffer[:scratch.size]

    def update_step(self, gradient, variable, learning_rate):
        m_slot = self._momentums[self._get_variable_index(variable)].data
        beta_1, beta_2 = float(self.beta_1), float(self.beta_2)
        for scratch, g, w, m in self._blocks(gradient, variable.data, m_slot):
            other = self._second_scratch(scratch)
            xp.multiply(m, beta_1, out=scratch)           # c = beta_1 m + (1 - beta_1) g
            xp.multiply(g, 1.0 - beta_1, out=other)
            scratch += other
            xp.sign(scratch, out=other)                   # w -= lr sign(c)  (NumPy's sign runs
            other *= learning_rate                        # several times slower in place)
            w -= other
            m *= beta_2                                   # m = beta_2 m + (1 - beta_2) g
            xp.multiply(g, 1.0 - beta_2, out=scratch)
            m += scratch

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config
