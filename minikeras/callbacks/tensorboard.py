"""`TensorBoard`: log metrics, weight histograms and the model's graph as TensorBoard events."""
import os
import time
import warnings

import numpy as np

from minikeras.backend.config import image_data_format
from minikeras.callbacks.callback import Callback
from minikeras.callbacks.tensorboard_events import (EventFileWriter, image_value,
                                                    text_tensor_value)

EMBEDDING_TENSOR_NAME = "layer_with_weights-0/embeddings/.ATTRIBUTES/VARIABLE_VALUE"


class TensorBoard(Callback):
    """Write TensorBoard event files during `fit` / `evaluate`, with Keras 3's tags and layout.

        tensorboard = callbacks.TensorBoard(log_dir="./logs", histogram_freq=1)
        model.fit(x, y, validation_split=0.2, epochs=5, callbacks=[tensorboard])
        # then: tensorboard --logdir ./logs

    The event files are written by minikeras itself (TFRecord-framed protobuf, see
    `minikeras.callbacks.tensorboard_events`): neither TensorFlow nor tensorboardX is needed to
    write them, only the `tensorboard` program to look at them. What is written:

    - `<log_dir>/train`: `epoch_<name>` for each training log value (e.g. `epoch_loss`,
      `epoch_accuracy`) and `epoch_learning_rate` (the optimizer's rate), at step = epoch
      (0-based); with `write_steps_per_second`, `epoch_steps_per_second`.
    - `<log_dir>/validation`: `epoch_<name>` for each `val_<name>` value at step = epoch, and
      after each validation / `evaluate` pass `evaluation_<name>_vs_iterations` at step =
      the optimizer's iteration count (only once the model has an optimizer).
    - with `update_freq` N (or "batch" = 1): `batch_<name>` in train/ every N training batches
      (counted across epochs, from 1), plus `batch_steps_per_second` when asked.
    - with `write_graph`: the model's JSON config at step 0 under the tag `keras` for the
      "graph_keras_model" plugin (TensorBoard's Graphs tab draws the conceptual graph), for
      Functional and Sequential models as Keras does. There is no op-level graph to write
      (Keras writes one only for TensorFlow's traced train function).
    - with `histogram_freq` N: every N epochs (epoch % N == 0) a 30-bucket histogram of each
      weight, tag `<layer name>/<weight name>/histogram` (Keras 3 leaves the layer name out,
      so all Dense kernels share the tag `kernel/histogram`; minikeras keeps them apart, as
      tf.keras did), and with `write_images` the weight as an image, tag
      `<layer name>/<weight name>/image` (biases as a column, 2D kernels with the shorter side
      as height, 3D conv kernels one image per output channel, at most 3; values clipped to
      [0, 1] like tf.summary.image; 4D+ kernels are skipped as in Keras).
    - with `embeddings_freq` N: `<log_dir>/projector_config.pbtxt` naming the Embedding
      layers (and their metadata files) for the Projector, and every N epochs the weights in
      `<log_dir>/train/keras_embedding.ckpt-<epoch>.weights.h5`.

    `chief_only = True`: under data-parallel training only the chief process writes.

    Args:
        log_dir: the directory for the event files (not to be shared with other callbacks).
            Defaults to "logs".
        histogram_freq: epochs between weight histograms; 0 (default) writes none.
        write_graph: write the model's graph (config) summary. Defaults to True.
        write_images: also write weights as images when histograms are written.
        write_steps_per_second: log training steps per second (per epoch, and per batch with
            `update_freq`). Defaults to False.
        update_freq: "epoch" (default), "batch" or an integer N: also write the running batch
            logs every N batches. (Keras 3 with TensorFlow ends up writing every batch whatever
            N is; minikeras writes every N-th as documented.)
        profile_batch: which batch(es) to profile - an int, a "start,stop" string or a pair.
            Profiling is a TensorFlow / JAX feature that minikeras (like Keras's torch and
            numpy backends) does not have: the value is checked, and anything but 0 (the
            default) raises a ValueError, as in Keras on those backends.
        embeddings_freq: epochs between embedding checkpoints; 0 (default) disables them.
        embeddings_metadata: a file name for every Embedding layer, or a dict mapping Embedding
            layer names to metadata file names (a name that is not an Embedding layer of the
            model raises ValueError).
    """

    chief_only = True  # writes files: only the chief runs it under DataParallel

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        self.log_dir = str(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        if self.update_freq != "epoch" and (not isinstance(self.update_freq, int)
                                            or isinstance(self.update_freq, bool)
                                            or self.update_freq < 1):
            raise ValueError("TensorBoard: `update_freq` must be 'epoch', 'batch' or a positive "
                             f"integer; received update_freq={update_freq!r}")
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._start_batch, self._stop_batch = _check_profile_batch(profile_batch)
        if self._start_batch or self._stop_batch:
            raise ValueError("TensorBoard: profiling is not available in minikeras (it is a "
                             "TensorFlow / JAX feature; Keras's torch and numpy backends refuse "
                             f"it too). Received: profile_batch={profile_batch} (must be 0)")
        self._global_train_batch = 0
        self._global_test_batch = 0
        self._previous_epoch_iterations = 0
        self._epoch_start_time = 0.0
        self._batch_start_time = 0.0
        self._writers = {}
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")

    # -- writers ------------------------------------------------------------------------------
    @property
    def _train_writer(self):
        if "train" not in self._writers:
            self._writers["train"] = EventFileWriter(self._train_dir)
        return self._writers["train"]

    @property
    def _val_writer(self):
        if "val" not in self._writers:
            self._writers["val"] = EventFileWriter(self._val_dir)
        return self._writers["val"]

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def set_model(self, model):
        """Set the model; write its graph summary and the projector config when asked."""
        super().set_model(model)
        self._close_writers()
        if self.write_graph:
            self._write_keras_model_summary()
        if self.embeddings_freq:
            self._configure_embeddings()

    def _write_keras_model_summary(self):
        if type(self.model).__name__ not in ("Functional", "Sequential"):
            return
        try:
            config_json = self.model.to_json()
        except Exception as error:  # a model that cannot be serialized still trains
            warnings.warn(f"Model failed to serialize as JSON. Ignoring... {error}")
            return
        self._train_writer.add_values(
            [text_tensor_value("keras", config_json, "graph_keras_model", b"1")], step=0)

    def _configure_embeddings(self):
        from minikeras.layers.core.embedding import Embedding
        metadata = self.embeddings_metadata
        unclaimed = dict(metadata) if isinstance(metadata, dict) else {}
        lines = []
        for layer in self.model.layers:
            if not isinstance(layer, Embedding):
                continue
            lines += ["embeddings {", f'  tensor_name: "{EMBEDDING_TENSOR_NAME}"']
            path = metadata if isinstance(metadata, str) else unclaimed.pop(layer.name, None)
            if path is not None:
                lines.append(f'  metadata_path: "{path}"')
            lines.append("}")
        if unclaimed:
            raise ValueError("Unrecognized `Embedding` layer names passed to "
                             "`keras.callbacks.TensorBoard` `embeddings_metadata` argument: "
                             f"{list(unclaimed)}")
        os.makedirs(self.log_dir, exist_ok=True)
        with open(os.path.join(self.log_dir, "projector_config.pbtxt"), "w") as handle:
            handle.write("".join(line + "\n" for line in lines))

    # -- hooks --------------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        self._previous_epoch_iterations = 0

    def on_train_end(self, logs=None):
        self._close_writers()

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None or not hasattr(optimizer, "iterations") or not logs:
            return
        step = int(np.asarray(optimizer.iterations))
        writer = self._val_writer
        for name, value in logs.items():
            writer.add_scalar(f"evaluation_{name}_vs_iterations", _scalar(value), step)

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.time()

    def on_train_batch_end(self, batch, logs=None):
        if self.update_freq == "epoch" or self._global_train_batch % self.update_freq:
            return
        step = self._global_train_batch
        if self.write_steps_per_second:
            elapsed = max(time.time() - self._batch_start_time, 1e-12)
            self._train_writer.add_scalar("batch_steps_per_second", 1.0 / elapsed, step)
        if isinstance(logs, dict):
            for name, value in logs.items():
                self._train_writer.add_scalar("batch_" + name, _scalar(value), step)

    def on_test_batch_begin(self, batch, logs=None):
        self._global_test_batch += 1

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._previous_epoch_iterations = _scalar(self.model.optimizer.iterations)
            self._epoch_start_time = time.time()

    def on_epoch_end(self, epoch, logs=None):
        """Write the epoch's metrics, then the weight histograms / embeddings when due."""
        self._log_epoch_metrics(epoch, logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self.model.save_weights(os.path.join(
                self.log_dir, "train", f"keras_embedding.ckpt-{epoch}.weights.h5"))

    # -- summaries ----------------------------------------------------------------------------
    def _log_epoch_metrics(self, epoch, logs):
        if not logs:
            return
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "learning_rate"):
            train_logs["learning_rate"] = _scalar(optimizer.learning_rate)
        if self.write_steps_per_second:
            elapsed = max(time.time() - self._epoch_start_time, 1e-12)
            steps = _scalar(optimizer.iterations) - self._previous_epoch_iterations
            train_logs["steps_per_second"] = steps / elapsed
        for name, value in train_logs.items():
            self._train_writer.add_scalar("epoch_" + name, _scalar(value), epoch)
        for name, value in val_logs.items():
            self._val_writer.add_scalar("epoch_" + name, _scalar(value), epoch)

    def _log_weights(self, epoch):
        writer = self._train_writer
        for layer in self.model.layers:
            for weight in layer.weights:
                name = f"{layer.name}/{weight.name}".replace(":", "_")
                values = np.asarray(weight)
                writer.add_histogram(f"{name}/histogram", values, epoch)
                if self.write_images:
                    images = weight_images(values)
                    if images is not None:
                        tag = f"{name}/image"
                        writer.add_values(
                            [image_value(tag if len(images) == 1 else f"{tag}/{index}", image)
                             for index, image in enumerate(images[:3])], epoch)
        writer.flush()


def weight_images(weight):
    """A weight laid out as (n, height, width, 1) grey images the way Keras shows it, or None
    when it has no image form: bias (n,) -> one n x 1 image; 2D kernel -> one image with the
    shorter side as height; 3D kernel (after squeezing) -> one image per last-axis channel
    (first axis with channels_first); anything else -> None."""
    image = np.squeeze(np.asarray(weight, dtype=np.float32))
    if image.ndim == 1:
        image = image.reshape(1, image.shape[0], 1, 1)
    elif image.ndim == 2:
        if image.shape[0] > image.shape[1]:
            image = image.T
        image = image.reshape(1, image.shape[0], image.shape[1], 1)
    elif image.ndim == 3:
        if image_data_format() == "channels_last":
            image = np.transpose(image, (2, 0, 1))
        image = image.reshape(image.shape + (1,))
    else:
        return None
    return image


def _check_profile_batch(profile_batch):
    """(start, stop) from an int, a "start,stop" / "start" string or a pair, as Keras reads it."""
    message = ("TensorBoard: profile_batch must be a non-negative integer or 2-tuple of positive "
               "integers. A pair of positive integers signifies a range of batches to profile. "
               f"Found: {profile_batch}")
    value = profile_batch
    if isinstance(value, str):
        try:
            value = [int(part) for part in value.split(",")]
        except ValueError:
            raise ValueError(message) from None
        value = value[0] if len(value) == 1 else value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        start = stop = int(value)
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        start, stop = value
    else:
        raise ValueError(message)
    if start < 0 or stop < start:
        raise ValueError(message)
    return start, stop


def _scalar(value):
    """A log value (number, 0-d array, Variable) as a float; an empty array gives nan."""
    value = np.asarray(value, dtype=np.float64).reshape(-1)
    return float(value[0]) if value.size else float("nan")
