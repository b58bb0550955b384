"""FTRL: `keras.optimizers.Ftrl`, "Follow The Regularized Leader" with Keras's L2 variants."""
from minikeras.backend.array_module import xp
from minikeras.optimizers.base_optimizer import BLOCK_SIZE, Optimizer, _check_number


class Ftrl(Optimizer):
    """FTRL-Proximal (McMahan et al., 2013), the optimizer of large sparse linear models.

    Instead of moving w by a step, FTRL keeps a "linear" sum z of the gradients and solves for
    w in closed form each step. Per variable w with gradient g and learning rate lr, with
    p = -learning_rate_power (0.5 by default):

        g' = g + 2 * l2_shrinkage_regularization_strength * w    shrinkage: an L2 loss on w
        n_new = n + g*g                                         ("<var>_accumulator", starts at
                                                                  initial_accumulator_value)
        sigma = (n_new**p - n**p) / lr
        z += g' - sigma * w                                     ("<var>_linear", starts at 0)
        quadratic = n_new**p / lr + 2 * (l2_regularization_strength + beta / (2 * lr))
        w = (clip(z, -l1, l1) - z) / quadratic                  l1 = l1_regularization_strength
        n = n_new

    So w is exactly 0 wherever |z| <= l1 (the L1 term makes the model sparse), and otherwise
    w = -(z - l1 * sign(z)) / quadratic. Note that the new w does not depend on the old w
    except through z: even the first step replaces the weights. learning_rate_power = 0 gives
    a fixed per-coordinate rate. Slots are created per variable: accumulator(v0), linear(v0), ...
    """

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        _check_number("Ftrl", "learning_rate_power", learning_rate_power, high=0)
        _check_number("Ftrl", "initial_accumulator_value", initial_accumulator_value, low=0)
        _check_number("Ftrl", "l1_regularization_strength", l1_regularization_strength, low=0)
        _check_number("Ftrl", "l2_regularization_strength", l2_regularization_strength, low=0)
        _check_number("Ftrl", "l2_shrinkage_regularization_strength",
                      l2_shrinkage_regularization_strength, low=0)
        _check_number("Ftrl", "beta", beta, low=0)
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta
        self._accumulators, self._linears = [], []
        self._work_buffers = {}  # dtype -> two more block-sized work arrays

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self._accumulators, self._linears = [], []
        for variable in variables:  # per variable: accumulator, then linear (Keras's order)
            self._accumulators.append(self.add_variable_from_reference(
                variable, "accumulator", initializer=float(self.initial_accumulator_value)))
            self._linears.append(self.add_variable_from_reference(variable, "linear"))

    def _work_arrays(self, scratch):
        """Two reused work arrays like `scratch` (one block), distinct from it and each other."""
        buffer = self._work_buffers.get(scratch.dtype)
        if buffer is None or buffer.shape[1] < scratch.size:  # larger than a block: a GPU's
            buffer = self._work_buffers[scratch.dtype] = xp.empty(
                (2, max(BLOCK_SIZE, scratch.size)), scratch.dtype)
        return buffer[0, :scratch.size], buffer[1, :scratch.size]

    def _power(self, array, out):
        """array ** p with p = -learning_rate_power; p = 0.5 as a square root (exact rounding)."""
        power = -float(self.learning_rate_power)
        if power == 0.5:
            return xp.sqrt(array, out=out)
        return xp.power(array, power, out=out)

    def update_step(self, gradient, variable, learning_rate):
        index = self._get_variable_index(variable)
        real = variable.dtype.type
        lr = real(learning_rate)
        l1 = float(self.l1_regularization_strength)
        # 2 * (l2 + beta / (2 lr)), in the variable's float type as Keras computes it.
        quadratic_offset = real(2) * (real(self.l2_regularization_strength)
                                      + real(self.beta) / (real(2) * lr))
        shrinkage = 2.0 * float(self.l2_shrinkage_regularization_strength)
        n_slot, z_slot = self._accumulators[index].data, self._linears[index].data
        for scratch, g, w, n, z in self._blocks(gradient, variable.data, n_slot, z_slot):
            n_new_power, grad_to_use = self._work_arrays(scratch)
            xp.multiply(g, g, out=scratch)                # n_new = n + g^2
            scratch += n
            self._power(n, out=n)                         # sigma w = (n_new^p - n^p) / lr * w
            self._power(scratch, out=n_new_power)
            xp.subtract(n_new_power, n, out=n)
            n /= lr
            n *= w
            if shrinkage:                                 # z += (g + 2 shrinkage w) - sigma w
                xp.multiply(w, shrinkage, out=grad_to_use)
                grad_to_use += g
                xp.subtract(grad_to_use, n, out=n)
            else:
                xp.subtract(g, n, out=n)
            z += n
            n_new_power /= lr                             # quadratic = n_new^p / lr + 2 l2'
            n_new_power += quadratic_offset
            xp.clip(z, -l1, l1, out=n)                    # w = (clip(z, -l1, l1) - z) / quadratic
            n -= z
            xp.divide(n, n_new_power, out=w)
            n[...] = scratch                              # n = n_new

    def get_config(self):
        config = super().get_config()
        config.update({
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta,
        })
        return config
