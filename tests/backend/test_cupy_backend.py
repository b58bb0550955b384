"""The GPU (CuPy) array backend.

Two kinds of tests live here:

1. Tests that run everywhere, on a *fake device*: `fakedevice`, a NumPy-compatible module whose
   arrays (`DeviceArray`) are NumPy arrays behind CuPy's rules. Like CuPy arrays they refuse to
   become NumPy arrays implicitly (`numpy.asarray(d)` raises, `.get()` copies to the host),
   refuse to meet a host NumPy array in any operation, have no `flags.writeable`, return 0-d
   arrays from reductions; its functions take no Python lists where CuPy wants an array and
   concatenate device arrays only; the module has no `errstate`. Every layer's forward pass
   and gradients, a training run, saving and loading, and the host/device mixing errors are
   checked on it, so the switching machinery and the audit for NumPy-only code are exercised
   in CI, where there is no GPU. The numbers are NumPy's, so parity with NumPy is exact here.
2. The same parity and training tests on the real `cupy` backend, skipped unless CuPy is
   installed and CUDA reports a GPU (CI has none). On a GPU machine:

       pip install cupy-cuda12x
       MINIKERAS_BACKEND=cupy pytest tests/backend/test_cupy_backend.py

Optimizers, losses, metrics and the rest of the training toolbox (callbacks, data pipelines,
EMA, clipping, masks, attention, several outputs) are compared the same way. Every test starts
on NumPy and leaves the backend as it found it (an autouse fixture), even when it fails.
"""
import operator
import re
import types

import numpy as np
import pytest

import minikeras
from minikeras import backend, layers, tree
from minikeras.backend import array_module
from minikeras.backend.autodiff import GradientTape
from tests.layers.test_layer_cases import CASES
from tests.metrics.test_every_metric_config_and_name import KERAS_CONFIGS as KERAS_METRIC_CONFIGS

# -- the fake device ---------------------------------------------------------------------------


class FakeDeviceError(TypeError):
    """What the fake device raises where CuPy would raise a TypeError."""


class DeviceArray:
    """A NumPy array that behaves like a CuPy array: it lives "on the device"."""

    __slots__ = ("_a", "__weakref__")
    __array_priority__ = 100  # below minikeras Tensor's, so `DeviceArray + Tensor` is Tensor's
    __hash__ = None

    def __init__(self, host):
        assert type(host) is np.ndarray, type(host)
        self._a = host

    # leaving the device only on request, like cupy.ndarray
    def __array__(self, *args, **kwargs):
        raise FakeDeviceError("Implicit conversion to a NumPy array is not allowed. Please use "
                              "`.get()` to construct a NumPy array explicitly.")

    def get(self):
        return self._a.copy()

    # NumPy functions and ufuncs called on device arrays stay on the device (CuPy does this
    # through the same two protocols)
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _call(getattr(ufunc, method), inputs, kwargs, f"numpy.{ufunc.__name__}")

    def __array_function__(self, func, types_, args, kwargs):
        return _call(func, args, kwargs, f"numpy.{func.__name__}")

    # attributes: CuPy's flags have no `writeable`; everything else is the host array's
    @property
    def flags(self):
        f = self._a.flags
        return types.SimpleNamespace(c_contiguous=f.c_contiguous, f_contiguous=f.f_contiguous,
                                     owndata=f.owndata)

    @property
    def base(self):
        return None if self._a.base is None else _device(self._a.base)

    def __getattr__(self, name):
        if name.startswith("__") or name in ("ctypes", "data", "tofile", "dump", "dumps"):
            raise AttributeError(f"fake device arrays have no {name!r}")
        value = getattr(self._a, name)
        if callable(value):
            return lambda *args, **kwargs: _call(value, args, kwargs, f"ndarray.{name}")
        return _wrap(value)

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (_wrap(row) for row in self._a)

    def __getitem__(self, index):
        return _wrap(self._a[_unwrap(index, "indexing", allow_host=True)])

    def __setitem__(self, index, value):
        self._a[_unwrap(index, "indexing", allow_host=True)] = _unwrap(value, "assignment")

    def __bool__(self):
        return bool(self._a)

    def __float__(self):
        return float(self._a)

    def __int__(self):
        return int(self._a)

    def __complex__(self):
        return complex(self._a)

    def __repr__(self):
        return "device_" + repr(self._a)

    def __reduce__(self):
        return DeviceArray, (self._a,)

    def __copy__(self):
        return DeviceArray(self._a.copy())

    def __deepcopy__(self, memo):
        return DeviceArray(self._a.copy())


def _binary(op, reflected=False, inplace=False):
    def method(self, other):
        if (not isinstance(other, (DeviceArray, np.ndarray, np.generic, int, float, complex, bool))
                and getattr(other, "__array_priority__", 0) > self.__array_priority__):
            return NotImplemented  # e.g. a minikeras Tensor: its reflected operator runs
        value = _unwrap(other, f"operator {op.__name__}")
        with np.errstate(all="ignore"):
            if inplace:
                op(self._a, value)
                return self
            return _wrap(op(value, self._a) if reflected else op(self._a, value))
    return method


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or",
              "xor", "lshift", "rshift"):
    _op = getattr(operator, _name if _name not in ("and", "or") else _name + "_")
    setattr(DeviceArray, f"__{_name}__", _binary(_op))
    setattr(DeviceArray, f"__r{_name}__", _binary(_op, reflected=True))
    setattr(DeviceArray, f"__i{_name}__", _binary(getattr(operator, f"i{_name}"), inplace=True))
