"""What one `fit` or `evaluate` asks of the distribution: `FitRun` and `EvaluationRun`.

The trainer always goes through these objects; the classes here are the single-process ones
and do nothing (each method hands its argument back or calls the step), so one process pays a
method call per step and nothing else. `DataParallel` returns subclasses that shard each batch
and reduce over MPI (minikeras/distribution/data_parallel_runs.py).

The loop, as `Trainer.fit` runs it:

    run = distribution.begin_fit(model, epoch_iterator, resume_point)   # after on_train_begin
    with run:                                    # makes it the active run (see below)
        for epoch ...:
            run.on_epoch_begin()
            for step, batch in ...:
                logs = run.run_train_batch(model.fit_step, batch)
            if run.any_stop(model.stop_training): break      # any process stops: all stop
    ...
    run.barrier()                                # after on_train_end

While a run is active, `reduce_gradients(grads, variables)` (called by every optimizer's
`apply`, before it clips or updates anything) hands the gradients to it: the single-process run
returns them unchanged; a data-parallel run returns their sum over the processes, each weighted
by its share of the global batch. So any `train_step`, the built-in one or a user's, trains
distributed without knowing it, and nothing is patched at run time.
"""


class FitRun:
    """One `fit` call's side of the distribution, for one process: nothing to do.

    Attributes:
        resume_point: {"initial_epoch": ..., "initial_step_state": ...} where the run starts
            (set by a callback such as BackupAndRestore in `on_train_begin`); a distributed
            run makes every process agree on the chief's.
    """

    def __init__(self, resume_point=None):
        self.resume_point = dict(resume_point or {})
        self._previous = None

    def __enter__(self):
        global _ACTIVE_FIT_RUN
        self._previous, _ACTIVE_FIT_RUN = _ACTIVE_FIT_RUN, self
        return self

    def __exit__(self, *exc_info):
        global _ACTIVE_FIT_RUN
        _ACTIVE_FIT_RUN = self._previous
        self.end()
        return False

    def on_epoch_begin(self):
        """Called before each epoch's first batch."""

    def run_train_batch(self, step_fn, batch):
        """The logs of `step_fn(batch)` (one training step on an (x, y, sample_weight) batch)."""
        return step_fn(batch)

    def reduce_gradients(self, grads, variables):
        """The gradients to apply to `variables` (lists of equal length; None: no gradient)."""
        return grads

    def any_stop(self, flag):
        """True when any process asks to stop (here: this one)."""
        return flag

    def end(self):
        """Called when fit ends, normally or not (leaving the `with` block)."""

    def barrier(self):
        """Wait for every process (after on_train_end, so the chief's last files exist)."""


class EvaluationRun:
    """One pass of evaluation (validation data or `evaluate`), for one process."""

    def run_test_batch(self, step_fn, batch):
        """The logs of `step_fn(batch)` (one test step on an (x, y, sample_weight) batch)."""
        return step_fn(batch)


_ACTIVE_FIT_RUN = FitRun()


def active_fit_run():
    """The run of the `fit` in progress (a do-nothing `FitRun` outside fit)."""
    return _ACTIVE_FIT_RUN


def reduce_gradients(grads, variables):
    """The optimizers' gradient hook: `grads` as the active fit run wants them applied
    (unchanged in one process, all-reduced over the processes under DataParallel)."""
    return _ACTIVE_FIT_RUN.reduce_gradients(grads, variables)
