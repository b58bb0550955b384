"""`ProgbarLogger`: the progress display of fit / evaluate / predict, drawn with tqdm.

As in Keras 3:
- verbose=1: a bar per epoch (and per evaluate / predict call) with the running loss and
  metrics, `3/3 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - accuracy: 0.4583 - loss: 1.2852`, redrawn on
  a timer (at most every 0.1 s, not every batch, so a fast loop is not slowed by printing) and
  once more at the end with the epoch's final logs (the `val_*` values included);
- verbose=2: one line per epoch (and per evaluate / predict call) once it is over,
  `3/3 - 0s - 636us/step - accuracy: 0.4583 - loss: 1.2852 - val_accuracy: ... - val_loss: ...`;
- verbose=0: silent.
"Epoch i/N" is printed before each epoch when N > 1. With interactive logging off
(`keras.config.disable_interactive_logging`) no bar is drawn: "Epoch i/N" and each epoch's
verbose=2 line go to the `logging` module (logger "minikeras") instead of stdout. Inside `fit`
the validation pass draws nothing (its values appear on the epoch's line). `tqdm.auto` picks a
notebook widget when running inside Jupyter.
"""
import sys
import time

from minikeras.backend import config
from minikeras.callbacks.callback import Callback
from minikeras.utils.io_utils import print_msg

REFRESH_INTERVAL = 0.1  # seconds between two redraws of a verbose=1 bar


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


class Progbar:
    """One progress display: `update(step, logs)` per batch, `finalize(logs)` once at the end.

    verbose=1 draws a tqdm bar, created at the first drawn update and redrawn at most every
    `interval` seconds; verbose=2 prints a single line at `finalize`; verbose=0 prints nothing.
    """

    def __init__(self, target, verbose=1, interval=REFRESH_INTERVAL, file=None):
        self.target = target
        self.verbose = verbose
        self.interval = interval
        self.file = file
        self.start = time.perf_counter()
        self.seen = 0
        self._last_draw = None
        self._bar = None

    def _describe(self, step, logs):
        elapsed = time.perf_counter() - self.start
        return f"{elapsed:.0f}s {format_time_per_step(elapsed / max(step, 1))}{format_logs(logs)}"

    def _draw(self, step, logs, final=False):
        description = self._describe(step, logs)
        if self._bar is None:
            from tqdm.auto import tqdm
            # delay: nothing is printed at creation; refresh / close below print once.
            self._bar = tqdm(total=self.target, initial=step, desc=description,
                             file=self.file or sys.stdout, leave=True, mininterval=0,
                             miniters=1, delay=1e-9, dynamic_ncols=False,
                             bar_format="{n_fmt}/{total_fmt} {bar:20} {desc}", ascii=" ━")
        else:
            self._bar.set_description_str(description, refresh=False)
            self._bar.n = step
        if final:
            self._bar.close()
        else:
            self._bar.refresh()
        self._last_draw = time.perf_counter()

    def update(self, step, logs=None):
        self.seen = step
        if self.verbose != 1 or not config.is_interactive_logging_enabled():
            return
        if self._last_draw is not None and time.perf_counter() - self._last_draw < self.interval:
            return
        self._draw(step, logs)

    def finalize(self, logs=None):
        if self.target is None:
            self.target = self.seen
            if self._bar is not None:
                self._bar.total = self.target
        if self.verbose == 1 and config.is_interactive_logging_enabled():
            self._draw(self.target, logs, final=True)
        elif self.verbose in (1, 2):
            elapsed = time.perf_counter() - self.start
            per_step = format_time_per_step(elapsed / max(self.target or self.seen, 1))
            line = f"{self.target}/{self.target} - {elapsed:.0f}s - {per_step}{format_logs(logs)}"
            if self.file is not None:
                print(line, file=self.file, flush=True)
            else:
                print_msg(line)


class ProgbarLogger(Callback):
    """Prints progress; added automatically by fit/evaluate/predict when verbose != 0.

    Reads `verbose`, `epochs` and `steps` from the params its list gives it (see the module
    docstring for what each verbose level prints).
    """

    def __init__(self):
        super().__init__()
        self.seen = 0
        self.progbar = None
        self.target = None
        self.verbose = 1
        self.epochs = 1
        self._called_in_fit = False

    def set_params(self, params):
        super().set_params(params)
        verbose = params["verbose"]
        self.verbose = 1 if verbose == "auto" else verbose
        self.epochs = params["epochs"]
        self.target = params["steps"]

    def on_train_begin(self, logs=None):
        self._called_in_fit = True  # validation inside fit is silent

    def on_train_end(self, logs=None):
        self._called_in_fit = False

    def on_epoch_begin(self, epoch, logs=None):
        self._reset_progbar()
        if self.verbose and self.epochs > 1:
            print_msg(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch, logs=None):
        self._update_progbar(batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._finalize_progbar(logs)

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._reset_progbar()

    def on_test_batch_end(self, batch, logs=None):
        if not self._called_in_fit:
            self._update_progbar(batch, logs)

    def on_test_end(self, logs=None):
        if not self._called_in_fit:
            self._finalize_progbar(logs)

    def on_predict_begin(self, logs=None):
        self._reset_progbar()

    def on_predict_batch_end(self, batch, logs=None):
        self._update_progbar(batch, None)  # the predictions are not shown

    def on_predict_end(self, logs=None):
        self._finalize_progbar(None)

    def _reset_progbar(self):
        self.seen = 0
        self.progbar = None
        self._maybe_init_progbar()  # the clock starts now

    def _maybe_init_progbar(self):
        if self.progbar is None:
            self.progbar = Progbar(self.target, verbose=self.verbose)

    def _update_progbar(self, batch, logs=None):
        self._maybe_init_progbar()
        self.seen = batch + 1  # one-based
        self.progbar.update(self.seen, logs)

    def _finalize_progbar(self, logs):
        self._maybe_init_progbar()
        if self.target is None:
            self.target = self.seen
        self.progbar.target = self.target
        self.progbar.finalize(logs)
        self.progbar = None
