"""`CallbackList`: dispatches each hook to every callback, in list order."""
from minikeras.callbacks.callback import Callback
from minikeras.callbacks.history import History
from minikeras.callbacks.progbar_logger import ProgbarLogger

_HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
          "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
          "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
          "on_predict_batch_begin", "on_predict_batch_end")


class CallbackList(Callback):
    """A list of callbacks acting as one.

    Args:
        callbacks: Callback instances, called in this order.
        add_history: append a History callback if none is present (fit does this).
        add_progbar: append a ProgbarLogger if none is present (when verbose != 0).
        model: the model every callback sees as `self.model`.
        **params: `verbose`, `epochs`, `steps` given to every callback as `self.params`.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        self.callbacks = list(callbacks or [])
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(f"callbacks must be minikeras.callbacks.Callback instances, received "
                                f"{type(callback).__name__}.")
        if add_progbar and not any(isinstance(c, ProgbarLogger) for c in self.callbacks):
            self.callbacks.append(ProgbarLogger())
        if add_history and not any(isinstance(c, History) for c in self.callbacks):
            self.callbacks.append(History())
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)

    def set_model(self, model):
        super().set_model(model)
        for callback in self.callbacks:
            callback.set_model(model)

    def set_params(self, params):
        super().set_params(params)
        for callback in self.callbacks:
            callback.set_params(params)

    def __iter__(self):
        return iter(self.callbacks)


def _dispatcher(hook):
    if hook in ("on_train_begin", "on_train_end", "on_test_begin", "on_test_end",
                "on_predict_begin", "on_predict_end"):
        def dispatch(self, logs=None):
            for callback in self.callbacks:
                getattr(callback, hook)(logs)
    else:
        def dispatch(self, index, logs=None):
            for callback in self.callbacks:
                getattr(callback, hook)(index, logs)
    dispatch.__name__ = hook
    dispatch.__doc__ = f"Call `{hook}` on every callback, in order."
    return dispatch


for _hook in _HOOKS:
    setattr(CallbackList, _hook, _dispatcher(_hook))
