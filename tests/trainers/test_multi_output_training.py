"""Multi-input / multi-output training pinned against Keras 3.15.1 (torch backend).

Every scenario builds the same two-input, two-output functional model in Keras and minikeras
with identical initial weights (NumPy RandomState(7), set layer by layer with set_weights),
the same data (RandomState(1) for training, RandomState(2) for validation), plain SGD or Adam,
shuffle=False, and compares History (keys, key order and values), evaluate() (list order and
values, return_dict), predict() structure and values, and train_on_batch / test_on_batch:

    in_a (4,) --+
                +-- Concatenate "concat" -- Dense(5, relu) "hidden" --+-- Dense(3, softmax) "out1"
    in_b (3,) --+                                                     +-- Dense(2) "out2"

(1) lists: loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5],
    metrics={"out1": "accuracy", "out2": ["mae"]}, validation_data, SGD(0.1)
(2) dicts: loss / loss_weights / metrics as dicts, x and y as dicts keyed by input / output
    name, Adam(0.01); (2a) on the list-structured model, (2b) on a model built from dicts
(3) one loss string ("mse", loss_weights=0.5) for both outputs, metrics=["mae", "mae"]
(4) loss=["sparse_categorical_crossentropy", None]
(5) one sample_weight array for both outputs, weighted_metrics, validation sample weights;
    sample weights as a list (one per output); class_weight
(6) validation_split with multi-input lists (and dicts, and with sample_weight)
(7) a single-output functional model with metrics=["accuracy"]
plus bad input: y list of the wrong length, y dict missing / with a wrong key, loss dict
with a wrong key, too many inputs.

Keras 3.15.1 facts observed here (beyond those listed in tests/trainers/test_compile_utils.py):
  - History keys are sorted: ['loss', 'out1_accuracy', 'out1_loss', 'out2_loss', 'out2_mae',
    'val_loss', ...]; evaluate / train_on_batch / test_on_batch lists are [loss, out1_loss,
    out2_loss, <every other key, sorted>], e.g. with weighted_metrics
    [loss, out1_loss, out2_loss, out1_accuracy, out1_weighted_accuracy, out2_mae,
    out2_weighted_mae]. A single-output model logs ['accuracy', 'loss', 'val_accuracy',
    'val_loss'] and evaluates to [loss, accuracy].
  - predict returns a list for list outputs, a dict (keys in output-name order) for dict
    outputs, one array for a single output; output_names of the dict model are
    ['out1', 'out2']. x may be a dict keyed by input names for the list-structured model.
  - loss=[..., None]: the output gets no loss and no "<name>_loss" log, its weights get no
    gradient (Keras warns "Gradients do not exist for variables ['out2/kernel',
    'out2/bias']") and stay unchanged; y may then hold only the other target ([y1] or
    {"out1": y1}).
  - One sample_weight array weighs every output's loss and weighted metrics; a list of
    arrays gives one per output (fit and train_on_batch). validation_split splits
    sample_weight like x and y.
  - class_weight with several outputs: fit raises ValueError "`class_weight` is only
    supported for Models with a single output."; train_on_batch fails with an unrelated
    NumPy "inhomogeneous shape" ValueError. Single output: class_weight works.
  - A single-output model accepts loss as a one-entry dict {"single": ...} or list; y as
    a one-entry dict {"single": y} fails in Keras ("Invalid dtype: str192"), minikeras
    accepts it (not pinned here).
  - Errors: y list of 3 (or 1) for 2 outputs, and a y dict missing "out2": ValueError
    "y_true and y_pred have different structures. y_true: ['*', '*', '*'] y_pred: ['*', '*']";
    a y dict with a wrong key: an unrelated "Invalid dtype: str128"; a loss dict with a wrong
    key: ValueError "Expected keys ['out1', 'out2'] in loss dict, but found
    loss.keys()=['out1', 'outX']" (at fit; minikeras at compile); 3 inputs for 2: ValueError
    "... expects 2 named input(s) with keys ['in_a', 'in_b'], but it received 3 input tensors".

Regenerate REF (the Keras numbers below):
    cd /work/main && python3 tests/trainers/test_multi_output_training.py > /tmp/ref_multi.py
    KERAS_BACKEND=torch /work/refvenv/bin/python /tmp/ref_multi.py
The first command writes the Keras script: the helpers of this file (make_data,
make_sample_weights, layer_weights, build, build_single: the same code builds both models,
`K` being `keras` or `minikeras`) followed by KERAS_SCENARIOS; the second prints `REF = {...}`.
Each `run_*` function below repeats the calls of its KERAS_SCENARIOS block, in the same order.
"""
import functools
import inspect

import numpy as np
import pytest

import minikeras
from minikeras import optimizers

RTOL, ATOL = 1e-5, 1e-6


# -- shared with the Keras script (copied into it verbatim by __main__) ------------------------
def make_data(seed, n):
    rs = np.random.RandomState(seed)
    xa = rs.normal(size=(n, 4)).astype("float32")
    xb = rs.normal(size=(n, 3)).astype("float32")
    y1 = rs.randint(0, 3, size=(n,)).astype("int64")
    y2 = rs.normal(size=(n, 2)).astype("float32")
    return xa, xb, y1, y2


def make_sample_weights():
    sw = np.array([1.0, 2.0, 0.5, 1.0, 0.0, 1.5, 1.0, 3.0, 1.0, 0.25, 1.0, 2.0], dtype="float32")
    vsw = np.array([0.5, 1.0, 2.0, 1.0, 1.0, 0.0], dtype="float32")
    return sw, vsw


def layer_weights():
    rs = np.random.RandomState(7)
    shapes = {"hidden": [(7, 5), (5,)], "out1": [(5, 3), (3,)], "out2": [(5, 2), (2,)],
              "single": [(7, 3), (3,)]}
    return {name: [rs.uniform(-0.6, 0.6, size=s).astype("float32") for s in ss]
            for name, ss in shapes.items()}


def build(K, dict_io=False):
    a = K.layers.Input((4,), name="in_a")
    b = K.layers.Input((3,), name="in_b")
    h = K.layers.Concatenate(name="concat")([a, b])
    h = K.layers.Dense(5, activation="relu", name="hidden")(h)
    o1 = K.layers.Dense(3, activation="softmax", name="out1")(h)
    o2 = K.layers.Dense(2, name="out2")(h)
    if dict_io:
        model = K.Model({"in_a": a, "in_b": b}, {"out1": o1, "out2": o2})
    else:
        model = K.Model([a, b], [o1, o2])
    w = layer_weights()
    for name in ("hidden", "out1", "out2"):
        model.get_layer(name).set_weights(w[name])
    return model


def build_single(K):
    a = K.layers.Input((4,), name="in_a")
    b = K.layers.Input((3,), name="in_b")
    h = K.layers.Concatenate(name="concat")([a, b])
    o = K.layers.Dense(3, activation="softmax", name="single")(h)
    model = K.Model([a, b], o)
    model.get_layer("single").set_weights(layer_weights()["single"])
    return model


_SHARED = (make_data, make_sample_weights, layer_weights, build, build_single)
# -----------------------------------------------------------------------------------------------

