"""`LambdaCallback`: a callback made of plain functions."""
from minikeras.callbacks.callback import Callback


class LambdaCallback(Callback):
    """Build a callback on the fly from functions, one per hook.

        print_loss = callbacks.LambdaCallback(
            on_epoch_end=lambda epoch, logs: print(epoch, logs["loss"]))

    The functions are called with the hook's arguments: `on_epoch_begin(epoch, logs)`,
    `on_epoch_end(epoch, logs)`, `on_train_begin(logs)`, `on_train_end(logs)`,
    `on_train_batch_begin(batch, logs)`, `on_train_batch_end(batch, logs)`.

    Any other hook can be given by keyword too, as in Keras: `on_batch_begin` / `on_batch_end`
    (the legacy names, called for every training batch), `on_test_begin`, `on_predict_end`, ...
    Extra keywords simply become attributes of the callback.
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)
        for name, function in (("on_epoch_begin", on_epoch_begin),
                               ("on_epoch_end", on_epoch_end),
                               ("on_train_begin", on_train_begin),
                               ("on_train_end", on_train_end),
                               ("on_train_batch_begin", on_train_batch_begin),
                               ("on_train_batch_end", on_train_batch_end)):
            if function is not None:
                setattr(self, name, function)
