"""The batches of each epoch: `EpochIterator`, as Keras's trainers hand them to the step."""
import warnings

import numpy as np

from minikeras.backend import config, random


class EpochIterator:
    """The batches of each epoch, numbered from 0, as Keras's EpochIterator hands them out.

    Without `steps_per_epoch` every epoch is one pass over the data (reshuffled). With it, an
    epoch takes the next `steps_per_epoch` batches of the current pass; when the pass runs out
    the epoch ends early (warning) and the next epoch starts a new pass.

    `position()` tells where the current pass stands: (the shared random generator's state just
    before the pass drew its shuffle, batches taken from it); `restore(position)` rebuilds that
    pass in a new process, drawing the same permutation, so a resumed `fit` sees the same
    batches. The generator is left as it was found.

    `keras.config.set_max_steps_per_epoch(n)` caps every epoch at n steps (warning), as in
    Keras: for quick debugging runs of fit / evaluate / predict.
    """

    def __init__(self, adapter, steps_per_epoch=None):
        integer = isinstance(steps_per_epoch, (int, np.integer)) and \
            not isinstance(steps_per_epoch, bool)
        if steps_per_epoch is not None and (not integer or steps_per_epoch < 0):
            raise ValueError(f"`steps` / `steps_per_epoch` must be a positive integer or None, "
                             f"received: {steps_per_epoch!r}")
        cap = config.max_steps_per_epoch()
        if cap and (not steps_per_epoch or cap < steps_per_epoch):
            warnings.warn(f"Limiting steps_per_epoch to {cap}", stacklevel=3)
            steps_per_epoch = cap
        self.adapter = adapter
        self.steps_per_epoch = int(steps_per_epoch) if steps_per_epoch else None
        self._iterator = None
        self._taken = 0
        self._pass_random_state = None
        self.warned = False  # the "ran out of data" warning was given

    @property
    def num_batches(self):
        """Batches per epoch; None when unknown (a generator without steps_per_epoch)."""
        return self.steps_per_epoch or self.adapter.num_batches

    @property
    def exhausted(self):
        """A one-shot input (a Python generator) has run out: no further epoch can run."""
        return getattr(self.adapter, "exhausted", False)

    def _start_pass(self):
        # The shuffle is drawn from the shared generator when the pass yields its first batch.
        self._pass_random_state = random.global_generator().bit_generator.state
        self._iterator = self.adapter.batches()
        self._taken = 0

    def position(self):
        if self._iterator is None or self._taken == 0:
            return None
        return {"random_state": self._pass_random_state, "batches": self._taken}

    def restore(self, position):
        if not 0 <= int(position["batches"]) <= self.adapter.num_batches:
            raise ValueError(f"Cannot resume training at batch {position['batches']} of a pass "
                             f"over data that has {self.adapter.num_batches} batches: the data or "
                             f"the batch size differ from the run that made the backup.")
        generator = random.global_generator()
        current = generator.bit_generator.state
        try:
            generator.bit_generator.state = position["random_state"]
            self._start_pass()
            for _ in range(int(position["batches"])):
                next(self._iterator)
                self._taken += 1
        finally:
            generator.bit_generator.state = current

    def epoch(self, first_step=0):
        """Yield (step, (x, y, sample_weight)) for one epoch, steps from `first_step` on.

        A pass of unknown length (a generator) ends when the adapter stops yielding; running
        out before `steps_per_epoch`, or with no batch at all, warns."""
        total = self.adapter.num_batches  # None: unknown
        if self._iterator is None:
            self._start_pass()
        step = first_step
        while self.steps_per_epoch is None or step < self.steps_per_epoch:
            if total is not None and self._taken >= total:
                if self.steps_per_epoch:
                    self._warn_ran_out()
                break
            batch = next(self._iterator, END_OF_DATA)
            if batch is END_OF_DATA:
                self._iterator = None
                if self.steps_per_epoch or step == first_step:
                    self._warn_ran_out()
                return
            self._taken += 1
            yield step, batch
            step += 1
        if total is not None and self._taken >= total:
            self._iterator = None

    def _warn_ran_out(self):
        self.warned = True
        warnings.warn(RAN_OUT, stacklevel=3)


END_OF_DATA = object()  # what next() returns when a pass has no batch left
RAN_OUT = ("Your input ran out of data; interrupting training. Make sure that your dataset or "
           "generator can generate at least `steps_per_epoch * epochs` batches.")
