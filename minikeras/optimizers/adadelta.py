"""Adadelta: `keras.optimizers.Adadelta`, with epsilon inside both square roots."""
from minikeras.backend.array_module import xp
from minikeras.optimizers.base_optimizer import BLOCK_SIZE, Optimizer, _check_number


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012): step sizes from running averages of squared gradients and of
    squared updates, so that the units of the update match the units of the weights.

    Per variable w with gradient g and learning rate lr (Keras 3's form):

        a = rho * a + (1 - rho) * g*g                     ("<var>_accumulated_grad")
        delta = sqrt(d + epsilon) * g / sqrt(a + epsilon)  d is the value from the previous step
        d = rho * d + (1 - rho) * delta*delta             ("<var>_accumulated_delta_var")
        w -= lr * delta

    The paper's form has no learning rate (lr = 1.0); Keras keeps one, with the default 0.001,
    which moves the weights very little: Adadelta usually wants a much larger rate.
    Slots are created per variable: accumulated_grad(v0), accumulated_delta_var(v0), ...
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        _check_number("Adadelta", "rho", rho, low=0, high=1)
        _check_number("Adadelta", "epsilon", epsilon, low=0)
        self.rho = rho
        self.epsilon = epsilon
        self._accumulated_grads, self._accumulated_delta_vars = [], []
        self._second_buffers = {}  # dtype -> a second block-sized work array

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            variables, ["accumulated_grad", "accumulated_delta_var"])

    def _second_scratch(self, scratch):
        """A reused work array like `scratch` (one block), distinct from it."""
        buffer = self._second_buffers.get(scratch.dtype)
        if buffer is None or buffer.size < scratch.size:  # larger than a block: a GPU's
            buffer = self._second_buffers[scratch.dtype] = xp.empty(max(BLOCK_SIZE, scratch.size),
                                                                    scratch.dtype)
        return buffer[:scratch.size]

    def update_step(self, gradient, variable, learning_rate):
        index = self._get_variable_index(variable)
        rho, epsilon = float(self.rho), float(self.epsilon)
        a_slot = self._accumulated_grads[index].data
        d_slot = self._accumulated_delta_vars[index].data
        for scratch, g, w, a, d in self._blocks(gradient, variable.data, a_slot, d_slot):
            other = self._second_scratch(scratch)
            a *= rho                                      # a = rho a + (1 - rho) g^2
            xp.multiply(g, g, out=scratch)
            scratch *= 1.0 - rho
            a += scratch
            xp.add(d, epsilon, out=scratch)               # delta = rms(d) g / rms(a)
            xp.sqrt(scratch, out=scratch)
            scratch *= g
            xp.add(a, epsilon, out=other)
            xp.sqrt(other, out=other)
            scratch /= other
            d *= rho                                      # d = rho d + (1 - rho) delta^2
            xp.multiply(scratch, scratch, out=other)
            other *= 1.0 - rho
            d += other
            scratch *= learning_rate                      # w -= lr delta
            w -= scratch

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
