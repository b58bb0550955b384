"""TensorBoard callback: the event files it writes are read back and their tags, steps and
values checked against the training history (Keras 3's tags and directory layout)."""
import glob
import json
import os
import struct
import zlib

import numpy as np
import pytest

import minikeras as keras
from minikeras import callbacks, layers
from minikeras.callbacks.tensorboard_events import (EventFileWriter, crc32c, histogram_value,
                                                    read_events, scalar_value)


def _model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4, name="hidden"),
                              layers.Dense(1, activation="sigmoid", name="out")])
    model.compile(keras.optimizers.SGD(0.05), "binary_crossentropy", metrics=["accuracy"])
    return model


def _data(n=20):
    rng = np.random.default_rng(0)
    x = rng.random((n, 3)).astype("float32")
    return x, (x[:, 0] > 0.5).astype("float32")


def _scalars(directory):
    """{tag: [(step, value), ...]} over every event file in `directory`."""
    out = {}
    for path in sorted(glob.glob(os.path.join(directory, "events.out.tfevents.*"))):
        for event in read_events(path):
            for value in event["values"]:
                if "simple_value" in value:
                    out.setdefault(value["tag"], []).append((event["step"], value["simple_value"]))
    return out


def _values(directory, key):
    return [(event["step"], value) for path in sorted(glob.glob(os.path.join(directory, "events.*")))
            for event in read_events(path) for value in event["values"] if key in value]


def test_epoch_scalars_in_train_and_validation(tmp_path):
    model = _model()
    x, y = _data()
    history = model.fit(x, y, epochs=3, batch_size=5, validation_split=0.2, verbose=0,
                        callbacks=[callbacks.TensorBoard(tmp_path)])
    train = _scalars(tmp_path / "train")
    val = _scalars(tmp_path / "validation")
    assert set(train) == {"epoch_loss", "epoch_accuracy", "epoch_learning_rate"}
    for name in ("loss", "accuracy"):
        assert [s for s, _ in train[f"epoch_{name}"]] == [0, 1, 2]
        np.testing.assert_allclose([v for _, v in train[f"epoch_{name}"]],
                                   history.history[name], rtol=1e-6)
        np.testing.assert_allclose([v for _, v in val[f"epoch_{name}"]],
                                   history.history[f"val_{name}"], rtol=1e-6)
    np.testing.assert_allclose([v for _, v in train["epoch_learning_rate"]], [0.05] * 3, rtol=1e-6)
    # one validation pass per epoch, at the optimizer's iteration count (4 steps per epoch)
    assert [s for s, _ in val["evaluation_loss_vs_iterations"]] == [4, 8, 12]
    np.testing.assert_allclose([v for _, v in val["evaluation_loss_vs_iterations"]],
                               history.history["val_loss"], rtol=1e-6)
    assert not any(tag.startswith("batch_") for tag in train)


def test_event_file_layout(tmp_path):
    model = _model()
    x, y = _data()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.TensorBoard(str(tmp_path))])
    files = glob.glob(str(tmp_path / "train" / "events.out.tfevents.*.v2"))
    assert len(files) == 1
    first = read_events(files[0])[0]
    assert first["file_version"] == "brain.Event:2" and first["values"] == []
    assert not (tmp_path / "validation").exists()  # no validation data: no validation writer


@pytest.mark.parametrize("update_freq, steps", [("batch", [1, 2, 3, 4, 5, 6, 7, 8]),
                                                (3, [3, 6])])
def test_batch_level_scalars(tmp_path, update_freq, steps):
    model = _model()
    x, y = _data(16)
    model.fit(x, y, epochs=2, batch_size=4, verbose=0, callbacks=[
        callbacks.TensorBoard(tmp_path, update_freq=update_freq, write_steps_per_second=True)])
    train = _scalars(tmp_path / "train")
    assert [s for s, _ in train["batch_loss"]] == steps
    assert [s for s, _ in train["batch_accuracy"]] == steps
    assert [s for s, _ in train["batch_steps_per_second"]] == steps
    assert all(v > 0 for _, v in train["epoch_steps_per_second"])


def test_evaluate_after_fit_logs_against_iterations(tmp_path):
    model = _model()
    x, y = _data()
    board = callbacks.TensorBoard(tmp_path)
    model.fit(x, y, epochs=2, batch_size=10, verbose=0, callbacks=[board])
    loss, accuracy = model.evaluate(x, y, verbose=0, callbacks=[board])
    val = _scalars(tmp_path / "validation")
    assert val["evaluation_loss_vs_iterations"] == [(4, pytest.approx(loss, rel=1e-6))]
    assert val["evaluation_accuracy_vs_iterations"] == [(4, pytest.approx(accuracy, rel=1e-6))]


