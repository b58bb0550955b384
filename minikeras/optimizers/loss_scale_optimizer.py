"""LossScaleOptimizer: `keras.optimizers.LossScaleOptimizer`, dynamic loss scaling around
another optimizer (for float16 training, where small gradients underflow)."""

from minikeras.backend.array_module import xp
from minikeras.optimizers.base_optimizer import ITERATIONS_DTYPE, Optimizer

# base-optimizer arguments the wrapper refuses unless left at their defaults: they belong to the
# inner optimizer
_INNER_ONLY = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None,
               "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
               "ema_overwrite_frequency": None, "loss_scale_factor": None,
               "gradient_accumulation_steps": None}


class LossScaleOptimizer(Optimizer):
    """Wrap `inner_optimizer`: `scale_loss` multiplies the loss by a dynamic scale, and `apply`
    divides the gradients by it before handing them to the inner optimizer.

    On each `apply`:
      - if any gradient holds inf or NaN, the step is skipped (weights and the inner optimizer
        untouched), the scale is halved and the growth counter restarts;
      - otherwise the unscaled gradients are applied, and after `dynamic_growth_steps`
        consecutive finite steps the scale doubles (the counter restarts).

    Variables (Keras's order and names): "<name>/iteration" (stays 0), "<name>/learning_rate"
    (0.0), "<name>/step_counter" (int32), "<name>/dynamic_scale" (float32), then the inner
    optimizer's. `iterations` and `learning_rate` are the inner optimizer's. In a saved file the
    wrapper's group holds all of them and a child group "inner_optimizer" holds the inner ones
    again, as Keras writes it.

    Args:
        inner_optimizer: the Optimizer to wrap (its `loss_scale_factor` is set to None).
        initial_scale: the first loss scale (2**15).
        dynamic_growth_steps: finite steps between doublings (2000).
        name: the wrapper's name. The other base arguments (clipnorm, use_ema, ...) are refused:
            set them on the inner optimizer. `dynamic=False` is refused as in Keras 3.
    """

    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000,
                 name=None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer no longer supports `dynamic=False`. Instead, "
                             "simply set `loss_scale_factor` directly on the `inner_optimizer`.")
        for argument, default in _INNER_ONLY.items():
            if argument in kwargs and kwargs.pop(argument) != default:
                raise ValueError(f"LossScaleOptimizer does not support `{argument}`. Instead, "
                                 f"set `{argument}` on the `inner_optimizer`.")
        if kwargs:
            raise ValueError(f"LossScaleOptimizer does not support arguments: "
                             f"`{'`, `'.join(kwargs)}`.")
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError(f"LossScaleOptimizer: `inner_optimizer` must be an Optimizer, "
                            f"received {type(inner_optimizer).__name__}.")
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        self.inner_optimizer.loss_scale_factor = None
        self.step_counter = None
        self.dynamic_scale = None

    def build(self, variables):
        if self.built:
            return
        variables = list(variables)
        self.step_counter = self.add_variable((), "zeros", dtype=ITERATIONS_DTYPE,
                                              name="step_counter")
        self.dynamic_scale = self.add_variable((), float(self.initial_scale), dtype="float32",
                                               name="dynamic_scale")
        self.inner_optimizer.build(variables)
        super().build(variables)

    @property
    def variables(self):
        return list(self._variables) + list(self.inner_optimizer.variables)

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        self.inner_optimizer.learning_rate = learning_rate

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    def apply(self, grads, trainable_variables=None):
        """Apply the unscaled gradients through the inner optimizer, or skip a non-finite step;
        then grow or shrink the scale (see the class docstring)."""
        grads = list(grads)
        if not self.built:
            if trainable_variables is None:
                raise ValueError("LossScaleOptimizer: when passing `grads` without "
                                 "`trainable_variables`, the optimizer must already be built; "
                                 "call `optimizer.build(variables)`.")
            self.build(trainable_variables)
        arrays = [None if g is None else xp.asarray(getattr(g, "data", g)) for g in grads]
        finite = all(bool(xp.isfinite(a).all()) for a in arrays if a is not None)
        if not finite:
            self.step_counter.assign(xp.zeros((), ITERATIONS_DTYPE))
            self.dynamic_scale.assign(self.dynamic_scale.data * xp.float32(0.5))
            return
        scale = self.dynamic_scale.data
        unscaled = [None if a is None else a / scale.astype(a.dtype) for a in arrays]
        self.inner_optimizer.apply(unscaled, trainable_variables)
        if int(self.step_counter.data) == self.dynamic_growth_steps - 1:
            self.step_counter.assign(xp.zeros((), ITERATIONS_DTYPE))
            self.dynamic_scale.assign(scale * xp.float32(2.0))
        else:
            self.step_counter.assign(self.step_counter.data + 1)

    def scale_loss(self, loss):
        """The loss times the current scale (`initial_scale` before the first build)."""
        if self.built:
            return loss * float(self.dynamic_scale.data)
        return loss * self.initial_scale

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self):
        from minikeras import optimizers  # the package's lookup table; it imports this module
        return {"name": self.name, "inner_optimizer": optimizers.serialize(self.inner_optimizer),
                "initial_scale": self.initial_scale,
                "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from minikeras import optimizers
        config = dict(config)
        inner = optimizers.deserialize(config.pop("inner_optimizer"),
                                       custom_objects=custom_objects)
        return cls(inner, **config)

    def __repr__(self):
        return f"<LossScaleOptimizer name={self.name}, inner={self.inner_optimizer!r}>"
