"""Keras-io's "Timeseries classification from scratch", run unchanged on minikeras.

    python examples/timeseries_classification.py              # 500 epochs max (early stopping)
    python examples/timeseries_classification.py --epochs 10

The model, callbacks, training and evaluation are the code of the keras.io guide
(keras.io/examples/timeseries/timeseries_classification_from_scratch) with two changes only:
`import minikeras as keras`, and the data. The guide downloads FordA (engine-noise series of
500 steps, two classes); here `make_data` generates two clearly synthetic classes of noisy
series of the same shape (n, 500, 1), so nothing is downloaded: class 0 a sine wave, class 1
a square wave, each with a random period, phase and amplitude plus Gaussian noise,
z-normalized per series as FordA is.

Fully convolutional network: 3 x [Conv1D(64, 3, "same") -> BatchNormalization -> ReLU] ->
GlobalAveragePooling1D -> Dense(num_classes, softmax). The best model by validation loss is
saved to best_model.keras (ModelCheckpoint), reloaded with `keras.models.load_model` and
evaluated on the test series.

Keras 3.15.1 (torch) runs this file with `import keras` instead to the same curve
(--epochs 6 --train-size 400 --test-size 200 --batch-size 16: val_loss 0.66, 0.55, 0.59, 1.12,
1.82, 2.43, the checkpoint from epoch 2; minikeras 0.66, 0.52, 0.59, 1.16, 1.92, 2.43). The
rising validation loss while the training accuracy reaches 1.0 is the guide's own early-epoch
behaviour (BatchNormalization's moving statistics lag the training batches); the checkpoint
keeps the best model.
"""
import argparse

import numpy as np

import minikeras as keras

LENGTH = 500  # FordA's series length


def make_data(n, seed=0, length=LENGTH, noise=0.3):
    """x: (n, length) float32 series, z-normalized per series; y: (n,) int labels in {0, 1}
    (0 sine wave, 1 square wave, balanced)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    rng.shuffle(y)
    t = np.arange(length)[None, :]
    period = rng.uniform(40, 120, size=(n, 1))
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    amplitude = rng.uniform(0.5, 1.5, size=(n, 1))
    wave = np.sin(2 * np.pi * t / period + phase)
    x = amplitude * np.where(y[:, None] == 1, np.sign(wave), wave)
    x = x + rng.normal(0, noise, size=x.shape)
    x = (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)
    return x.astype("float32"), y


def make_model(input_shape, num_classes=2):
    input_layer = keras.layers.Input(input_shape)

    conv1 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(input_layer)
    conv1 = keras.layers.BatchNormalization()(conv1)
    conv1 = keras.layers.ReLU()(conv1)

    conv2 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(conv1)
    conv2 = keras.layers.BatchNormalization()(conv2)
    conv2 = keras.layers.ReLU()(conv2)

    conv3 = keras.layers.Conv1D(filters=64, kernel_size=3, padding="same")(conv2)
    conv3 = keras.layers.BatchNormalization()(conv3)
    conv3 = keras.layers.ReLU()(conv3)

    gap = keras.layers.GlobalAveragePooling1D()(conv3)

    output_layer = keras.layers.Dense(num_classes, activation="softmax")(gap)

    return keras.models.Model(inputs=input_layer, outputs=output_layer)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--train-size", type=int, default=3601)  # FordA's sizes
    parser.add_argument("--test-size", type=int, default=1320)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--verbose", type=int, default=1)
    args = parser.parse_args(argv)
    keras.utils.set_random_seed(args.seed)

    # The data (the guide reads FordA_TRAIN.tsv / FordA_TEST.tsv here).
    x_train, y_train = make_data(args.train_size, seed=args.seed)
    x_test, y_test = make_data(args.test_size, seed=args.seed + 1)

    # From here on, the guide's code.
    x_train = x_train.reshape((x_train.shape[0], x_train.shape[1], 1))
    x_test = x_test.reshape((x_test.shape[0], x_test.shape[1], 1))

    num_classes = len(np.unique(y_train))

    idx = np.random.permutation(len(x_train))
    x_train = x_train[idx]
    y_train = y_train[idx]

    model = make_model(input_shape=x_train.shape[1:], num_classes=num_classes)

    epochs = args.epochs
    batch_size = args.batch_size

    callbacks = [
        keras.callbacks.ModelCheckpoint(
            "best_model.keras", save_best_only=True, monitor="val_loss"
        ),
        keras.callbacks.ReduceLROnPlateau(
            monitor="val_loss", factor=0.5, patience=20, min_lr=0.0001
        ),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=50, verbose=1),
    ]
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["sparse_categorical_accuracy"],
    )
    history = model.fit(
        x_train,
        y_train,
        batch_size=batch_size,
        epochs=epochs,
        callbacks=callbacks,
        validation_split=0.2,
        verbose=args.verbose,
    )

    model = keras.models.load_model("best_model.keras")

    test_loss, test_acc = model.evaluate(x_test, y_test, verbose=args.verbose)

    print("Test accuracy", test_acc)
    print("Test loss", test_loss)
    return test_acc, history


if __name__ == "__main__":
    main()
