"""The `Optimizer` base class: everything an optimizer does except its own update rule.

One call of `apply(grads, variables)` is one training step, done in Keras 3's order:

    unscale by loss_scale_factor -> clip (clipnorm | global_clipnorm | clipvalue)
    -> decoupled weight decay  w -= lr * weight_decay * w
    -> update_step(gradient, variable, lr) for each variable    (the subclass's rule)
    -> EMA of the weights (use_ema) -> variable constraints -> iterations += 1

With `gradient_accumulation_steps=n`, the gradients of n-1 calls are only summed into
"gradient_accumulator" slots; the n-th call updates the weights with the mean of the n
gradients (clipping and weight decay apply to that mean) and zeroes the accumulators. EMA and
constraints still run on every call. As in Keras, bias corrections and EMA count weight
updates (`iterations` = calls // n) while learning-rate schedules count calls.

The learning rate `lr` is read once per step: a float32 Variable, a `LearningRateSchedule`
evaluated at `iterations` (the step count before this step), or a no-argument callable.

A subclass (SGD, Adam, ...) overrides `build(variables)` to create its slot Variables with
`add_optimizer_variables`, and `update_step(gradient, variable, learning_rate)`, which changes
`variable.data` and its slots in place. Gradients reach `update_step` as arrays of the variable's
shape and dtype; `learning_rate` is a Python float, so no float64 temporaries appear.
"""
import functools
import math
import re
import threading
import warnings
from numbers import Real

from minikeras.backend import config
from minikeras.backend.array_module import on_host, xp
from minikeras.backend.autodiff import Tensor, Variable
from minikeras.distribution.runs import reduce_gradients
from minikeras.optimizers import schedules
from minikeras.registry.serialization import resolve, serialize_object
from minikeras.backend.naming import auto_name

# Keras 3 (torch and JAX backends) keeps the step counter as int32: `.h5` files store it so and
# `model.summary()` counts its 4 bytes under "Optimizer params".
ITERATIONS_DTYPE = "int32"
BLOCK_SIZE = 16384  # values per block in `_blocks`: a block of every array fits in the L2 cache


def _is_number(value):
    return isinstance(value, Real) and not isinstance(value, bool)


def _check_number(owner, argument, value, low=None, high=None, allow_none=False):
    """Raise a ValueError naming `owner` and `argument` unless low <= value <= high."""
    if value is None and allow_none:
        return
    if not _is_number(value) or (low is not None and value < low) or \
            (high is not None and value > high):
        if high is not None:
            bounds = f" in [{low}, {high}]"
        else:
            bounds = f" >= {low}" if low is not None else ""
        raise ValueError(f"{owner}: argument `{argument}` must be a number{bounds}"
                         f"{' or None' if allow_none else ''}. Received: {argument}={value!r}")


def _one_thread_at_a_time(apply):
    """`apply`, refused with a RuntimeError while another thread is inside it (re-entrant
    within a thread, so an override may call `super().apply`). One uncontended lock per step."""
    @functools.wraps(apply)
    def guarded_apply(self, *args, **kwargs):
        if not self._apply_lock.acquire(blocking=False):
            raise RuntimeError(f"{type(self).__name__} {self.name!r}: `apply` is already running "
                               f"in another thread. An optimizer updates weights in one thread "
                               f"at a time (its slots, step counter and work buffers are "
                               f"shared); give each model trained in its own thread its own "
                               f"optimizer.")
        try:
            return apply(self, *args, **kwargs)
        finally:
            self._apply_lock.release()
    return guarded_apply


