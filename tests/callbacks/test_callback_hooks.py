"""The callback hooks fit / evaluate / predict call, in Keras 3's exact order, with its logs.

`record_scenarios(keras)` runs the same scenarios with any Keras-like library. The literal
KERAS_3_15_1 below is its output under Keras 3.15.1, made with

    cd /work/main && KERAS_BACKEND=torch /work/refvenv/bin/python -c "
    import pprint, keras
    from tests.callbacks.test_callback_hooks import record_scenarios
    pprint.pprint(record_scenarios(keras), width=100)"

and the test checks that minikeras produces the same dict. Each entry is
(hook, [batch or epoch index,] sorted log keys); set_model / set_params calls are recorded too.
"""
import warnings

import numpy as np
import pytest

import minikeras
from minikeras import callbacks, layers, optimizers
from minikeras.callbacks.swap_ema_weights import SwapEMAWeights

HOOKS = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
         "on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end",
         "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
         "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end"]


def make_recorder_class(keras):
    class Recorder(keras.callbacks.Callback):
        """Logs every call as (tag, hook, [index,] sorted log keys) and then runs the base
        class's hook (so on_train_batch_begin also calls the legacy on_batch_begin)."""

        def __init__(self, tag, log, stop_at=None):
            super().__init__()
            self.tag, self.log, self.stop_at = tag, log, stop_at
            self.value_types = set()

        def set_params(self, params):
            self.log.append((self.tag, "set_params", dict(params)))
            super().set_params(params)

        def set_model(self, model):
            self.log.append((self.tag, "set_model"))
            super().set_model(model)

    def make_hook(name):
        takes_index = name not in ("on_train_begin", "on_train_end", "on_test_begin",
                                   "on_test_end", "on_predict_begin", "on_predict_end")

        def hook(self, *args, **kwargs):
            index = args[0] if takes_index else None
            logs = kwargs["logs"] if "logs" in kwargs else args[-1] if len(args) > takes_index \
                else None
            keys = None if logs is None else tuple(sorted(logs))
            self.log.append((self.tag, name) + (() if index is None else (index,)) + (keys,))
            if logs and name != "on_predict_batch_end":
                self.value_types |= {type(v).__name__ for v in logs.values()}
            if self.stop_at == (name, index):
                self.model.stop_training = True
            return getattr(keras.callbacks.Callback, name)(self, *args, **kwargs)
        return hook

    for name in HOOKS:
        setattr(Recorder, name, make_hook(name))
    return Recorder


