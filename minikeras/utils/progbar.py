"""`Progbar`: Keras's text progress bar (`keras.utils.Progbar`), for your own loops.

    bar = Progbar(target=100)
    for step in range(1, 101):
        bar.update(step, values=[("loss", loss)])   # or bar.add(1, values=...)

prints, on one line rewritten in place on a terminal,
`50/100 ━━━━━━━━━━────────── 2s 40ms/step - loss: 0.4123`.
"""
import math
import os
import sys
import time

import numpy

from minikeras.utils.io_utils import print_msg


class Progbar:
    """A progress bar with running metric averages.

    Args:
        target: the number of steps expected, or None when unknown (the bar then shows
            "step/Unknown").
        width: the bar's width in characters.
        verbose: 0 silent; 1 a bar updated in place (at most every `interval` seconds, and
            at the last step); 2 one summary line at the last step only.
        interval: the least time, in seconds, between two redraws in mode 1.
        stateful_metrics: names of metrics shown as given (a running mean already computed
            elsewhere); every other metric is averaged by the bar, weighted by the steps
            since its previous update.
        stateless_metrics: the other way round: only these names are averaged (give one of
            the two lists at most).
        unit_name: what a step is called in the timing ("step", "sample").
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 stateless_metrics=None, unit_name="step"):
        if stateful_metrics is not None and stateless_metrics is not None:
            raise ValueError("Progbar: give `stateful_metrics` or `stateless_metrics`, not "
                             "both.")
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = (None if stateless_metrics is not None
                                 else set(stateful_metrics or ()))
        self.stateless_metrics = None if stateless_metrics is None else set(stateless_metrics)
        self._dynamic_display = ((hasattr(sys.stdout, "isatty") and sys.stdout.isatty())
                                 or "ipykernel" in sys.modules
                                 or "PYCHARM_HOSTED" in os.environ)
        self._seen_so_far = 0
        self._values = {}          # name -> [weighted sum, weight]
        self._values_order = []    # names in the order they first came
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step = None
        self._prev_total_width = 0

    def _averaged(self, name):
        if self.stateful_metrics is not None:
            return name not in self.stateful_metrics
        return name in self.stateless_metrics

    def update(self, current, values=None, finalize=None):
        """Show step `current`.

        Args:
            current: the index of the step just done (1-based: `target` is the last).
            values: a list of `(name, value)` for the step just done.
            finalize: whether this is the last update; None means `current >= target`
                (never, when the target is unknown).
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for name, value in values or []:
            if name not in self._values_order:
                self._values_order.append(name)
            if self._averaged(name) and not finalize:
                steps = max(current - self._seen_so_far, 1)
                total, weight = self._values.get(name, [0.0, 0])
                self._values[name] = [total + value * steps, weight + steps]
            else:  # shown as given (and a final value replaces the running mean)
                self._values[name] = [value, 1]
        self._seen_so_far = current
        now = time.time()
        per_step = self._step_duration(current, now)
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finalize:
                return
            self._draw(current, now, per_step, finalize)
        elif self.verbose == 2 and finalize and self.target:
            line = f"{self._count(current)} - {now - self._start:.0f}s -"
            line += self._format_time(per_step) + self._metrics_text() + "\n"
            self._write(line)
        self._last_update = now

    def add(self, n, values=None):
        """Advance by `n` steps (`update(seen_so_far + n, values)`)."""
        self.update(self._seen_so_far + n, values)

    # -- drawing -----------------------------------------------------------------------------------
    def _count(self, current):
        digits = int(math.log10(self.target)) + 1
        return f"{current:{digits}d}/{self.target}"

    def _draw(self, current, now, per_step, finalize):
        if self.target:
            done = int(self.width * min(float(current) / self.target, 1.0))
            bar = f"{self._count(current)} {'━' * done}{'─' * (self.width - done)}"
        else:
            bar = f"{current:7d}/Unknown"
        if self.target and not finalize:
            info = f" {self._format_eta(per_step * (self.target - current))}"
        else:
            info = f" {now - self._start:.0f}s"
        info += self._format_time(per_step) + self._metrics_text()
        width = len(bar) + len(info)
        message = ("\b" * self._prev_total_width + "\r") if self._dynamic_display else "\n"
        message += bar + info + " " * max(self._prev_total_width - width, 0)
        if finalize:
            message += "\n"
        self._write(message)
        self._prev_total_width = width

    def _metrics_text(self):
        text = ""
        for name in self._values_order:
            total, weight = self._values[name]
            mean = float(numpy.mean(total)) / max(1, weight)
            text += f" - {name}: {mean:.4f}" if abs(mean) > 1e-3 else f" - {name}: {mean:.4e}"
        return text

    @staticmethod
    def _format_eta(seconds):
        if seconds > 3600:
            return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
        if seconds > 60:
            return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
        return f"{int(seconds)}s"

    def _format_time(self, per_step):
        if per_step >= 1 or per_step == 0:
            return f" {per_step:.0f}s/{self.unit_name}"
        if per_step >= 1e-3:
            return f" {per_step * 1e3:.0f}ms/{self.unit_name}"
        return f" {per_step * 1e6:.0f}us/{self.unit_name}"

    def _step_duration(self, current, now):
        """Seconds per step; the first step (often slow: building, caches) is left out of
        the estimate once later steps exist."""
        if not current:
            return 0
        if self._time_after_first_step is not None and current > 1:
            duration = (now - self._time_after_first_step) / (current - 1)
        else:
            duration = (now - self._start) / current
        if current == 1:
            self._time_after_first_step = now
        return duration

    @staticmethod
    def _write(message):
        print_msg(message, line_break=False)
