"""compile / fit / evaluate / predict / *_on_batch against numbers produced by Keras 3.15.1.

The reference values below were produced by the same model in Keras 3 (torch backend) with the
same fixed weights and data; minikeras must reproduce them to float32 precision.
"""
import numpy as np

import minikeras
from minikeras import layers, optimizers, regularizers

X = np.array([[1.764052391052246, 0.40015721321105957, 0.978738009929657, 2.2408931255340576],
              [1.8675580024719238, -0.9772778749465942, 0.9500884413719177, -0.15135720372200012],
              [-0.10321885347366333, 0.4105985164642334, 0.14404356479644775, 1.4542734622955322],
              [0.7610377073287964, 0.12167501449584961, 0.44386324286460876, 0.3336743414402008],
              [1.4940791130065918, -0.2051582634449005, 0.3130677044391632, -0.8540957570075989],
              [-2.5529897212982178, 0.653618574142456, 0.8644362092018127, -0.7421650290489197]],
             dtype="float32")
Y = np.array([0, 1, 1, 0, 1, 0])
W1 = np.array([[1.134877324104309, -0.7271828651428223, 0.022879257798194885],
               [-0.09359192848205566, 0.7663896083831787, 0.7346794009208679],
               [0.0774737149477005, 0.18908126652240753, -0.44389286637306213],
               [-0.9903982281684875, -0.17395608127117157, 0.07817448675632477]], dtype="float32")
B1 = np.array([0.12302906811237335, 0.12023798376321793, -0.038732681423425674], dtype="float32")
W2 = np.array([[-0.1511513739824295, -0.5242764949798584], [-0.710008978843689, -0.8531351089477539],
               [0.975387692451477, -0.2548260986804962]], dtype="float32")
B2 = np.array([-0.04380742833018303, -0.1252795308828354], dtype="float32")
SAMPLE_WEIGHT = np.array([1, 2, 1, 0.5, 1, 1.0])


def make_model(optimizer, l2=0.01):
    model = minikeras.Sequential([
        layers.Input((4,)),
        layers.Dense(3, activation="relu",
                     kernel_regularizer=regularizers.L2(l2) if l2 else None),
        layers.Dense(2, activation="softmax"),
    ])
    model.set_weights([W1, B1, W2, B2])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def assert_weights(model, expected):
    for got, want in zip(model.get_weights(), expected):
        np.testing.assert_allclose(got, np.array(want, dtype="float32"), rtol=1e-5, atol=1e-6)


def test_train_on_batch_sgd_matches_keras():
    model = make_model(optimizers.SGD(0.1))
    np.testing.assert_allclose(model.train_on_batch(X, Y), [0.9339935779571533, 0.5], rtol=1e-5)
    np.testing.assert_allclose(model.train_on_batch(X, Y, sample_weight=SAMPLE_WEIGHT),
                               [0.9828214645385742, 0.5], rtol=1e-5)
    assert_weights(model, [
        [[1.1028603315353394, -0.728983998298645, 0.0589706115424633],
         [-0.0813174694776535, 0.763279378414154, 0.728943407535553],
         [0.06672581285238266, 0.18956370651721954, -0.4271498918533325],
         [-0.9773387312889099, -0.17946948111057281, 0.08361487090587616]],
        [0.10889241099357605, 0.11895141750574112, -0.04507507383823395],
        [[-0.29483890533447266, -0.38058894872665405], [-0.6810681223869324, -0.8820759654045105],
         [0.9698686003684998, -0.24930702149868011]],
        [-0.08394882827997208, -0.08513814210891724]])
    np.testing.assert_allclose(model.evaluate(X, Y, verbose=0, batch_size=4),
                               [0.7558373808860779, 0.5], rtol=1e-5)
    np.testing.assert_allclose(model.predict(X, verbose=0)[:2],
                               [[0.5367901921272278, 0.46320977807044983],
                                [0.5528216361999512, 0.44717833399772644]], rtol=1e-5)