def record_scenarios(keras):
    """Run every scenario with `keras` (Keras 3 or minikeras); a dict of what the hooks saw."""
    Recorder = make_recorder_class(keras)

    def model_and_data():
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        rng = np.random.default_rng(0)
        return model, rng.standard_normal((24, 4)).astype("float32"), rng.integers(0, 3, 24)

    def only(log, tag=None, hooks=None):
        return [e for e in log if (tag is None or e[0] == tag) and (hooks is None or e[1] in hooks)]

    out = {}
    model, x, y = model_and_data()
    log = []
    recorders = [Recorder("A", log), Recorder("B", log)]
    # 2 epochs of 3 batches, 2 validation batches
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, validation_data=(x[:16], y[:16]),
              callbacks=recorders)
    out["fit"] = only(log, "A")
    out["fit_two_callbacks_head"] = log[:8]
    out["fit_params"] = recorders[0].params
    out["fit_model_is_model"] = recorders[0].model is model
    out["fit_log_value_types"] = sorted(recorders[0].value_types)

    log.clear()
    model.evaluate(x, y, batch_size=8, verbose=0, callbacks=[Recorder("A", log)])
    out["evaluate"] = list(log)
    log.clear()
    model.predict(x, batch_size=10, verbose=0, callbacks=[Recorder("A", log)])
    out["predict"] = list(log)

    epoch_level = ("on_epoch_end", "on_test_begin", "on_test_end", "on_train_end")
    log.clear()
    model.fit(x, y, batch_size=8, epochs=3, verbose=0, validation_data=(x[:8], y[:8]),
              validation_freq=2, callbacks=[Recorder("A", log)])
    out["validation_freq_2"] = only(log, hooks=epoch_level)
    log.clear()
    model.fit(x, y, batch_size=8, epochs=3, verbose=0, validation_data=(x[:8], y[:8]),
              validation_freq=[1, 3], callbacks=[Recorder("A", log)])
    out["validation_freq_list"] = only(log, hooks=epoch_level)

    steps_level = ("set_params", "on_epoch_begin", "on_train_batch_end", "on_epoch_end")
    log.clear()
    # 6 batches, 4 steps per epoch: the pass over the data continues into the next epoch
    model.fit(x, y, batch_size=4, epochs=3, steps_per_epoch=4, verbose=0,
              callbacks=[Recorder("A", log)])
    out["steps_per_epoch_4_of_6"] = only(log, hooks=steps_level)
    log.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(x, y, batch_size=8, epochs=2, steps_per_epoch=5, verbose=0,
                  callbacks=[Recorder("A", log)])
    out["steps_per_epoch_5_of_3"] = only(log, hooks=steps_level)
    out["steps_per_epoch_5_of_3_warnings"] = sum(
        "ran out of data" in str(w.message) for w in caught)

    log.clear()
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, validation_data=(x[:8], y[:8]),
              callbacks=[Recorder("A", log, stop_at=("on_train_batch_end", 1)),
                         Recorder("B", log)])
    out["stop_in_train_batch_end"] = only(log, "A")
    out["stop_in_train_batch_end_B"] = only(log, "B", ("on_train_batch_begin",
                                                        "on_train_batch_end"))
    log.clear()
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, validation_data=(x[:8], y[:8]),
              callbacks=[Recorder("A", log, stop_at=("on_train_batch_begin", 1))])
    out["stop_in_train_batch_begin"] = list(log)
    log.clear()
    model.fit(x, y, batch_size=8, epochs=3, verbose=0,
              callbacks=[Recorder("A", log, stop_at=("on_epoch_begin", 1))])
    out["stop_in_epoch_begin"] = [e for e in log if e[1] not in ("on_batch_begin",
                                                                  "on_batch_end")]
    log.clear()
    model.fit(x, y, batch_size=8, epochs=3, initial_epoch=1, verbose=0,
              callbacks=[Recorder("A", log)])
    out["initial_epoch_1"] = only(log, hooks=("set_params", "on_epoch_begin", "on_epoch_end"))

    callback_list = keras.callbacks.CallbackList([Recorder("A", [])], add_history=True,
                                                 add_progbar=True, model=model, verbose=1,
                                                 epochs=2, steps=3)
    out["callback_list_order"] = [type(c).__name__ for c in callback_list.callbacks]
    out["model_history_is_the_lists_history"] = model.history is callback_list.callbacks[1]
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    out["fit_returns_model_history"] = history is model.history
    out["history_params"] = history.params
    out["base_callback_params"] = keras.callbacks.Callback().params
    return out