def test_weight_histograms_every_histogram_freq_epochs(tmp_path):
    model = _model()
    x, y = _data()
    model.fit(x, y, epochs=3, verbose=0, callbacks=[callbacks.TensorBoard(tmp_path,
                                                                          histogram_freq=2)])
    histos = _values(tmp_path / "train", "histo")
    tags = sorted({value["tag"] for _, value in histos})
    assert tags == ["hidden/bias/histogram", "hidden/kernel/histogram",
                    "out/bias/histogram", "out/kernel/histogram"]
    assert sorted({step for step, _ in histos}) == [0, 2]
    kernel = np.asarray(model.get_layer("hidden").kernel, dtype=np.float64)
    last = [value["histo"] for step, value in histos
            if step == 2 and value["tag"] == "hidden/kernel/histogram"][0]
    assert last["num"] == kernel.size and sum(last["bucket"]) == kernel.size
    assert last["min"] == pytest.approx(kernel.min()) and last["max"] == pytest.approx(kernel.max())
    assert last["sum"] == pytest.approx(kernel.sum(), rel=1e-6)
    assert last["sum_squares"] == pytest.approx(np.square(kernel).sum(), rel=1e-6)
    assert len(last["bucket_limit"]) == 30 and last["bucket_limit"][-1] == pytest.approx(kernel.max())
    assert not _values(tmp_path / "train", "image")


def test_write_images_gives_png_weight_images(tmp_path):
    model = _model()
    x, y = _data()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[
        callbacks.TensorBoard(tmp_path, histogram_freq=1, write_images=True)])
    images = {value["tag"]: value["image"] for _, value in _values(tmp_path / "train", "image")}
    # the (1,) output bias squeezes to a scalar: no image, as in Keras
    assert set(images) == {"hidden/kernel/image", "hidden/bias/image", "out/kernel/image"}
    kernel = images["hidden/kernel/image"]  # (3, 4): the shorter side is the height
    assert (kernel["height"], kernel["width"], kernel["colorspace"]) == (3, 4, 1)
    png = kernel["png"]
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (4, 3)
    idat = png.index(b"IDAT")
    (length,) = struct.unpack(">I", png[idat - 4:idat])
    rows = np.frombuffer(zlib.decompress(png[idat + 4:idat + 4 + length]), np.uint8)
    rows = rows.reshape(3, 5)[:, 1:]  # filter byte, then 4 grey pixels per row
    expected = np.round(np.clip(np.asarray(model.get_layer("hidden").kernel), 0, 1) * 255)
    np.testing.assert_array_equal(rows, expected)
    assert (images["hidden/bias/image"]["height"], images["hidden/bias/image"]["width"]) == (4, 1)


def test_write_graph_writes_the_model_config(tmp_path):
    model = _model()
    x, y = _data()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.TensorBoard(tmp_path)])
    graphs = [(step, value) for step, value in _values(tmp_path / "train", "tensor_strings")]
    assert len(graphs) == 1
    step, value = graphs[0]
    assert step == 0 and value["tag"] == "keras"
    assert value["plugin_name"] == "graph_keras_model" and value["plugin_content"] == b"1"
    config = json.loads(value["tensor_strings"][0])
    assert config["class_name"] == "Sequential"
    assert config == json.loads(model.to_json())


def test_write_graph_false_or_subclassed_model_writes_no_graph(tmp_path):
    x, y = _data()
    model = _model()
    model.fit(x, y, epochs=1, verbose=0,
              callbacks=[callbacks.TensorBoard(tmp_path / "a", write_graph=False)])
    assert not _values(tmp_path / "a" / "train", "tensor_strings")

    class Small(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1)

        def call(self, inputs):
            return self.dense(inputs)

    sub = Small()
    sub.compile("sgd", "mse")
    sub.fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.TensorBoard(tmp_path / "b")])
    assert not _values(tmp_path / "b" / "train", "tensor_strings")
    assert "epoch_loss" in _scalars(tmp_path / "b" / "train")


def test_embeddings_projector_config_and_checkpoints(tmp_path):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,), dtype="int32"),
                              layers.Embedding(10, 3, name="words"), layers.Flatten(),
                              layers.Dense(1)])
    model.compile("sgd", "mse")
    x = np.random.default_rng(0).integers(0, 10, (8, 2))
    y = np.zeros((8, 1), "float32")
    board = callbacks.TensorBoard(tmp_path, embeddings_freq=2,
                                  embeddings_metadata={"words": "meta.tsv"})
    model.fit(x, y, epochs=3, verbose=0, callbacks=[board])
    config = (tmp_path / "projector_config.pbtxt").read_text()
    assert config == ('embeddings {\n'
                      '  tensor_name: "layer_with_weights-0/embeddings/.ATTRIBUTES/VARIABLE_VALUE"\n'
                      '  metadata_path: "meta.tsv"\n'
                      '}\n')
    saved = sorted(os.listdir(tmp_path / "train"))
    assert [name for name in saved if name.startswith("keras_embedding")] == [
        "keras_embedding.ckpt-0.weights.h5", "keras_embedding.ckpt-2.weights.h5"]
    copy = keras.models.clone_model(model)
    copy.load_weights(tmp_path / "train" / "keras_embedding.ckpt-2.weights.h5")
    np.testing.assert_array_equal(np.asarray(copy.layers[0].embeddings),
                                  np.asarray(model.layers[0].embeddings))

    with pytest.raises(ValueError, match="Unrecognized `Embedding` layer names.*nope"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[
            callbacks.TensorBoard(tmp_path / "bad", embeddings_freq=1,
                                  embeddings_metadata={"nope": "meta.tsv"})])


