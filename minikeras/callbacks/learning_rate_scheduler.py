"""`LearningRateScheduler`: set the learning rate at the start of every epoch."""
import numpy as np

from minikeras.callbacks.callback import Callback
from minikeras.utils.io_utils import print_msg


class LearningRateScheduler(Callback):
    """Set the optimizer's learning rate to `schedule(epoch, lr)` when each epoch begins.

        def schedule(epoch, lr):
            return lr if epoch < 10 else lr * 0.9
        model.fit(x, y, epochs=15, callbacks=[callbacks.LearningRateScheduler(schedule)])
        history.history["learning_rate"]   # the rate each epoch trained with

    Args:
        schedule: a function of (epoch, current learning rate as a float) returning the new
            rate as a float (Python float, np.float32 or np.float64; anything else is a
            ValueError). `epoch` is 0-based. A function that takes only `epoch` works too: as
            in Keras, a TypeError from the two-argument call retries with `schedule(epoch)`.
        verbose: 1 prints the rate set at each epoch. Defaults to 0.

    The new rate is used from the epoch's first step. At each epoch end the rate is written to
    `logs["learning_rate"]`, so History and CSVLogger (when listed after it) record it.
    The optimizer needs a float learning rate; one built with a `LearningRateSchedule` raises
    a TypeError.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def _update_optimizer_lr(self, optimizer, epoch):
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:
            learning_rate = float(optimizer.learning_rate)
            learning_rate = self.schedule(epoch, learning_rate)
        except TypeError:  # an old-style schedule(epoch)
            learning_rate = self.schedule(epoch)
        if not isinstance(learning_rate, (float, np.float32, np.float64)):
            raise ValueError(f"The output of the `schedule` function should be a float. "
                             f"Got: {learning_rate}")
        set_optimizer_learning_rate(optimizer, learning_rate, "LearningRateScheduler")
        return learning_rate

    def on_epoch_begin(self, epoch, logs=None):
        optimizers = getattr(self.model.optimizer, "optimizers", None)
        if optimizers is None:
            learning_rate = self._update_optimizer_lr(self.model.optimizer, epoch)
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                          f"{learning_rate}.")
            return
        for optimizer in optimizers:
            learning_rate = self._update_optimizer_lr(optimizer, epoch)
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting {optimizer.name} "
                          f"learning rate to {learning_rate}.")

    def on_epoch_end(self, epoch, logs=None):
        logs = {} if logs is None else logs
        optimizers = getattr(self.model.optimizer, "optimizers", None)
        if optimizers is None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)
        else:
            for optimizer in optimizers:
                logs[f"learning_rate_{optimizer.name}"] = float(optimizer.learning_rate)


def set_optimizer_learning_rate(optimizer, value, owner):
    """Assign a float rate; an optimizer driven by a schedule gets a TypeError naming `owner`."""
    from minikeras.optimizers.schedules import LearningRateSchedule
    if isinstance(getattr(optimizer, "_learning_rate", None), LearningRateSchedule):
        raise TypeError(f"{owner} cannot change the learning rate of optimizer "
                        f"{getattr(optimizer, 'name', type(optimizer).__name__)!r}: it was created "
                        f"with a `LearningRateSchedule` "
                        f"({type(optimizer._learning_rate).__name__}) as its `learning_rate`, "
                        f"which is not settable. Create the optimizer with a float "
                        f"`learning_rate` to use {owner}.")
    optimizer.learning_rate = value