# Made by the command in the module docstring (Keras 3.15.1, torch backend).
KERAS_3_15_1 = {'base_callback_params': None,
 'callback_list_order': ['Recorder', 'History', 'ProgbarLogger'],
 'evaluate': [('A', 'set_model'),
              ('A', 'set_params', {'epochs': 1, 'steps': 3, 'verbose': 0}),
              ('A', 'on_test_begin', ()),
              ('A', 'on_test_batch_begin', 0, ()),
              ('A', 'on_test_batch_end', 0, ('accuracy', 'loss')),
              ('A', 'on_test_batch_begin', 1, ()),
              ('A', 'on_test_batch_end', 1, ('accuracy', 'loss')),
              ('A', 'on_test_batch_begin', 2, ()),
              ('A', 'on_test_batch_end', 2, ('accuracy', 'loss')),
              ('A', 'on_test_end', ('accuracy', 'loss'))],
 'fit': [('A', 'set_model'),
         ('A', 'set_params', {'epochs': 2, 'steps': 3, 'verbose': 0}),
         ('A', 'on_train_begin', ()),
         ('A', 'on_epoch_begin', 0, ()),
         ('A', 'on_train_batch_begin', 0, ()),
         ('A', 'on_batch_begin', 0, ()),
         ('A', 'on_train_batch_end', 0, ('accuracy', 'loss')),
         ('A', 'on_batch_end', 0, ('accuracy', 'loss')),
         ('A', 'on_train_batch_begin', 1, ()),
         ('A', 'on_batch_begin', 1, ()),
         ('A', 'on_train_batch_end', 1, ('accuracy', 'loss')),
         ('A', 'on_batch_end', 1, ('accuracy', 'loss')),
         ('A', 'on_train_batch_begin', 2, ()),
         ('A', 'on_batch_begin', 2, ()),
         ('A', 'on_train_batch_end', 2, ('accuracy', 'loss')),
         ('A', 'on_batch_end', 2, ('accuracy', 'loss')),
         ('A', 'on_test_begin', ()),
         ('A', 'on_test_batch_begin', 0, ()),
         ('A', 'on_test_batch_end', 0, ('accuracy', 'loss')),
         ('A', 'on_test_batch_begin', 1, ()),
         ('A', 'on_test_batch_end', 1, ('accuracy', 'loss')),
         ('A', 'on_test_end', ('accuracy', 'loss')),
         ('A', 'on_epoch_end', 0, ('accuracy', 'loss', 'val_accuracy', 'val_loss')),
         ('A', 'on_epoch_begin', 1, ()),
         ('A', 'on_train_batch_begin', 0, ()),
         ('A', 'on_batch_begin', 0, ()),
         ('A', 'on_train_batch_end', 0, ('accuracy', 'loss')),
         ('A', 'on_batch_end', 0, ('accuracy', 'loss')),
         ('A', 'on_train_batch_begin', 1, ()),
         ('A', 'on_batch_begin', 1, ()),
         ('A', 'on_train_batch_end', 1, ('accuracy', 'loss')),
         ('A', 'on_batch_end', 1, ('accuracy', 'loss')),
         ('A', 'on_train_batch_begin', 2, ()),
         ('A', 'on_batch_begin', 2, ()),
         ('A', 'on_train_batch_end', 2, ('accuracy', 'loss')),
         ('A', 'on_batch_end', 2, ('accuracy', 'loss')),
         ('A', 'on_test_begin', ()),
         ('A', 'on_test_batch_begin', 0, ()),
         ('A', 'on_test_batch_end', 0, ('accuracy', 'loss')),
         ('A', 'on_test_batch_begin', 1, ()),
         ('A', 'on_test_batch_end', 1, ('accuracy', 'loss')),
         ('A', 'on_test_end', ('accuracy', 'loss')),
         ('A', 'on_epoch_end', 1, ('accuracy', 'loss', 'val_accuracy', 'val_loss')),
         ('A', 'on_train_end', ('accuracy', 'loss', 'val_accuracy', 'val_loss'))],
 'fit_log_value_types': ['float'],
 'fit_model_is_model': True,
 'fit_params': {'epochs': 2, 'steps': 3, 'verbose': 0},
 'fit_returns_model_history': True,
 'fit_two_callbacks_head': [('A', 'set_model'),
                            ('B', 'set_model'),
                            ('A', 'set_params', {'epochs': 2, 'steps': 3, 'verbose': 0}),
                            ('B', 'set_params', {'epochs': 2, 'steps': 3, 'verbose': 0}),
                            ('A', 'on_train_begin', ()),
                            ('B', 'on_train_begin', ()),
                            ('A', 'on_epoch_begin', 0, ()),
                            ('B', 'on_epoch_begin', 0, ())],
 'history_params': {'epochs': 1, 'steps': 3, 'verbose': 0},
 'initial_epoch_1': [('A', 'set_params', {'epochs': 3, 'steps': 3, 'verbose': 0}),
                     ('A', 'on_epoch_begin', 1, ()),
                     ('A', 'on_epoch_end', 1, ('accuracy', 'loss')),
                     ('A', 'on_epoch_begin', 2, ()),
                     ('A', 'on_epoch_end', 2, ('accuracy', 'loss'))],
 'model_history_is_the_lists_history': True,
 'predict': [('A', 'set_model'),
             ('A', 'set_params', {'epochs': 1, 'steps': 3, 'verbose': 0}),
             ('A', 'on_predict_begin', ()),
             ('A', 'on_predict_batch_begin', 0, ()),
             ('A', 'on_predict_batch_end', 0, ('outputs',)),
             ('A', 'on_predict_batch_begin', 1, ()),
             ('A', 'on_predict_batch_end', 1, ('outputs',)),
             ('A', 'on_predict_batch_begin', 2, ()),
             ('A', 'on_predict_batch_end', 2, ('outputs',)),
             ('A', 'on_predict_end', ())],
 'steps_per_epoch_4_of_6': [('A', 'set_params', {'epochs': 3, 'steps': 4, 'verbose': 0}),
                            ('A', 'on_epoch_begin', 0, ()),
                            ('A', 'on_train_batch_end', 0, ('accuracy', 'loss')),
                            ('A', 'on_train_batch_end', 1, ('accuracy', 'loss')),
                            ('A', 'on_train_batch_end', 2, ('accuracy', 'loss')),
                            ('A', 'on_train_batch_end', 3, ('accuracy', 'loss')),
                            ('A', 'on_epoch_end', 0, ('accuracy', 'loss')),
                            ('A', 'on_epoch_begin', 1, ()),
                            ('A', 'on_train_batch_end', 0, ('accuracy', 'loss')),
                            ('A', 'on_train_batch_end', 1, ('accuracy', 'loss')),
                            ('A', 'on_epoch_end', 1, ('accuracy', 'loss')),
                            ('A', 'on_epoch_begin', 2, ()),
                            ('A', 'on_train_batch_end', 0, ('accuracy', 'loss')),
                            ('A', 'on_train_batch_end', 1, ('accuracy', 'loss')),
                            ('A', 'on_train_batch_end', 2, ('accuracy', 'loss')),
                            ('A', 'on_train_batch_end', 3, ('accuracy', 'loss')),
                            ('A', 'on_epoch_end', 2, ('accuracy', 'loss'))],
 'steps_per_epoch_5_of_3': [('A', 'set_params', {'epochs': 2, 'steps': 5, 'verbose': 0}),
                            ('A', 'on_epoch_begin', 0, ()),
                            ('A', 'on_train_batch_end', 0, ('accuracy', 'loss')),
                            ('A', 'on_train_batch_end', 1, ('accuracy', 'loss')),
                            ('A', 'on_train_batch_end', 2, ('accuracy', 'loss')),
                            ('A', 'on_epoch_end', 0, ('accuracy', 'loss')),
                            ('A', 'on_epoch_begin', 1, ()),
                            ('A', 'on_train_batch_end', 0, ('accuracy', 'loss')),
                            ('A', 'on_train_batch_end', 1, ('accuracy', 'loss')),
                            ('A', 'on_train_batch_end', 2, ('accuracy', 'loss')),
                            ('A', 'on_epoch_end', 1, ('accuracy', 'loss'))],
 'steps_per_epoch_5_of_3_warnings': 2,
 'stop_in_epoch_begin': [('A', 'set_model'),
                         ('A', 'set_params', {'epochs': 3, 'steps': 3, 'verbose': 0}),
                         ('A', 'on_train_begin', ()),
                         ('A', 'on_epoch_begin', 0, ()),
                         ('A', 'on_train_batch_begin', 0, ()),
                         ('A', 'on_train_batch_end', 0, ('accuracy', 'loss')),
                         ('A', 'on_train_batch_begin', 1, ()),
                         ('A', 'on_train_batch_end', 1, ('accuracy', 'loss')),
                         ('A', 'on_train_batch_begin', 2, ()),
                         ('A', 'on_train_batch_end', 2, ('accuracy', 'loss')),
                         ('A', 'on_epoch_end', 0, ('accuracy', 'loss')),
                         ('A', 'on_epoch_begin', 1, ()),
                         ('A', 'on_train_batch_begin', 0, ()),
                         ('A', 'on_train_batch_end', 0, ('accuracy', 'loss')),
                         ('A', 'on_epoch_end', 1, ('accuracy', 'loss')),
                         ('A', 'on_train_end', ('accuracy', 'loss'))],
 'stop_in_train_batch_begin': [('A', 'set_model'),
                               ('A', 'set_params', {'epochs': 2, 'steps': 3, 'verbose': 0}),
                               ('A', 'on_train_begin', ()),
                               ('A', 'on_epoch_begin', 0, ()),
                               ('A', 'on_train_batch_begin', 0, ()),
                               ('A', 'on_batch_begin', 0, ()),
                               ('A', 'on_train_batch_end', 0, ('accuracy', 'loss')),
                               ('A', 'on_batch_end', 0, ('accuracy', 'loss')),
                               ('A', 'on_train_batch_begin', 1, ()),
                               ('A', 'on_batch_begin', 1, ()),
                               ('A', 'on_train_batch_end', 1, ('accuracy', 'loss')),
                               ('A', 'on_batch_end', 1, ('accuracy', 'loss')),
                               ('A', 'on_test_begin', ()),
                               ('A', 'on_test_batch_begin', 0, ()),
                               ('A', 'on_test_batch_end', 0, ('accuracy', 'loss')),
                               ('A', 'on_test_end', ('accuracy', 'loss')),
                               ('A',
                                'on_epoch_end',
                                0,
                                ('accuracy', 'loss', 'val_accuracy', 'val_loss')),
                               ('A',
                                'on_train_end',
                                ('accuracy', 'loss', 'val_accuracy', 'val_loss'))],
 'stop_in_train_batch_end': [('A', 'set_model'),
                             ('A', 'set_params', {'epochs': 2, 'steps': 3, 'verbose': 0}),
                             ('A', 'on_train_begin', ()),
                             ('A', 'on_epoch_begin', 0, ()),
                             ('A', 'on_train_batch_begin', 0, ()),
                             ('A', 'on_batch_begin', 0, ()),
                             ('A', 'on_train_batch_end', 0, ('accuracy', 'loss')),
                             ('A', 'on_batch_end', 0, ('accuracy', 'loss')),
                             ('A', 'on_train_batch_begin', 1, ()),
                             ('A', 'on_batch_begin', 1, ()),
                             ('A', 'on_train_batch_end', 1, ('accuracy', 'loss')),
                             ('A', 'on_batch_end', 1, ('accuracy', 'loss')),
                             ('A', 'on_test_begin', ()),
                             ('A', 'on_test_batch_begin', 0, ()),
                             ('A', 'on_test_batch_end', 0, ('accuracy', 'loss')),
                             ('A', 'on_test_end', ('accuracy', 'loss')),
                             ('A',
                              'on_epoch_end',
                              0,
                              ('accuracy', 'loss', 'val_accuracy', 'val_loss')),
                             ('A',
                              'on_train_end',
                              ('accuracy', 'loss', 'val_accuracy', 'val_loss'))],
 'stop_in_train_batch_end_B': [('B', 'on_train_batch_begin', 0, ()),
                               ('B', 'on_train_batch_end', 0, ('accuracy', 'loss')),
                               ('B', 'on_train_batch_begin', 1, ()),
                               ('B', 'on_train_batch_end', 1, ('accuracy', 'loss'))],
 'validation_freq_2': [('A', 'on_epoch_end', 0, ('accuracy', 'loss')),
                       ('A', 'on_test_begin', ()),
                       ('A', 'on_test_end', ('accuracy', 'loss')),
                       ('A', 'on_epoch_end', 1, ('accuracy', 'loss', 'val_accuracy', 'val_loss')),
                       ('A', 'on_epoch_end', 2, ('accuracy', 'loss')),
                       ('A', 'on_train_end', ('accuracy', 'loss'))],
 'validation_freq_list': [('A', 'on_test_begin', ()),
                          ('A', 'on_test_end', ('accuracy', 'loss')),
                          ('A',
                           'on_epoch_end',
                           0,
                           ('accuracy', 'loss', 'val_accuracy', 'val_loss')),
                          ('A', 'on_epoch_end', 1, ('accuracy', 'loss')),
                          ('A', 'on_test_begin', ()),
                          ('A', 'on_test_end', ('accuracy', 'loss')),
                          ('A',
                           'on_epoch_end',
                           2,
                           ('accuracy', 'loss', 'val_accuracy', 'val_loss')),
                          ('A', 'on_train_end', ('accuracy', 'loss', 'val_accuracy', 'val_loss'))]}