for _name in ("eq", "ne", "lt", "le", "gt", "ge"):
    setattr(DeviceArray, f"__{_name}__", _binary(getattr(operator, _name)))
for _name in ("neg", "pos", "abs", "invert"):
    setattr(DeviceArray, f"__{_name}__",
            (lambda op: lambda self: _wrap(op(self._a)))(getattr(operator, _name)))


def _device(host):
    return DeviceArray(np.ascontiguousarray(host) if host.ndim == 0 else host)


def _wrap(value, known=None):
    if isinstance(value, np.ndarray):
        if known and id(value) in known:
            return known[id(value)]
        return DeviceArray(value)
    if isinstance(value, np.generic):
        return DeviceArray(np.asarray(value))  # CuPy reductions give 0-d arrays, not scalars
    if isinstance(value, tuple) and any(isinstance(v, (np.ndarray, np.generic)) for v in value):
        return tuple(_wrap(v, known) for v in value)
    if isinstance(value, list) and value and all(isinstance(v, np.ndarray) for v in value):
        return [_wrap(v, known) for v in value]
    return value


def _unwrap(value, where, allow_host=False, known=None):
    if type(value) is DeviceArray:
        if known is not None:
            known[id(value._a)] = value
        return value._a
    if isinstance(value, np.ndarray):
        if allow_host:
            return value
        raise FakeDeviceError(f"Unsupported type {type(value)} in {where}: a host NumPy array "
                              f"meets device arrays (CuPy raises here too).")
    if isinstance(value, (list, tuple)):
        return type(value)(_unwrap(v, where, allow_host, known) for v in value)
    if isinstance(value, dict):
        return {k: _unwrap(v, where, allow_host, known) for k, v in value.items()}
    return value


#: Transfers: the only functions that take host arrays (cupy.asarray / cupy.array).
_TRANSFERS = {"asarray", "array", "asanyarray"}
#: Names CuPy does not have (or that would hide a NumPy-only use), left out of the fake.
_MISSING = {"errstate", "broadcast_shapes", "random", "seterr", "geterr", "frompyfunc",
            "vectorize", "memmap", "load", "save", "fromfile"}


#: Functions whose sequence argument must hold device arrays only (CuPy: "Only cupy arrays can
#: be concatenated"), not Python lists or scalars.
_ARRAYS_ONLY = {"concatenate", "stack", "vstack", "hstack", "dstack", "column_stack"}


#: Functions of the module that take a shape or a sequence (not an array) first; every other
#: one wants a device array there, as CuPy's do (`cupy.argsort([2, 0, 1])` fails).
_SEQUENCE_FIRST = _TRANSFERS | _ARRAYS_ONLY | {
    "zeros", "ones", "empty", "full", "eye", "identity", "arange", "broadcast_shapes",
    "result_type", "promote_types", "can_cast", "einsum", "dtype", "iinfo", "finfo",
    "issubdtype", "ix_", "indices", "tri", "meshgrid", "block", "unravel_index",
    "ravel_multi_index"}


def _call(function, args, kwargs, where, allow_host=False):
    name = where.rsplit(".", 1)[-1]
    if (where.startswith("fakedevice.") and where.count(".") == 1 and args
            and isinstance(args[0], (list, tuple)) and name not in _SEQUENCE_FIRST):
        raise FakeDeviceError(f"{where} expects a device array, received a "
                              f"{type(args[0]).__name__} (CuPy takes no lists here)")
    if name in _ARRAYS_ONLY and where.startswith("fakedevice"):
        items = args[0] if args else kwargs.get("arrays", kwargs.get("tup", ()))
        if not all(type(item) is DeviceArray for item in items):
            raise FakeDeviceError(f"{where}: only device arrays can be concatenated, received "
                                  f"{[type(item).__name__ for item in items]}")
    known = {}
    args = _unwrap(args, where, allow_host, known)
    kwargs = _unwrap(kwargs, where, allow_host, known)
    with np.errstate(all="ignore"):  # a GPU warns about nothing
        return _wrap(function(*args, **kwargs), known)


class _Ufunc:
    def __init__(self, ufunc):
        self._ufunc = ufunc

    def __call__(self, *args, **kwargs):
        return _call(self._ufunc, args, kwargs, f"fakedevice.{self._ufunc.__name__}")

    def __getattr__(self, name):
        value = getattr(self._ufunc, name)
        if name in ("at", "reduce", "reduceat", "accumulate", "outer"):
            return lambda *a, **k: _call(value, a, k, f"fakedevice.{self._ufunc.__name__}.{name}")
        return value


class _Namespace(types.ModuleType):
    def __init__(self, name, host):
        super().__init__(name)
        self._host = host

    def __getattr__(self, name):
        if name.startswith("__") or name in _MISSING:
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        value = getattr(self._host, name)
        if isinstance(value, types.ModuleType):
            wrapped = _Namespace(f"{self.__name__}.{name}", value)
        elif isinstance(value, np.ufunc):
            wrapped = _Ufunc(value)
        elif isinstance(value, type) or not callable(value):
            wrapped = value  # dtypes, scalar types, constants: shared with NumPy (like CuPy)
        else:
            where, allow_host = f"{self.__name__}.{name}", name in _TRANSFERS
            wrapped = (lambda f, w, h: lambda *a, **k: _call(f, a, k, w, h))(value, where,
                                                                                  allow_host)
        setattr(self, name, wrapped)
        return wrapped


def make_fake_device():
    module = _Namespace("fakedevice", np)
    module.ndarray = DeviceArray
    return module


fakedevice = make_fake_device()


