"""`keras.StatelessScope` and `keras.SymbolicScope`: context managers that change how variables
and layers behave inside them.

A `StatelessScope` leaves every variable as it was: inside it, a variable given a value in
`state_mapping` reads that value, and writes to a variable land in the scope instead of the
variable; `get_current_value(variable)` gives the value it would now have. This is how Keras
runs a training step as a pure function (`stateless_call`, `stateless_apply`).

How minikeras keeps variables untouched: on entry each mapped variable's array is swapped for
a copy of its mapped value, and the first `assign` / `assign_add` / `assign_sub` of any other
variable swaps in a copy of its current array; on exit the original arrays are put back and
the copies become the collected values. Writes made straight into a variable's array (the
optimizers' in-place updates) are caught only for variables in `state_mapping`, so map every
variable a step may update, as Keras's `stateless_apply` does.
"""
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import (Tensor, Variable, pop_write_interceptor,
                                        push_write_interceptor)

_STATELESS_SCOPES = []
_SYMBOLIC_SCOPES = []


class StatelessScope:
    """Scope in which no variable is updated; updates are collected instead.

    Args:
        state_mapping: a list of `(variable, value)` pairs: inside the scope the variable
            reads `value` (same shape; cast to the variable's dtype).
        collect_losses: collect the losses layers add (`layer.add_loss`) in `scope.losses`.
        initialize_variables: accepted for Keras's signature (Keras initializes lazily created
            variables on exit; minikeras's variables are initialized when created).

    Example:
        >>> v = Variable(np.zeros(2), name="v")
        >>> with StatelessScope([(v, np.ones(2))]) as scope:
        ...     v.assign_add(np.ones(2))
        >>> v.numpy(), scope.get_current_value(v).numpy()
        (array([0., 0.], dtype=float32), array([2., 2.], dtype=float32))
    """

    def __init__(self, state_mapping=None, collect_losses=False, initialize_variables=True):
        self.collect_losses = collect_losses
        self.initialize_variables = initialize_variables
        self.losses = []
        self.state_mapping = {}
        self._variables = {}     # id -> variable whose array is swapped (or was, after exit)
        self._originals = {}     # id -> the variable's own array while the scope is active
        self._active = False
        for variable, value in state_mapping or ():
            if not isinstance(variable, Variable):
                raise ValueError(f"Invalid reference variable in StatelessScope: all keys in "
                                 f"argument `mapping` must be Variable instances. Received "
                                 f"instead: {variable}")
            value = xp.array(value.data if isinstance(value, Tensor) else value,
                             dtype=variable.data.dtype, order="C")
            if value.shape != variable.data.shape:
                raise ValueError(f"Invalid variable value in StatelessScope: all values in "
                                 f"argument `mapping` must be tensors with a shape that matches "
                                 f"the corresponding variable shape. For variable {variable}, "
                                 f"received invalid value {value} with shape {value.shape}.")
            self._variables[id(variable)] = variable
            self.state_mapping[id(variable)] = value

    def __enter__(self):
        for key, variable in self._variables.items():
            self._originals[key] = variable.data
            variable.data = self.state_mapping[key]
        _STATELESS_SCOPES.append(self)
        push_write_interceptor(self)
        self._active = True
        return self

    def __exit__(self, *exc_info):
        self._active = False
        pop_write_interceptor(self)
        _STATELESS_SCOPES.remove(self)
        for key, original in self._originals.items():
            variable = self._variables[key]
            self.state_mapping[key] = variable.data
            variable.data = original
        self._originals.clear()
        return False

    def before_write(self, variable):
        """Called before a variable is assigned inside the scope: give it a private copy."""
        key = id(variable)
        if key not in self._originals:
            self._variables[key] = variable
            self._originals[key] = variable.data
            variable.data = variable.data.copy()

    def add_loss(self, loss):
        """Collect a loss a layer adds (with `collect_losses=True`)."""
        self.losses.append(loss)

    def add_update(self, update):
        """Record `(variable, value)` as the variable's value in this scope."""
        variable, value = update
        key = id(variable)
        value = xp.array(value.data if isinstance(value, Tensor) else value,
                         dtype=variable.data.dtype, order="C")
        if self._active:
            self.before_write(variable)
            variable.data[...] = value
        else:
            self._variables[key] = variable
            self.state_mapping[key] = value

    def get_current_value(self, variable):
        """The variable's value in this scope (a Tensor), or None if the scope never mapped
        nor updated it."""
        key = id(variable)
        if self._active and key in self._originals:
            return Tensor(variable.data.copy())
        if key in self.state_mapping:
            return Tensor(self.state_mapping[key])
        return None


def in_stateless_scope():
    """Whether a `StatelessScope` is active."""
    return bool(_STATELESS_SCOPES)


def get_stateless_scope():
    """The innermost active `StatelessScope`, or None."""
    return _STATELESS_SCOPES[-1] if _STATELESS_SCOPES else None


class SymbolicScope:
    """Marks the symbolic stage (Keras enters it while it traces a model on `KerasTensor`s, so
    that code can tell tracing from running); `in_symbolic_scope()` says whether one is active.
    """

    def __enter__(self):
        _SYMBOLIC_SCOPES.append(self)
        return self

    def __exit__(self, *exc_info):
        _SYMBOLIC_SCOPES.remove(self)
        return False


def in_symbolic_scope():
    """Whether a `SymbolicScope` is active."""
    return bool(_SYMBOLIC_SCOPES)


def get_symbolic_scope():
    """The innermost active `SymbolicScope`, or None."""
    return _SYMBOLIC_SCOPES[-1] if _SYMBOLIC_SCOPES else None
