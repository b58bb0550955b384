"""MultiOptimizer and OptimizerMap: `keras.optimizers.MultiOptimizer` / `.OptimizerMap`, one
optimizer per group of variables (e.g. Adam for an encoder, SGD for the rest)."""
import re
from collections.abc import MutableMapping

from minikeras.backend.array_module import xp
from minikeras.optimizers.base_optimizer import Optimizer
from minikeras.optimizers.loss_scale_optimizer import LossScaleOptimizer
from minikeras.registry.serialization import lookup_custom_object, serialize_object

_MODULE = "keras.optimizers"


class OptimizerMap(MutableMapping):
    """Variable path (or regular expression over paths) -> Optimizer, with a default.

    `omap[path]` is the optimizer stored under exactly `path` if there is one, else the one
    whose key `re.fullmatch`es `path` (more than one match is a ValueError), else
    `default_optimizer`. So "encoder/.*" covers every variable under "encoder/", while
    "encoder" matches only that exact path. `omap(variable)` looks up `variable.path`.
    Keys cannot be reassigned; values must be plain optimizers (not a LossScaleOptimizer or a
    MultiOptimizer).
    """

    def __init__(self, default_optimizer, optimizer_map=None):
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError(f"default_optimizer must be a Keras Optimizer instance. "
                            f"Received: {default_optimizer}")
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(f"optimizer_map must be a dictionary. Received: {optimizer_map}")
        self._default_optimizer = default_optimizer
        self._optimizer_map = optimizer_map or {}

    @property
    def default_optimizer(self):
        return self._default_optimizer

    def __getitem__(self, key):
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matches = [pattern for pattern in self._optimizer_map if re.fullmatch(pattern, key)]
        if len(matches) > 1:
            raise ValueError(f"Multiple optimizers assigned to variable {key}.")
        return self._optimizer_map[matches[0]] if matches else self._default_optimizer

    def __setitem__(self, key, optimizer):
        if key in self._optimizer_map:
            raise ValueError(f"'{key}' already exists in the OptimizerMap with value "
                             f"{self._optimizer_map[key]}. Please make sure to not use "
                             f"duplicated keys.")
        if not isinstance(key, str):
            raise ValueError(f"key must be a string. Received: {key}")
        if not isinstance(optimizer, Optimizer):
            raise ValueError(f"optimizer must be a Keras Optimizer instance. "
                             f"Received: {optimizer}")
        if isinstance(optimizer, LossScaleOptimizer):
            raise ValueError("optimizer cannot be LossScaleOptimizer.")
        if isinstance(optimizer, MultiOptimizer):
            raise ValueError("optimizer cannot be MultiOptimizer.")
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key):
        del self._optimizer_map[key]

    def __len__(self):
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable):
        return self[variable.path]

    def get_config(self):
        from minikeras import optimizers  # the package's lookup table; it imports this module
        return {"default_optimizer": optimizers.serialize(self._default_optimizer),
                "optimizer_map": {key: optimizers.serialize(value)
                                  for key, value in self._optimizer_map.items()}}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from minikeras import optimizers
        default = optimizers.deserialize(config["default_optimizer"], custom_objects)
        mapping = {key: optimizers.deserialize(value, custom_objects)
                   for key, value in (config.get("optimizer_map") or {}).items()}
        return cls(default, mapping)


