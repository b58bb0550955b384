"""Stochastic gradient descent, with optional (Nesterov) momentum: `keras.optimizers.SGD`."""
from minikeras.backend.array_module import xp
from minikeras.optimizers.base_optimizer import Optimizer, _check_number


class SGD(Optimizer):
    """Gradient descent with momentum.

    Per variable w with gradient g and learning rate lr (Keras 3's form):

        momentum == 0:  w -= lr * g
        otherwise:      m = momentum * m - lr * g
                        w += m                          (nesterov=False)
                        w += momentum * m - lr * g      (nesterov=True, with the new m)

    The velocity slot m ("<var>_momentum") exists only when momentum > 0.
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        _check_number("SGD", "momentum", momentum, low=0, high=1)
        self.momentum = momentum
        self.nesterov = nesterov
        self.momentums = []

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    def update_step(self, gradient, variable, learning_rate):
        w = variable.data
        step = self._scratch(w)
        xp.multiply(gradient, learning_rate, out=step)           # lr * g
        if self.momentum == 0:
            w -= step
            return
        momentum = float(self.momentum)
        m = self.momentums[self._get_variable_index(variable)].data
        m *= momentum
        m -= step                                                 # m = momentum*m - lr*g
        if self.nesterov:
            w -= step
            xp.multiply(m, momentum, out=step)
            w += step                                             # w += momentum*m - lr*g
        else:
            w += m

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