# -- which backends to run on ------------------------------------------------------------------
def _cupy_skip_reason():
    try:
        import cupy
    except ImportError:
        return "CuPy is not installed (pip install cupy-cuda12x); these run on a GPU machine"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # no driver, no device
        return f"CuPy is installed but CUDA reports no GPU ({error})"
    return None if count > 0 else "CuPy is installed but CUDA reports no GPU"


CUPY_SKIP = _cupy_skip_reason()
needs_gpu = pytest.mark.skipif(CUPY_SKIP is not None, reason=str(CUPY_SKIP))
DEVICES = [pytest.param("fake", id="fakedevice"),
           pytest.param("cupy", id="cupy", marks=needs_gpu)]
#: Tolerances against NumPy: the fake device computes with NumPy itself (exact); a GPU sums in
#: another order and its float32 transcendentals differ in the last bits. `atol` is relative to
#: the largest value of the array compared (a value near 0 may come from cancelling large ones).
TOLERANCE = {"fake": dict(rtol=1e-6, atol=1e-7), "cupy": dict(rtol=2e-4, atol=2e-5)}
#: After a training run the differences compound.
TRAINED_TOLERANCE = {"fake": TOLERANCE["fake"], "cupy": dict(rtol=1e-3, atol=1e-4)}


def assert_close(got, expected, tolerance, message=""):
    """`got` (from the device) against `expected` (from NumPy), with an atol scaled to the
    largest magnitude in `expected`."""
    expected, got = np.asarray(expected), np.asarray(got)
    assert got.shape == expected.shape, (message, got.shape, expected.shape)
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    np.testing.assert_allclose(got, expected, rtol=tolerance["rtol"],
                               atol=tolerance["atol"] * scale, err_msg=message)


def _module(device):
    if device == "fake":
        return fakedevice
    import cupy
    return cupy


#: The backend `import minikeras` chose (MINIKERAS_BACKEND), before any test switched.
BACKEND_AT_IMPORT = array_module.array_backend()


@pytest.fixture(autouse=True)
def _start_on_numpy_and_restore():
    """Every test starts on NumPy (its reference) and leaves whatever was active before it
    (NumPy, or CuPy under MINIKERAS_BACKEND=cupy) active after it, even when it fails."""
    before = array_module.get_array_module()
    array_module.set_array_module(np)
    yield
    array_module.set_array_module(before)
    minikeras.utils.set_random_seed(1337)


class on:
    """`with on(module):` runs the block with `module` as the array backend."""

    def __init__(self, module):
        self.module = module

    def __enter__(self):
        self.previous = array_module.get_array_module()
        array_module.set_array_module(self.module)
        return self.module

    def __exit__(self, *exc):
        array_module.set_array_module(self.previous)
        return False


# -- parity: every layer's forward pass and gradients ------------------------------------------
def _randomize(model, seed=0):
    """Seeded values no initializer would give, for every weight (positive: variances stay
    valid)."""
    rng = np.random.default_rng(seed)
    for variable in model.weights:
        dtype = np.dtype(variable.dtype)
        if np.issubdtype(dtype, np.integer):
            value = rng.integers(1, 50, variable.shape)
        else:
            value = rng.uniform(0.5, 1.5, variable.shape)
        variable.assign(value.astype(dtype))


def _forward_and_gradients(case, module, training):
    """On `module`: the probe model's outputs and the gradients of a weighted sum of them with
    respect to every trainable weight and every float input, all as NumPy arrays."""
    with on(module):
        minikeras.utils.set_random_seed(7)
        model, _ = case.probe()
        _randomize(model)
        inputs = tree.map_structure(lambda a: backend.Tensor(backend.xp.asarray(a)), case.data())
        watched = [t for t in tree.flatten(inputs) if t.dtype.kind == "f"]
        minikeras.utils.set_random_seed(11)  # dropout masks and noise: drawn on the host
        with GradientTape() as tape:
            tape.watch(watched)
            outputs = model(inputs, training=training)
            outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
            rng = np.random.default_rng(3)
            loss = None
            for out in outputs:
                weights = rng.standard_normal(out.shape).astype(out.dtype)
                term = minikeras.ops.sum(out * backend.xp.asarray(weights))
                loss = term if loss is None else loss + term
        grads = tape.gradient(loss, list(model.trainable_weights) + watched)
        assert all(isinstance(g, module.ndarray) for g in grads)
        assert all(isinstance(v.data, module.ndarray) for v in model.weights)
        return ([backend.to_numpy(o.data) for o in outputs], [backend.to_numpy(g) for g in grads],
                model.get_weights())


#: layers whose inputs are strings: NumPy arrays on the host whatever the array module
TEXT_LAYERS = {"StringLookup", "TextVectorization"}
PROBES = [pytest.param(name, case, id=f"{name}-{i}" if len(cases) > 1 else name)
          for name, cases in CASES.items() for i, case in enumerate(cases)]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("class_name, case", PROBES)
def test_every_layer_matches_numpy_forward_and_gradients(class_name, case, device):
    if class_name in TEXT_LAYERS:
        pytest.skip("text layers take strings, which live on the host (CuPy has no strings)")
    module = _module(device)
    for training in (False, True):
        expected = _forward_and_gradients(case, np, training)
        got = _forward_and_gradients(case, module, training)
        for kind, want, have in zip(("output", "gradient", "weight after the call"), expected, got):
            assert len(want) == len(have)
            for i, (a, b) in enumerate(zip(want, have)):
                assert type(b) is np.ndarray
                assert a.dtype == b.dtype and a.shape == b.shape, (kind, i)
                assert_close(b, a, TOLERANCE[device],
                             f"{class_name} {kind} {i} training={training}")