@pytest.mark.parametrize("scenario", sorted(KERAS_3_15_1))
def test_hooks_are_called_as_keras_calls_them(scenario, minikeras_scenarios):
    assert minikeras_scenarios[scenario] == KERAS_3_15_1[scenario]


@pytest.fixture(scope="module")
def minikeras_scenarios():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return record_scenarios(minikeras)


def test_minikeras_records_every_scenario(minikeras_scenarios):
    assert sorted(minikeras_scenarios) == sorted(KERAS_3_15_1)


# -- small models for the rest ----------------------------------------------------------------
def make_model(optimizer="sgd"):
    minikeras.utils.set_random_seed(0)
    model = minikeras.Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


RNG = np.random.default_rng(0)
X = RNG.standard_normal((24, 4)).astype("float32")
Y = RNG.integers(0, 3, 24)


def test_callback_list_flattens_and_pythonifies_logs():
    seen = []

    class Keep(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(logs)
            logs["learning_rate"] = 0.5  # visible to the callbacks after this one

    first, second = Keep(), Keep()
    callback_list = callbacks.CallbackList([[first], (second,)])
    assert callback_list.callbacks == [first, second]
    callback_list.on_epoch_end(0, {"loss": np.float32(0.5), "b": {"acc": np.array(1.0)}})
    assert list(seen[0]) == ["acc", "loss", "learning_rate"] and seen[0] is seen[1]
    assert type(seen[0]["loss"]) is float and type(seen[0]["acc"]) is float
    seen.clear()
    callback_list.on_epoch_end(1)
    assert seen[0] == {"learning_rate": 0.5}  # None became a fresh dict
    with pytest.raises(TypeError, match="Callback instances"):
        callbacks.CallbackList([object()])


def test_a_given_callback_list_is_used_as_is():
    model = make_model()
    callback_list = callbacks.CallbackList([], model=model, verbose=0, epochs=1, steps=3)
    model.fit(X, Y, batch_size=8, epochs=1, verbose=1, callbacks=callback_list)
    assert callback_list.callbacks == []  # no History, no ProgbarLogger added


def test_stop_evaluating_and_stop_predicting():
    model = make_model()

    class Stop(callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.batches = []

        def on_test_batch_end(self, batch, logs=None):
            self.batches.append(batch)
            self.model.stop_evaluating = True

        def on_predict_batch_end(self, batch, logs=None):
            self.batches.append(batch)
            self.model.stop_predicting = True

    stop = Stop()
    model.evaluate(X, Y, batch_size=8, verbose=0, callbacks=[stop])
    assert stop.batches == [0]
    assert model.predict(X, batch_size=8, verbose=0, callbacks=[stop]).shape == (8, 3)


def test_validation_freq_must_be_int_or_list():
    model = make_model()
    with pytest.raises(ValueError, match="list or int"):
        model.fit(X, Y, epochs=1, verbose=0, validation_data=(X, Y), validation_freq=(1, 2))


def test_steps_per_epoch_continues_the_pass_and_warns_when_it_runs_out():
    model = make_model()
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model.fit(X, Y, batch_size=4, epochs=3, steps_per_epoch=4, verbose=0)
    assert history.params == {"verbose": 0, "epochs": 3, "steps": 4}


# -- ProgbarLogger ----------------------------------------------------------------------------
def test_verbose_2_prints_one_line_per_epoch_evaluate_and_predict(capsys):
    model = make_model()
    model.fit(X, Y, batch_size=8, epochs=2, verbose=2, validation_data=(X[:8], Y[:8]))
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" - ")[0] for line in lines] == ["Epoch 1/2", "3/3", "Epoch 2/2", "3/3"]
    assert lines[1].endswith("val_loss: " + lines[1].rsplit("val_loss: ", 1)[1])
    assert [part.split(":")[0] for part in lines[1].split(" - ")[3:]] == \
        ["accuracy", "loss", "val_accuracy", "val_loss"]
    model.fit(X, Y, batch_size=8, epochs=1, verbose=2)
    assert capsys.readouterr().out.startswith("3/3 - ")  # no "Epoch 1/1" line, as in Keras
    model.evaluate(X, Y, batch_size=8, verbose=2)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("3/3 - ") and "loss: " in out
    model.predict(X, batch_size=8, verbose=2)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and out.startswith("3/3 - ") and "loss" not in out


