"""`Layer`: the base of every layer and model.

A layer stores its configuration in `__init__`, creates its weights lazily in `build(input_shape)`
through `add_weight` (so no input size is needed up front), computes in `call(inputs, training=None)`
and describes itself with `get_config()` so `from_config` can rebuild it. `__call__` ties these
together: convert the inputs, build on first use, check the input shape, call, collect losses.
"""
import contextlib
import functools
import inspect
import math
import threading
import warnings
import weakref

from minikeras import constraints, initializers, regularizers
from minikeras.backend import dtype_policy as dtype_policies
from minikeras.backend.array_module import check_array_type, xp
from minikeras.backend.autodiff import Tensor, Variable, no_grad
from minikeras.backend.keras_tensor import KerasTensor
from minikeras.backend.stateless_scope import get_stateless_scope
from minikeras.backend.masking import get_keras_mask, set_keras_mask
from minikeras.layers.auto_config import (auto_config, record_init_arguments, revive,
                                          uses_auto_config)
from minikeras.layers.input_spec import assert_input_compatibility
from minikeras import tree
from minikeras.tree import flatten, map_structure
from minikeras.ops import cast, convert_to_tensor
from minikeras.ops.node import Node
from minikeras.ops.operation import Operation
from minikeras.registry.layer_classes import register_layer

_context = threading.local()


def _current_training():
    return getattr(_context, "training", None)


@contextlib.contextmanager
def training_scope(training):
    """Inside the block, layers called without `training=` take this value (as in Keras, a
    model's `training` argument reaches every layer it calls)."""
    previous = _current_training()
    _context.training = training
    try:
        yield
    finally:
        _context.training = previous


def _name_scope_stack():
    if not hasattr(_context, "scopes"):
        _context.scopes = []
    return _context.scopes


@contextlib.contextmanager
def name_scope(name):
    """Prefix the paths of variables created inside (e.g. 'sequential/dense/kernel')."""
    stack = _name_scope_stack()
    stack.append(name)
    try:
        yield
    finally:
        stack.pop()


def dtype_policy_config(dtype):
    """Keras 3 serializes a layer's dtype as a DTypePolicy dict (a name or a policy here)."""
    if isinstance(dtype, dtype_policies.DTypePolicy):
        return dtype_policies.serialize(dtype)
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": dtype},
            "registered_name": None}


def dtype_from_config(dtype):
    """Accept 'float32', a DTypePolicy dict (Keras 3) or None."""
    if isinstance(dtype, dict):
        if "class_name" in dtype:
            return dtype_policies.deserialize(dtype)
        dtype = dtype.get("config", {}).get("name", None)
    return dtype