def _assert_close(expected, got, tolerance, what):
    expected = expected if isinstance(expected, (list, tuple)) else [expected]
    got = got if isinstance(got, (list, tuple)) else [got]
    assert len(expected) == len(got), what
    for i, (a, b) in enumerate(zip(expected, got)):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape, (what, i)
        assert_close(b, a, tolerance, f"{what} [{i}]")


# -- parity: optimizers, losses, metrics -------------------------------------------------------
def _make_optimizer(name):
    """A fresh optimizer of class `name`; the wrappers get an Adam (one for every path)."""
    cls = minikeras.optimizers.ALL_OPTIMIZERS[name]
    if name == "LossScaleOptimizer":
        return cls(minikeras.optimizers.Adam(), initial_scale=4.0)
    if name == "MultiOptimizer":
        return cls(minikeras.optimizers.OptimizerMap(minikeras.optimizers.Adam()))
    return cls()


def _optimizer_run(name, module):
    with on(module):
        minikeras.utils.set_random_seed(5)
        # 24,000 kernel values: more than one CPU block (BLOCK_SIZE) of an optimizer update
        model = minikeras.Sequential([layers.Input((40,)), layers.Dense(600, activation="tanh"),
                                      layers.Dense(2)])
        model.compile(optimizer=_make_optimizer(name), loss="mse")
        rng = np.random.default_rng(0)
        x, y = rng.standard_normal((8, 40)).astype("float32"), rng.standard_normal((8, 2))
        losses = [model.train_on_batch(x, y) for _ in range(3)]
        optimizer_values = [backend.to_numpy(v.data) for v in model.optimizer.variables]
        return losses, model.get_weights(), optimizer_values


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", sorted(minikeras.optimizers.ALL_OPTIMIZERS))
def test_every_optimizer_matches_numpy(name, device):
    expected = _optimizer_run(name, np)
    got = _optimizer_run(name, _module(device))
    for what, a, b in zip(("losses", "weights", "optimizer variables"), expected, got):
        _assert_close(a, b, TRAINED_TOLERANCE[device], f"{name} {what}")


def _loss_inputs(name):
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((6, 5)).astype("float32")
    probabilities = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    labels = np.array([0, 3, 1, 4, 2, 3])
    if name == "CTC":  # label sequences (0 = blank / padding) and (batch, time, classes) logits
        return (np.array([[1, 3, 0], [2, 2, 4]]),
                rng.standard_normal((2, 6, 5)).astype("float32"))
    if name.startswith("Sparse") or name in ("Circle", "CategoricalGeneralizedCrossEntropy"):
        return labels, (logits if name == "Circle" else probabilities)
    return np.eye(5, dtype="float32")[labels], probabilities


def _loss_run(name, module):
    with on(module):
        loss_fn = minikeras.losses.ALL_OBJECTS_DICT[name]()
        y_true, y_pred = _loss_inputs(name)
        prediction = backend.Tensor(backend.xp.asarray(y_pred))
        with GradientTape() as tape:
            tape.watch(prediction)
            value = loss_fn(backend.xp.asarray(y_true), prediction)
        gradient = tape.gradient(value, prediction)
        return backend.to_numpy(value.data), backend.to_numpy(gradient)


LOSS_CLASSES = sorted(name for name, cls in minikeras.losses.ALL_OBJECTS_DICT.items()
                      if isinstance(cls, type) and name == cls.__name__
                      and issubclass(cls, minikeras.losses.Loss)
                      and cls not in (minikeras.losses.Loss, minikeras.losses.LossFunctionWrapper))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", LOSS_CLASSES)
def test_every_loss_matches_numpy(name, device):
    _assert_close(_loss_run(name, np), _loss_run(name, _module(device)), TOLERANCE[device], name)


def _metric_run(name, arguments, module):
    with on(module):
        metric = getattr(minikeras.metrics, name)(**arguments)
        rng = np.random.default_rng(2)
        for _ in range(2):
            labels = rng.integers(0, 6, 8)
            scores = rng.uniform(0.01, 1, (8, 6)).astype("float32")
            scores /= scores.sum(-1, keepdims=True)
            weight = rng.uniform(0.5, 1.5, 8).astype("float32")
            if "IoU" in name:  # counts: integer weights
                weight = rng.integers(1, 3, 8)
            if name in ("Mean", "Sum"):
                metric.update_state(scores[:, 0], sample_weight=weight)
            elif name in ("IoU", "MeanIoU"):
                metric.update_state(labels % 3, scores.argmax(-1) % 3, sample_weight=weight)
            elif name.startswith("Sparse"):
                metric.update_state(labels, scores, sample_weight=weight)
            else:
                classes = 3 if "IoU" in name else 6
                if name == "BinaryIoU":  # one weight per class id
                    weight = np.repeat(weight[:, None], classes, axis=1)
                metric.update_state(np.eye(classes, dtype="float32")[labels % classes],
                                    scores[:, :classes], sample_weight=weight)
        result = metric.result()
        return [backend.to_numpy(result)] + [backend.to_numpy(v.data) for v in metric.variables]


METRICS = [pytest.param(name, arguments, id=name)
           for name, arguments, _, _ in KERAS_METRIC_CONFIGS]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name, arguments", METRICS)
def test_every_metric_matches_numpy(name, arguments, device):
    expected = _metric_run(name, arguments, np)
    got = _metric_run(name, arguments, _module(device))
    assert isinstance(got[0], np.ndarray)
    _assert_close(expected, got, TOLERANCE[device], name)