def test_verbose_0_is_silent_and_adds_no_progbar(capsys):
    model = make_model()
    history = model.fit(X, Y, batch_size=8, epochs=2, verbose=0, validation_data=(X, Y))
    model.evaluate(X, Y, verbose=0)
    model.predict(X, verbose=0)
    assert capsys.readouterr().out == ""
    assert history.params["verbose"] == 0


def test_verbose_1_bar_is_redrawn_on_a_timer_not_every_batch(capsys):
    model = make_model()
    x, y = np.repeat(X, 20, axis=0), np.repeat(Y, 20)  # 480 steps of one sample
    model.fit(x, y, batch_size=1, epochs=1, verbose=1)
    out = capsys.readouterr().out
    draws = out.count("\r")
    assert 1 <= draws < 60, draws
    assert out.rstrip().split("\r")[-1].startswith("480/480 ")
    assert out.endswith("\n") and "loss: " in out


def test_progbar_uses_the_params_it_is_given():
    progbar = callbacks.ProgbarLogger()
    progbar.set_params({"verbose": "auto", "epochs": 3, "steps": 7})
    assert (progbar.verbose, progbar.epochs, progbar.target) == (1, 3, 7)


# -- SwapEMAWeights ---------------------------------------------------------------------------
def ema_model():
    return make_model(optimizers.SGD(0.5, use_ema=True, ema_momentum=0.9))