class Optimizer:
    """Base class of all optimizers (Keras 3's `keras.optimizers.Optimizer`).

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable taking no arguments and
            returning the rate (Keras 3 calls such a callable with no arguments each step).
        weight_decay: if set, decoupled decay `w -= lr * weight_decay * w` before each update.
        clipnorm: clip each gradient to L2 norm <= clipnorm.
        clipvalue: clip each gradient element to [-clipvalue, clipvalue].
        global_clipnorm: scale all gradients together so that their joint L2 norm <= global_clipnorm.
            At most one of the three clipping arguments may be set.
        use_ema: keep an exponential moving average of the weights (slots named "<var>_average");
            `finalize_variable_values` (called by fit at the end) copies it into the weights.
        ema_momentum: weight of the old average in the EMA (0.99).
        ema_overwrite_frequency: if set, copy the EMA into the weights every this many steps.
        loss_scale_factor: gradients are divided by it before anything else (`scale_loss`
            multiplies the loss by it).
        gradient_accumulation_steps: an int >= 2 to update the weights once every this many
            calls, with the mean of their gradients (a larger effective batch); None updates on
            every call.
        name: defaults to the snake_case class name, made unique ("adam", "adam_1", ...).
    """

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        owner = type(self).__name__
        if kwargs.pop("decay", None) is not None:
            warnings.warn(f"{owner}: argument `decay` is no longer supported and will be ignored.")
        if kwargs:
            raise ValueError(f"{owner}: argument(s) not recognized: {kwargs}")
        _check_number(owner, "weight_decay", weight_decay, low=0, allow_none=True)
        for argument, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                                ("global_clipnorm", global_clipnorm)):
            _check_number(owner, argument, value, low=0, allow_none=True)
        if sum(value is not None for value in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(f"{owner}: only one of `clipnorm`, `clipvalue` and `global_clipnorm` can "
                             f"be set. Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                             f"global_clipnorm={global_clipnorm}")
        if use_ema:
            _check_number(owner, "ema_momentum", ema_momentum, low=0, high=1)
            if ema_overwrite_frequency is not None and (
                    not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1):
                raise ValueError(f"{owner}: `ema_overwrite_frequency` must be an integer >= 1 or "
                                 f"None. "
                                 f"Received: ema_overwrite_frequency={ema_overwrite_frequency!r}")
        _check_number(owner, "loss_scale_factor", loss_scale_factor, allow_none=True)
        if loss_scale_factor == 0:
            raise ValueError(f"{owner}: `loss_scale_factor` must not be 0.")
        if gradient_accumulation_steps and (not isinstance(gradient_accumulation_steps, int) or
                                            isinstance(gradient_accumulation_steps, bool) or
                                            gradient_accumulation_steps < 2):
            raise ValueError(f"{owner}: `gradient_accumulation_steps` must be an integer >= 2 or "
                             f"None. Received: gradient_accumulation_steps="
                             f"{gradient_accumulation_steps!r}")

        self.name = name if name is not None else auto_name(owner)
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = bool(use_ema)
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False

        self._variables = []             # every optimizer Variable, in Keras's order
        self._trainable_variables = []   # the model variables this optimizer was built for
        self._variable_index = {}        # id(model variable) -> its position in that list
        self._ema_averages = []
        self._accumulated_gradients = []
        self._exclude_ids = set()
        self._exclude_pattern = None
        self._decay_cache = {}           # id(model variable) -> whether weight decay applies
        self._scratch_buffers = {}       # dtype -> flat work array, reused by every update_step
        self._apply_lock = threading.RLock()  # held by the thread inside `apply` (see there)

        self._iterations = self._make_variable(xp.zeros((), dtype=ITERATIONS_DTYPE), "iteration",
                                               ITERATIONS_DTYPE)
        self._variables.append(self._iterations)
        self._learning_rate = None
        self._set_learning_rate(learning_rate)

    def __init_subclass__(cls, **kwargs):
        # A subclass's own `apply` (Nadam's) runs whole under the one-thread guard too.
        super().__init_subclass__(**kwargs)
        apply = cls.__dict__.get("apply")
        if apply is not None and not hasattr(apply, "__wrapped__"):
            cls.apply = _one_thread_at_a_time(apply)

    def __getstate__(self):
        # A lock neither pickles nor deep-copies: a copy gets a fresh one.
        state = dict(self.__dict__)
        state.pop("_apply_lock", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._apply_lock = threading.RLock()

    # -- learning rate and step counter ------------------------------------------------------
    @property
    def iterations(self):
        """The int32 Variable counting applied steps (Keras path "<name>/iteration").

        With gradient accumulation Keras reports the number of weight updates instead: the
        calls counted by the variable, floor-divided by `gradient_accumulation_steps`.
        """
        if self.gradient_accumulation_steps:
            return self._iterations.data // self.gradient_accumulation_steps
        return self._iterations

    def _update_count(self):
        """Weight updates done so far, as a Python int: the `t - 1` of bias corrections."""
        count = int(self._iterations.data)
        if self.gradient_accumulation_steps:
            count //= self.gradient_accumulation_steps
        return count

    @property
    def learning_rate(self):
        """The rate the next step will use, as a Python float (a schedule is evaluated at
        `iterations`). Assign a float to change it, or a schedule/callable to replace it."""
        return self._current_learning_rate()

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        self._set_learning_rate(learning_rate)

    def _set_learning_rate(self, learning_rate):
        current = self._learning_rate
        if isinstance(learning_rate, schedules.LearningRateSchedule) or callable(learning_rate):
            if isinstance(current, Variable):
                self._variables.remove(current)
            self._learning_rate = learning_rate
            return
        if isinstance(current, schedules.LearningRateSchedule):
            raise TypeError(f"{type(self).__name__} was created with a `LearningRateSchedule` as its "
                            f"`learning_rate`, hence its learning rate is not settable. Create the "
                            f"optimizer with a float `learning_rate` to be able to set it.")
        if isinstance(learning_rate, Tensor):
            learning_rate = learning_rate.data
        if hasattr(learning_rate, "ndim") and learning_rate.ndim == 0:
            learning_rate = learning_rate.item()
        if not _is_number(learning_rate):
            raise ValueError(f"{type(self).__name__}: argument `learning_rate` should be a float, a "
                             f"LearningRateSchedule, or a callable taking no arguments. "
                             f"Received: learning_rate={learning_rate!r}")
        if isinstance(current, Variable):
            current.assign(xp.asarray(learning_rate, dtype=current.dtype))
            return
        variable = self._make_variable(xp.asarray(learning_rate, dtype=config.floatx()),
                                       "learning_rate", config.floatx())
        self._variables.insert(1, variable)  # Keras order: iteration, learning_rate, slots...
        self._learning_rate = variable

    def _current_learning_rate(self):
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            return float(self._learning_rate(self._iterations))
        if isinstance(self._learning_rate, Variable):
            return float(self._learning_rate.data)
        return float(self._learning_rate())

    # -- variables ---------------------------------------------------------------------------
    def _make_variable(self, value, name, dtype):
        variable = Variable(value, dtype=dtype, trainable=False, name=name)
        variable.path = f"{self.name}/{name}"
        return variable

    @property
    def variables(self):
        """All optimizer Variables in Keras's order: iteration, learning_rate (absent for a
        schedule or callable), EMA averages, then the slots in the order `build` created them."""
        return list(self._variables)

    def add_variable(self, shape, initializer="zeros", dtype=None, name=None):
        """A new non-trainable optimizer Variable with path "<optimizer name>/<name>".

        `initializer` is "zeros", "ones", a callable `(shape, dtype) -> array`, or a value.
        """
        dtype = dtype or config.floatx()
        shape = tuple(shape)
        if isinstance(initializer, str):
            if initializer not in ("zeros", "ones"):
                raise ValueError(f"{type(self).__name__}.add_variable: unknown initializer "
                                 f"{initializer!r}; use 'zeros', 'ones', a callable or a value.")
            value = (xp.zeros if initializer == "zeros" else xp.ones)(shape, dtype=dtype)
        elif callable(initializer):
            value = initializer(shape, dtype=dtype)
        else:
            value = xp.full(shape, initializer, dtype=dtype)
        variable = self._make_variable(value, name or "variable", dtype)
        self._variables.append(variable)
        return variable

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """A slot shaped like `reference_variable`, named "<its path, / -> _>_<name>"
        (e.g. "dense_kernel_momentum" for the variable at "dense/kernel")."""
        reference_name = getattr(reference_variable, "path", None) or reference_variable.name
        full_name = f"{reference_name.replace('/', '_').replace(':', '_')}_{name or 'var'}"
        return self.add_variable(reference_variable.shape, initializer=initializer,
                                 dtype=reference_variable.dtype, name=full_name)

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """One slot per model variable for `name` (a string -> a list of slots), or for each of
        several names (a list -> a tuple of lists). With several names the slots are created
        interleaved per variable (m(v0), v(v0), m(v1), ...), which fixes the Keras file order."""
        names = [name] if isinstance(name, str) else list(name)
        slots = tuple([] for _ in names)
        for variable in trainable_variables:
            for i, slot_name in enumerate(names):
                slots[i].append(self.add_variable_from_reference(variable, slot_name, initializer))
        return slots[0] if isinstance(name, str) else slots

    def build(self, variables):
        """Remember the model variables and create the slots (subclasses add theirs after)."""
        if self.built:
            return
        variables = list(variables)
        for variable in variables:
            if not isinstance(variable, Variable):
                raise TypeError(f"{type(self).__name__}.build expects minikeras Variables, "
                                f"received {type(variable).__name__}.")
        if self.use_ema:
            self._ema_averages = self.add_optimizer_variables(variables, "average")
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = self.add_optimizer_variables(variables,
                                                                       "gradient_accumulator")
        self._trainable_variables = variables
        self._variable_index = {id(v): i for i, v in enumerate(variables)}
        self.built = True

    def _get_variable_index(self, variable):
        return self._variable_index[id(variable)]

    def _blocks(self, *arrays):
        """Walk matching flat slices of same-sized arrays, BLOCK_SIZE values at a time.

        Yields (scratch, slice_0, slice_1, ...), where scratch is a reused work array as long as
        the slices. An update made of several whole-array passes is then applied block by block,
        so each value is fetched from memory once instead of once per pass (~1.5x faster Adam).
        The arrays must be C-contiguous so that the flat slices are views (writes land).
        """
        flats = [array.reshape(-1) for array in arrays]
        size = flats[0].size
        # On a GPU (CuPy) the whole array is one block: each pass is one kernel launch there,
        # and blocking for a CPU cache would only multiply the launches.
        block = BLOCK_SIZE if on_host() else max(size, 1)
        scratch = self._scratch(flats[0][:min(size, block)])
        for start in range(0, size, block):
            stop = min(start + block, size)
            yield (scratch[:stop - start],) + tuple(flat[start:stop] for flat in flats)

    def _scratch(self, like):
        """A work array shaped and typed like `like`: a view into one reused flat buffer, so
        update steps need no fresh allocation. Valid until the next `_scratch` call."""
        buffer = self._scratch_buffers.get(like.dtype)
        if buffer is None or buffer.size < like.size:
            buffer = xp.empty(max(like.size, 1), dtype=like.dtype)
            self._scratch_buffers[like.dtype] = buffer
        return buffer[:like.size].reshape(like.shape)

    # -- one training step -------------------------------------------------------------------
    def apply_gradients(self, grads_and_vars):
        """`apply` for a list of (gradient, variable) pairs; returns `iterations`."""
        pairs = list(grads_and_vars)
        if pairs:
            grads, variables = zip(*pairs)
            self.apply(list(grads), list(variables))
        return self._iterations

    @_one_thread_at_a_time
    def apply(self, grads, trainable_variables=None):
        """Update `trainable_variables` (default: those given to `build`) with `grads`.

        `grads` are arrays (or Tensors) shaped like their variables; a None gradient skips that
        variable (with a warning). The first call builds the optimizer.

        Gradient hook: before anything else touches them, the gradients pass through
        `minikeras.distribution.runs.reduce_gradients`, which returns them unchanged except
        inside a data-parallel `fit`, where it returns their sum over the processes (each
        weighted by its share of the global batch). A custom `train_step` that calls `apply`
        is therefore distributed too.

        One thread at a time: the slots, the step counter and the scratch buffers are shared,
        so a call while another thread is inside `apply` raises a RuntimeError (two models
        trained in two threads need two optimizers).
        """
        grads = list(grads)
        if not grads:
            return
        owner = type(self).__name__
        if trainable_variables is None:
            if not self.built:
                raise ValueError(f"{owner}: when passing `grads` without `trainable_variables`, the "
                                 f"optimizer must already be built; call "
                                 f"`optimizer.build(variables)`.")
            variables = self._trainable_variables
        else:
            variables = list(trainable_variables)
            if not self.built:
                self.build(variables)
            for variable in variables:
                if id(variable) not in self._variable_index:
                    raise ValueError(f"{owner}: unknown variable {variable!r}. This optimizer can "
                                     f"only be called for the variables it was built with; create "
                                     f"a new optimizer for a new set of variables.")
        if len(grads) != len(variables):
            raise ValueError(f"{owner}.apply: received {len(grads)} gradients for "
                             f"{len(variables)} variables; they must match one to one.")
        # The distribution's hook: in a data-parallel fit, the gradients summed over the
        # processes; otherwise unchanged (minikeras/distribution/runs.py).
        grads = reduce_gradients(grads, variables)

        pairs = [(g, v) for g, v in zip(grads, variables) if g is not None]
        if len(pairs) < len(variables):
            if not pairs:
                raise ValueError("No gradients provided for any variable.")
            missing = [v.path for g, v in zip(grads, variables) if g is None]
            warnings.warn(f"Gradients do not exist for variables {missing} when minimizing the loss. "
                          f"If using `model.compile()`, did you forget to provide a `loss` argument?")
        grads = [self._as_gradient(g, v) for g, v in pairs]
        variables = [v for _, v in pairs]

        if self.loss_scale_factor is not None:
            grads = [g / float(self.loss_scale_factor) for g in grads]
        if self.gradient_accumulation_steps:
            grads = self._accumulate(grads, variables)
        if grads is not None:
            grads = self._clip_gradients(grads)
            learning_rate = self._current_learning_rate()
            self._apply_weight_decay(variables, learning_rate)
            for gradient, variable in zip(grads, variables):
                self.update_step(gradient, variable, learning_rate)
        if self.use_ema:
            self._update_moving_averages()
        for variable in variables:
            if variable.constraint is not None:
                variable.assign(variable.constraint(variable.data))
        self._iterations.data += 1

    def _accumulate(self, grads, variables):
        """Gradient accumulation: None while summing, the mean gradients on every n-th call."""
        steps = self.gradient_accumulation_steps
        accumulators = [self._accumulated_gradients[self._get_variable_index(v)].data
                        for v in variables]
        if (int(self._iterations.data) + 1) % steps != 0:
            for accumulator, gradient in zip(accumulators, grads):
                accumulator += gradient
            return None
        means = [(gradient + accumulator) / steps for gradient, accumulator in
                 zip(grads, accumulators)]
        for accumulator in self._accumulated_gradients:
            accumulator.data[...] = 0
        return means

    def update_step(self, gradient, variable, learning_rate):
        """Subclasses: change `variable.data` (and its slots) in place for one gradient array."""
        raise NotImplementedError(f"{type(self).__name__} must implement "
                                  f"`update_step(gradient, variable, learning_rate)`.")

    def _as_gradient(self, gradient, variable):
        gradient = gradient.data if isinstance(gradient, Tensor) else xp.asarray(gradient)
        if gradient.shape != variable.shape:
            raise ValueError(f"{type(self).__name__}: the gradient for variable {variable.path!r} has "
                             f"shape {gradient.shape}, expected the variable's shape "
                             f"{variable.shape}.")
        if gradient.dtype != variable.dtype:
            gradient = gradient.astype(variable.dtype)
        # (not ascontiguousarray: it would turn a scalar's () gradient into shape (1,))
        return gradient if gradient.flags.c_contiguous else gradient.copy()

    def _clip_gradients(self, grads):
        """New clipped arrays (the caller's gradients are never modified)."""
        if self.clipnorm:
            return [self._clip_by_norm(g, float(self.clipnorm)) for g in grads]
        if self.global_clipnorm:
            squared = sum(float(xp.vdot(g.ravel(), g.ravel())) for g in grads)
            norm = math.sqrt(squared)
            # min(1, c / norm); a non-finite norm poisons every gradient with NaN, as in Keras.
            limit = float(self.global_clipnorm)
            scale = math.nan if not math.isfinite(norm) else (1.0 if norm <= limit else limit / norm)
            return grads if scale == 1.0 else [g * scale for g in grads]
        if self.clipvalue:
            limit = float(self.clipvalue)
            return [xp.clip(g, -limit, limit) for g in grads]
        return grads

    @staticmethod
    def _clip_by_norm(gradient, clip_norm):
        norm = math.sqrt(float(xp.vdot(gradient.ravel(), gradient.ravel())))
        return gradient * (clip_norm / norm) if norm > clip_norm else gradient

    def _apply_weight_decay(self, variables, learning_rate):
        if not self.weight_decay:
            return
        factor = 1.0 - learning_rate * float(self.weight_decay)
        for variable in variables:
            if self._use_weight_decay(variable):
                variable.data *= factor

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exempt variables from weight decay: those in `var_list`, and those whose `name`
        matches any of the `var_names` patterns (regular expressions searched in the name, so
        `var_names=["bias"]` exempts every bias)."""
        self._exclude_ids = {id(v) for v in (var_list or [])}
        self._exclude_pattern = re.compile("|".join(var_names)) if var_names else None
        self._decay_cache = {}

    def _use_weight_decay(self, variable):
        key = id(variable)
        decision = self._decay_cache.get(key)
        if decision is None:
            decision = key not in self._exclude_ids and not (
                self._exclude_pattern is not None and self._exclude_pattern.search(variable.name))
            self._decay_cache[key] = decision
        return decision

    def _update_moving_averages(self):
        # On the very first step the average starts at the weights themselves.
        momentum = float(self.ema_momentum) if self._update_count() != 0 else 0.0
        for variable, average in zip(self._trainable_variables, self._ema_averages):
            scratch = self._scratch(variable.data)
            average.data *= momentum
            xp.multiply(variable.data, 1.0 - momentum, out=scratch)
            average.data += scratch
        if self.ema_overwrite_frequency and \
                (self._update_count() + 1) % self.ema_overwrite_frequency == 0:
            self.finalize_variable_values(self._trainable_variables)

    def finalize_variable_values(self, var_list):
        """With `use_ema`, copy the moving averages into the model variables (end of fit)."""
        if not self.use_ema:
            return
        var_list = list(var_list)
        if len(var_list) != len(self._ema_averages):
            raise ValueError(f"{type(self).__name__}.finalize_variable_values: received "
                             f"{len(var_list)} variables, but the optimizer holds averages for "
                             f"{len(self._ema_averages)}.")
        for variable, average in zip(var_list, self._ema_averages):
            variable.assign(average.data)

    def scale_loss(self, loss):
        """The loss multiplied by `loss_scale_factor` (unchanged when it is None)."""
        return loss if self.loss_scale_factor is None else loss * self.loss_scale_factor

    # -- state -------------------------------------------------------------------------------
    def set_weights(self, weights):
        """Assign arrays to `variables` by position (a shorter list leaves the rest alone)."""
        if not self.built:
            raise ValueError(f"{type(self).__name__}: set_weights() needs a built optimizer; call "
                             f"`optimizer.build(trainable_variables)` first.")
        for variable, weight in zip(self._variables, weights):
            weight = xp.asarray(weight)
            if tuple(weight.shape) != tuple(variable.shape):
                raise ValueError(f"Optimizer variable {variable.path!r} has shape {variable.shape}, "
                                 f"not compatible with the provided weight shape {weight.shape}.")
            variable.assign(weight)

    def save_own_variables(self, store):
        """Write every variable of `variables` into `store` (a dict or HDF5 group) under keys
        "0", "1", ... (wrappers such as LossScaleOptimizer list their inner optimizers' too)."""
        for i, variable in enumerate(self.variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        """Read what `save_own_variables` wrote; a count mismatch warns and loads nothing."""
        variables = self.variables
        if len(store.keys()) != len(variables):
            warnings.warn(f"Skipping variable loading for optimizer '{self.name}', because it has "
                          f"{len(variables)} variables whereas the saved optimizer has "
                          f"{len(store.keys())} variables.", stacklevel=2)
            return
        for i, variable in enumerate(variables):
            variable.assign(xp.asarray(store[str(i)][()]))

    # -- config ------------------------------------------------------------------------------
    def get_config(self):
        """Keras 3's keys; a float rate is reported as its float32 value widened to a double."""
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            learning_rate = schedules.serialize(self._learning_rate)
        elif isinstance(self._learning_rate, Variable):
            learning_rate = float(self._learning_rate.data)
        else:
            learning_rate = serialize_object(self._learning_rate, "builtins")
        return {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild an optimizer (without its state) from `get_config()`'s dict."""
        config = dict(config)
        learning_rate = config.get("learning_rate")
        if isinstance(learning_rate, dict):
            config["learning_rate"] = schedules.deserialize(learning_rate, custom_objects)
        elif isinstance(learning_rate, str):
            # A callable rate serialized by name: find it among the registered custom objects.
            config["learning_rate"] = resolve(learning_rate, {}, "learning rate callable",
                                              custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, learning_rate={self.learning_rate:g}>"