def test_embedding_gradient_paths_match_numpy():
    """Each of the three scatter-add strategies of the Embedding gradient, on the fake device."""
    from minikeras.ops.manipulation import scatter_add_rows, scatter_method
    rng = np.random.default_rng(4)
    for rows, tokens, width, method in ((10, 20, 4, "one_hot"), (1000, 20, 64, "sorted"),
                                        (200, 100, 4, "bincount")):
        assert scatter_method(rows, tokens, width) == method
        ids = rng.integers(0, rows, tokens)
        grad = rng.standard_normal((tokens, width)).astype("float32")
        expected = scatter_add_rows(ids, grad, rows)
        with on(fakedevice) as xp:
            got = scatter_add_rows(xp.asarray(ids), xp.asarray(grad), rows)
            assert type(got) is DeviceArray
        np.testing.assert_allclose(got.get(), expected, rtol=1e-6, atol=1e-6, err_msg=method)


# -- parity: a training run --------------------------------------------------------------------
def _models():
    return {
        "mlp": lambda: minikeras.Sequential([
            layers.Input((12,)), layers.Dense(16, activation="relu"),
            layers.BatchNormalization(), layers.Dropout(0.3),
            layers.Dense(3, activation="softmax")]),
        "convnet": lambda: minikeras.Sequential([
            layers.Input((8, 8, 1)), layers.Conv2D(4, 3, activation="relu"),
            layers.MaxPooling2D(2), layers.Conv2D(4, 2, padding="same", activation="relu"),
            layers.GlobalAveragePooling2D(), layers.Dense(3, activation="softmax")]),
        "lstm": lambda: minikeras.Sequential([
            layers.Input((5, 4)), layers.LSTM(6, recurrent_dropout=0.2, dropout=0.1),
            layers.Dense(3, activation="softmax")]),
    }


def _data(kind):
    rng = np.random.default_rng(8)
    shape = {"mlp": (12,), "convnet": (8, 8, 1), "lstm": (5, 4)}[kind]
    return rng.standard_normal((40,) + shape).astype("float32"), rng.integers(0, 3, 40)


def _train(kind, module):
    with on(module):
        minikeras.utils.set_random_seed(21)
        model = _models()[kind]()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        x, y = _data(kind)  # NumPy in, as a user writes it: the data adapter moves it
        history = model.fit(x, y, batch_size=8, epochs=2, validation_split=0.25, verbose=0)
        evaluation = model.evaluate(x, y, batch_size=16, verbose=0)
        predictions = model.predict(x, batch_size=16, verbose=0)
        assert type(predictions) is np.ndarray
        assert all(type(w) is np.ndarray for w in model.get_weights())
        assert all(isinstance(v.data, module.ndarray) for v in model.weights)
        return history.history, evaluation, predictions, model.get_weights()


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("kind", ["mlp", "convnet", "lstm"])
def test_training_run_matches_numpy(kind, device):
    expected = _train(kind, np)
    got = _train(kind, _module(device))
    tolerance = TRAINED_TOLERANCE[device]
    assert sorted(got[0]) == sorted(expected[0])
    for key in expected[0]:
        assert_close(got[0][key], expected[0][key], tolerance, key)
    assert_close(got[1], expected[1], tolerance, "evaluate")
    assert_close(got[2], expected[2], tolerance, "predict")
    for i, (a, b) in enumerate(zip(expected[3], got[3])):
        assert_close(b, a, tolerance, f"weight {i}")


# -- saved files hold NumPy arrays; loading puts them on the active backend --------------------
def _trained_on(module, folder):
    with on(module):
        minikeras.utils.set_random_seed(2)
        model = _models()["mlp"]()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        x, y = _data("mlp")
        model.fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[
            minikeras.callbacks.BackupAndRestore(str(folder / "backup"), delete_checkpoint=False),
            minikeras.callbacks.ModelCheckpoint(str(folder / "best.keras")),
            minikeras.callbacks.CSVLogger(str(folder / "log.csv"))])
        return model, x


@pytest.mark.parametrize("device", DEVICES)
def test_saved_files_hold_numpy_and_load_on_either_backend(tmp_path, device):
    import h5py
    module = _module(device)
    model, x = _trained_on(module, tmp_path)
    with on(module):
        expected = model.predict(x, verbose=0)
        model.save(str(tmp_path / "model.keras"))
        model.save(str(tmp_path / "model.h5"))
        model.save_weights(str(tmp_path / "model.weights.h5"))
        weights = model.get_weights()
        optimizer_weights = [backend.to_numpy(v.data) for v in model.optimizer.variables]
    stored = []
    with h5py.File(tmp_path / "model.h5", "r") as f:  # plain HDF5 datasets, read as NumPy
        f.visititems(lambda name, item: stored.append(item[()])
                     if isinstance(item, h5py.Dataset) else None)
    assert len(stored) >= len(weights)
    assert all(isinstance(a, (np.ndarray, np.generic, bytes)) for a in stored)
    assert (tmp_path / "best.keras").exists() and (tmp_path / "log.csv").exists()
    for target in (module, np):  # load on the device and on the host
        with on(target):
            for name in ("model.keras", "model.h5", "best.keras"):
                loaded = minikeras.models.load_model(str(tmp_path / name))
                assert all(isinstance(v.data, target.ndarray) for v in loaded.weights), name
                for a, b in zip(weights, loaded.get_weights()):
                    np.testing.assert_array_equal(a, b, err_msg=name)
                assert_close(loaded.predict(x, verbose=0), expected, TOLERANCE[device], name)
                if name == "model.keras":
                    for a, v in zip(optimizer_weights, loaded.optimizer.variables):
                        assert isinstance(v.data, target.ndarray)
                        np.testing.assert_array_equal(a, backend.to_numpy(v.data))
            fresh = _models()["mlp"]()
            fresh.load_weights(str(tmp_path / "model.weights.h5"))
            assert all(isinstance(v.data, target.ndarray) for v in fresh.weights)
            for a, b in zip(weights, fresh.get_weights()):
                np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("device", DEVICES)