@register_layer
class Layer(Operation):
    """Base layer. Subclasses implement `build(input_shape)` (optional) and `call(inputs, ...)`.

    Args:
        trainable: whether the layer's weights are updated by training.
        name: unique default derived from the class name (`dense`, `dense_1`, ...).
        dtype: the dtype policy: a name ("float32", "float64", "mixed_float16": float16
            computations with float32 weights), a `DTypePolicy` or its saved config; None
            takes `keras.config.dtype_policy()` (`floatx()` unless set).
        activity_regularizer: penalty on the layer's outputs, added to the training loss.
        input_shape / batch_input_shape / input_dim: Keras 2 style shape hints for the first
            layer of a Sequential model.
    """

    _BUILD_SHAPE_KWARGS = ("input_shape", "batch_input_shape", "batch_size", "input_dim")

    def __new__(cls, *args, **kwargs):
        # Remember the constructor arguments: a user class without `get_config` is serialized
        # from them, as in Keras (minikeras/layers/auto_config.py).
        instance = super().__new__(cls)
        record_init_arguments(instance, cls, args, kwargs)
        return instance

    def __init__(self, *, activity_regularizer=None, trainable=True, dtype=None, autocast=True,
                 name=None, **kwargs):
        self._batch_input_shape = _batch_shape_from_kwargs(kwargs)
        for key in self._BUILD_SHAPE_KWARGS:
            kwargs.pop(key, None)
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unrecognized keyword argument(s) "
                            f"{sorted(kwargs)}.")
        object.__setattr__(self, "_tracked_layers", [])
        Operation.__init__(self, name=name)
        self.dtype_policy = dtype_from_config(dtype)
        self.autocast = autocast
        self._trainable = bool(trainable)
        self._trainable_variables = []
        self._non_trainable_variables = []
        self._losses = []
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.built = False
        self.input_spec = None
        # Like Keras: a layer that overrides `compute_mask` supports masking.
        self.supports_masking = type(self).compute_mask is not Layer.compute_mask
        parameters = inspect.signature(self.call).parameters
        self._call_takes_training = "training" in parameters
        # Keras's last resort for `training`: the default `call` declares (None for most layers;
        # True for the image augmentation layers, which augment when called directly)
        training_default = parameters["training"].default if self._call_takes_training else None
        self._call_training_default = (None if training_default is inspect.Parameter.empty
                                       else training_default)
        self._call_takes_mask = "mask" in parameters

    # `inspect.signature(Layer)` shows the constructor's arguments, not __new__'s (*args, **kwargs)
    __new__.__signature__ = inspect.signature(__init__)

    def __init_subclass__(cls, **kwargs):
        # As in Keras, a layer is built once its `build` returns, whether or not that `build`
        # sets `self.built` (so an explicit `model.build(shape)` is not repeated by `fit`).
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("build")
        if build is not None and not hasattr(build, "__wrapped__"):
            cls.build = _marks_built(build)

    # -- attribute tracking --------------------------------------------------------------------
    def __setattr__(self, name, value):
        tracked = self.__dict__.get("_tracked_layers")
        if tracked is not None and name != "_tracked_layers":
            for item in value if isinstance(value, (list, tuple)) else [value]:
                if isinstance(item, Layer) and item is not self and all(t is not item for t in tracked):
                    tracked.append(item)
        object.__setattr__(self, name, value)

    @property
    def _layers(self):
        return self._tracked_layers

    # -- dtype policy --------------------------------------------------------------------------
    @property
    def dtype_policy(self):
        """The layer's `DTypePolicy` (for a `DTypePolicyMap`: the entry of `self.path`)."""
        policy = self._dtype_policy
        if isinstance(policy, dtype_policies.DTypePolicyMap):
            return policy[getattr(self, "path", self.name)]
        return policy

    @dtype_policy.setter
    def dtype_policy(self, value):
        policy = dtype_policies.get(value)
        object.__setattr__(self, "_dtype_policy", policy)
        # (compute, variable) dtype names, read on every call; a DTypePolicyMap answers per path
        object.__setattr__(self, "_policy_dtypes", None if isinstance(
            policy, dtype_policies.DTypePolicyMap) else (policy.compute_dtype,
                                                         policy.variable_dtype))

    @property
    def dtype(self):
        """The dtype of the layer's weights (its policy's `variable_dtype`), as in Keras."""
        return self.variable_dtype

    @dtype.setter
    def dtype(self, value):
        self.dtype_policy = value

    @property
    def compute_dtype(self):
        """The dtype the layer casts float inputs to and returns (the policy's)."""
        dtypes = self._policy_dtypes
        return dtypes[0] if dtypes is not None else self.dtype_policy.compute_dtype

    @property
    def variable_dtype(self):
        """The dtype of the layer's weights (the policy's)."""
        dtypes = self._policy_dtypes
        return dtypes[1] if dtypes is not None else self.dtype_policy.variable_dtype

    def _outputs_to_compute_dtype(self, outputs):
        """Under a mixed policy (float16 compute, float32 weights) float outputs come back in the
        compute dtype, as Keras's autocast weights give them; other policies change nothing."""
        dtypes = self._policy_dtypes
        if dtypes is not None and dtypes[0] == dtypes[1]:
            return outputs
        compute_dtype = self.compute_dtype
        if compute_dtype == self.variable_dtype:
            return outputs

        def convert(x):
            if isinstance(x, KerasTensor) and xp.issubdtype(xp.dtype(x.dtype), xp.floating):
                x.dtype = compute_dtype
            elif isinstance(x, Tensor) and xp.issubdtype(x.dtype, xp.floating) \
                    and x.dtype != xp.dtype(compute_dtype):
                mask = get_keras_mask(x)
                x = cast(x, compute_dtype)
                set_keras_mask(x, mask)
            return x
        return map_structure(convert, outputs)

    # -- weights -------------------------------------------------------------------------------
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, autocast=True,
                   regularizer=None, constraint=None, aggregation="none", name=None):
        """Create a Variable owned by this layer (call it from `build`).

        Keras's defaults: 'glorot_uniform' for float weights, 'zeros' for integer ones.
        """
        dtype = dtype or self.dtype
        shape = tuple(int(d) for d in (shape or ()))
        if initializer is None:
            initializer = "glorot_uniform" if xp.issubdtype(xp.dtype(dtype), xp.floating) else "zeros"
        initializer = initializers.get(initializer)
        variable = Variable(initializer, shape=shape, dtype=dtype, trainable=trainable,
                            name=name or f"variable_{len(self.weights)}")
        variable.path = "/".join(_name_scope_stack() + [self.name, variable.name])
        variable.regularizer = regularizers.get(regularizer)
        variable.constraint = constraints.get(constraint)
        (self._trainable_variables if trainable else self._non_trainable_variables).append(variable)
        if not self._trainable:
            variable.trainable = False
        return variable

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        value = bool(value)
        self._trainable = value
        for variable in self._trainable_variables:
            variable.trainable = value
        for layer in self._layers:
            layer.trainable = value

    @property
    def weights(self):
        """Own trainable then non-trainable variables (creation order), then sublayers' weights."""
        own = self._trainable_variables + self._non_trainable_variables
        return _unique(own + [w for layer in self._layers for w in layer.weights])

    @property
    def trainable_weights(self):
        """The weights that training updates (none while `trainable` is False)."""
        return [v for v in self.weights if v.trainable] if self._trainable else []

    @property
    def non_trainable_weights(self):
        return [v for v in self.weights if not v.trainable] if self._trainable else self.weights

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def get_weights(self):
        """The weights as a list of NumPy arrays, in `weights` order."""
        return [v.numpy().copy() for v in self.weights]

    def set_weights(self, weights):
        """Set the weights from a list of arrays shaped like `get_weights()`."""
        params = self.weights
        if len(weights) != len(params):
            raise ValueError(f"Layer {self.name!r}: you called `set_weights(weights)` with a list of "
                             f"{len(weights)} arrays, but the layer expects {len(params)} weights "
                             f"(shapes {[tuple(p.shape) for p in params]}).")
        for variable, value in zip(params, weights):
            value = xp.asarray(value)
            if tuple(value.shape) != tuple(variable.shape):
                raise ValueError(f"Layer {self.name!r} weight shape {tuple(variable.shape)} is not "
                                 f"compatible with provided weight shape {tuple(value.shape)} "
                                 f"(weight {variable.path!r}).")
        for variable, value in zip(params, weights):
            variable.assign(xp.asarray(value, dtype=variable.dtype))

    def count_params(self):
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer {self.name!r}, but the layer "
                             f"isn't built. You can build it manually via: "
                             f"`{self.name}.build(batch_input_shape)`.")
        return int(sum(math.prod(v.shape) for v in self.weights))  # shapes: host ints

    # -- losses --------------------------------------------------------------------------------
    def add_loss(self, loss):
        """Add a scalar loss term (a Tensor) computed during `call`; `fit` adds it to the loss.
        Inside a `StatelessScope` the loss goes to the scope (kept only with
        `collect_losses=True`), as in Keras."""
        scope = get_stateless_scope()
        if scope is None:
            self._losses.append(loss)
        elif scope.collect_losses:
            scope.add_loss(loss)

    @property
    def losses(self):
        """Losses added during the last call plus weight-regularization penalties (fresh each time)."""
        result = list(self._losses)
        for variable in self._trainable_variables + self._non_trainable_variables:
            if variable.regularizer is not None:
                result.append(variable.regularizer(variable))
        for layer in self._layers:
            result.extend(layer.losses)
        return result

    def _clear_losses(self):
        self._losses = []
        for layer in self._layers:
            layer._clear_losses()

    # -- building and calling ------------------------------------------------------------------
    def build(self, input_shape):
        """Create the weights for inputs of `input_shape`.

        `input_shape` is nested like the inputs of `call`: a shape tuple (batch axis first, None
        for unknown sizes) for one tensor, a list of them for a list or tuple of tensors, a dict
        of them for a dict. Layers with weights of their own override this. The default builds
        the sublayers that `call` uses (as Keras does for a layer without its own `build`):
        when one of them is unbuilt, `call` is traced once on symbolic inputs of these shapes.
        """
        if not _overrides_build(self):  # not when an override calls super().build(...)
            self._build_by_tracing(input_shape)
            if self.__dict__.get("_build_input_shape") is None:
                self._build_input_shape = input_shape  # Keras's build_config
        self.built = True

    def _maybe_build(self, input_shape, input_dtype=None, strict=False):
        """Build before the first call, from the shapes of its inputs (nested like them, see
        `build`): an overridden `build` gets them; then, if some sublayer (at any depth) is
        still unbuilt, `call` is traced on symbolic inputs of these shapes and dtypes
        (`input_dtype`: the same structure of dtypes; None means the layer's dtype). The shapes
        are recorded as Keras's build config.

        A trace that fails is left, as in Keras, when a call follows (the call builds the
        sublayers, or raises the real error); `strict=True` (building before `fit`) raises.

        Building is atomic: under the layer's build lock, so that of several threads making
        the first call one builds and the others wait, then find the layer built (building
        twice would create every weight twice)."""
        if self.built and all_sublayers_built(self):
            return
        with build_lock(self):
            if self.built and all_sublayers_built(self):  # built while this thread waited
                return
            if not self.built and _overrides_build(self):
                self.build(input_shape)
            try:
                self._build_by_tracing(input_shape, input_dtype)
            except Exception:
                if strict:
                    raise
            self.built = True
            if self.__dict__.get("_build_input_shape") is None:
                self._build_input_shape = input_shape  # Keras's build_config

    def _build_by_tracing(self, input_shape, input_dtype=None):
        """Build the sublayers `call` uses by running it once on symbolic inputs shaped like
        `input_shape` (with recording off, unknown sizes set to 1, `training=False`), the way
        Keras traces `call` with `compute_output_spec`. Nothing to do when every sublayer is
        built already (or there is none): a layer's own weights come from `build`; nor when
        `call` needs more tensors than the inputs (an RNN cell's `states`): those sublayers
        build at the first call."""
        if (type(self).call is Layer.call or all_sublayers_built(self)
                or _required_call_arguments(self.call) > 1):
            return
        if input_dtype is None:
            input_dtype = tree.map_shape_structure(lambda shape: self.compute_dtype, input_shape)
        specs = tree.map_shape_structure(  # named, so that tracing takes no auto-name
            lambda shape, dtype: KerasTensor(shape, dtype, name="build_trace"), input_shape,
            input_dtype)
        self._call_on_zeros([specs], {}, batch=1, other=1)
        self._clear_losses()  # the trace's `add_loss` terms are not the first call's

    def call(self, inputs, *args, **kwargs):
        """The computation. Subclasses override this."""
        raise NotImplementedError(f"Layer {type(self).__name__} does not implement call().")

    def __call__(self, inputs, *args, **kwargs):
        if _any_symbolic(inputs, args, kwargs):
            return self._symbolic_call(inputs, *args, **kwargs)
        inputs = self._convert_inputs(inputs)
        if not self.built:
            self._maybe_build(tree.structure_of_shapes(inputs), tree.structure_of_shapes(inputs, _dtype))
        if isinstance(inputs, Tensor):
            assert_input_compatibility(self.input_spec, inputs.shape, self.name,
                                       dtype=inputs.dtype)
        training = kwargs.get("training")
        if training is None:
            training = _current_training()
        if training is None:
            training = self._call_training_default
        if self._call_takes_training:
            kwargs["training"] = training
        else:
            kwargs.pop("training", None)
        # Masks (Keras 3's rules): a `call` taking `mask` gets the inputs' `_keras_mask` when no
        # mask is given and `inputs` is the only tensor argument; the outputs then get
        # `compute_mask(inputs, previous_mask)` when the layer supports masking.
        mask = kwargs.get("mask") if self._call_takes_mask else kwargs.pop("mask", None)
        if mask is None and self._call_takes_mask and not _other_tensor_arguments(args, kwargs):
            mask = kwargs["mask"] = _keras_mask_of(inputs)
        previous_mask = mask if mask is not None else _keras_mask_of(inputs)
        self._losses = []
        with training_scope(training):
            outputs = self._outputs_to_compute_dtype(self.call(inputs, *args, **kwargs))
        if self.activity_regularizer is not None:
            for output in outputs if isinstance(outputs, (list, tuple)) else [outputs]:
                batch = output.shape[0] if output.ndim else 1
                self.add_loss(self.activity_regularizer(output) / batch)
        if self.supports_masking:
            self._set_mask_metadata(inputs, outputs, previous_mask)
        elif any(m is not None for m in flatten(_keras_mask_of(inputs))):
            warnings.warn(f"Layer '{self.name}' (of type {type(self).__name__}) was passed an "
                          f"input with a mask attached to it. However, this layer does not "
                          f"support masking and will therefore destroy the mask information. "
                          f"Downstream layers will not see the mask.", stacklevel=2)
        return outputs

    def compute_mask(self, inputs, previous_mask):
        """The mask of the outputs: the inputs' mask when `supports_masking`, else None."""
        return previous_mask if self.supports_masking else None

    def _set_mask_metadata(self, inputs, outputs, previous_mask):
        flat_outputs = flatten(outputs)
        if all(get_keras_mask(x) is not None for x in flat_outputs):
            return
        output_masks = self.compute_mask(inputs, previous_mask)
        if output_masks is None:
            return
        for tensor, output_mask in zip(flat_outputs, flatten(output_masks)):
            if (isinstance(tensor, Tensor) and get_keras_mask(tensor) is None
                    and output_mask is not None):
                set_keras_mask(tensor, output_mask)

    def _convert_inputs(self, inputs):
        if isinstance(inputs, (list, tuple)):
            return type(inputs)(self._convert_inputs(x) for x in inputs)
        if isinstance(inputs, dict):
            return {k: self._convert_inputs(v) for k, v in inputs.items()}
        # a NumPy array while CuPy is active (or the reverse) is a clear TypeError, not a copy
        check_array_type(inputs.data if isinstance(inputs, Tensor) else inputs,
                         f"Layer {self.name!r} (of type {type(self).__name__})")
        tensor = convert_to_tensor(inputs)
        if (self.autocast and tensor.dtype.kind == "f"
                and tensor.dtype != self.compute_dtype):
            tensor = cast(tensor, self.compute_dtype)
            set_keras_mask(tensor, get_keras_mask(inputs))  # as in Keras, keep it
        return tensor

    def _symbolic_call(self, inputs, *args, **kwargs):
        """Build, infer the output spec, and record the call as a Node of the layer graph."""
        for tensor in flatten([inputs, args, kwargs]):
            if isinstance(tensor, (Tensor, xp.ndarray)):
                raise ValueError(f"Layer {self.name!r} was called on a mix of symbolic tensors "
                                 f"(from `Input`) and concrete arrays. In a functional model every "
                                 f"tensor argument must come from an `Input`; pass constants "
                                 f"through a layer (e.g. as a weight) instead.")
        if not self.built:
            self._maybe_build(tree.structure_of_shapes(inputs), tree.structure_of_shapes(inputs, _dtype))
        if isinstance(inputs, KerasTensor):
            assert_input_compatibility(self.input_spec, inputs.shape, self.name,
                                       dtype=inputs.dtype)
        outputs = self._outputs_to_compute_dtype(self.compute_output_spec(inputs, *args, **kwargs))
        Node(self, (inputs,) + args, kwargs, outputs)
        return outputs

    def compute_output_spec(self, *args, **kwargs):
        """The KerasTensor(s) a call on these (symbolic) arguments returns, without a graph node.

        With a single tensor argument and a `compute_output_shape` of its own, the layer's shape
        formula is used. Otherwise `call` runs on zeros with recording off, twice, with unknown
        sizes set to different values: an output size that changes between the runs is unknown.
        """
        tensors = [x for x in flatten([args, kwargs]) if isinstance(x, KerasTensor)]
        own_shape_formula = type(self).compute_output_shape is not Layer.compute_output_shape
        if own_shape_formula and len(tensors) == 1 and len(args) == 1 and not _is_tensor_like_kwargs(kwargs):
            output_shape = self.compute_output_shape(tree.structure_of_shapes(args[0]))
            if _is_shape_list(output_shape):
                return [KerasTensor(s, self.compute_dtype) for s in output_shape]
            return KerasTensor(output_shape, self.compute_dtype)
        return Operation.compute_output_spec(self, *args, **kwargs)

    def _call_on_zeros(self, args, kwargs, batch, other):
        kwargs = dict(kwargs)
        if self._call_takes_training:
            kwargs.setdefault("training", False)
        else:
            kwargs.pop("training", None)
        if not self._call_takes_mask:
            kwargs.pop("mask", None)
        return Operation._call_on_zeros(self, args, kwargs, batch, other)

    def compute_output_shape(self, input_shape):
        """Output shape for `input_shape` (None = unknown size).

        The default runs `call` once on zeros (unknown sizes set to 1) without recording a graph,
        which works for any layer; layers override it when the shape is known by formula. For a
        list or dict of input shapes, `call` runs on a list or dict of zeros (twice, as in
        `compute_output_spec`) and the result is the output shape(s), nested like the outputs.
        """
        if not tree.is_shape_tuple(input_shape):
            specs = tree.map_shape_structure(
                lambda shape: KerasTensor(shape, self.compute_dtype, name="output_shape_trace"),
                input_shape)
            outputs = Operation.compute_output_spec(self, specs)  # runs `call` on zeros
            return map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else t, outputs)
        concrete = tuple(1 if d is None else d for d in input_shape)
        with no_grad():
            output = self.call(Tensor(xp.zeros(concrete, dtype=self.compute_dtype)),
                               **({"training": False} if self._call_takes_training else {}))
        return tuple(None if (i < len(input_shape) and input_shape[i] is None) else d
                     for i, d in enumerate(output.shape))

    # -- configuration -------------------------------------------------------------------------
    def get_config(self):
        """What `from_config` needs to rebuild this layer (Keras's keys)."""
        config_dict = {"name": self.name, "trainable": self.trainable,
                       "dtype": dtype_policy_config(self._dtype_policy)}
        if self.activity_regularizer is not None:
            config_dict["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        if _uses_auto_config(self):
            config_dict = auto_config(self, config_dict)
        return config_dict

    @classmethod
    def from_config(cls, config_dict):
        """The layer `get_config()` described (missing constructor arguments are named)."""
        return revive(cls, config_dict, "layer")

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _uses_auto_config(layer):
    """A user class whose get_config is the base one (Layer's, which Model inherits) gets Keras's
    auto-config."""
    return uses_auto_config(layer, Layer.get_config)


def _batch_shape_from_kwargs(kwargs):
    if kwargs.get("batch_input_shape") is not None:
        return tuple(kwargs["batch_input_shape"])
    if kwargs.get("input_shape") is not None:
        return (kwargs.get("batch_size"),) + tuple(kwargs["input_shape"])
    if kwargs.get("input_dim") is not None:
        return (kwargs.get("batch_size"), kwargs["input_dim"])
    return None


def _any_symbolic(inputs, args, kwargs):
    return any(isinstance(x, KerasTensor) for x in flatten([inputs, args, kwargs]))


def _is_tensor_like_kwargs(kwargs):
    return any(isinstance(x, KerasTensor) for x in flatten(kwargs))


def _is_shape_list(shape):
    return isinstance(shape, list) and shape and isinstance(shape[0], (tuple, list))


def _dtype(x):
    return x.dtype


def _required_call_arguments(call):
    """How many positional arguments a (bound) `call` needs: 1 for `call(inputs, training=None)`."""
    return sum(1 for p in inspect.signature(call).parameters.values()
               if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty)


def _marks_built(build):
    """`build`, run under the layer's build lock, setting `built = True` once it returns."""
    @functools.wraps(build)
    def build_and_mark(self, *args, **kwargs):
        with build_lock(self):
            build(self, *args, **kwargs)
            self.built = True
    return build_and_mark


# One re-entrant lock per layer, held while it builds. A layer's build may build its sublayers
# (each under its own lock) but never its parents, so the locks are always taken parent first
# and no two threads can wait on each other. The locks live outside the layers (weakly keyed)
# so that layers still deep-copy and pickle; they are looked up only while a layer is unbuilt.
_build_locks = weakref.WeakKeyDictionary()
_build_locks_guard = threading.Lock()


def build_lock(layer):
    """The re-entrant lock that `layer` builds under (created on first use)."""
    with _build_locks_guard:
        lock = _build_locks.get(layer)
        if lock is None:
            lock = _build_locks[layer] = threading.RLock()
        return lock


def all_sublayers_built(layer):
    """Whether every layer below `layer` (at any depth) is built."""
    return all(sublayer.built and all_sublayers_built(sublayer) for sublayer in layer._layers)


def _overrides_build(layer):
    """Whether the layer's class defines its own `build` (then `build` creates its weights)."""
    return type(layer).build is not Layer.build


def _keras_mask_of(inputs):
    """The `_keras_mask` of a tensor, or the same structure of masks for a list/tuple/dict."""
    if isinstance(inputs, (list, tuple)):
        return type(inputs)(_keras_mask_of(x) for x in inputs)
    if isinstance(inputs, dict):
        return {k: _keras_mask_of(v) for k, v in inputs.items()}
    return get_keras_mask(inputs)




def _is_tensor_like(value):
    if isinstance(value, (Tensor, KerasTensor, xp.ndarray)):
        return True
    if isinstance(value, (list, tuple)) and value:
        return all(x is None or _is_tensor_like(x) for x in value) and any(
            x is not None for x in value)
    return False


def _other_tensor_arguments(args, kwargs):
    """Whether a call has tensor arguments besides `inputs` (then Keras fills no `mask`)."""
    return (any(_is_tensor_like(a) for a in args)
            or any(_is_tensor_like(v) for k, v in kwargs.items() if k not in ("mask", "training")))


def _unique(variables):
    seen, result = set(), []
    for v in variables:
        if id(v) not in seen:
            seen.add(id(v))
            result.append(v)
    return result
