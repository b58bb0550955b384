"""What `compile(loss=..., loss_weights=..., metrics=..., weighted_metrics=...)` turns into.

`CompileLoss` and `CompileMetrics` take the user's loss and metric specifications for a single-
or multi-output model and apply them output by output, following Keras 3.15.1 (checked against
it; the facts are listed in tests/trainers/test_compile_utils.py):

- Outputs are a list in model order (`output_names`), or a dict keyed by output name. Targets
  `y` may be a list in output order or a dict keyed by output name.
- One loss for a multi-output model is applied to every output. A list gives one loss per output
  (None: no loss; a shorter list leaves the last outputs without one); a dict must name every
  output. `loss_weights` has the shape of `loss`: a number for one loss, else a list or dict.
- The total loss is sum(weight * loss) over the outputs that have a loss. When more than one
  output has a loss, a `Mean` per output named "<output name>_loss" follows the *unweighted*
  loss (in `CompileLoss.metrics`); the trainer puts those in its logs.
- One sample_weight array weighs every output; a list (or dict) gives one per output.
- Metrics: a flat list applies to a single output; for several outputs, give a list with one
  entry per output (an identifier, a list, or None) or a dict keyed by output name. Results
  are named "<output name>_<metric name>" when there are several outputs; a weighted metric
  whose name is already taken becomes "[<output name>_]weighted_<metric name>".
- "accuracy"/"acc" and "crossentropy"/"ce" are resolved at the first batch from the shapes of
  that output's target and prediction.
"""
import numpy as np

from minikeras import losses as losses_module
from minikeras import metrics as metrics_module
from minikeras.backend.array_module import to_numpy
from minikeras.backend.autodiff import Tensor

_SHAPE_RULE_NAMES = ("accuracy", "acc", "crossentropy", "ce")


# -- structures ------------------------------------------------------------------------------
def _is_structure(value):
    return isinstance(value, (list, tuple, dict))


def _standard_names(output_names):
    if output_names is None:
        return None
    return [output_names] if isinstance(output_names, str) else list(output_names)


def _outputs(y_pred, output_names):
    """(predictions as a list in output order, their names: a list of str or None)."""
    if isinstance(y_pred, dict):
        keys = list(y_pred)
        names = output_names if output_names and set(output_names) == set(keys) else sorted(keys)
        return [y_pred[name] for name in names], names
    predictions = list(y_pred) if isinstance(y_pred, (list, tuple)) else [y_pred]
    if output_names and len(output_names) != len(predictions):
        raise ValueError(f"The model has outputs {output_names} but y_pred holds "
                         f"{len(predictions)} value(s).")
    return predictions, list(output_names) if output_names else [None] * len(predictions)


def _by_name(value, names, argument):
    """A dict keyed by output name as a list in output order (missing names give None)."""
    if None in names:
        raise ValueError(f"`{argument}` is a dict, which needs named outputs; this model's "
                         f"outputs have no names. Pass a list in output order instead.")
    unknown = [key for key in value if key not in names]
    if unknown:
        raise ValueError(f"`{argument}` has keys {unknown} that are not output names; the "
                         f"model's outputs are {names}.")
    return [value.get(name) for name in names]


