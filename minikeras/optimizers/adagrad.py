"""Adagrad: `keras.optimizers.Adagrad`, per-coordinate rates from the summed squared gradients."""
from minikeras.backend.array_module import xp
from minikeras.optimizers.base_optimizer import Optimizer, _check_number


class Adagrad(Optimizer):
    """Adaptive gradient (Duchi et al., 2011), as Keras 3 computes it.

    Per variable w with gradient g and learning rate lr:

        a += g*g                                  ("<var>_accumulator", starts at
                                                   initial_accumulator_value, 0.1)
        w -= lr * g / sqrt(a + epsilon)           epsilon INSIDE the square root

    A coordinate that has seen large gradients takes ever smaller steps; the steps only shrink,
    which is why Adagrad usually wants a larger learning rate than Adam (the paper's form is
    learning_rate=1.0).
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        _check_number("Adagrad", "initial_accumulator_value", initial_accumulator_value, low=0)
        _check_number("Adagrad", "epsilon", epsilon, low=0)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon
        self._accumulators = []

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        # A number as the initializer fills each slot with it (in the slot's float type).
        self._accumulators = self.add_optimizer_variables(
            variables, "accumulator", initializer=float(self.initial_accumulator_value))

    def update_step(self, gradient, variable, learning_rate):
        index = self._get_variable_index(variable)
        epsilon = float(self.epsilon)
        for scratch, g, w, a in self._blocks(gradient, variable.data,
                                             self._accumulators[index].data):
            xp.multiply(g, g, out=scratch)                # a += g^2
            a += scratch
            xp.add(a, epsilon, out=scratch)               # w -= lr g / sqrt(a + epsilon)
            xp.sqrt(scratch, out=scratch)
            xp.divide(g, scratch, out=scratch)
            scratch *= learning_rate
            w -= scratch

    def get_config(self):
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value,
                       "epsilon": self.epsilon})
        return config
