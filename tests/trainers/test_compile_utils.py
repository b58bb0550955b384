"""CompileLoss / CompileMetrics: compile-time losses and metrics for one or several outputs.

Keras 3.15.1 facts (torch backend, measured on small real models in the reference venv; the
literal numbers below come from keras.src.trainers.compile_utils on the same arrays):

History / evaluate key order
  (a) Sequential, loss="sparse_categorical_crossentropy", metrics=["accuracy"],
      validation_data=...:
        history.history.keys()      ['accuracy', 'loss', 'val_accuracy', 'val_loss']
        evaluate(...)               [loss, accuracy]
        evaluate(return_dict=True)  {'accuracy', 'loss'}
        model.metrics_names         ['loss', 'compile_metrics'] (before and after fit)
      History keys are simply sorted: Keras's pythonify_logs sorts every logs dict (so
      "val_*" keys come after the training keys only because "v" sorts late).
  (b) Functional, outputs "out1" (softmax, 3) and "out2" (linear, 2),
      loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[1.0, 0.5],
      metrics={"out1": "accuracy", "out2": ["mae"]}, validation_data=...:
        history.history.keys()      ['loss', 'out1_accuracy', 'out1_loss', 'out2_loss',
                                     'out2_mae', 'val_loss', 'val_out1_accuracy',
                                     'val_out1_loss', 'val_out2_loss', 'val_out2_mae']
        evaluate(...) / train_on_batch(...) list order
                                    [loss, out1_loss, out2_loss, out1_accuracy, out2_mae]
        evaluate(return_dict=True)  sorted keys, as History
        model.metrics_names         ['loss', 'compile_metrics'] before the first batch,
                                    ['loss', 'compile_metrics', 'out1_loss', 'out2_loss'] after
      The list order comes from Keras's _flatten_metrics_in_order: names "loss", then the
      CompileMetrics sub-metric names *unprefixed* ("accuracy", "mae": they never match the
      prefixed log keys), then the per-output loss trackers; every key not matched follows in
      sorted order. `flatten_logs_in_order` reproduces it. A multi-output model compiled
      without metrics has metrics_names ['loss'] before, ['loss', 'out1_loss', 'out2_loss'] after.
  "loss" is the total (weighted sum + regularization); "<out>_loss" is the *unweighted* loss
  of that output, tracked with the batch size as weight.

Skip rules
  - A single loss for a multi-output model is applied to every output (each gets a tracker;
    a float loss_weights weighs each); loss_weights as a list then needs length 1 (else
    "`loss_weights` must match the number of losses, got 1 losses and 2 weights.").
  - A None entry (list or dict) means no loss for that output: no tracker, no target needed.
  - Per-output "<name>_loss" trackers exist only when MORE than one output has a loss; with
    loss=["mse", None] the logs hold just "loss".
  - A loss list SHORTER than the outputs silently leaves the trailing outputs without a loss
    (Keras: loss=["mse"] on two outputs trains out1 only, logs just "loss").
  - Targets may be given only for the outputs that have a loss (y=[y1] or y={"out1": y1}
    with loss=["mse", None]).
  - Without output names (subclassed model) the tracker is named after the loss: "mse_loss".
  - sample_weight: one array is applied to every output; a list gives one per output. Keras's
    fit/evaluate reject a dict of sample weights ("You should provide one `sample_weight`
    array per output in `y`"); minikeras accepts one keyed by output name.
  - Metrics: a flat list for a multi-output model is read as ONE ENTRY PER OUTPUT when its
    length equals the number of outputs (["mae", "mse"] -> out1_mae, out2_mse), else an
    error; dicts may name a subset of outputs; a duplicate name gets "_1"; a weighted metric
    whose name is taken becomes "out1_weighted_mae". Single output: everything is flattened
    and unprefixed. `metrics="mae"` (not a list) is an error.
  - Keras's metrics=["crossentropy"] is an error ("Could not interpret metric identifier");
    minikeras resolves it from shapes (resolve_metric), an extension.

Errors (conditions; we word our own messages)
  - loss dict with an unknown key, a missing key or an extra key (ValueError at the first
    batch): "Expected keys ['out1', 'out2'] in loss dict, but found loss.keys()=['out1', 'outX']"
    (a key mapped to None is fine). minikeras raises at construction when names are known.
  - loss list longer than the outputs: KeyError "The path: (2,) in the `loss` argument, can't
    be found in either the model's output (`y_pred`) or in the labels (`y_true`)."
    (shorter: no error, see above). minikeras: ValueError.
  - loss list with a float loss_weights: TypeError "object of type 'float' has no len()"
    (minikeras: ValueError naming loss_weights).
  - y as a dict with a missing (or extra) key, or a y list of the wrong length: ValueError
    "y_true and y_pred have different structures.\\ny_true: {'out1': '*'}\\ny_pred: ['*', '*']".
    A dict with a wrong key name gives an unrelated dtype error in Keras.
  - metrics list of the wrong length / dict with an unknown key: ValueError "Invalid `metrics`.
    `metrics` should contain metrics objects and either be a dict or a list matching the
    output names of the functional model ['out1', 'out2'] or match the output structure ...".
Difference kept on purpose: a loss_weights dict with a list loss is mapped by output name;
Keras flattens the dict in sorted-key order without checking the keys.
"""
import numpy as np
import pytest