def _targets(y_true, names, needed, argument="y"):
    """Targets as a list in output order. `needed[i]` says whether output i needs one.

    A list with one entry per output, a dict keyed by output name, or, as in Keras, a list (or
    single array) holding just the targets of the outputs that need one, in output order.
    """
    n = len(names)
    if y_true is None and any(needed):
        raise ValueError(f"The compiled loss needs targets, but `{argument}` is None: pass "
                         f"`{argument}` to fit / evaluate, or have the generator or PyDataset "
                         f"give (x, y) batches. To train on losses added with `add_loss` only, "
                         f"compile with loss=None.")
    if n == 1:
        if isinstance(y_true, dict):
            return _by_name(y_true, names, argument) if len(y_true) > 1 else list(y_true.values())
        if isinstance(y_true, (list, tuple)) and len(y_true) == 1:
            return [y_true[0]]
        return [y_true]
    if isinstance(y_true, dict):
        targets = _by_name(y_true, names, argument)
    else:
        given = list(y_true) if isinstance(y_true, (list, tuple)) else [y_true]
        wanted = [i for i in range(n) if needed[i]]
        if len(given) == n:
            targets = given
        elif len(given) == len(wanted):
            targets = [None] * n
            for i, value in zip(wanted, given):
                targets[i] = value
        else:
            raise ValueError(f"`{argument}` holds {len(given)} target(s) but the model has {n} "
                             f"outputs {names}: give one per output, in output order, or a "
                             f"dict keyed by output name.")
    missing = [names[i] if names[i] else i for i in range(n) if needed[i] and targets[i] is None]
    if missing:
        raise ValueError(f"`{argument}` has no target for output(s) {missing}; the model's "
                         f"outputs are {names}.")
    return targets


def _sample_weights(sample_weight, names, argument="sample_weight"):
    """One weight array (or None) per output; a single array is shared by every output."""
    n = len(names)
    if sample_weight is None:
        return [None] * n
    if isinstance(sample_weight, dict):
        return _by_name(sample_weight, names, argument)
    if isinstance(sample_weight, (list, tuple)):
        if len(sample_weight) == n:
            return list(sample_weight)
        if len(sample_weight) == 1:
            return list(sample_weight) * n
        raise ValueError(f"`{argument}` holds {len(sample_weight)} arrays but the model has {n} "
                         f"outputs {names}: give one array for all, or one per output.")
    return [sample_weight] * n


def _flat(entry):
    """The identifiers in a (possibly nested) list or dict of them, Nones dropped."""
    if entry is None:
        return []
    if isinstance(entry, dict):  # flattened in sorted key order, like Keras's tree.flatten
        return [m for key in sorted(entry) for m in _flat(entry[key])]
    if isinstance(entry, (list, tuple)):
        return [m for value in entry for m in _flat(value)]
    return [entry]


def _data(value):
    return value.data if isinstance(value, Tensor) else value


def flatten_logs_in_order(logs, metric_names):
    """The values of `logs` as `evaluate` / `train_on_batch` list them in Keras 3.

    `metric_names` lists "loss", then the *sub-metric* names of CompileMetrics (unprefixed,
    e.g. "accuracy"), then the names of CompileLoss.metrics ("out1_loss", ...). Keys found there
    come first in that order, then every other key in alphabetical order; a single value is
    returned alone. So two outputs give [loss, out1_loss, out2_loss, out1_accuracy, out2_mae].
    """
    values = [logs[name] for name in metric_names if name in logs]
    values += [logs[key] for key in sorted(logs) if key not in metric_names]
    return values[0] if len(values) == 1 else values