def test_backup_and_restore_resumes_on_the_device(tmp_path, device):
    """An interrupted run resumed from its backup gives the uninterrupted run's weights."""
    module = _module(device)

    class Interrupt(minikeras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 0:
                raise KeyboardInterrupt

    def run(callbacks):
        minikeras.utils.set_random_seed(9)
        model = _models()["mlp"]()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        x, y = _data("mlp")
        model.fit(x, y, batch_size=8, epochs=3, verbose=0, callbacks=callbacks)
        return model.get_weights()

    with on(module):
        expected = run([])
        backup = minikeras.callbacks.BackupAndRestore(str(tmp_path / "backup"))
        with pytest.raises(KeyboardInterrupt):
            run([backup, Interrupt()])
        resumed = run([minikeras.callbacks.BackupAndRestore(str(tmp_path / "backup"))])
    for a, b in zip(expected, resumed):
        assert_close(b, a, TRAINED_TOLERANCE[device])


# -- host and device arrays do not mix at a layer boundary -------------------------------------
def _type_name(module):
    return re.escape(array_module._type_name(module.ndarray))


@pytest.mark.parametrize("device", DEVICES)
def test_numpy_array_into_a_layer_on_the_device_is_a_clear_error(device):
    module = _module(device)
    with on(module) as xp:
        dense = layers.Dense(2, name="probe_dense")
        assert type(dense(xp.ones((1, 3), dtype="float32")).data) is module.ndarray
        with pytest.raises(TypeError, match=r"Layer 'probe_dense' \(of type Dense\) received a "
                                            r"numpy\.ndarray \(host memory\) while the active "
                                            rf"array backend is '{module.__name__}', which "
                                            rf"expects {_type_name(module)}"):
            dense(np.ones((1, 3), dtype="float32"))
        model = minikeras.Sequential([layers.Input((3,)), layers.Dense(2)], name="probe_model")
        with pytest.raises(TypeError, match="Layer 'probe_model'.*numpy.ndarray"):
            model(np.ones((1, 3), dtype="float32"))
        with on(np):
            host_tensor = backend.Tensor(np.ones((1, 3), dtype="float32"))
        with pytest.raises(TypeError, match="numpy.ndarray"):  # a Tensor made on the host
            dense(host_tensor)
        # fit / evaluate / predict take NumPy and move it once, in the data adapter
        model.compile(optimizer="sgd", loss="mse")
        model.fit(np.ones((4, 3), "float32"), np.zeros((4, 2), "float32"), verbose=0)
        assert type(model.predict(np.ones((4, 3), "float32"), verbose=0)) is np.ndarray


@pytest.mark.parametrize("device", DEVICES)
def test_device_array_into_a_layer_on_numpy_is_a_clear_error(device):
    module = _module(device)
    with on(module) as xp:
        device_x = xp.ones((1, 3), dtype="float32")
    dense = layers.Dense(2, name="host_dense")
    with pytest.raises(TypeError, match=r"Layer 'host_dense' \(of type Dense\) received a "
                                        rf"{_type_name(module)} \(device memory\) while the "
                                        r"active array backend is 'numpy'.*to_numpy"):
        dense(device_x)
    assert dense(backend.to_numpy(device_x)).numpy().shape == (1, 2)


# -- switching ---------------------------------------------------------------------------------
def test_switching_backends_and_back_restores_everything():
    xp = backend.xp
    assert backend.array_backend() == "numpy" and backend.on_host()
    with on(fakedevice):
        assert backend.array_backend() == "fakedevice" and not backend.on_host()
        assert type(xp.zeros(3)) is DeviceArray
        assert xp.ndarray is DeviceArray
        with xp.errstate(divide="ignore"):  # CuPy has no errstate: the namespace supplies one
            assert type(xp.log(xp.zeros(1))) is DeviceArray
        assert xp.broadcast_shapes((2, 1), (3,)) == (2, 3)
        calls = []  # no CPU threads for device arrays
        backend.parallel.over_batch(lambda a, b: calls.append((a, b)), batch=64, size=1 << 24)
        assert calls == [(0, 64)]
    backend.set_array_backend("numpy")
    assert backend.get_array_module() is np and backend.array_backend() == "numpy"
    assert backend.on_host() and type(xp.zeros(3)) is np.ndarray and xp.ndarray is np.ndarray
    assert xp.errstate is np.errstate
    assert not any(getattr(v, "__module__", None) == __name__ for v in vars(xp).values())


@needs_gpu
def test_set_array_backend_cupy_and_back():
    import cupy
    backend.set_array_backend("cupy")
    assert backend.get_array_module() is cupy and backend.array_backend() == "cupy"
    assert type(backend.xp.zeros(3)) is cupy.ndarray and not backend.on_host()
    backend.set_array_backend("numpy")
    assert type(backend.xp.zeros(3)) is np.ndarray and backend.on_host()


@pytest.mark.parametrize("device", DEVICES)
def test_to_numpy_copies_device_arrays_only(device):
    module = _module(device)
    host = np.arange(3.0)
    assert backend.to_numpy(host) is host
    with on(module) as xp:
        device_array = xp.asarray(host)
        with pytest.raises(TypeError, match="Implicit conversion"):
            np.asarray(device_array)  # as CuPy does: leaving the device is explicit
        out = backend.to_numpy(device_array)
        assert type(out) is np.ndarray and backend.is_device_array(device_array)
        np.testing.assert_array_equal(out, host)
        assert type(backend.Tensor(device_array).numpy()) is np.ndarray


def test_unknown_or_unavailable_backends_leave_numpy_active():
    with pytest.raises(ValueError, match="Unknown array backend: 'tpu'"):
        backend.set_array_backend("tpu")
    if CUPY_SKIP is not None:
        with pytest.raises((ImportError, RuntimeError), match="cupy|CuPy|GPU"):
            backend.set_array_backend("cupy")
    assert backend.get_array_module() is np


def test_minikeras_backend_environment_variable(tmp_path):
    import os
    import subprocess
    import sys
    assert BACKEND_AT_IMPORT == (os.environ.get("MINIKERAS_BACKEND") or "numpy").lower()
    code = "import minikeras; print(minikeras.backend.array_backend())"
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "MINIKERAS_BACKEND": "numpy"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "numpy"
    env["MINIKERAS_BACKEND"] = "bogus"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          cwd=tmp_path)
    assert done.returncode != 0 and "Unknown array backend: 'bogus'" in done.stderr


