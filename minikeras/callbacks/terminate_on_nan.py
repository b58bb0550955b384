"""`TerminateOnNaN`: stop training as soon as the loss becomes NaN or infinite."""
import numpy as np

from minikeras.callbacks.callback import Callback
from minikeras.utils.io_utils import print_msg


class TerminateOnNaN(Callback):
    """After every training batch, check `logs["loss"]`; if it is NaN or +-inf, stop.

    The loss in the batch logs is the running mean over the epoch so far, so it turns NaN in
    the very batch whose loss did. `fit` then ends after that batch (the epoch's end hooks
    still run, and `fit` returns its History).

    Args:
        raise_error: raise a RuntimeError at once instead of setting `model.stop_training`
            (no further hooks run, not even `on_train_end`). Defaults to False.
    """

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or not (np.isnan(loss) or np.isinf(loss)):
            return
        if self.raise_error:
            raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                               f"Terminating training immediately.")
        print_msg(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True