# -- losses ----------------------------------------------------------------------------------
class CompileLoss:
    """The compiled loss of a single- or multi-output model.

    Args:
        loss: one identifier (name, function, Loss) for every output; a list with one per
            output (None for an output without a loss); or a dict keyed by output name.
        loss_weights: a number (for a single loss), or a list / dict shaped like `loss`.
        output_names: the model's output names (None or one name for a single output).

    `loss(y_true, y_pred, sample_weight=None)` returns the total weighted loss as a Tensor
    (None when no output has a loss). Attributes: `built`, `output_names`, `metrics` (the
    per-output `Mean` trackers "<name>_loss", only when several outputs have a loss).
    """

    name = "compile_loss"

    def __init__(self, loss, loss_weights=None, output_names=None):
        if loss_weights is not None and not isinstance(loss_weights,
                                                       (int, float, list, tuple, dict)):
            raise ValueError(f"`loss_weights` must be a number (one loss) or a list or dict "
                             f"(one per output), received {loss_weights!r} of type "
                             f"{type(loss_weights).__name__}.")
        for weight in _flat(loss_weights):
            if weight is not None and not isinstance(weight, (int, float)):
                raise ValueError(f"`loss_weights` must hold numbers (one per output); received "
                                 f"{loss_weights!r}. (In compile(optimizer, loss, loss_weights, "
                                 f"metrics), the third positional argument is `loss_weights`: "
                                 f"pass metrics as `metrics=[...]`.)")
        self._user_loss = loss
        self._user_loss_weights = loss_weights
        self.output_names = _standard_names(output_names)
        self.built = False
        self._entries = []  # (output index, Loss, weight or None, tracker or None)
        self._names = None
        self.check_targets_next_call = False  # set by fit: check the first batch's targets
        if self.output_names:  # check the structure now, so compile() fails early
            self._plan(self.output_names)
        for identifier in _flat(loss):
            if not (isinstance(identifier, str) and identifier.lower() in _SHAPE_RULE_NAMES):
                losses_module.get(identifier)

    @property
    def metrics(self):
        return [tracker for *_, tracker in self._entries if tracker is not None]

    @property
    def losses(self):
        """The resolved Loss objects, output by output (known after the first batch)."""
        return [loss for _, loss, _, _ in self._entries]

    def _plan(self, names):
        """(loss identifier or None, weight or None) per output, checked against `loss_weights`."""
        n, loss = len(names), self._user_loss
        if isinstance(loss, dict):
            if None in names:
                raise ValueError("`loss` is a dict, which needs named outputs; this model's "
                                 "outputs have no names. Pass a list in output order instead.")
            if set(loss) != set(names):
                raise ValueError(f"The `loss` dict must have exactly the model's output names as "
                                 f"keys, {names}; received keys {list(loss)}.")
            identifiers, count = [loss[name] for name in names], n
        elif isinstance(loss, (list, tuple)):
            if len(loss) > n:
                raise ValueError(f"`loss` is a list of {len(loss)} losses but the model has {n} "
                                 f"output(s) {names}; give at most one per output.")
            identifiers, count = list(loss) + [None] * (n - len(loss)), len(loss)
        else:
            identifiers, count = [loss] * n, 1
        for identifier in identifiers:
            if _is_structure(identifier):
                raise ValueError(f"Each output takes one loss (or None), received {identifier!r} "
                                 f"in `loss`={loss!r}.")
        return identifiers, self._plan_weights(names, identifiers, count)

    def _plan_weights(self, names, identifiers, count):
        """One weight (or None) per output; `count` is how many losses the user listed."""
        n, weights = len(names), self._user_loss_weights
        if weights is None:
            return [None] * n
        if isinstance(weights, dict):
            if not _is_structure(self._user_loss):
                raise ValueError("`loss_weights` is a dict but `loss` is a single loss: give one "
                                 "number, or give `loss` per output too.")
            weights = _by_name(weights, names, "loss_weights")
            missing = [name for name, w, i in zip(names, weights, identifiers)
                       if w is None and i is not None]
            if missing:
                raise ValueError(f"`loss_weights` has no weight for output(s) {missing}; "
                                 f"received {self._user_loss_weights!r}.")
        elif isinstance(weights, (list, tuple)):
            if len(weights) != count:
                raise ValueError(f"`loss_weights` must match the number of losses: got {count} "
                                 f"loss(es) and {len(weights)} weights.")
            weights = list(weights)
        elif count != 1:
            raise ValueError(f"`loss_weights` is one number but `loss` holds {count} losses: "
                             f"give a list or dict with one weight per loss.")
        else:
            weights = [weights]
        if len(weights) == 1:
            weights = weights * n  # one loss (applied to every output) with one weight
        weights = weights + [None] * (n - len(weights))  # a short `loss` list
        return [None if w is None else float(w) for w in weights]

    def build(self, y_true, y_pred):
        """Resolve each output's loss from the first batch (shape-dependent names like "ce")."""
        predictions, names = _outputs(y_pred, self.output_names)
        identifiers, weights = self._plan(names)
        targets = _targets(y_true, names, [i is not None for i in identifiers])
        entries = []
        for index, (identifier, weight) in enumerate(zip(identifiers, weights)):
            if identifier is None:
                continue
            loss = losses_module.resolve_loss(identifier, targets[index], predictions[index])
            label = names[index] or (identifier if isinstance(identifier, str) else loss.name)
            entries.append([index, loss, weight, label])
        track = len(entries) > 1  # Keras logs "<output>_loss" only for several losses
        self._entries = [(index, loss, weight,
                          metrics_module.Mean(name=f"{label}_loss") if track else None)
                         for index, loss, weight, label in entries]
        self._names = names
        self._needed = [identifier is not None for identifier in identifiers]
        self.built = True

    def __call__(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        predictions, _ = _outputs(y_pred, self._names)
        targets = _targets(y_true, self._names, self._needed)
        weights = _sample_weights(sample_weight, self._names)
        if self.check_targets_next_call:
            self.check_targets_next_call = False
            for index, loss, _, _ in self._entries:
                check_binary_targets(loss, targets[index], self._names[index])
        total = None
        for index, loss, weight, tracker in self._entries:
            value = loss(targets[index], predictions[index], sample_weight=weights[index])
            if tracker is not None:
                tracker.update_state(value.data, sample_weight=len(_data(predictions[index])))
            if weight is not None:
                value = value * weight
            total = value if total is None else total + value
        return total

    def reset_state(self):
        for tracker in self.metrics:
            tracker.reset_state()


def check_binary_targets(loss, y_true, output_name=None):
    """A binary crossentropy (plain or focal) needs targets in [0, 1]. Keras on TF and JAX
    computes a meaningless (even negative) loss for labels such as 4 or 7; `fit` checks the
    first batch once (a min and a max) and refuses them, naming the loss and the values."""
    fn = getattr(loss, "fn", None)
    if fn not in (losses_module.binary_crossentropy, losses_module.binary_focal_crossentropy):
        return
    values = _data(y_true)
    if values is None or not hasattr(values, "dtype") or values.dtype.kind not in "biuf":
        return
    values = to_numpy(values)
    if values.size == 0:
        return
    low, high = values.min(), values.max()
    if low < 0 or high > 1:
        outside = np.unique(values[(values < 0) | (values > 1)])[:5]
        where = f" of output {output_name!r}" if output_name else ""
        raise ValueError(f"The loss {loss.name!r}{where} expects targets (`y`) between 0 and 1 "
                         f"(binary labels or probabilities), but the first batch holds "
                         f"{', '.join(str(v) for v in outside.tolist())} (min {low}, max "
                         f"{high}). For class indices use "
                         f"'sparse_categorical_crossentropy'; for one-hot labels "
                         f"'categorical_crossentropy'.")


# -- metrics ---------------------------------------------------------------------------------
class CompileMetrics:
    """The compiled metrics of a single- or multi-output model.

    Args:
        metrics: unweighted metrics. Single output: a list. Several outputs: a list with one
            entry per output (identifier, list, or None), or a dict keyed by output name.
        weighted_metrics: the same, for metrics that also receive sample weights.
        output_names: the model's output names (None or one name for a single output).

    Methods: `build(y_true, y_pred)` (done by the first `update_state`), `update_state(y_true,
    y_pred, sample_weight=None)`, `reset_state()`, `result()` -> {name: float} in Keras's order.
    Attributes: `built`, `metrics` (every sub-metric: unweighted then weighted, output by
    output; their `.name` is unprefixed like Keras's, the prefixed names are `result()`'s keys).
    """

    name = "compile_metrics"

    def __init__(self, metrics=None, weighted_metrics=None, output_names=None):
        for argument, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if value is not None and not _is_structure(value):
                raise ValueError(f"`{argument}` must be a list, tuple or dict, received "
                                 f"{value!r} of type {type(value).__name__}.")
            for identifier in _flat(value):
                if not (isinstance(identifier, str) and identifier.lower() in _SHAPE_RULE_NAMES):
                    metrics_module.get(identifier)  # fail now, with the list of valid names
        self._user_metrics = metrics
        self._user_weighted_metrics = weighted_metrics
        self.output_names = _standard_names(output_names)
        self.built = False
        self._groups = []  # per output: [Metric, ...]
        self._weighted_groups = []
        self._keys = []  # (result name, Metric) in Keras's order

    @property
    def metrics(self):
        return [m for group in self._groups + self._weighted_groups for m in group]

    def _per_output(self, value, names, argument):
        """Identifiers for each output, as lists."""
        n = len(names)
        if not value:
            return [[] for _ in names]
        if n == 1:
            return [_flat(value)]
        if isinstance(value, (list, tuple)) and len(value) == n:
            return [_flat(entry) for entry in value]
        if isinstance(value, dict) and None not in names and set(value) <= set(names):
            return [_flat(value.get(name)) for name in names]
        raise ValueError(f"`{argument}` for a model with {n} outputs {names} must be a list with "
                         f"one entry per output (a metric, a list of metrics, or None) or a dict "
                         f"keyed by output name; received {argument}={value!r}.")

    def build(self, y_true, y_pred):
        predictions, names = _outputs(y_pred, self.output_names)
        per_output = self._per_output(self._user_metrics, names, "metrics")
        weighted = self._per_output(self._user_weighted_metrics, names, "weighted_metrics")
        needed = [bool(a or b) for a, b in zip(per_output, weighted)]
        targets = _targets(y_true, names, needed)

        def resolve(groups):
            return [[metrics_module.resolve_metric(m, targets[i], predictions[i]) for m in group]
                    for i, group in enumerate(groups)]

        self._groups, self._weighted_groups = resolve(per_output), resolve(weighted)
        self._names = names
        self._keys = self._result_names(names if len(names) > 1 else [None])
        self.built = True

    def _result_names(self, prefixes):
        """Keras's naming: "<output>_<name>", duplicates "_1", "_2", ..., and a weighted metric
        whose name is taken "<output>_weighted_<name>"."""
        keys, counts = [], {}

        def prefixed(prefix, name):
            return f"{prefix}_{name}" if prefix else name

        def unique(name):
            if name not in counts:
                counts[name] = 1
                return name
            counts[name] += 1
            return f"{name}_{counts[name] - 1}"

        for prefix, group in zip(prefixes, self._groups):
            keys += [(unique(prefixed(prefix, m.name)), m) for m in group]
        for prefix, group in zip(prefixes, self._weighted_groups):
            for m in group:
                name = prefixed(prefix, m.name)
                if name in counts:
                    name = unique(prefixed(prefix, "weighted_" + m.name))
                else:
                    counts[name] = 1
                keys.append((name, m))
        return keys

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        names = self._names
        predictions, _ = _outputs(y_pred, names)
        needed = [bool(a or b) for a, b in zip(self._groups, self._weighted_groups)]
        targets = _targets(y_true, names, needed)
        weights = _sample_weights(sample_weight, names)
        for i, group in enumerate(self._groups):
            for metric in group:
                metric.update_state(targets[i], predictions[i])
        for i, group in enumerate(self._weighted_groups):
            for metric in group:
                metric.update_state(targets[i], predictions[i], sample_weight=weights[i])

    def reset_state(self):
        for metric in self.metrics:
            metric.reset_state()

    def result(self):
        """{name: value}: unweighted metrics output by output, then the weighted ones."""
        if not self.built:
            raise ValueError("CompileMetrics.result(): no results before the first batch "
                             "(call update_state or build first).")
        results = {}
        for name, metric in self._keys:
            value = metric.result()
            results[name] = float(value) if getattr(value, "ndim", 0) == 0 else value
        return results
