"""One thread at a time for the `Trainer` methods that change a model's state.

`fit` and `train_on_batch` change the weights, the optimizer's slots and step counter and the
metrics; `evaluate` and `test_on_batch` reset and update the metrics; `compile` replaces the
optimizer, losses and metrics. Two threads doing any of these on the same model would corrupt
it silently (NaN weights, mixed metric values), so each of these methods claims the model for
its thread (`fit` and `train_on_batch` also claim the optimizer, which two models may share)
and a second thread's call raises a RuntimeError at once instead of waiting or corrupting.

Claims are re-entrant within a thread: `fit` runs `evaluate` for validation, and a callback
may call `evaluate` or `compile` while its own thread fits. `predict`, `predict_on_batch` and
calling the model claim nothing: they read the weights and may run in any number of threads,
also while one thread trains (they then see the weights of some step).

The claim is taken once per call (not per step), so a training step pays nothing for it.
"""
import functools
import threading

_claims_lock = threading.Lock()
_claims = {}  # id(model or optimizer) -> [thread ident, running action, depth, thread name]


def one_thread_at_a_time(action, claims_optimizer=False):
    """Decorate the Trainer method named `action` ("fit", ...): while it runs in one thread,
    the same method or another decorated one on the same model (or, with `claims_optimizer`,
    on a model using the same optimizer) raises a RuntimeError in any other thread."""
    def decorate(method):
        @functools.wraps(method)
        def run(model, *args, **kwargs):
            objects = [model]
            optimizer = getattr(model, "optimizer", None) if claims_optimizer else None
            if optimizer is not None:
                objects.append(optimizer)
            _claim(objects, model, action)
            try:
                return method(model, *args, **kwargs)
            finally:
                _release(objects)
        return run
    return decorate


def _claim(objects, model, action):
    me = threading.get_ident()
    with _claims_lock:
        for obj in objects:
            claim = _claims.get(id(obj))
            if claim is not None and claim[0] != me:
                raise RuntimeError(_conflict_message(obj, model, action, claim))
        for obj in objects:
            claim = _claims.get(id(obj))
            if claim is None:
                _claims[id(obj)] = [me, action, 1, threading.current_thread().name]
            else:
                claim[2] += 1


def _release(objects):
    with _claims_lock:
        for obj in objects:
            claim = _claims[id(obj)]
            claim[2] -= 1
            if claim[2] == 0:
                del _claims[id(obj)]


def _conflict_message(obj, model, action, claim):
    _, running, _, thread_name = claim
    if obj is model:
        return (f"model.{running} is already running in another thread; a model trains in "
                f"one thread at a time, so model.{action} on model {model.name!r} cannot start "
                f"until it returns (in thread {thread_name!r}). fit, evaluate, train_on_batch, "
                f"test_on_batch and compile change the model's weights, optimizer or metrics; "
                f"predict may run in any thread meanwhile. To train in several threads, give "
                f"each thread its own model (e.g. `keras.models.clone_model`).")
    return (f"The optimizer {getattr(obj, 'name', obj)!r} of model {model.name!r} is already "
            f"updating weights in another thread ({thread_name!r}, in model.{running}); an "
            f"optimizer trains one model in one thread at a time, so model.{action} cannot "
            f"start. Give each model its own optimizer.")