def snapshot(variables):
    return [np.array(v.data, copy=True) for v in variables]


class Probe(callbacks.Callback):
    """Records the model's trainable weights (and the optimizer's averages) at some hooks."""

    def __init__(self, hooks):
        super().__init__()
        self.records = []
        for hook in hooks:
            setattr(self, hook, self._recorder(hook))

    def _recorder(self, hook):
        def record(*args, **kwargs):
            optimizer = self.model.optimizer
            self.records.append((hook, snapshot(self.model.trainable_weights),
                                 snapshot(optimizer._ema_averages)))
        return record


def test_swap_ema_weights_validates_with_the_averages_and_swaps_back():
    model = ema_model()
    before = Probe(["on_test_begin", "on_test_end"])
    after = Probe(["on_test_begin", "on_test_end", "on_epoch_end"])
    history = model.fit(X, Y, batch_size=8, epochs=2, verbose=0, validation_data=(X, Y),
                        callbacks=[before, SwapEMAWeights(), after])
    for epoch in range(2):
        (_, raw, averages), (_, raw_end, _) = before.records[2 * epoch:2 * epoch + 2]
        (_, inside, _), (_, inside_end, _), (_, at_epoch_end, _) = \
            after.records[3 * epoch:3 * epoch + 3]
        assert all(np.array_equal(a, b) for a, b in zip(inside, averages))  # EMA during validation
        assert all(np.array_equal(a, b) for a, b in zip(inside_end, raw))  # swapped back
        assert all(np.array_equal(a, b) for a, b in zip(raw_end, averages))  # not yet back
        assert all(np.array_equal(a, b) for a, b in zip(at_epoch_end, raw))  # raw again after
        assert not all(np.array_equal(a, b) for a, b in zip(raw, averages))
    # val_loss is the loss of the EMA weights
    check = make_model()
    check.set_weights(before.records[-2][2])
    assert history.history["val_loss"][-1] == pytest.approx(check.evaluate(X, Y, verbose=0)[0],
                                                            rel=1e-6)


