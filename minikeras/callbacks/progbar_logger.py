"""`ProgbarLogger`: the progress display of fit / evaluate / predict, drawn with tqdm.

verbose=1: one bar per epoch with the running loss and metrics, redrawn on a timer (every 0.1 s,
not every batch, so a fast loop is not slowed by printing); verbose=2: one line per epoch;
verbose=0: silent. `tqdm.auto` picks a notebook widget when running inside Jupyter.
"""
import sys
import time

from minikeras.callbacks.callback import Callback


def format_logs(logs, skip=("outputs",)):
    """' - accuracy: 0.9712 - loss: 0.0931' with Keras's number format, keys sorted."""
    parts = []
    for key in sorted(logs or {}):
        if key in skip:
            continue
        value = logs[key]
        try:
            value = float(value)
        except (TypeError, ValueError):
            continue
        text = f"{value:.4f}" if abs(value) > 1e-3 or value == 0 else f"{value:.4e}"
        parts.append(f"{key}: {text}")
    return "".join(f" - {p}" for p in parts)


def format_time_per_step(seconds):
    if seconds >= 1:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


class _Bar:
    """One tqdm bar, refreshed at most every `interval` seconds."""

    def __init__(self, total, interval=0.1):
        from tqdm.auto import tqdm
        self.total = total
        self.interval = interval
        self.start = time.perf_counter()
        self.last_draw = 0.0
        self.shown = 0
        self.bar = tqdm(total=total, file=sys.stdout, leave=True, dynamic_ncols=False, ncols=None,
                        bar_format="{n_fmt}/{total_fmt} {bar:20} {desc}", ascii=" ━")

    def update(self, step, logs, force=False):
        now = time.perf_counter()
        if not force and now - self.last_draw < self.interval:
            return
        self.last_draw = now
        elapsed = now - self.start
        per_step = format_time_per_step(elapsed / max(step, 1))
        self.bar.set_description_str(f"{elapsed:.0f}s {per_step}{format_logs(logs)}", refresh=False)
        self.bar.update(step - self.shown)
        self.shown = step

    def close(self, step, logs):
        self.update(step, logs, force=True)
        self.bar.close()


class ProgbarLogger(Callback):
    """Prints progress; added automatically by fit/evaluate/predict when verbose != 0."""

    def __init__(self):
        super().__init__()
        self._bar = None
        self._mode = "train"
        self._seen = 0
        self._epoch_start = 0.0
        self._in_fit = False

    @property
    def verbose(self):
        return self.params.get("verbose", 1)

    def _steps(self):
        return self.params.get("steps")

    def on_train_begin(self, logs=None):
        self._mode = "train"
        self._in_fit = True

    def on_train_end(self, logs=None):
        self._in_fit = False

    def on_epoch_begin(self, epoch, logs=None):
        self._mode = "train"
        self._seen = 0
        self._epoch_start = time.perf_counter()
        if self.verbose:
            print(f"Epoch {epoch + 1}/{self.params.get('epochs', 1)}", flush=True)
        if self.verbose == 1:
            self._bar = _Bar(self._steps())

    def on_train_batch_end(self, batch, logs=None):
        self._seen = batch + 1
        if self._bar is not None and self._mode == "train":
            self._bar.update(self._seen, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self._bar is not None:
            self._bar.close(self._seen, logs)
            self._bar = None
        elif self.verbose == 2:
            elapsed = time.perf_counter() - self._epoch_start
            steps = self._steps() or self._seen
            print(f"{steps}/{steps} - {elapsed:.0f}s - "
                  f"{format_time_per_step(elapsed / max(self._seen, 1))}{format_logs(logs)}",
                  flush=True)

    def on_test_begin(self, logs=None):
        if self._in_fit:
            return  # validation inside fit: the epoch's bar or line reports it
        self._mode = "test"
        self._seen = 0
        if self.verbose == 1:
            self._bar = _Bar(self._steps())

    def on_test_batch_end(self, batch, logs=None):
        if self._mode == "test" and self._bar is not None:
            self._seen = batch + 1
            self._bar.update(self._seen, logs)

    def on_test_end(self, logs=None):
        if self._mode == "test" and self._bar is not None:
            self._bar.close(self._seen, logs)
            self._bar = None

    def on_predict_begin(self, logs=None):
        self._mode = "predict"
        self._seen = 0
        if self.verbose == 1:
            self._bar = _Bar(self._steps())

    def on_predict_batch_end(self, batch, logs=None):
        if self._bar is not None:
            self._seen = batch + 1
            self._bar.update(self._seen, {})

    def on_predict_end(self, logs=None):
        if self._bar is not None:
            self._bar.close(self._seen, {})
            self._bar = None