class MultiOptimizer(Optimizer):
    """Delegate each variable to the optimizer `optimizer_map(variable)` picks: an
    OptimizerMap, or any callable variable -> Optimizer.

    `build` groups the variables by optimizer and builds each sub-optimizer on its group;
    `apply` hands every sub-optimizer its gradients, then counts one step of its own.
    `optimizers` lists the sub-optimizers (the map's values, then its default, then any new one
    a callable returned, in first-seen order). There is no single `learning_rate`: reading or
    setting it raises an AttributeError (use the sub-optimizers').

    Variables (Keras's order): "<name>/iteration", "<name>/learning_rate" (0.0), then each
    sub-optimizer's. A saved file also holds each sub-optimizer in a child group
    "optimizers/<class name in snake_case>", as Keras writes it.

    Args:
        optimizer_map: an OptimizerMap or a callable.
        loss_scale_factor: set on every sub-optimizer (overriding theirs).
        name: the optimizer's name.
    """

    def __init__(self, optimizer_map, loss_scale_factor=None, name=None):
        super().__init__(learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name)
        if not callable(optimizer_map):
            raise TypeError(f"MultiOptimizer: `optimizer_map` must be an OptimizerMap or a "
                            f"callable variable -> Optimizer. Received: {optimizer_map!r}")
        self._optimizer_map = optimizer_map
        self._inner_optimizers = []
        candidates = list(optimizer_map.values()) if hasattr(optimizer_map, "values") else []
        default = getattr(optimizer_map, "default_optimizer", None)
        if default is not None:
            candidates.append(default)
        for optimizer in candidates:
            self._adopt(optimizer)
        self._var_to_optimizer = {}

    def _adopt(self, optimizer):
        if all(optimizer is not known for known in self._inner_optimizers):
            optimizer.loss_scale_factor = self.loss_scale_factor
            self._inner_optimizers.append(optimizer)

    def _index(self, optimizer):
        return next(i for i, known in enumerate(self._inner_optimizers) if known is optimizer)

    @property
    def loss_scale_factor(self):
        return getattr(self, "_loss_scale_factor", None)

    @loss_scale_factor.setter
    def loss_scale_factor(self, value):
        self._loss_scale_factor = value
        for optimizer in getattr(self, "_inner_optimizers", ()):
            optimizer.loss_scale_factor = value

    @property
    def optimizers(self):
        return self._inner_optimizers

    @property
    def variables(self):
        return list(self._variables) + [v for opt in self._inner_optimizers
                                        for v in opt.variables]

    @property
    def learning_rate(self):
        raise AttributeError("Learning rate cannot be accessed on a MultiOptimizer. Access the "
                             "learning rate on the individual sub-optimizers instead.")

    @learning_rate.setter
    def learning_rate(self, value):
        raise AttributeError("Learning rate cannot be set on a MultiOptimizer. Set the learning "
                             "rate on the individual sub-optimizers instead.")

    @property
    def iterations(self):
        return self._iterations

    def build(self, variables):
        if self.built:
            return
        variables = list(variables)
        groups = {}
        for variable in variables:
            optimizer = self._optimizer_map(variable)
            if not isinstance(optimizer, Optimizer):
                raise ValueError(f"Optimizer for variable {variable} is not an Optimizer "
                                 f"instance.")
            if isinstance(optimizer, LossScaleOptimizer):
                raise ValueError("LossScaleOptimizer cannot be used inside an MultiOptimizer.")
            if isinstance(optimizer, MultiOptimizer):
                raise ValueError("MultiOptimizer cannot be used inside an MultiOptimizer.")
            self._adopt(optimizer)
            index = self._index(optimizer)
            self._var_to_optimizer[id(variable)] = index
            groups.setdefault(index, []).append(variable)
        for index, optimizer in enumerate(self._inner_optimizers):
            if index in groups:
                optimizer.build(groups[index])
        super().build(variables)

    def _split(self, grads, variables):
        per_optimizer = [([], []) for _ in self._inner_optimizers]
        for gradient, variable in zip(grads, variables):
            grads_of, variables_of = per_optimizer[self._var_to_optimizer[id(variable)]]
            grads_of.append(gradient)
            variables_of.append(variable)
        return per_optimizer

    def apply(self, grads, trainable_variables=None):
        """Each sub-optimizer applies its variables' gradients; then iterations += 1."""
        grads = list(grads)
        if not grads:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError("When passing `grads` without `variables`, the optimizer must "
                                 "already be built on a list of variables. Call "
                                 "`optimizer.build(trainable_variables)` first.")
            trainable_variables = self._trainable_variables
        trainable_variables = list(trainable_variables)
        if not self.built:
            self.build(trainable_variables)
        if len(grads) != len(self._var_to_optimizer):
            raise ValueError(f"Gradients must match trainable variables one-to-one. Received "
                             f"{len(grads)} gradients and {len(self._var_to_optimizer)} "
                             f"variables.")
        for variable in trainable_variables:
            if id(variable) not in self._var_to_optimizer:
                raise ValueError(f"MultiOptimizer: unknown variable {variable!r}; it was not in "
                                 f"the list the optimizer was built with.")
        for optimizer, (grads_of, variables_of) in zip(self._inner_optimizers,
                                                       self._split(grads, trainable_variables)):
            if variables_of:
                optimizer.apply(grads_of, variables_of)
        self._iterations.data += 1

    def finalize_variable_values(self, var_list):
        for optimizer, (_, variables_of) in zip(
                self._inner_optimizers, self._split([None] * len(var_list), var_list)):
            if variables_of:
                optimizer.finalize_variable_values(variables_of)

    def set_weights(self, weights):
        """Assign this optimizer's own variables, then each sub-optimizer's, by position."""
        if not self.built:
            raise ValueError("You are calling `set_weights()` on an optimizer that has not yet "
                             "been built. Please call `optimizer.build(trainable_variables)` to "
                             "create the optimizer weights before calling `set_weights()`.")
        weights = list(weights)
        for variable, weight in zip(self._variables, weights):
            variable.assign(xp.asarray(weight))
        start = len(self._variables)
        for optimizer in self._inner_optimizers:
            count = len(optimizer.variables)
            if count:
                optimizer.set_weights(weights[start:start + count])
                start += count

    def get_config(self):
        return {"optimizer_map": serialize_object(self._optimizer_map, _MODULE),
                "loss_scale_factor": self.loss_scale_factor, "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        mapping = config["optimizer_map"]
        if isinstance(mapping, dict) and mapping.get("class_name") == "OptimizerMap":
            config["optimizer_map"] = OptimizerMap.from_config(mapping.get("config") or {},
                                                               custom_objects)
        elif isinstance(mapping, (str, dict)):
            name = mapping if isinstance(mapping, str) else (
                mapping.get("registered_name") or mapping.get("class_name"))
            found = lookup_custom_object(name, custom_objects)
            if found is None:
                raise ValueError(f"MultiOptimizer: cannot find the optimizer map {name!r}; "
                                 f"register it (keras.saving.register_keras_serializable) or "
                                 f"pass it in `custom_objects`.")
            config["optimizer_map"] = (found.from_config(mapping.get("config") or {})
                                       if isinstance(mapping, dict) else found)
        return cls(**config)

    def __repr__(self):
        return f"<MultiOptimizer name={self.name}, optimizers={self._inner_optimizers!r}>"
