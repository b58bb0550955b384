"""`MonitorCallback`: the shared part of callbacks that watch one logged quantity.

EarlyStopping, ModelCheckpoint and ReduceLROnPlateau all ask the same question at the end of
an epoch: "is `logs[monitor]` better than the best value so far?". This base class answers it
the way Keras 3 does:

- `mode="min"` means smaller is better, `mode="max"` larger; an unknown mode warns and falls
  back to "auto".
- `mode="auto"` looks at the name: "loss" / "val_loss" are minimized; otherwise the compiled
  metric of that name (without the "val_" prefix) says which way it goes (its `_direction`:
  accuracy and AUC go up, errors such as "mae" go down). If no direction is known a
  ValueError asks for an explicit mode. The choice is made at the first epoch end, once the
  compiled metrics exist.
- A value improves on a reference when `value - min_delta` is strictly better than it; the
  sign of `min_delta` is ignored (it always makes an improvement harder to get).
"""
import warnings

import numpy as np

from minikeras.callbacks.callback import Callback


class MonitorCallback(Callback):
    """Base class for callbacks that compare `logs[monitor]` with a best value.

    Args:
        monitor: the log key to watch, e.g. "val_loss", "accuracy", "val_auc".
        mode: "auto", "min" or "max" (see the module notes for "auto").
        baseline: the starting `best` value (None: the first value seen becomes the best).
        min_delta: how much better a value must be to count as an improvement.

    Attributes: `monitor`, `mode`, `best`, `min_delta` (negative once the direction is "min"),
    `monitor_op` (`np.less` or `np.greater`; None until the first epoch end).
    """

    def __init__(self, monitor="val_loss", mode="auto", baseline=None, min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto mode.",
                          stacklevel=2)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.best = baseline
        self.min_delta = abs(min_delta)
        self.monitor_op = None

    def _set_monitor_op(self):
        """Choose `monitor_op` from `mode`, or from the monitored metric's direction."""
        if self.mode == "min":
            self.monitor_op = np.less
        elif self.mode == "max":
            self.monitor_op = np.greater
        else:
            metric_name = self.monitor.removeprefix("val_")
            if metric_name == "loss":
                self.monitor_op = np.less
            for metric in _compiled_metrics(self.model):
                if metric.name == metric_name and hasattr(metric, "_direction"):
                    if metric._direction == "up":
                        self.monitor_op = np.greater
                    else:
                        self.monitor_op = np.less
            if self.monitor_op is None:
                raise ValueError(
                    f"{type(self).__name__} callback received monitor={self.monitor}, but "
                    f"minikeras isn't able to automatically determine whether that metric should "
                    f"be maximized or minimized. Pass `mode='max'` in order to monitor based on "
                    f"the highest metric value, or pass `mode='min'` in order to use the lowest "
                    f"value.")
        if self.monitor_op is np.less:
            self.min_delta *= -1

    def _is_improvement(self, monitor_value, reference_value):
        """True when `monitor_value` beats `reference_value` by more than `min_delta`
        (always True against None)."""
        if reference_value is None:
            return True
        return bool(self.monitor_op(monitor_value - self.min_delta, reference_value))


def _compiled_metrics(model):
    """The metrics given to `compile` (Keras looks only at these for a direction)."""
    found = []
    for metric in getattr(model, "metrics", None) or []:
        # The compiled metrics are one entry named "compile_metrics" (as in Keras) holding them
        # all; it is known by that name because the trainer sits above callbacks.
        if getattr(metric, "name", None) == "compile_metrics":
            found.extend(metric.metrics)
    return found
