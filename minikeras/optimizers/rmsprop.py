"""RMSprop: `keras.optimizers.RMSprop`, with epsilon inside the square root."""
from minikeras.backend.array_module import xp
from minikeras.optimizers.base_optimizer import Optimizer, _check_number


class RMSprop(Optimizer):
    """Divide the gradient by a running root-mean-square of recent gradients (Hinton's lecture).

    Per variable w with gradient g and learning rate lr (Keras 3's form):

        v = rho * v + (1 - rho) * g*g                          ("<var>_velocity")
        centered:  a = rho * a + (1 - rho) * g                 ("<var>_average_gradient")
                   denominator = v - a*a + epsilon
        otherwise: denominator = v + epsilon
        increment = lr * g / sqrt(denominator)                 epsilon INSIDE the sqrt
        momentum > 0: m = momentum * m + increment; w -= m     ("<var>_momentum")
        otherwise:    w -= increment

    Slots are created all velocities first, then all momentums, then all average gradients.
    Keras auto-names this optimizer "rm_sprop" (its snake_case of "RMSprop"), and so do we.
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        _check_number("RMSprop", "rho", rho, low=0, high=1)
        _check_number("RMSprop", "momentum", momentum, low=0, high=1)
        _check_number("RMSprop", "epsilon", epsilon, low=0)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered
        self._velocities, self._momentums, self._average_gradients = [], [], []

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._velocities = self.add_optimizer_variables(variables, "velocity")
        if self.momentum > 0:
            self._momentums = self.add_optimizer_variables(variables, "momentum")
        if self.centered:
            self._average_gradients = self.add_optimizer_variables(variables, "average_gradient")

    def update_step(self, gradient, variable, learning_rate):
        index = self._get_variable_index(variable)
        rho, epsilon, momentum = float(self.rho), float(self.epsilon), float(self.momentum)
        slots = [self._velocities[index].data]
        slots.append(self._average_gradients[index].data if self.centered else None)
        slots.append(self._momentums[index].data if momentum > 0 else None)
        present = [slot for slot in slots if slot is not None]
        for scratch, g, w, v, *rest in self._blocks(gradient, variable.data, *present):
            a = rest.pop(0) if self.centered else None
            m = rest.pop(0) if momentum > 0 else None
            v *= rho                                       # v = rho v + (1 - rho) g^2
            xp.multiply(g, g, out=scratch)
            scratch *= 1.0 - rho
            v += scratch
            if a is not None:                              # centered: subtract the mean gradient^2
                a *= rho
                xp.multiply(g, 1.0 - rho, out=scratch)
                a += scratch
                xp.multiply(a, a, out=scratch)
                xp.subtract(v, scratch, out=scratch)
                scratch += epsilon
            else:
                xp.add(v, epsilon, out=scratch)
            xp.sqrt(scratch, out=scratch)
            xp.divide(g, scratch, out=scratch)
            scratch *= learning_rate                       # increment = lr g / sqrt(v + epsilon)
            if m is not None:
                m *= momentum
                m += scratch
                w -= m
            else:
                w -= scratch

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config