# -- random numbers: drawn on the host, the same on every backend ------------------------------
@pytest.mark.parametrize("device", DEVICES)
def test_seeded_random_numbers_are_the_same_on_every_backend(device):
    def draws(module):
        with on(module):
            minikeras.utils.set_random_seed(42)
            dense = layers.Dense(5)
            dense.build((None, 4))
            x = backend.xp.ones((3, 4), dtype="float32")
            outputs = [layers.Dropout(0.5)(x, training=True),
                       layers.GaussianNoise(1.0)(x, training=True),
                       layers.Dropout(0.5, seed=3)(x, training=True)]
            return dense.get_weights() + [backend.to_numpy(o.data) for o in outputs]

    for a, b in zip(draws(np), draws(_module(device))):
        np.testing.assert_array_equal(a, b)


# -- parity: the rest of a training toolbox ----------------------------------------------------
def _features():
    """Scenarios beyond plain `fit`: each builds, trains or evaluates on the active backend and
    returns NumPy arrays (weights, predictions, results) to compare with the NumPy backend."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 6)).astype("float32")
    y = rng.integers(0, 3, 32)
    y2 = rng.standard_normal((32, 1)).astype("float32")
    seq = rng.integers(1, 10, (16, 7))
    seq[:, 5:] = 0
    images = rng.standard_normal((16, 12, 12, 3)).astype("float32")

    def mlp(optimizer="adam", **fit_arguments):
        model = minikeras.Sequential([layers.Input((6,)), layers.Dense(8, activation="relu"),
                                      layers.Dense(3, activation="softmax")])
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        history = model.fit(**{"x": x, "y": y, "epochs": 2, "batch_size": 8, "verbose": 0,
                               **fit_arguments})
        return model.get_weights() + [np.asarray(v) for v in history.history.values()]

    class Batches(minikeras.utils.PyDataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return x[i * 8:(i + 1) * 8], y[i * 8:(i + 1) * 8]

    def generator():
        while True:
            yield x[:8], y[:8]

    def h5_dataset():
        import tempfile

        import h5py
        path = tempfile.mktemp(suffix=".h5")
        with h5py.File(path, "w") as f:
            f["x"], f["y"] = x, y
        with h5py.File(path, "r") as f:
            return mlp(x=f["x"], y=f["y"], shuffle="batch", validation_split=0.25)

    def masked_recurrent():
        model = minikeras.Sequential([
            layers.Input((7,), dtype="int32"), layers.Embedding(10, 4, mask_zero=True),
            layers.Bidirectional(layers.LSTM(3, return_sequences=True)),
            layers.TimeDistributed(layers.Dense(2)), layers.GRU(2)])
        model.compile("rmsprop", "mse", metrics=["mae"])
        model.fit(seq, rng.standard_normal((16, 2)), epochs=2, verbose=0)
        return model.get_weights() + [model.predict(seq, verbose=0)]

    def attention():
        query, value = layers.Input((5, 4)), layers.Input((6, 4))
        out = layers.Concatenate()([
            layers.MultiHeadAttention(2, 3, dropout=0.1)(query, value),
            layers.Attention(dropout=0.1, use_scale=True)([query, value]),
            layers.MultiHeadAttention(2, 2)(query, query, use_causal_mask=True)])
        model = minikeras.Model([query, value], out)
        model.compile("adam", "mse")
        data = [rng.standard_normal((8, 5, 4)), rng.standard_normal((8, 6, 4))]
        model.fit(data, rng.standard_normal((8, 5, 12)), verbose=0)
        return model.get_weights() + [model.predict(data, verbose=0)]

    def two_outputs():
        inputs = layers.Input((6,))
        hidden = layers.Dense(5, kernel_regularizer="l2")(inputs)
        model = minikeras.Model(inputs, [layers.Dense(3, activation="softmax", name="a")(hidden),
                                         layers.Dense(1, name="b")(hidden)])
        model.compile("adam", {"a": "sparse_categorical_crossentropy", "b": "huber"},
                      loss_weights={"a": 1.0, "b": 0.5},
                      metrics={"a": ["accuracy", metrics_.SparseTopKCategoricalAccuracy(k=2)],
                               "b": ["mae"]})
        history = model.fit(x, {"a": y, "b": y2}, epochs=2, verbose=0, validation_split=0.25)
        evaluation = model.evaluate(x, {"a": y, "b": y2}, verbose=0)
        return (model.get_weights() + list(model.predict(x, verbose=0)) + [np.asarray(evaluation)]
                + [np.asarray(v) for v in history.history.values()])

    def convolutions():
        model = minikeras.Sequential([
            layers.Input((12, 12, 3)),
            layers.Conv2D(8, 3, strides=2, padding="same", activation="relu"),
            layers.DepthwiseConv2D(3, padding="same"), layers.SeparableConv2D(8, 3),
            layers.Conv2DTranspose(4, 3, strides=2), layers.Conv2D(6, 1, groups=2),
            layers.AveragePooling2D(2), layers.UpSampling2D(2, interpolation="bilinear"),
            layers.MaxPooling2D(3, strides=2), layers.Flatten(), layers.Dense(3)])
        model.compile("adam", "mse")
        model.fit(images, rng.standard_normal((16, 3)), batch_size=8, epochs=2, verbose=0)
        return model.get_weights() + [model.predict(images, verbose=0)]

    def metric_options():
        scores = rng.uniform(size=(32, 3)).astype("float32")
        one_hot = np.eye(3, dtype="float32")[y]
        results = []
        for metric in [metrics_.Precision(top_k=2), metrics_.Recall(thresholds=[0.3, 0.6]),
                       metrics_.AUC(curve="PR", summation_method="majoring"),
                       metrics_.AUC(num_thresholds=50, from_logits=True),
                       metrics_.F1Score(average="macro"), metrics_.R2Score(),
                       metrics_.Precision(class_id=1), metrics_.PrecisionAtRecall(0.5, 13),
                       metrics_.TopKCategoricalAccuracy(k=2),
                       metrics_.FBetaScore(average="weighted", threshold=0.5)]:
            metric.update_state(one_hot, scores)
            results.append(np.asarray(metric.result()))
        return results

    def loss_options():
        prediction = backend.Tensor(backend.xp.asarray(rng.uniform(0.1, 1, (8, 3))
                                                       .astype("float32")))
        target = backend.xp.asarray(np.eye(3, dtype="float32")[y[:8]])
        weight = backend.xp.asarray(rng.uniform(size=8).astype("float32"))
        values = [losses_.CategoricalCrossentropy(reduction=reduction, label_smoothing=0.1)(
            target, prediction, sample_weight=weight)
            for reduction in ("none", "sum", "mean_with_sample_weight")]
        values += [losses_.SparseCategoricalCrossentropy(ignore_class=1)(
                       backend.xp.asarray(y[:8]), prediction),
                   losses_.BinaryCrossentropy(from_logits=True, label_smoothing=0.2)(
                       target, prediction),
                   losses_.BinaryFocalCrossentropy(apply_class_balancing=True)(target, prediction)]
        return [backend.to_numpy(v.data) for v in values]

    def normalization_adapt():
        layer = layers.Normalization()
        layer.adapt(x)
        return [backend.to_numpy(layer(backend.xp.asarray(x)).data)] + layer.get_weights()

    metrics_, losses_, callbacks = minikeras.metrics, minikeras.losses, minikeras.callbacks
    return {
        "class_weight": lambda: mlp(class_weight={0: 1.0, 1: 2.0, 2: 0.5}),
        "sample_weight": lambda: mlp(sample_weight=rng.uniform(size=32)),
        "validation_data": lambda: mlp(validation_data=(x, y), shuffle=True),
        "generator": lambda: mlp(x=generator(), y=None, steps_per_epoch=3, batch_size=None),
        "py_dataset": lambda: mlp(x=Batches(), y=None, batch_size=None),
        "h5_dataset": h5_dataset,
        "callbacks": lambda: mlp(validation_split=0.25, epochs=3, callbacks=[
            callbacks.EarlyStopping(patience=1, restore_best_weights=True),
            callbacks.ReduceLROnPlateau(patience=1),
            callbacks.LearningRateScheduler(lambda epoch, rate: rate * 0.9),
            callbacks.TerminateOnNaN()]),
        "ema": lambda: mlp(optimizer=minikeras.optimizers.Adam(use_ema=True),
                           callbacks=[callbacks.SwapEMAWeights()]),
        "gradient_accumulation": lambda: mlp(
            optimizer=minikeras.optimizers.SGD(gradient_accumulation_steps=2)),
        "clipnorm": lambda: mlp(optimizer=minikeras.optimizers.Adam(clipnorm=0.1)),
        "global_clipnorm": lambda: mlp(optimizer=minikeras.optimizers.Adam(global_clipnorm=0.1)),
        "clipvalue": lambda: mlp(optimizer=minikeras.optimizers.Adam(clipvalue=0.01)),
        "weight_decay": lambda: mlp(optimizer=minikeras.optimizers.AdamW(weight_decay=0.1)),
        "masked_recurrent": masked_recurrent,
        "attention": attention,
        "two_outputs": two_outputs,
        "convolutions": convolutions,
        "metric_options": metric_options,
        "loss_options": loss_options,
        "normalization_adapt": normalization_adapt,
    }


def _feature_run(name, module):
    with on(module):
        minikeras.utils.set_random_seed(17)
        arrays = _features()[name]()
    assert all(isinstance(a, (np.ndarray, np.generic, float, int)) for a in arrays), name
    return arrays


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", sorted(_features()))
def test_training_features_match_numpy(name, device):
    expected, got = _feature_run(name, np), _feature_run(name, _module(device))
    assert len(expected) == len(got)
    for i, (a, b) in enumerate(zip(expected, got)):
        assert_close(b, a, TRAINED_TOLERANCE[device], f"{name} [{i}]")