from minikeras import losses
from minikeras.backend.autodiff import Tensor, gradients
from minikeras.trainers.compile_utils import CompileLoss, CompileMetrics, flatten_logs_in_order
from minikeras.utils.gradient_check import numerical_gradient

Y1 = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0]], "float32")
P1 = np.array([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6], [0.3, 0.4, 0.3]], "float32")
Y2 = np.array([[0.5, -1.0], [1.5, 2.0], [0.0, 0.3], [-0.7, 1.1]], "float32")
P2 = np.array([[0.4, -0.8], [1.0, 2.5], [0.2, 0.1], [-1.0, 1.0]], "float32")
SW1 = np.array([1.0, 0.5, 2.0, 0.0], "float32")
SW2 = np.array([0.3, 1.0, 1.0, 2.0], "float32")
SW = np.array([1.0, 2.0, 0.5, 1.0], "float32")
NAMES = ["out1", "out2"]
CCE_MSE = ["categorical_crossentropy", "mse"]


def _value(tensor):
    return float(tensor.data)


def _trackers(compile_loss):
    return {m.name: float(m.result()) for m in compile_loss.metrics}


# -- CompileLoss: values pinned against Keras 3 ----------------------------------------------
@pytest.mark.parametrize("loss, weights, y, sample_weight, total, per_output", [
    (CCE_MSE, [0.7, 2.0], [Y1, Y2], [SW1, SW2], 0.4846543073654175,
     {"out1_loss": 0.4084347188472748, "out2_loss": 0.09937500953674316}),
    (CCE_MSE, [0.7, 2.0], [Y1, Y2], SW, 0.7437552213668823,
     {"out1_loss": 0.637507438659668, "out2_loss": 0.14874999225139618}),
    (CCE_MSE, [0.7, 2.0], [Y1, Y2], None, 0.5840579271316528,
     {"out1_loss": 0.5736542344093323, "out2_loss": 0.09125000238418579}),
    ({"out2": "mse", "out1": "categorical_crossentropy"}, {"out1": 0.7, "out2": 2.0},
     {"out2": Y2, "out1": Y1}, [SW1, SW2], 0.4846543073654175,
     {"out1_loss": 0.4084347188472748, "out2_loss": 0.09937500953674316}),
    (["categorical_crossentropy", None], None, [Y1, Y2], SW, 0.637507438659668, {}),
])
def test_two_output_loss_matches_keras(loss, weights, y, sample_weight, total, per_output):
    compile_loss = CompileLoss(loss, weights, output_names=NAMES)
    value = compile_loss(y, [P1, P2], sample_weight)
    assert isinstance(value, Tensor) and value.shape == ()
    assert _value(value) == pytest.approx(total, rel=1e-6)
    assert _trackers(compile_loss) == pytest.approx(per_output, rel=1e-6)