def test_fit_ends_with_the_ema_weights_like_keras():
    model = ema_model()
    model.fit(X, Y, batch_size=8, epochs=2, verbose=0)
    averages = snapshot(model.optimizer._ema_averages)
    assert all(np.array_equal(a, b) for a, b in zip(snapshot(model.trainable_weights), averages))


def test_swap_on_epoch_puts_the_averages_in_the_model_for_later_callbacks():
    model = ema_model()
    before = Probe(["on_epoch_end"])
    after = Probe(["on_epoch_end", "on_train_batch_begin"])
    model.fit(X, Y, batch_size=8, epochs=2, verbose=0,
              callbacks=[before, SwapEMAWeights(swap_on_epoch=True), after])
    at_end = [r for r in after.records if r[0] == "on_epoch_end"]
    begins = [r for r in after.records if r[0] == "on_train_batch_begin"]
    raw, averages = before.records[0][1], before.records[0][2]
    assert all(np.array_equal(a, b) for a, b in zip(at_end[0][1], averages))
    assert all(np.array_equal(a, b) for a, b in zip(begins[3][1], raw))  # epoch 2 trains on raw
    final = snapshot(model.trainable_weights)
    assert all(np.array_equal(a, b) for a, b in zip(final, at_end[1][1]))


def test_swap_ema_weights_predict_and_evaluate_leave_the_weights_as_they_were():
    model = ema_model()
    model.fit(X, Y, batch_size=8, epochs=1, verbose=0)
    model.train_on_batch(X[:8], Y[:8])  # raw weights now differ from the averages
    raw = snapshot(model.trainable_weights)
    averages = snapshot(model.optimizer._ema_averages)
    predictions = model.predict(X, verbose=0, callbacks=[SwapEMAWeights()])
    model.evaluate(X, Y, verbose=0, callbacks=[SwapEMAWeights()])
    assert all(np.array_equal(a, b) for a, b in zip(snapshot(model.trainable_weights), raw))
    check = make_model()
    check.set_weights(averages)
    np.testing.assert_array_equal(predictions, check.predict(X, verbose=0))


def test_swap_ema_weights_needs_use_ema():
    model = make_model()
    with pytest.raises(ValueError, match="use_ema=True` is set on the optimizer. Received: "
                                         "use_ema=False"):
        model.evaluate(X, Y, verbose=0, callbacks=[SwapEMAWeights()])