def test_profile_batch_is_checked_and_refused():
    assert callbacks.TensorBoard(profile_batch=0).log_dir == "logs"
    assert callbacks.TensorBoard(profile_batch="0").update_freq == "epoch"
    with pytest.raises(ValueError, match=r"profiling is not available.*profile_batch=5"):
        callbacks.TensorBoard(profile_batch=5)
    with pytest.raises(ValueError, match="profiling is not available"):
        callbacks.TensorBoard(profile_batch=(2, 4))
    for bad in ((4, 2), -1, "a,b", (1, 2, 3), 1.5):
        with pytest.raises(ValueError, match="profile_batch must be a non-negative integer"):
            callbacks.TensorBoard(profile_batch=bad)


def test_arguments_and_defaults():
    board = callbacks.TensorBoard()
    assert (board.log_dir, board.histogram_freq, board.write_graph, board.write_images,
            board.write_steps_per_second, board.update_freq, board.embeddings_freq,
            board.embeddings_metadata) == ("logs", 0, True, False, False, "epoch", 0, None)
    assert callbacks.TensorBoard(update_freq="batch").update_freq == 1
    assert callbacks.TensorBoard.chief_only is True
    with pytest.raises(ValueError, match="update_freq"):
        callbacks.TensorBoard(update_freq="step")
    with pytest.raises(ValueError, match="update_freq"):
        callbacks.TensorBoard(update_freq=0)


def test_event_file_round_trip_and_checksums(tmp_path):
    assert crc32c(b"123456789") == 0xE3069283  # the standard CRC-32C check value
    writer = EventFileWriter(tmp_path)
    writer.add_scalar("a", 1.5, step=-3)
    writer.add_values([scalar_value("b", 2.0), histogram_value("c", [7.0, 7.0])], step=2**40)
    writer.add_histogram("empty", [], step=1)
    writer.close()
    events = read_events(writer.path)
    assert [e["step"] for e in events] == [0, -3, 2**40, 1]
    assert events[2]["values"][0] == {"tag": "b", "simple_value": 2.0}
    constant = events[2]["values"][1]["histo"]
    assert (constant["num"], constant["bucket"], constant["bucket_limit"]) == (2.0, [2.0], [7.0])
    assert events[3]["values"][0]["histo"]["num"] == 0.0
    writer.add_scalar("after_close", 1.0, step=0)  # a new file after close
    writer.close()
    assert len(glob.glob(str(tmp_path / "events.*"))) == 2

    data = bytearray(open(events and writer.path, "rb").read())
    data[-5] ^= 0xFF
    open(writer.path, "wb").write(bytes(data))
    with pytest.raises(ValueError, match="bad record checksum"):
        read_events(writer.path)


def test_weight_images_layout():
    from minikeras.callbacks.tensorboard import weight_images
    conv = np.arange(30, dtype=np.float32).reshape(3, 2, 5)  # Conv1D kernel, channels_last
    images = weight_images(conv)
    assert images.shape == (5, 3, 2, 1)
    np.testing.assert_array_equal(images[1, :, :, 0], conv[:, :, 1])
    assert weight_images(np.zeros((3, 3, 2, 4))) is None  # Conv2D kernels have no image form
    assert weight_images(np.zeros((1,))) is None
    assert weight_images(np.zeros((5, 2))).shape == (1, 2, 5, 1)


def test_tensorboard_itself_reads_the_files(tmp_path):
    """When the `tensorboard` package is installed (it is not a dependency), its own reader
    and Keras-graph converter accept what the callback wrote."""
    accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    keras_util = pytest.importorskip("tensorboard.plugins.graph.keras_util")
    model = _model()
    x, y = _data()
    history = model.fit(x, y, epochs=2, batch_size=5, validation_split=0.2, verbose=0,
                        callbacks=[callbacks.TensorBoard(tmp_path, histogram_freq=1,
                                                         write_images=True, update_freq=2)])
    train = accumulator.EventAccumulator(str(tmp_path / "train"), size_guidance={"tensors": 0})
    train.Reload()
    assert [e.step for e in train.Scalars("epoch_loss")] == [0, 1]
    np.testing.assert_allclose([e.value for e in train.Scalars("epoch_loss")],
                               history.history["loss"], rtol=1e-6)
    assert train.Histograms("hidden/kernel/histogram")[-1].histogram_value.num == 12
    assert train.Images("hidden/kernel/image")[0].width == 4
    config = json.loads(train.Tensors("keras")[0].tensor_proto.string_val[0])
    graph = keras_util.keras_model_to_graph_def(config)
    assert [node.name for node in graph.node][-2:] == [f"{model.name}/hidden", f"{model.name}/out"]
    validation = accumulator.EventAccumulator(str(tmp_path / "validation"))
    validation.Reload()
    np.testing.assert_allclose([e.value for e in validation.Scalars("epoch_loss")],
                               history.history["val_loss"], rtol=1e-6)