def test_single_loss_is_applied_to_every_output():
    compile_loss = CompileLoss("mae", 0.5, output_names=NAMES)
    value = compile_loss([Y1[:, :2], Y2], [P1[:, :2], P2], SW)
    assert _value(value) == pytest.approx(0.34375, rel=1e-6)  # Keras
    assert _trackers(compile_loss) == pytest.approx({"out1_loss": 0.325, "out2_loss": 0.3625},
                                                    rel=1e-6)


def test_crossentropy_is_resolved_per_output_from_shapes():
    labels = np.array([0, 1, 2, 1])
    compile_loss = CompileLoss("ce", output_names=NAMES)
    value = compile_loss([Y1, labels], [P1, P1])
    assert _value(value) == pytest.approx(1.1473084688186646, rel=1e-6)  # Keras
    kinds = [type(loss).__name__ for _, loss, _, _ in compile_loss._entries]
    assert kinds == ["CategoricalCrossentropy", "SparseCategoricalCrossentropy"]


def test_single_output_equals_the_loss_called_directly():
    direct = losses.CategoricalCrossentropy()(Y1, P1, sample_weight=SW)
    compile_loss = CompileLoss("categorical_crossentropy")
    assert _value(compile_loss(Y1, P1, SW)) == _value(direct)
    assert compile_loss.metrics == []
    weighted = CompileLoss("categorical_crossentropy", 0.5)(Y1, P1, SW)
    assert _value(weighted) == pytest.approx(0.318753719329834, rel=1e-6)  # Keras
    # A one-name output list, a one-element list of targets and a dict all mean the same.
    named = CompileLoss({"dense": "categorical_crossentropy"}, output_names=["dense"])
    assert _value(named([Y1], P1, SW)) == _value(direct)
    assert _value(named({"dense": Y1}, [P1], SW)) == _value(direct)


def test_predictions_as_dict_and_trackers_across_batches():
    compile_loss = CompileLoss(CCE_MSE, [0.7, 2.0], output_names=NAMES)
    compile_loss({"out1": Y1, "out2": Y2}, {"out2": P2, "out1": P1})
    compile_loss([Y1, Y2], [P1, P2], [SW1, SW2])
    assert [m.name for m in compile_loss.metrics] == ["out1_loss", "out2_loss"]
    expected = {"out1_loss": (0.5736542344093323 + 0.4084347188472748) / 2,
                "out2_loss": (0.09125000238418579 + 0.09937500953674316) / 2}
    assert _trackers(compile_loss) == pytest.approx(expected, rel=1e-6)
    compile_loss.reset_state()
    assert _trackers(compile_loss) == {"out1_loss": 0.0, "out2_loss": 0.0}


def test_outputs_without_a_loss_need_no_target():
    expected = _value(losses.CategoricalCrossentropy()(Y1, P1))
    for loss in (["categorical_crossentropy", None], ["categorical_crossentropy"],
                 {"out1": "categorical_crossentropy", "out2": None}):
        for y in ([Y1, Y2], [Y1], Y1, {"out1": Y1}):
            compile_loss = CompileLoss(loss, output_names=NAMES)
            assert _value(compile_loss(y, [P1, P2])) == pytest.approx(expected)
            assert compile_loss.metrics == []


def test_unnamed_outputs_name_trackers_after_the_loss():
    compile_loss = CompileLoss(["mse", "mae"])
    compile_loss([Y1, Y2], [P1, P2])
    assert [m.name for m in compile_loss.metrics] == ["mse_loss", "mae_loss"]


