"""A subclassed Model with a custom layer and a custom train_step, on the bundled MNIST digits.

    python examples/subclassed_model.py            # 5 epochs, a few seconds
    python examples/subclassed_model.py --epochs 2
    python examples/subclassed_model.py --full     # all 70,000 MNIST digits (downloaded once)

Data: the real MNIST digits bundled with minikeras (8,000 to train, 2,000 to test), flattened
to 784 numbers in [0, 1].

`CosineClassifier` is a custom layer: its score for class k is
    scale * cos(angle between the input x and the class's weight vector w_k)
with a (features, classes) kernel and a learnable `scale` (starting at 10, so that the
softmax of scores in [-10, 10] can be confident), both made by `add_weight` in `build`. `call` writes the formula with `minikeras.ops` (matmul, sqrt, sum, ...): autodiff
records those ops, so the layer needs no hand-written gradient.

`DigitClassifier` subclasses `Model`: its layers are attributes, `call` is the forward pass
(Dense(256, relu) -> Dropout(0.2) -> CosineClassifier(10) -> softmax), and `train_step` writes
out one step of training: the forward pass under a `GradientTape`, `compute_loss`, the
gradients, `optimizer.apply`, and the model's own loss and accuracy trackers. `fit` still does
the batching, shuffling, validation and progress bar. `test_step` does the same without the
update, for `evaluate` and the validation data.

Prints the test accuracy (about 0.95 after 5 epochs) and the learned scale.

The bundled sample (`mnist.load_sample()`, 8,000 / 2,000 real digits) is the offline default:
no network needed. `--full` uses the whole MNIST instead (`mnist.load_data()`: Keras's
mnist.npz, 60,000 / 10,000 digits, downloaded once into ~/.minikeras/datasets/, or
$MINIKERAS_HOME/datasets/).
"""
import argparse

import minikeras
from minikeras import layers, ops


class CosineClassifier(layers.Layer):
    """scale * cosine similarity between the inputs and one learned vector per class."""

    def __init__(self, units, initial_scale=10.0, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.initial_scale = initial_scale

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                      initializer="glorot_uniform", name="kernel")
        self.scale = self.add_weight(shape=(), name="scale",
                                     initializer=minikeras.initializers.Constant(self.initial_scale))

    def call(self, inputs):
        epsilon = 1e-7   # keeps the division finite for an all-zero input
        input_norms = ops.sqrt(ops.sum(ops.square(inputs), axis=-1, keepdims=True) + epsilon)
        kernel_norms = ops.sqrt(ops.sum(ops.square(self.kernel), axis=0, keepdims=True) + epsilon)
        cosines = ops.matmul(inputs, self.kernel) / (input_norms * kernel_norms)
        return self.scale * cosines

    def get_config(self):
        return {**super().get_config(), "units": self.units, "initial_scale": self.initial_scale}


class DigitClassifier(minikeras.Model):
    def __init__(self, hidden_units=256, **kwargs):
        super().__init__(**kwargs)
        self.hidden = layers.Dense(hidden_units, activation="relu")
        self.dropout = layers.Dropout(0.2)
        self.classifier = CosineClassifier(10)
        self.loss_tracker = minikeras.metrics.Mean(name="loss")
        self.accuracy = minikeras.metrics.SparseCategoricalAccuracy(name="accuracy")

    def call(self, inputs, training=None):
        x = self.hidden(inputs)
        x = self.dropout(x, training=training)
        return ops.softmax(self.classifier(x))

    @property
    def metrics(self):
        # Listed here so that fit and evaluate reset them at the start of every epoch.
        return [self.loss_tracker, self.accuracy]

    def train_step(self, data):
        x, y, sample_weight = minikeras.utils.unpack_x_y_sample_weight(data)
        with minikeras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(grads, self.trainable_variables)
        self.loss_tracker.update_state(loss)
        self.accuracy.update_state(y, y_pred, sample_weight=sample_weight)
        return {metric.name: metric.result() for metric in self.metrics}

    def test_step(self, data):
        x, y, sample_weight = minikeras.utils.unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
        self.loss_tracker.update_state(loss)
        self.accuracy.update_state(y, y_pred, sample_weight=sample_weight)
        return {metric.name: metric.result() for metric in self.metrics}


def load_data(full=False):
    (x_train, y_train), (x_test, y_test) = (
        minikeras.datasets.mnist.load_data() if full else minikeras.datasets.mnist.load_sample())
    x_train = x_train.reshape(-1, 784).astype("float32") / 255
    x_test = x_test.reshape(-1, 784).astype("float32") / 255
    return (x_train, y_train), (x_test, y_test)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=1337)
    parser.add_argument("--verbose", type=int, default=1)
    parser.add_argument("--full", action="store_true",
                        help="use the full MNIST (mnist.load_data(), downloaded once) "
                             "instead of the bundled offline sample")
    args = parser.parse_args(argv)

    minikeras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = load_data(args.full)
    print(f"{len(x_train)} train samples, {len(x_test)} test samples")

    model = DigitClassifier()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
              verbose=args.verbose, validation_data=(x_test, y_test))
    model.summary()
    results = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
    print(f"Learned scale: {float(model.classifier.scale.numpy()):.2f}")
    print(f"Test loss: {results['loss']:.4f}")
    print(f"Test accuracy: {results['accuracy']:.4f}")
    return results["accuracy"]


if __name__ == "__main__":
    main()