def test_train_on_batch_adam_matches_keras():
    model = make_model(optimizers.Adam(0.01))
    model.train_on_batch(X, Y)
    np.testing.assert_allclose(model.train_on_batch(X, Y, sample_weight=SAMPLE_WEIGHT),
                               [1.073991298675537, 0.5], rtol=1e-5)
    assert_weights(model, [
        [[1.1149650812149048, -0.7471573352813721, 0.04287002980709076],
         [-0.07373031973838806, 0.7463946342468262, 0.7146857380867004],
         [0.05774987116456032, 0.20905980467796326, -0.42390212416648865],
         [-0.9704059362411499, -0.19396677613258362, 0.09815282374620438]],
        [0.10323652625083923, 0.10023581981658936, -0.058726273477077484],
        [[-0.17106178402900696, -0.5043660998344421], [-0.6900091171264648, -0.873134970664978],
         [0.955430805683136, -0.23486921191215515]],
        [-0.06342258304357529, -0.10566437244415283]])


def test_fit_history_matches_keras():
    """Epoch loss = batch-size-weighted mean of batch losses; validation split takes the tail."""
    model = make_model(optimizers.SGD(0.1), l2=0)
    history = model.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0, validation_split=0.34)
    expected = {"accuracy": [0.3333333432674408, 0.3333333432674408],
                "loss": [0.9826853275299072, 0.8699004054069519],
                "val_accuracy": [0.6666666865348816, 0.6666666865348816],
                "val_loss": [0.7384085655212402, 0.6976511478424072]}
    assert sorted(history.history) == sorted(expected)
    for key, values in expected.items():
        np.testing.assert_allclose(history.history[key], values, rtol=1e-5)
    assert history.epoch == [0, 1]
    assert_weights(model, [
        [[1.1076552867889404, -0.7266016006469727, 0.0947447344660759],
         [-0.07934685796499252, 0.7640772461891174, 0.7291840314865112],
         [0.06362495571374893, 0.18827006220817566, -0.41413065791130066],
         [-0.9881920218467712, -0.1821460872888565, 0.08984296768903732]],
        [0.10845278948545456, 0.11460630595684052, -0.05115531384944916],
        [[-0.2686064541339874, -0.40682142972946167], [-0.7214680314064026, -0.8416760563850403],
         [0.9650881886482239, -0.24452653527259827]],
        [-0.10037842392921448, -0.06870854645967484]])