def test_gradients_flow_to_every_output():
    y1, y2 = Y1.astype("float64"), Y2.astype("float64")
    p1, p2 = P1.astype("float64"), P2.astype("float64")
    compile_loss = CompileLoss([losses.CategoricalCrossentropy(dtype="float64"),
                                losses.MeanSquaredError(dtype="float64")],
                               [0.7, 2.0], output_names=NAMES)

    def total(a, b):
        return compile_loss({"out1": y1, "out2": y2}, [a, b], [SW1.astype("float64"), SW])

    t1, t2 = Tensor(p1, requires_grad=True), Tensor(p2, requires_grad=True)
    g1, g2 = gradients(total(t1, t2), [t1, t2])
    assert g1.dtype == np.float64 and g2.dtype == np.float64
    n1 = numerical_gradient(lambda a: _value(total(Tensor(a), Tensor(p2))), p1.copy(), h=1e-6)
    n2 = numerical_gradient(lambda b: _value(total(Tensor(p1), Tensor(b))), p2.copy(), h=1e-6)
    np.testing.assert_allclose(g1, n1, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(g2, n2, rtol=1e-6, atol=1e-8)


# -- CompileLoss: errors ---------------------------------------------------------------------
@pytest.mark.parametrize("loss, weights, match", [
    ({"out1": "mse", "outX": "mae"}, None, "output names"),
    ({"out1": "mse"}, None, "output names"),
    (["mse", "mae", "mse"], None, "at most one per output"),
    (CCE_MSE, 0.5, "one weight per loss"),
    ("mse", [1.0, 0.5], "number of losses"),
    (CCE_MSE, [1.0, 0.5, 2.0], "number of losses"),
    (CCE_MSE, {"out1": 1.0, "outX": 0.5}, "not output names"),
    (CCE_MSE, {"out1": 1.0}, "no weight for output"),
    ([["mse", "mae"], "mse"], None, "one loss"),
])
def test_bad_loss_structures_fail_at_construction(loss, weights, match):
    with pytest.raises(ValueError, match=match):
        CompileLoss(loss, weights, output_names=NAMES)


def test_bad_loss_identifier_and_weight_type():
    with pytest.raises(ValueError):
        CompileLoss("not_a_loss")
    with pytest.raises(ValueError, match="loss_weights"):
        CompileLoss("mse", loss_weights="heavy")
    with pytest.raises(ValueError, match="named outputs"):
        CompileLoss({"dense": "mse"})(Y1, P1)


@pytest.mark.parametrize("y, sample_weight, match", [
    ({"out1": Y1}, None, "no target for output"),
    ({"out1": Y1, "outX": Y2}, None, "not output names"),
    ({"out1": Y1, "out2": Y2, "out3": Y2}, None, "not output names"),
    ([Y1], None, "holds 1 target"),
    ([Y1, Y2, Y2], None, "holds 3 target"),
    ([Y1, Y2], [SW1, SW2, SW], "holds 3 arrays"),
])
def test_bad_targets_and_sample_weights(y, sample_weight, match):
    compile_loss = CompileLoss(CCE_MSE, output_names=NAMES)
    with pytest.raises(ValueError, match=match):
        compile_loss(y, [P1, P2], sample_weight)


# -- CompileMetrics --------------------------------------------------------------------------
def test_multi_output_metrics_match_keras():
    metrics = CompileMetrics({"out1": "accuracy", "out2": ["mae"]},
                             {"out1": ["accuracy"], "out2": "mse"}, output_names=NAMES)
    assert not metrics.built and metrics.metrics == []
    metrics.update_state([Y1, Y2], [P1, P2], SW)
    assert metrics.built
    assert [m.name for m in metrics.metrics] == ["accuracy", "mae", "accuracy", "mse"]
    result = metrics.result()
    assert list(result) == ["out1_accuracy", "out2_mae", "out1_weighted_accuracy", "out2_mse"]
    assert result == pytest.approx({"out1_accuracy": 1.0, "out2_mae": 0.26250001788139343,
                                    "out1_weighted_accuracy": 1.0,
                                    "out2_mse": 0.1322222203016281}, rel=1e-6)
    metrics.update_state({"out1": Y1, "out2": Y2}, [P1 * 0 + [[0, 0, 1]], P2 * 0], [SW1, SW2])
    assert metrics.result() == pytest.approx({"out1_accuracy": 0.625,
                                              "out2_mae": 0.5750000476837158,
                                              "out1_weighted_accuracy": 0.8125,
                                              "out2_mse": 0.6423295140266418}, rel=1e-6)
    metrics.reset_state()
    assert set(metrics.result().values()) == {0.0}


def test_single_output_metrics_match_keras():
    metrics = CompileMetrics(["accuracy"], ["accuracy", "mse"])
    metrics.update_state(Y1, P1, SW)
    assert metrics.result() == pytest.approx({"accuracy": 1.0, "weighted_accuracy": 1.0,
                                              "mse": 0.09777777642011642}, rel=1e-6)
    assert list(metrics.result()) == ["accuracy", "weighted_accuracy", "mse"]
    sparse = CompileMetrics(["accuracy"], None)
    sparse.update_state(np.array([0, 1, 2, 0]), P1)
    assert type(sparse.metrics[0]).__name__ == "SparseCategoricalAccuracy"
    assert sparse.result() == {"accuracy": 0.75}
    binary = CompileMetrics(["acc"], None)
    binary.update_state(np.array([[1], [0], [1], [1]]), np.array([[0.9], [0.2], [0.4], [0.6]]))
    assert type(binary.metrics[0]).__name__ == "BinaryAccuracy"
    assert binary.result() == {"acc": 0.75}


def test_metric_layouts_for_two_outputs():
    def names(metrics, weighted=None):
        compiled = CompileMetrics(metrics, weighted, output_names=NAMES)
        compiled.update_state([Y1, Y2], [P1, P2], SW)
        return list(compiled.result())

    assert names(["mae", "mse"]) == ["out1_mae", "out2_mse"]  # one entry per output
    assert names([["mae"], ["mse", "mae"]]) == ["out1_mae", "out2_mse", "out2_mae"]
    assert names(["mae", None]) == ["out1_mae"]
    assert names({"out2": ["mae", "mse"]}) == ["out2_mae", "out2_mse"]
    assert names([["mae", "mae"], "mae"]) == ["out1_mae", "out1_mae_1", "out2_mae"]
    assert names(None, ["mae", "mse"]) == ["out1_mae", "out2_mse"]
    assert names({"out1": "mae", "out2": "mae"}, {"out1": "mae"}) == [
        "out1_mae", "out2_mae", "out1_weighted_mae"]


def test_unnamed_outputs_give_unprefixed_deduplicated_names():
    metrics = CompileMetrics([["mae"], ["mae"]], None)
    metrics.update_state([Y1, Y2], [P1, P2])
    assert list(metrics.result()) == ["mae", "mae_1"]


@pytest.mark.parametrize("metrics, match", [
    (["mae"], "one entry per output"),
    (["mae", "mse", "acc"], "one entry per output"),
    ({"outX": "mae"}, "one entry per output"),
])
def test_bad_metric_structures(metrics, match):
    compiled = CompileMetrics(metrics, None, output_names=NAMES)
    with pytest.raises(ValueError, match=match):
        compiled.update_state([Y1, Y2], [P1, P2])


def test_bad_metric_arguments():
    with pytest.raises(ValueError, match="list, tuple or dict"):
        CompileMetrics("mae", None)
    with pytest.raises(ValueError):
        CompileMetrics(["not_a_metric"], None)
    with pytest.raises(ValueError, match="first batch"):
        CompileMetrics(["mae"], None).result()
    compiled = CompileMetrics({"out2": "mae"}, None, output_names=NAMES)
    with pytest.raises(ValueError, match="no target for output"):
        compiled.update_state({"out1": Y1}, [P1, P2])


def test_flatten_logs_in_order_reproduces_keras_evaluate():
    logs = {"loss": 1.0, "out1_accuracy": 2.0, "out1_loss": 3.0, "out2_loss": 4.0, "out2_mae": 5.0}
    names = ["loss", "accuracy", "mae", "out1_loss", "out2_loss"]
    assert flatten_logs_in_order(logs, names) == [1.0, 3.0, 4.0, 2.0, 5.0]
    assert flatten_logs_in_order({"accuracy": 0.5, "loss": 0.1}, ["loss", "accuracy"]) == [0.1, 0.5]
    assert flatten_logs_in_order({"loss": 0.1}, ["loss"]) == 0.1