K = minikeras
XA, XB, Y1, Y2 = make_data(1, 12)
VXA, VXB, VY1, VY2 = make_data(2, 6)
SW, VSW = make_sample_weights()
X, VX, Y, VY = [XA, XB], [VXA, VXB], [Y1, Y2], [VY1, VY2]
XD, VXD = {"in_a": XA, "in_b": XB}, {"in_a": VXA, "in_b": VXB}
YD, VYD = {"out1": Y1, "out2": Y2}, {"out1": VY1, "out2": VY2}
Y1H, VY1H = np.eye(3, dtype="float32")[Y1], np.eye(3, dtype="float32")[VY1]
CLASS_WEIGHT = {0: 1.0, 1: 2.0, 2: 0.5}


# -- comparison helpers ------------------------------------------------------------------------
def assert_close(got, want, what=""):
    """Logs (dict: same keys in the same order), lists of logs, arrays or numbers, ~1e-5 rel."""
    if isinstance(want, dict):
        assert isinstance(got, dict), f"{what}: expected a dict, got {type(got).__name__}"
        assert list(got) == list(want), f"{what}: keys {list(got)} != Keras {list(want)}"
        for key in want:
            assert_close(got[key], want[key], f"{what}[{key!r}]")
    elif isinstance(want, list) and want and isinstance(want[0], list) and not np.isscalar(got):
        assert isinstance(got, list), f"{what}: expected a list, got {type(got).__name__}"
        assert len(got) == len(want), f"{what}: {len(got)} entries != Keras {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            np.testing.assert_allclose(g, np.array(w, dtype="float32"), rtol=RTOL, atol=ATOL,
                                       err_msg=f"{what}[{i}]")
    else:
        if isinstance(want, list):
            assert isinstance(got, list), f"{what}: expected a list, got {type(got).__name__}"
            assert len(got) == len(want), f"{what}: {got} != Keras {want}"
        else:
            assert np.isscalar(got) or np.ndim(got) == 0, f"{what}: expected a number, got {got!r}"
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=what)


def assert_history(history, want):
    assert list(history.history) == list(want), "History keys / key order differ from Keras"
    for key, values in want.items():
        assert len(history.history[key]) == len(values), key
        np.testing.assert_allclose(history.history[key], values, rtol=RTOL, atol=ATOL,
                                   err_msg=key)


def assert_predictions(got, want, kind):
    """`kind` is Keras's type name: list (one array per output), dict, or ndarray."""
    if kind == "dict":
        assert isinstance(got, dict) and list(got) == list(want), f"dict {list(want)} expected"
        for key in want:
            assert isinstance(got[key], np.ndarray)
            np.testing.assert_allclose(got[key], want[key], rtol=RTOL, atol=ATOL, err_msg=key)
    elif kind == "list":
        assert isinstance(got, list) and len(got) == len(want), "a list per output expected"
        for g, w in zip(got, want):
            assert isinstance(g, np.ndarray) and g.shape == np.shape(w)
            np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL)
    else:
        assert isinstance(got, np.ndarray) and got.shape == np.shape(want)
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


# -- the scenarios, call for call as in KERAS_SCENARIOS ----------------------------------------
def _two_losses(**extra):
    return dict(loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5], **extra)


METRICS_1 = {"out1": "accuracy", "out2": ["mae"]}
DICT_COMPILE = dict(loss={"out1": "sparse_categorical_crossentropy", "out2": "mse"},
                    loss_weights={"out1": 0.3, "out2": 2.0},
                    metrics={"out1": ["accuracy"], "out2": ["mae", "mse"]})


@functools.lru_cache(maxsize=None)
def run_s1():
    m = build(K)
    m.compile(optimizer=optimizers.SGD(0.1), **_two_losses(metrics=METRICS_1))
    r = dict(metrics_names_before=list(m.metrics_names))
    r["history"] = m.fit(X, Y, batch_size=5, epochs=2, shuffle=False, verbose=0,
                         validation_data=(VX, VY))
    r["metrics_names_after"] = list(m.metrics_names)
    r["predict"] = m.predict(VX, batch_size=4, verbose=0)
    r["evaluate"] = m.evaluate(VX, VY, batch_size=4, verbose=0)
    r["evaluate_dict"] = m.evaluate(VX, VY, batch_size=4, verbose=0, return_dict=True)
    r["train_on_batch"] = m.train_on_batch(X, Y)
    r["train_on_batch_dict"] = m.train_on_batch(X, Y, return_dict=True)
    r["test_on_batch"] = m.test_on_batch(VX, VY)
    r["test_on_batch_dict"] = m.test_on_batch(VX, VY, return_dict=True)
    r["predict_on_batch"] = m.predict_on_batch(VX)
    return r


@functools.lru_cache(maxsize=None)
def run_s2(dict_io):
    m = build(K, dict_io=dict_io)
    r = dict(output_names=list(m.output_names))
    m.compile(optimizer=optimizers.Adam(0.01), **DICT_COMPILE)
    r["history"] = m.fit(XD, YD, batch_size=5, epochs=2, shuffle=False, verbose=0,
                         validation_data=(VXD, VYD))
    r["predict"] = m.predict(VXD, batch_size=4, verbose=0)
    r["evaluate"] = m.evaluate(VXD, VYD, batch_size=4, verbose=0)
    if not dict_io:
        r["evaluate_dict"] = m.evaluate(VXD, VYD, batch_size=4, verbose=0, return_dict=True)
    r["train_on_batch"] = m.train_on_batch(XD, YD)
    if not dict_io:
        r["test_on_batch_dict"] = m.test_on_batch(VXD, VYD, return_dict=True)
    return r


@functools.lru_cache(maxsize=None)
def run_s4():
    m = build(K)
    m.compile(optimizer=optimizers.SGD(0.1), loss=["sparse_categorical_crossentropy", None],
              metrics={"out1": "accuracy"})
    r = dict(history=m.fit(X, Y, batch_size=5, epochs=2, shuffle=False, verbose=0,
                           validation_data=(VX, VY)))
    r["metrics_names_after"] = list(m.metrics_names)
    r["evaluate"] = m.evaluate(VX, VY, batch_size=4, verbose=0)
    r["evaluate_dict"] = m.evaluate(VX, VY, batch_size=4, verbose=0, return_dict=True)
    r["train_on_batch"] = m.train_on_batch(X, Y)
    r["out2_unchanged"] = all(np.array_equal(a, b) for a, b in
                              zip(m.get_layer("out2").get_weights(), layer_weights()["out2"]))
    return r


@functools.lru_cache(maxsize=None)
def run_s5():
    m = build(K)
    m.compile(optimizer=optimizers.SGD(0.1),
              **_two_losses(metrics=METRICS_1,
                            weighted_metrics={"out1": ["accuracy"], "out2": ["mae"]}))
    r = dict(history=m.fit(X, Y, sample_weight=SW, batch_size=5, epochs=2, shuffle=False,
                           verbose=0, validation_data=(VX, VY, VSW)))
    r["evaluate"] = m.evaluate(VX, VY, sample_weight=VSW, batch_size=4, verbose=0)
    r["evaluate_dict"] = m.evaluate(VX, VY, sample_weight=VSW, batch_size=4, verbose=0,
                                    return_dict=True)
    r["train_on_batch"] = m.train_on_batch(X, Y, sample_weight=SW)
    r["test_on_batch"] = m.test_on_batch(VX, VY, sample_weight=VSW)
    return r