def test_gradient_descent_variants_all_reduce_the_loss():
    """Batch (batch_size=n), mini-batch (32) and stochastic (1) gradient descent."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int64")
    for batch_size in (64, 32, 1):
        minikeras.utils.set_random_seed(1)
        model = minikeras.Sequential([layers.Input((4,)), layers.Dense(8, activation="relu"),
                                      layers.Dense(2, activation="softmax")])
        model.compile(optimizer=optimizers.SGD(0.1), loss="sparse_categorical_crossentropy")
        history = model.fit(x, y, batch_size=batch_size, epochs=5, verbose=0)
        assert history.history["loss"][-1] < history.history["loss"][0]


def test_fit_is_bit_reproducible_with_set_random_seed():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 6)).astype("float32")
    y = rng.integers(0, 3, size=50)

    def run():
        minikeras.utils.set_random_seed(42)
        model = minikeras.Sequential([layers.Input((6,)), layers.Dense(16, activation="relu"),
                                      layers.Dropout(0.5), layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x, y, batch_size=8, epochs=3, verbose=0)
        return model.get_weights()

    for a, b in zip(run(), run()):
        np.testing.assert_array_equal(a, b)


def test_float32_end_to_end():
    model = make_model(optimizers.Adam(0.01))
    model.fit(X.astype("float64"), Y, epochs=1, verbose=0)
    assert all(w.dtype == np.float32 for w in model.get_weights())
    assert model.predict(X.astype("float64"), verbose=0).dtype == np.float32


def test_evaluate_return_dict_and_scalar_without_metrics():
    model = make_model(optimizers.SGD(0.1), l2=0)
    logs = model.evaluate(X, Y, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "accuracy"}
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    assert isinstance(model.evaluate(X, Y, verbose=0), float)


def test_class_weight_scales_the_loss():
    model = make_model(optimizers.SGD(0.0), l2=0)
    plain = model.train_on_batch(X, Y)[0]
    doubled = model.train_on_batch(X, Y, class_weight={0: 2.0, 1: 2.0})[0]
    np.testing.assert_allclose(doubled, 2 * plain, rtol=1e-6)


def test_one_hot_targets_with_categorical_crossentropy_and_accuracy():
    model = minikeras.Sequential([layers.Input((4,)), layers.Dense(3, activation="relu"),
                                  layers.Dense(2, activation="softmax")])
    model.set_weights([W1, B1, W2, B2])
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    loss, accuracy = model.evaluate(X, np.eye(2)[Y], verbose=0)
    sparse = make_model(optimizers.SGD(0.0), l2=0).evaluate(X, Y, verbose=0)
    np.testing.assert_allclose([loss, accuracy], sparse, rtol=1e-6)
    # Keras 3 lists the compiled metrics as one entry, "compile_metrics", holding the metrics.
    assert [m.name for m in model.metrics] == ["loss", "compile_metrics"]
    assert [type(m).__name__ for m in model.metrics[1].metrics] == ["CategoricalAccuracy"]


def test_stop_training_is_honoured():
    class StopAfterTwoBatches(minikeras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_training = True

    model = make_model(optimizers.SGD(0.1))
    history = model.fit(X, Y, batch_size=2, epochs=5, verbose=0, callbacks=[StopAfterTwoBatches()])
    assert history.epoch == [0]


def test_initial_epoch_and_validation_data():
    model = make_model(optimizers.SGD(0.1))
    history = model.fit(X, Y, epochs=3, initial_epoch=1, verbose=0, validation_data=(X, Y))
    assert history.epoch == [1, 2]
    assert len(history.history["val_loss"]) == 2


def test_verbose_modes_print_keras_style(capsys):
    model = make_model(optimizers.SGD(0.1))
    model.fit(X, Y, batch_size=2, epochs=2, verbose=2)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    assert "3/3 - " in out and "loss: " in out and "accuracy: " in out
    model.fit(X, Y, batch_size=2, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""
    model.fit(X, Y, batch_size=2, epochs=1, verbose=1)
    out = capsys.readouterr().out
    # Keras 3 prints "Epoch i/N" only when N > 1 (verified on 3.15.1).
    assert "Epoch" not in out and "3/3" in out


def test_nan_inputs_are_not_silently_fixed():
    model = make_model(optimizers.SGD(0.1))
    x = X.copy()
    x[0, 0] = np.nan
    assert np.isnan(model.predict(x, verbose=0)[0]).all()
    assert np.isnan(model.evaluate(x, Y, verbose=0)[0])


def test_crossentropy_and_acc_strings_are_resolved_from_shapes():
    model = minikeras.Sequential([layers.Input((4,)), layers.Dense(3, activation="relu"),
                                  layers.Dense(2, activation="softmax")])
    model.set_weights([W1, B1, W2, B2])
    model.compile(optimizer="sgd", loss="crossentropy", metrics=["ACC"])
    logs = model.evaluate(X, Y, verbose=0, return_dict=True)
    assert set(logs) == {"loss", "ACC"}
    assert [type(f).__name__ for f in model._compile_loss.losses] == ["SparseCategoricalCrossentropy"]
    expected = make_model(optimizers.SGD(0.0), l2=0).evaluate(X, Y, verbose=0)
    np.testing.assert_allclose([logs["loss"], logs["ACC"]], expected, rtol=1e-6)
