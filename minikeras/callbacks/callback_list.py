"""`CallbackList`: dispatches each hook to every callback, in list order."""
from minikeras import tree
from minikeras.callbacks.callback import Callback
from minikeras.callbacks.history import History
from minikeras.callbacks.progbar_logger import ProgbarLogger

_HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
          "on_batch_begin", "on_batch_end",
          "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
          "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
          "on_predict_batch_begin", "on_predict_batch_end")
_NO_INDEX = ("on_train_begin", "on_train_end", "on_test_begin", "on_test_end",
             "on_predict_begin", "on_predict_end")


class CallbackList(Callback):
    """A list of callbacks acting as one.

    Args:
        callbacks: Callback instances (a list, possibly nested, or one callback), called in
            this order.
        add_history: append a History callback if none is present (fit does this).
        add_progbar: append a ProgbarLogger if none is present (fit / evaluate / predict do
            this when verbose != 0). As in Keras the order is: the user's callbacks, then
            History, then ProgbarLogger.
        model: the model every callback sees as `self.model` (its `history` attribute becomes
            this list's History).
        **params: `verbose`, `epochs`, `steps` given to every callback as `self.params`.

    Every hook receives a fresh dict of logs (None becomes {}), keys sorted and values turned
    into Python floats where they convert, shared by all callbacks of that call, so a callback
    may add a key (e.g. `learning_rate`) that the following callbacks see.
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        self.callbacks = _flatten_callbacks(callbacks)
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(f"callbacks must be minikeras.callbacks.Callback instances, received "
                                f"{type(callback).__name__}.")
        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)), None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        self.set_model(model)
        self.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)

    def set_model(self, model):
        if model is None:
            return
        super().set_model(model)
        if self._history is not None:
            model.history = self._history
        for callback in self.callbacks:
            callback.set_model(model)

    def set_params(self, params):
        self.params = params
        if params:
            for callback in self.callbacks:
                callback.set_params(params)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self):
        return len(self.callbacks)


def _flatten_callbacks(callbacks):
    """A list of the callbacks in `callbacks` (one callback, or nested lists / tuples of them)."""
    return [] if not callbacks else tree.flatten(callbacks)


def _pythonify_logs(logs):
    """A new dict: nested dicts merged in, keys sorted, values as floats where they convert."""
    if not logs:
        return {}
    result = {}
    for key, value in sorted(logs.items()):
        if isinstance(value, dict):
            result.update(_pythonify_logs(value))
        elif type(value) is float:  # the trainer's logs: already plain
            result[key] = value
        else:
            try:
                result[key] = float(value)
            except (TypeError, ValueError):
                result[key] = value
    return result


def _dispatcher(hook):
    if hook in _NO_INDEX:
        def dispatch(self, logs=None):
            logs = _pythonify_logs(logs)
            for callback in self.callbacks:
                getattr(callback, hook)(logs)
    elif hook == "on_predict_batch_end":
        def dispatch(self, batch, logs=None):
            logs = dict(logs) if logs else {}  # the outputs stay arrays
            for callback in self.callbacks:
                callback.on_predict_batch_end(batch, logs)
    else:
        def dispatch(self, index, logs=None):
            logs = _pythonify_logs(logs)
            for callback in self.callbacks:
                getattr(callback, hook)(index, logs)
    dispatch.__name__ = hook
    dispatch.__doc__ = f"Call `{hook}` on every callback, in order."
    return dispatch


for _hook in _HOOKS:
    setattr(CallbackList, _hook, _dispatcher(_hook))