@functools.lru_cache(maxsize=None)
def run_s7():
    m = build_single(K)
    m.compile(optimizer=optimizers.Adam(0.05), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
    r = dict(history=m.fit(X, Y1, batch_size=5, epochs=2, shuffle=False, verbose=0,
                           validation_data=(VX, VY1)))
    r["output_names"] = list(m.output_names)
    r["metrics_names_after"] = list(m.metrics_names)
    r["predict"] = m.predict(VX, verbose=0)
    r["evaluate"] = m.evaluate(VX, VY1, batch_size=4, verbose=0)
    r["evaluate_dict"] = m.evaluate(VX, VY1, batch_size=4, verbose=0, return_dict=True)
    r["train_on_batch"] = m.train_on_batch(X, Y1)
    r["test_on_batch"] = m.test_on_batch(VX, VY1)
    r["test_on_batch_dict"] = m.test_on_batch(VX, VY1, return_dict=True)
    return r


LOGS = ["evaluate", "evaluate_dict", "train_on_batch", "train_on_batch_dict", "test_on_batch",
        "test_on_batch_dict"]


def _check_logs(result, ref):
    checked = 0
    for key in LOGS:
        if key in ref:
            assert_close(result[key], ref[key], key)
            checked += 1
    assert checked


# -- (1) lists ---------------------------------------------------------------------------------
def test_lists_history_matches_keras():
    assert_history(run_s1()["history"], REF["s1"]["history"])


def test_lists_metrics_names_before_and_after_fit():
    assert run_s1()["metrics_names_before"] == REF["s1"]["metrics_names_before"]
    assert run_s1()["metrics_names_after"] == REF["s1"]["metrics_names_after"]


def test_lists_evaluate_and_on_batch_order_and_values():
    _check_logs(run_s1(), REF["s1"])


def test_lists_predict_is_a_list_per_output():
    assert_predictions(run_s1()["predict"], REF["s1"]["predict"], REF["s1"]["predict_type"])
    assert_predictions(run_s1()["predict_on_batch"], REF["s1"]["predict_on_batch"], "list")


# -- (2) dicts ---------------------------------------------------------------------------------
@pytest.mark.parametrize("dict_io", [False, True], ids=["list_model", "dict_model"])
def test_dicts_history_matches_keras(dict_io):
    ref = REF["s2b" if dict_io else "s2a"]
    assert_history(run_s2(dict_io)["history"], ref["history"])


@pytest.mark.parametrize("dict_io", [False, True], ids=["list_model", "dict_model"])
def test_dicts_evaluate_and_on_batch(dict_io):
    _check_logs(run_s2(dict_io), REF["s2b" if dict_io else "s2a"])


@pytest.mark.parametrize("dict_io", [False, True], ids=["list_model", "dict_model"])
def test_dicts_predict_structure(dict_io):
    ref = REF["s2b" if dict_io else "s2a"]
    assert_predictions(run_s2(dict_io)["predict"], ref["predict"], ref["predict_type"])
    if dict_io:
        assert run_s2(True)["output_names"] == REF["s2b_output_names"]


def test_dict_and_list_models_train_identically():
    """Keras gives the same numbers whether the model's inputs/outputs are lists or dicts."""
    a, b = run_s2(False), run_s2(True)
    assert_close(a["evaluate"], b["evaluate"])
    assert_predictions(b["predict"], dict(zip(["out1", "out2"], a["predict"])), "dict")


# -- (3) one loss for both outputs -------------------------------------------------------------
def test_one_loss_string_for_both_outputs():
    m = build(K)
    m.compile(optimizer=optimizers.SGD(0.2), loss="mse", loss_weights=0.5,
              metrics=["mae", "mae"])
    h = m.fit(X, [Y1H, Y2], batch_size=5, epochs=2, shuffle=False, verbose=0,
              validation_data=(VX, [VY1H, VY2]))
    assert_history(h, REF["s3"]["history"])
    assert_close(m.evaluate(VX, [VY1H, VY2], batch_size=4, verbose=0), REF["s3"]["evaluate"])
    assert_close(m.train_on_batch(X, [Y1H, Y2]), REF["s3"]["train_on_batch"])


# -- (4) an output without a loss --------------------------------------------------------------
def test_output_without_loss_history_and_logs():
    r, ref = run_s4(), REF["s4"]
    assert_history(r["history"], ref["history"])
    assert r["metrics_names_after"] == ref["metrics_names_after"]
    _check_logs(r, ref)


def test_output_without_loss_keeps_its_weights():
    assert run_s4()["out2_unchanged"] is True
    assert REF["s4"]["out2_unchanged"] is True


def test_output_without_loss_needs_no_target():
    m = build(K)
    m.compile(optimizer=optimizers.SGD(0.1), loss=["sparse_categorical_crossentropy", None],
              metrics={"out1": "accuracy"})
    assert_close(m.train_on_batch(X, [Y1]), REF["s4_y_short"])
    m = build(K)
    m.compile(optimizer=optimizers.SGD(0.1), loss=["sparse_categorical_crossentropy", None])
    assert_close(m.train_on_batch(X, {"out1": Y1}), REF["s4_y_dict_short"])


# -- (5) sample and class weights --------------------------------------------------------------
def test_one_sample_weight_array_for_both_outputs():
    assert_history(run_s5()["history"], REF["s5"]["history"])


def test_sample_weight_evaluate_and_on_batch():
    _check_logs(run_s5(), REF["s5"])



def test_sample_weight_list_one_per_output_train_on_batch():
    m = build(K)
    m.compile(optimizer=optimizers.SGD(0.1), **_two_losses())
    assert_close(m.train_on_batch(X, Y, sample_weight=[SW, np.tile(VSW, 2)]),
                 REF["s5_sw_list"])


def test_sample_weight_list_one_per_output_fit():
    m = build(K)
    m.compile(optimizer=optimizers.SGD(0.1), **_two_losses())
    h = m.fit(X, Y, sample_weight=[SW, np.ones(12, "float32")], batch_size=5, epochs=1,
              shuffle=False, verbose=0)
    assert_history(h, REF["s5_sw_list_fit"])


def test_sample_weight_list_one_per_output_evaluate():
    m = build(K)
    m.compile(optimizer=optimizers.SGD(0.1), **_two_losses())
    assert_close(m.evaluate(VX, VY, sample_weight=[VSW, np.ones(6, "float32")], batch_size=4,
                            verbose=0), REF["s5_sw_list_evaluate"])



def test_class_weight_with_several_outputs_is_an_error_in_fit():
    m = build(K)
    m.compile(optimizer=optimizers.SGD(0.1), **_two_losses())
    with pytest.raises(ValueError, match="class_weight.*single output"):
        m.fit(X, Y, class_weight=CLASS_WEIGHT, batch_size=5, epochs=1, shuffle=False, verbose=0)


def test_class_weight_with_several_outputs_is_an_error_in_train_on_batch():
    m = build(K)
    m.compile(optimizer=optimizers.SGD(0.1), **_two_losses())
    with pytest.raises(ValueError, match="class_weight"):
        m.train_on_batch(X, Y, class_weight=CLASS_WEIGHT)


def test_class_weight_single_output_functional():
    m = build_single(K)
    m.compile(optimizer=optimizers.SGD(0.1), loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
    h = m.fit(X, Y1, class_weight=CLASS_WEIGHT, batch_size=5, epochs=2, shuffle=False, verbose=0)
    assert_history(h, REF["s7_class_weight"]["history"])


# -- (6) validation_split ----------------------------------------------------------------------
def _compiled_for_split():
    m = build(K)
    m.compile(optimizer=optimizers.SGD(0.1), **_two_losses(metrics=METRICS_1))
    return m


def test_validation_split_with_input_and_target_lists():
    m = _compiled_for_split()
    h = m.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0, validation_split=0.25)
    assert_history(h, REF["s6"]["history"])
    assert_predictions(m.predict(VX, verbose=0), REF["s6"]["predict"], "list")


def test_validation_split_with_sample_weight():
    m = _compiled_for_split()
    h = m.fit(X, Y, sample_weight=SW, batch_size=4, epochs=2, shuffle=False, verbose=0,
              validation_split=0.25)
    assert_history(h, REF["s6_sw"]["history"])


def test_validation_split_with_input_and_target_dicts():
    m = _compiled_for_split()
    h = m.fit(XD, YD, batch_size=4, epochs=3, shuffle=False, verbose=0, validation_split=0.25)
    assert_history(h, REF["s6_dict"]["history"])


# -- (7) single-output functional model --------------------------------------------------------
def test_single_output_history_keys_and_values():
    r, ref = run_s7(), REF["s7"]
    assert list(r["history"].history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert_history(r["history"], ref["history"])
    assert r["output_names"] == ref["output_names"]
    assert r["metrics_names_after"] == ref["metrics_names_after"]


def test_single_output_evaluate_predict_and_on_batch():
    r, ref = run_s7(), REF["s7"]
    _check_logs(r, ref)
    assert_predictions(r["predict"], ref["predict"], ref["predict_type"])


@pytest.mark.parametrize("loss", [{"single": "sparse_categorical_crossentropy"},
                                  ["sparse_categorical_crossentropy"]], ids=["dict", "list"])
def test_single_output_loss_as_one_entry_structure(loss):
    m = build_single(K)
    m.compile(optimizer=optimizers.SGD(0.1), loss=loss, metrics=["accuracy"])
    key = "s7_loss_dict" if isinstance(loss, dict) else "s7_loss_list"
    assert_close(m.train_on_batch(X, Y1), REF[key])


# -- bad input ---------------------------------------------------------------------------------
def _compiled(loss=("sparse_categorical_crossentropy", "mse")):
    m = build(K)
    m.compile(optimizer="sgd", loss=list(loss) if isinstance(loss, tuple) else loss)
    return m


@pytest.mark.parametrize("method", ["fit", "evaluate", "train_on_batch", "test_on_batch"])
@pytest.mark.parametrize("y", [[Y1, Y2, Y2], [Y2]], ids=["three", "one"])
def test_y_list_of_wrong_length_is_a_clear_error(method, y):
    m = _compiled()
    before = m.get_weights()
    kwargs = {"verbose": 0} if method in ("fit", "evaluate") else {}
    with pytest.raises(ValueError, match=rf"(?s){len(y)} target.*2 outputs.*'out1', 'out2'"):
        getattr(m, method)(X, y, **kwargs)
    for a, b in zip(m.get_weights(), before):
        np.testing.assert_array_equal(a, b)


def test_y_dict_missing_a_key_is_a_clear_error():
    with pytest.raises(ValueError, match=r"(?s)no target for output.*'out2'"):
        _compiled().fit(X, {"out1": Y1}, verbose=0)


def test_y_dict_with_a_wrong_key_is_a_clear_error():
    with pytest.raises(ValueError, match=r"(?s)'outX'.*not output names.*'out1', 'out2'"):
        _compiled().fit(X, {"out1": Y1, "outX": Y2}, verbose=0)


def test_loss_dict_with_a_wrong_key_is_a_clear_error():
    # Keras raises at the first batch, minikeras already at compile: both inside this block.
    with pytest.raises(ValueError, match=r"(?s)loss.*'out1', 'out2'.*'outX'"):
        _compiled({"out1": "mse", "outX": "mse"}).fit(X, Y, verbose=0)


def test_too_many_inputs_is_a_clear_error():
    with pytest.raises(ValueError, match=r"(?s)expects 2 input.*received 3"):
        _compiled().fit([XA, XB, XB], Y, verbose=0)


# -- Keras reference numbers (printed by KERAS_SCENARIOS, see the module docstring) ------------
REF = {
    's1': {
        'metrics_names_before': ['loss', 'compile_metrics'],
        'metrics_names_after': ['loss', 'compile_metrics', 'out1_loss', 'out2_loss'],
        'history': {
            'loss': [2.4240901470184326, 1.866496205329895],
            'out1_accuracy': [0.1666666716337204, 0.25],
            'out1_loss': [1.3346534967422485, 1.1548115015029907],
            'out2_loss': [2.1788737773895264, 1.4233697652816772],
            'out2_mae': [1.2680281400680542, 1.0241934061050415],
            'val_loss': [1.5198497772216797, 1.670671820640564],
            'val_out1_accuracy': [0.5, 0.3333333432674408],
            'val_out1_loss': [1.1393033266067505, 1.2459027767181396],
            'val_out2_loss': [0.7610929012298584, 0.8495380282402039],
            'val_out2_mae': [0.6961076259613037, 0.739418089389801],
        },
        'evaluate': [1.670671820640564, 1.24590265750885, 0.8495380282402039, 0.3333333432674408,
         0.739418089389801],
        'evaluate_dict': {
            'loss': 1.670671820640564,
            'out1_accuracy': 0.3333333432674408,
            'out1_loss': 1.24590265750885,
            'out2_loss': 0.8495380282402039,
            'out2_mae': 0.739418089389801,
        },
        'predict': [[[0.44698983430862427, 0.2965811491012573, 0.2564290165901184],
          [0.22775506973266602, 0.3579024374485016, 0.4143424928188324],
          [0.3053011894226074, 0.554099977016449, 0.14059878885746002],
          [0.22929847240447998, 0.42268720269203186, 0.34801438450813293],
          [0.23349986970424652, 0.27807119488716125, 0.4884289503097534],
          [0.22935868799686432, 0.28329598903656006, 0.48734527826309204]],
         [[-0.34796690940856934, -0.5210813879966736],
          [-0.2664203345775604, 0.09873439371585846],
          [-1.2404917478561401, -0.6118745803833008],
          [-0.21851113438606262, -0.12615126371383667],
          [0.2584027051925659, 0.32381385564804077],
          [0.20849183201789856, 0.1288972645998001]]],
        'predict_type': 'list',
        'train_on_batch': [
         1.65794038772583, 1.0540915727615356, 1.2076977491378784, 0.3333333432674408,
         0.9130405783653259],
        'train_on_batch_dict': {
            'loss': 1.6075865030288696,
            'out1_accuracy': 0.3333333432674408,
            'out1_loss': 1.029396653175354,
            'out2_loss': 1.1563798189163208,
            'out2_mae': 0.8808398246765137,
        },
        'test_on_batch': [
         1.7420101165771484, 1.301334023475647, 0.8813522458076477, 0.3333333432674408,
         0.7611160278320312],
        'test_on_batch_dict': {
            'loss': 1.7420101165771484,
            'out1_accuracy': 0.3333333432674408,
            'out1_loss': 1.301334023475647,
            'out2_loss': 0.8813522458076477,
            'out2_mae': 0.7611160278320312,
        },
        'predict_on_batch': [[[0.46177253127098083, 0.2998538017272949, 0.23837363719940186],
          [0.22712332010269165, 0.3962581753730774, 0.37661850452423096],
          [0.30125612020492554, 0.5811360478401184, 0.11760775744915009],
          [0.22883853316307068, 0.4744070768356323, 0.296754390001297],
          [0.2377718687057495, 0.29246506094932556, 0.4697630703449249],
          [0.23673859238624573, 0.29623281955718994, 0.46702855825424194]],
         [[-0.383696585893631, -0.49889686703681946],
          [-0.36634400486946106, 0.0856347531080246],
          [-1.322784662246704, -0.6225461363792419],
          [-0.40851110219955444, -0.1688351184129715],
          [0.18900960683822632, 0.34273096919059753],
          [0.1285523921251297, 0.1346243917942047]]],
    },
    's2a': {
        'history': {
            'loss': [5.056160926818848, 4.398620128631592],
            'out1_accuracy': [0.1666666716337204, 0.25],
            'out1_loss': [1.3490670919418335, 1.2813794612884521],
            'out2_loss': [2.3257203102111816, 2.007103204727173],
            'out2_mae': [1.302979826927185, 1.2172765731811523],
            'out2_mse': [2.3257203102111816, 2.007103204727173],
            'val_loss': [1.8860880136489868, 1.86306631565094],
            'val_out1_accuracy': [0.5, 0.3333333432674408],
            'val_out1_loss': [1.0710347890853882, 1.1028507947921753],
            'val_out2_loss': [0.7823888659477234, 0.7661054730415344],
            'val_out2_mae': [0.6939622759819031, 0.6720804572105408],
            'val_out2_mse': [0.7823888659477234, 0.7661054730415344],
        },
        'evaluate': [1.86306631565094, 1.1028507947921753, 0.766105592250824, 0.3333333432674408,
         0.6720804572105408, 0.766105592250824],
        'evaluate_dict': {
            'loss': 1.86306631565094,
            'out1_accuracy': 0.3333333432674408,
            'out1_loss': 1.1028507947921753,
            'out2_loss': 0.766105592250824,
            'out2_mae': 0.6720804572105408,
            'out2_mse': 0.766105592250824,
        },
        'predict': [[[0.36068493127822876, 0.2191551923751831, 0.42015978693962097],
          [0.21133266389369965, 0.277591347694397, 0.511076033115387],
          [0.29752540588378906, 0.39070945978164673, 0.3117651641368866],
          [0.21170005202293396, 0.31100088357925415, 0.4772989749908447],
          [0.2119942307472229, 0.23184612393379211, 0.5561597347259521],
          [0.20254559814929962, 0.24130555987358093, 0.5561487674713135]],
         [[0.3584537208080292, -0.4973313808441162],
          [0.1328781545162201, 0.07129235565662384],
          [-0.33685848116874695, -0.5563047528266907],
          [0.43599995970726013, -0.021705664694309235],
          [0.6347194910049438, 0.28227728605270386],
          [0.662239670753479, 0.1274150311946869]]],
        'predict_type': 'list',
        'train_on_batch': [3.986809492111206, 1.2366489171981812, 1.807907223701477, 0.25,
         1.1619601249694824, 1.807907223701477],
        'test_on_batch_dict': {
            'loss': 1.8566149473190308,
            'out1_accuracy': 0.3333333432674408,
            'out1_loss': 1.1151304244995117,
            'out2_loss': 0.7610378861427307,
            'out2_mae': 0.6672137379646301,
            'out2_mse': 0.7610378861427307,
        },
    },
    's2b_output_names': ['out1', 'out2'],
    's2b': {
        'history': {
            'loss': [5.056160926818848, 4.398620128631592],
            'out1_accuracy': [0.1666666716337204, 0.25],
            'out1_loss': [1.3490670919418335, 1.2813794612884521],
            'out2_loss': [2.3257203102111816, 2.007103204727173],
            'out2_mae': [1.302979826927185, 1.2172765731811523],
            'out2_mse': [2.3257203102111816, 2.007103204727173],
            'val_loss': [1.8860880136489868, 1.86306631565094],
            'val_out1_accuracy': [0.5, 0.3333333432674408],
            'val_out1_loss': [1.0710347890853882, 1.1028507947921753],
            'val_out2_loss': [0.7823888659477234, 0.7661054730415344],
            'val_out2_mae': [0.6939622759819031, 0.6720804572105408],
            'val_out2_mse': [0.7823888659477234, 0.7661054730415344],
        },
        'evaluate': [1.86306631565094, 1.1028507947921753, 0.766105592250824, 0.3333333432674408,
         0.6720804572105408, 0.766105592250824],
        'predict': {
            'out1': [[0.36068493127822876, 0.2191551923751831, 0.42015978693962097],
             [0.21133266389369965, 0.277591347694397, 0.511076033115387],
             [0.29752540588378906, 0.39070945978164673, 0.3117651641368866],
             [0.21170005202293396, 0.31100088357925415, 0.4772989749908447],
             [0.2119942307472229, 0.23184612393379211, 0.5561597347259521],
             [0.20254559814929962, 0.24130555987358093, 0.5561487674713135]],
            'out2': [[0.3584537208080292, -0.4973313808441162],
             [0.1328781545162201, 0.07129235565662384],
             [-0.33685848116874695, -0.5563047528266907],
             [0.43599995970726013, -0.021705664694309235],
             [0.6347194910049438, 0.28227728605270386],
             [0.662239670753479, 0.1274150311946869]],
        },
        'predict_type': 'dict',
        'train_on_batch': [3.986809492111206, 1.2366489171981812, 1.807907223701477, 0.25,
         1.1619601249694824, 1.807907223701477],
    },
    's3': {
        'history': {
            'loss': [1.1719975471496582, 0.6913750767707825],
            'out1_loss': [0.280113160610199, 0.2536291778087616],
            'out1_mae': [0.4757615625858307, 0.4583509862422943],
            'out2_loss': [2.0638821125030518, 1.12912118434906],
            'out2_mae': [1.2333348989486694, 0.8781291842460632],
            'val_loss': [0.5372636914253235, 0.5959144234657288],
            'val_out1_loss': [0.22454820573329926, 0.22940874099731445],
            'val_out1_mae': [0.4288981854915619, 0.43623659014701843],
            'val_out2_loss': [0.8499791622161865, 0.9624200463294983],
            'val_out2_mae': [0.7478518486022949, 0.8141552805900574],
        },
        'evaluate': [0.5959144234657288, 0.22940874099731445, 0.9624201655387878,
         0.43623659014701843, 0.8141552805900574],
        'train_on_batch': [
         0.6247420310974121, 0.24249188601970673, 1.006992220878601, 0.4498591423034668,
         0.7928890585899353],
    },
    's4': {
        'metrics_names_after': ['loss', 'compile_metrics'],
        'history': {
            'loss': [1.3372315168380737, 1.1794294118881226],
            'out1_accuracy': [0.1666666716337204, 0.3333333432674408],
            'val_loss': [1.1044065952301025, 1.1970927715301514],
            'val_out1_accuracy': [0.5, 0.5],
        },
        'evaluate': [1.1970927715301514, 0.5],
        'evaluate_dict': {'loss': 1.1970927715301514, 'out1_accuracy': 0.5},
        'train_on_batch': [1.084871768951416, 0.4166666567325592],
        'out2_unchanged': True,
    },
    's4_y_short': [1.3650089502334595, 0.1666666716337204],
    's4_y_dict_short': 1.3650089502334595,
    's5': {
        'history': {
            'loss': [2.8833096027374268, 1.9938820600509644],
            'out1_accuracy': [0.1666666716337204, 0.4166666567325592],
            'out1_loss': [1.5827140808105469, 1.254451870918274],
            'out1_weighted_accuracy': [0.17543859779834747, 0.45614033937454224],
            'out2_loss': [2.6011908054351807, 1.4788603782653809],
            'out2_mae': [1.2601053714752197, 0.9450883865356445],
            'out2_weighted_mae': [1.3332242965698242, 0.9571400880813599],
            'val_loss': [1.6969523429870605, 2.11049747467041],
            'val_out1_accuracy': [0.5, 0.1666666716337204],
            'val_out1_loss': [1.3788436651229858, 1.6640552282333374],
            'val_out1_weighted_accuracy': [0.27272728085517883, 0.0],
            'val_out2_loss': [0.6362175345420837, 0.8928849101066589],
            'val_out2_mae': [0.7673107981681824, 0.8456628918647766],
            'val_out2_weighted_mae': [0.646527886390686, 0.7859744429588318],
        },
        'evaluate': [
         2.1104977130889893, 1.6640552282333374, 0.8928849101066589, 0.1666666716337204,
         0.0, 0.8456628918647766, 0.7859744429588318],
        'evaluate_dict': {
            'loss': 2.1104977130889893,
            'out1_accuracy': 0.1666666716337204,
            'out1_loss': 1.6640552282333374,
            'out1_weighted_accuracy': 0.0,
            'out2_loss': 0.8928849101066589,
            'out2_mae': 0.8456628918647766,
            'out2_weighted_mae': 0.7859744429588318,
        },
        'train_on_batch': [1.7642784118652344, 1.1451679468154907, 1.2382208108901978, 0.5,
         0.4736842215061188, 0.8587768077850342, 0.8308374285697937],
        'test_on_batch': [
         2.1814956665039062, 1.7160696983337402, 0.9308517575263977, 0.1666666716337204,
         0.0, 0.8611029982566833, 0.8098840117454529],
    },
    's5_sw_list': [2.691716194152832, 1.6410223245620728, 2.1013875007629395],
    's5_sw_list_fit': {
        'loss': [2.6793222427368164],
        'out1_loss': [1.5862822532653809],
        'out2_loss': [2.186079978942871],
    },
    's5_sw_list_evaluate': [1.4118905067443848, 1.0059736967086792, 0.8118337988853455],
    's6': {
        'history': {
            'loss': [2.5913305282592773, 1.9660652875900269, 1.7493330240249634],
            'out1_accuracy': [0.2222222238779068, 0.3333333432674408, 0.4444444477558136],
            'out1_loss': [1.3008921146392822, 1.1704871654510498, 1.0953524112701416],
            'out2_loss': [2.5808770656585693, 1.591156005859375, 1.307961344718933],
            'out2_mae': [1.398405909538269, 1.1067445278167725, 0.9516635537147522],
            'val_loss': [1.7482894659042358, 1.5783613920211792, 1.4977868795394897],
            'val_out1_accuracy': [0.3333333432674408, 0.3333333432674408, 0.3333333432674408],
            'val_out1_loss': [1.3836873769760132, 1.2983489036560059, 1.2497432231903076],
            'val_out2_loss': [0.7292041778564453, 0.5600249767303467, 0.4960874021053314],
            'val_out2_mae': [0.7806961536407471, 0.6574552059173584, 0.5824618339538574],
        },
        'predict': [[[0.5301110148429871, 0.1435186266899109, 0.32637032866477966],
          [0.27680209279060364, 0.34003105759620667, 0.3831668794155121],
          [0.4935242831707001, 0.29020413756370544, 0.21627157926559448],
          [0.29280728101730347, 0.4449363648891449, 0.26225632429122925],
          [0.26627403497695923, 0.23090563714504242, 0.5028203725814819],
          [0.2769347131252289, 0.2640068233013153, 0.4590584337711334]],
         [[-0.14647039771080017, -0.5779510140419006],
          [-0.5753681659698486, -0.032798610627651215],
          [-1.1042059659957886, -0.7232741117477417],
          [-0.7998297810554504, -0.3168129622936249],
          [0.14513927698135376, 0.34069764614105225],
          [-0.03335133194923401, 0.07433535158634186]]],
    },
    's6_sw': {
        'history': {
            'loss': [3.0832929611206055, 2.1645278930664062],
            'out1_accuracy': [0.3333333432674408, 0.3333333432674408],
            'out1_loss': [1.5961030721664429, 1.3637969493865967],
            'out2_loss': [2.9743804931640625, 1.60146164894104],
            'out2_mae': [1.3955845832824707, 1.0263631343841553],
            'val_loss': [1.9672867059707642, 1.721626877784729],
            'val_out1_accuracy': [0.3333333432674408, 0.3333333432674408],
            'val_out1_loss': [1.4617160558700562, 1.3431562185287476],
            'val_out2_loss': [1.011141300201416, 0.7569413185119629],
            'val_out2_mae': [0.7471238970756531, 0.6095688343048096],
        },
    },
    's6_dict': {
        'history': {
            'loss': [2.5913305282592773, 1.9660652875900269, 1.7493330240249634],
            'out1_accuracy': [0.2222222238779068, 0.3333333432674408, 0.4444444477558136],
            'out1_loss': [1.3008921146392822, 1.1704871654510498, 1.0953524112701416],
            'out2_loss': [2.5808770656585693, 1.591156005859375, 1.307961344718933],
            'out2_mae': [1.398405909538269, 1.1067445278167725, 0.9516635537147522],
            'val_loss': [1.7482894659042358, 1.5783613920211792, 1.4977868795394897],
            'val_out1_accuracy': [0.3333333432674408, 0.3333333432674408, 0.3333333432674408],
            'val_out1_loss': [1.3836873769760132, 1.2983489036560059, 1.2497432231903076],
            'val_out2_loss': [0.7292041778564453, 0.5600249767303467, 0.4960874021053314],
            'val_out2_mae': [0.7806961536407471, 0.6574552059173584, 0.5824618339538574],
        },
    },
    's7': {
        'output_names': ['single'],
        'metrics_names_after': ['loss', 'compile_metrics'],
        'history': {
            'accuracy': [0.1666666716337204, 0.4166666567325592],
            'loss': [1.638830304145813, 1.2641435861587524],
            'val_accuracy': [0.3333333432674408, 0.1666666716337204],
            'val_loss': [0.981628954410553, 1.1235460042953491],
        },
        'evaluate': [1.1235460042953491, 0.1666666716337204],
        'evaluate_dict': {'accuracy': 0.1666666716337204, 'loss': 1.1235460042953491},
        'predict': [[0.4281432330608368, 0.11056183278560638, 0.461294949054718],
         [0.21802259981632233, 0.6150640845298767, 0.16691333055496216],
         [0.2665269374847412, 0.18150995671749115, 0.5519630908966064],
         [0.5178220272064209, 0.2775793671607971, 0.20459851622581482],
         [0.35147544741630554, 0.16105175018310547, 0.4874728322029114],
         [0.3798865079879761, 0.3013249337673187, 0.31878867745399475]],
        'predict_type': 'ndarray',
        'train_on_batch': [1.082274317741394, 0.5833333134651184],
        'test_on_batch': [1.1729406118392944, 0.3333333432674408],
        'test_on_batch_dict': {'accuracy': 0.3333333432674408, 'loss': 1.1729406118392944},
    },
    's7_loss_dict': [1.6818294525146484, 0.1666666716337204],
    's7_loss_list': [1.6818294525146484, 0.1666666716337204],
    's7_class_weight': {
        'history': {
            'accuracy': [0.1666666716337204, 0.25],
            'loss': [2.625675916671753, 1.9463872909545898],
        },
    },
}

KERAS_SCENARIOS = r'''
K = keras
XA, XB, Y1, Y2 = make_data(1, 12)
VXA, VXB, VY1, VY2 = make_data(2, 6)
SW, VSW = make_sample_weights()
X, VX, Y, VY = [XA, XB], [VXA, VXB], [Y1, Y2], [VY1, VY2]
XD, VXD = {"in_a": XA, "in_b": XB}, {"in_a": VXA, "in_b": VXB}
YD, VYD = {"out1": Y1, "out2": Y2}, {"out1": VY1, "out2": VY2}
Y1H, VY1H = np.eye(3, dtype="float32")[Y1], np.eye(3, dtype="float32")[VY1]
CLASS_WEIGHT = {0: 1.0, 1: 2.0, 2: 0.5}


def f(v):
    if isinstance(v, dict):
        return {k: f(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [f(x) for x in v]
    if isinstance(v, np.ndarray):
        return f(v.tolist())
    return float(v)


def hist(h):
    return {k: f(v) for k, v in h.history.items()}


def attempt(fn):
    try:
        return fn()
    except Exception as e:
        return f"{type(e).__name__}: {e}"[:300]


REF = {}

# (1) lists
m = build(K)
m.compile(optimizer=K.optimizers.SGD(0.1),
          loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5],
          metrics={"out1": "accuracy", "out2": ["mae"]})
mn_before = list(m.metrics_names)
h = m.fit(X, Y, batch_size=5, epochs=2, shuffle=False, verbose=0, validation_data=(VX, VY))
p = m.predict(VX, batch_size=4, verbose=0)
REF["s1"] = dict(
    metrics_names_before=mn_before, metrics_names_after=list(m.metrics_names),
    history=hist(h),
    evaluate=f(m.evaluate(VX, VY, batch_size=4, verbose=0)),
    evaluate_dict=f(m.evaluate(VX, VY, batch_size=4, verbose=0, return_dict=True)),
    predict=f(p), predict_type=type(p).__name__,
    train_on_batch=f(m.train_on_batch(X, Y)),
    train_on_batch_dict=f(m.train_on_batch(X, Y, return_dict=True)),
    test_on_batch=f(m.test_on_batch(VX, VY)),
    test_on_batch_dict=f(m.test_on_batch(VX, VY, return_dict=True)),
    predict_on_batch=f(m.predict_on_batch(VX)),
)

# (2a) dicts everywhere on the list-structured model
m = build(K)
m.compile(optimizer=K.optimizers.Adam(0.01),
          loss={"out1": "sparse_categorical_crossentropy", "out2": "mse"},
          loss_weights={"out1": 0.3, "out2": 2.0},
          metrics={"out1": ["accuracy"], "out2": ["mae", "mse"]})
h = m.fit(XD, YD, batch_size=5, epochs=2, shuffle=False, verbose=0, validation_data=(VXD, VYD))
p = m.predict(VXD, batch_size=4, verbose=0)
REF["s2a"] = dict(
    history=hist(h),
    evaluate=f(m.evaluate(VXD, VYD, batch_size=4, verbose=0)),
    evaluate_dict=f(m.evaluate(VXD, VYD, batch_size=4, verbose=0, return_dict=True)),
    predict=f(p), predict_type=type(p).__name__,
    train_on_batch=f(m.train_on_batch(XD, YD)),
    test_on_batch_dict=f(m.test_on_batch(VXD, VYD, return_dict=True)),
)

# (2b) the dict-structured model (dict inputs and outputs)
m = build(K, dict_io=True)
REF["s2b_output_names"] = list(m.output_names)
m.compile(optimizer=K.optimizers.Adam(0.01),
          loss={"out1": "sparse_categorical_crossentropy", "out2": "mse"},
          loss_weights={"out1": 0.3, "out2": 2.0},
          metrics={"out1": ["accuracy"], "out2": ["mae", "mse"]})
h = m.fit(XD, YD, batch_size=5, epochs=2, shuffle=False, verbose=0, validation_data=(VXD, VYD))
p = m.predict(VXD, batch_size=4, verbose=0)
REF["s2b"] = dict(
    history=hist(h),
    evaluate=f(m.evaluate(VXD, VYD, batch_size=4, verbose=0)),
    predict=f(p), predict_type=type(p).__name__,
    train_on_batch=f(m.train_on_batch(XD, YD)),
)

# (3) one loss string for both outputs (one-hot y1, so that mse makes sense)
m = build(K)
m.compile(optimizer=K.optimizers.SGD(0.2), loss="mse", loss_weights=0.5, metrics=["mae", "mae"])
h = m.fit(X, [Y1H, Y2], batch_size=5, epochs=2, shuffle=False, verbose=0,
          validation_data=(VX, [VY1H, VY2]))
REF["s3"] = dict(
    history=hist(h),
    evaluate=f(m.evaluate(VX, [VY1H, VY2], batch_size=4, verbose=0)),
    train_on_batch=f(m.train_on_batch(X, [Y1H, Y2])),
)

# (4) an output without a loss
m = build(K)
m.compile(optimizer=K.optimizers.SGD(0.1),
          loss=["sparse_categorical_crossentropy", None], metrics={"out1": "accuracy"})
h = m.fit(X, Y, batch_size=5, epochs=2, shuffle=False, verbose=0, validation_data=(VX, VY))
REF["s4"] = dict(
    metrics_names_after=list(m.metrics_names),
    history=hist(h),
    evaluate=f(m.evaluate(VX, VY, batch_size=4, verbose=0)),
    evaluate_dict=f(m.evaluate(VX, VY, batch_size=4, verbose=0, return_dict=True)),
    train_on_batch=f(m.train_on_batch(X, Y)),
    out2_unchanged=all(np.array_equal(a, b) for a, b in
                       zip(m.get_layer("out2").get_weights(), layer_weights()["out2"])),
)
m = build(K)  # targets only for the output with a loss
m.compile(optimizer=K.optimizers.SGD(0.1),
          loss=["sparse_categorical_crossentropy", None], metrics={"out1": "accuracy"})
REF["s4_y_short"] = f(m.train_on_batch(X, [Y1]))
m = build(K)
m.compile(optimizer=K.optimizers.SGD(0.1), loss=["sparse_categorical_crossentropy", None])
REF["s4_y_dict_short"] = f(m.train_on_batch(X, {"out1": Y1}))

# (5) one sample_weight array for both outputs, weighted_metrics, validation sample weights
m = build(K)
m.compile(optimizer=K.optimizers.SGD(0.1),
          loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5],
          metrics={"out1": "accuracy", "out2": ["mae"]},
          weighted_metrics={"out1": ["accuracy"], "out2": ["mae"]})
h = m.fit(X, Y, sample_weight=SW, batch_size=5, epochs=2, shuffle=False, verbose=0,
          validation_data=(VX, VY, VSW))
REF["s5"] = dict(
    history=hist(h),
    evaluate=f(m.evaluate(VX, VY, sample_weight=VSW, batch_size=4, verbose=0)),
    evaluate_dict=f(m.evaluate(VX, VY, sample_weight=VSW, batch_size=4, verbose=0,
                               return_dict=True)),
    train_on_batch=f(m.train_on_batch(X, Y, sample_weight=SW)),
    test_on_batch=f(m.test_on_batch(VX, VY, sample_weight=VSW)),
)
# sample weights as a list, one array per output
m = build(K)
m.compile(optimizer=K.optimizers.SGD(0.1),
          loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5])
REF["s5_sw_list"] = f(m.train_on_batch(X, Y, sample_weight=[SW, np.tile(VSW, 2)]))
m = build(K)
m.compile(optimizer=K.optimizers.SGD(0.1),
          loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5])
REF["s5_sw_list_fit"] = hist(m.fit(X, Y, sample_weight=[SW, np.ones(12, "float32")],
                                   batch_size=5, epochs=1, shuffle=False, verbose=0))
m = build(K)
m.compile(optimizer=K.optimizers.SGD(0.1),
          loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5])
REF["s5_sw_list_evaluate"] = f(m.evaluate(VX, VY, sample_weight=[VSW, np.ones(6, "float32")],
                                          batch_size=4, verbose=0))
# class_weight on two outputs (printed as comments, not in REF)
m = build(K)
m.compile(optimizer=K.optimizers.SGD(0.1),
          loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5])
CW_FIT = attempt(lambda: m.fit(X, Y, class_weight=CLASS_WEIGHT, batch_size=5, epochs=1,
                               shuffle=False, verbose=0))
CW_TOB = attempt(lambda: m.train_on_batch(X, Y, class_weight=CLASS_WEIGHT))

# (6) validation_split with multi-input lists
m = build(K)
m.compile(optimizer=K.optimizers.SGD(0.1),
          loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5],
          metrics={"out1": "accuracy", "out2": ["mae"]})
h = m.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0, validation_split=0.25)
REF["s6"] = dict(history=hist(h), predict=f(m.predict(VX, verbose=0)))
m = build(K)  # with sample weights (split like x and y)
m.compile(optimizer=K.optimizers.SGD(0.1),
          loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5],
          metrics={"out1": "accuracy", "out2": ["mae"]})
h = m.fit(X, Y, sample_weight=SW, batch_size=4, epochs=2, shuffle=False, verbose=0,
          validation_split=0.25)
REF["s6_sw"] = dict(history=hist(h))
m = build(K)  # with dicts
m.compile(optimizer=K.optimizers.SGD(0.1),
          loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5],
          metrics={"out1": "accuracy", "out2": ["mae"]})
h = m.fit(XD, YD, batch_size=4, epochs=3, shuffle=False, verbose=0, validation_split=0.25)
REF["s6_dict"] = dict(history=hist(h))

# (7) single-output functional model
m = build_single(K)
m.compile(optimizer=K.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy",
          metrics=["accuracy"])
h = m.fit(X, Y1, batch_size=5, epochs=2, shuffle=False, verbose=0, validation_data=(VX, VY1))
p = m.predict(VX, verbose=0)
REF["s7"] = dict(
    output_names=list(m.output_names),
    metrics_names_after=list(m.metrics_names),
    history=hist(h),
    evaluate=f(m.evaluate(VX, VY1, batch_size=4, verbose=0)),
    evaluate_dict=f(m.evaluate(VX, VY1, batch_size=4, verbose=0, return_dict=True)),
    predict=f(p), predict_type=type(p).__name__,
    train_on_batch=f(m.train_on_batch(X, Y1)),
    test_on_batch=f(m.test_on_batch(VX, VY1)),
    test_on_batch_dict=f(m.test_on_batch(VX, VY1, return_dict=True)),
)
for label, loss in [("loss_dict", {"single": "sparse_categorical_crossentropy"}),
                    ("loss_list", ["sparse_categorical_crossentropy"])]:
    m = build_single(K)
    m.compile(optimizer=K.optimizers.SGD(0.1), loss=loss, metrics=["accuracy"])
    REF["s7_" + label] = f(m.train_on_batch(X, Y1))
m = build_single(K)
m.compile(optimizer=K.optimizers.SGD(0.1), loss="sparse_categorical_crossentropy",
          metrics=["accuracy"])
h = m.fit(X, Y1, class_weight=CLASS_WEIGHT, batch_size=5, epochs=2, shuffle=False, verbose=0)
REF["s7_class_weight"] = dict(history=hist(h))

# bad input (printed as comments)
def compiled(loss=("sparse_categorical_crossentropy", "mse")):
    m = build(K)
    m.compile(optimizer="sgd", loss=list(loss) if isinstance(loss, tuple) else loss)
    return m


ERRORS = {
    "y_list_too_long": attempt(lambda: compiled().fit(X, [Y1, Y2, Y2], verbose=0)),
    "y_list_too_short": attempt(lambda: compiled().fit(X, [Y1], verbose=0)),
    "y_dict_missing": attempt(lambda: compiled().fit(X, {"out1": Y1}, verbose=0)),
    "y_dict_wrong_key": attempt(lambda: compiled().fit(X, {"out1": Y1, "outX": Y2}, verbose=0)),
    "loss_dict_wrong_key": attempt(lambda: compiled({"out1": "mse", "outX": "mse"}).fit(
        X, Y, verbose=0)),
    "evaluate_y_list_too_long": attempt(lambda: compiled().evaluate(X, [Y1, Y2, Y2], verbose=0)),
    "x_list_too_long": attempt(lambda: compiled().fit([XA, XB, XB], Y, verbose=0)),
}


def literal(v, indent=0, lead=0):
    """Python source for REF: dicts one key a line, number lists wrapped at ~98 columns."""
    pad = " " * indent
    if isinstance(v, dict):
        one = "{" + ", ".join(f"{k!r}: {literal(x)}" for k, x in v.items()) + "}"
        if len(one) + indent + lead < 96:
            return one
        items = [f"{pad}    {k!r}: {literal(x, indent + 4, len(repr(k)) + 2)},"
                 for k, x in v.items()]
        return "{\n" + "\n".join(items) + "\n" + pad + "}"
    if isinstance(v, list) and all(not isinstance(x, (list, dict)) for x in v):
        one = "[" + ", ".join(repr(x) for x in v) + "]"
        if len(one) + indent + lead < 96:
            return one
        body = textwrap.fill(", ".join(repr(x) for x in v), width=97 - indent,
                             initial_indent=pad + " ", subsequent_indent=pad + " ",
                             break_long_words=False, break_on_hyphens=False)
        if len(body.partition("\n")[0]) + lead > 98:
            return "[\n" + body + "]"
        return "[" + body.lstrip() + "]"
    if isinstance(v, list):
        return "[" + (",\n" + pad + " ").join(literal(x, indent + 1) for x in v) + "]"
    return repr(v)


print("REF = " + literal(REF))
print(f"# class_weight, two outputs: fit -> {CW_FIT!r}")
print(f"#                  train_on_batch -> {CW_TOB!r}")
for label, message in ERRORS.items():
    print(f"# {label}: {message!r}")
'''

_SCRIPT_HEADER = '''"""Keras 3 reference numbers for tests/trainers/test_multi_output_training.py (generated by it).

Run: KERAS_BACKEND=torch /work/refvenv/bin/python this_file.py
"""
import textwrap

import numpy as np
import keras
'''


def keras_reference_script():
    """The Keras script that printed REF: this file's helpers, then KERAS_SCENARIOS."""
    shared = "\n\n".join(inspect.getsource(fn) for fn in _SHARED)
    return _SCRIPT_HEADER + "\n\n" + shared + "\n" + KERAS_SCENARIOS


if __name__ == "__main__":
    print(keras_reference_script())
