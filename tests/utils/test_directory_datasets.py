"""`text_dataset_from_directory`, `image_dataset_from_directory`, `audio_dataset_from_directory`:
Keras's file order, labels, splits and argument errors (the file orders below were listed by
Keras 3.15's `index_directory` on the same trees), and minikeras's `FileDataset` batches."""
import os
import wave

import numpy as np
import pytest

import minikeras
from minikeras import layers, utils
from minikeras.utils.audio_dataset_utils import read_wav


def _texts(root):
    for label in ("neg", "pos"):
        os.makedirs(root / label)
        for i in range(5):
            (root / label / f"{i}.txt").write_text(f"{label} text number {i} " * (i + 1))
    (root / "neg" / "ignored.csv").write_text("not a text file")
    return root


def _wav(path, samples, rate=8000, width=2, channels=1):
    with wave.open(str(path), "wb") as file:
        file.setnchannels(channels)
        file.setsampwidth(width)
        file.setframerate(rate)
        file.writeframes(np.asarray(samples).astype(f"<i{width}").tobytes())


def _names(dataset):
    return [tuple(path.split(os.sep)[-2:]) for path in dataset.file_paths]


def test_text_files_in_keras_order_with_labels(tmp_path, capsys):
    dataset = utils.text_dataset_from_directory(_texts(tmp_path / "t"),
                                                batch_size=None, seed=3)
    assert capsys.readouterr().out == "Found 10 files belonging to 2 classes.\n"
    assert dataset.class_names == ["neg", "pos"]
    assert _names(dataset) == [("pos", "0.txt"), ("neg", "4.txt"), ("neg", "1.txt"),
                               ("neg", "2.txt"), ("pos", "4.txt"), ("pos", "1.txt"),
                               ("pos", "2.txt"), ("neg", "0.txt"), ("neg", "3.txt"),
                               ("pos", "3.txt")]
    text, label = dataset[0]
    assert text == "pos text number 0 " and label == 1 and label.dtype == np.int32


def test_text_batches_split_and_max_length(tmp_path, capsys):
    root = _texts(tmp_path)
    training, validation = utils.text_dataset_from_directory(
        root, batch_size=4, shuffle=False, validation_split=0.2, subset="both", max_length=8,
        label_mode="categorical")
    assert capsys.readouterr().out.splitlines()[1:] == ["Using 8 files for training.",
                                                         "Using 2 files for validation."]
    assert len(training) == 2 and len(validation) == 1
    texts, labels = training[0]
    assert texts.tolist() == ["neg text"] * 4 and labels.dtype == np.float32
    np.testing.assert_array_equal(validation[0][1], [[0, 1], [0, 1]])
    assert [batch[0].shape for batch in training] == [(4,), (4,)]


def test_text_without_labels_and_with_given_labels(tmp_path):
    root = _texts(tmp_path)
    texts = utils.text_dataset_from_directory(root, labels=None, batch_size=3, shuffle=False,
                                              verbose=False)
    assert texts.class_names is None and texts[0].shape == (3,)
    given = utils.text_dataset_from_directory(root, labels=[0, 1] * 5, label_mode="binary",
                                              shuffle=False, verbose=False)
    assert given.class_names == ["0", "1"]
    np.testing.assert_array_equal(given[0][1][:, 0], [0, 1] * 5)


@pytest.mark.parametrize("kwargs, message", [
    ({"labels": "bad"}, "should be a list/tuple of integer labels"),
    ({"label_mode": "sparse"}, "`label_mode` argument must be one of"),
    ({"validation_split": 1.5, "subset": "training", "seed": 1}, "must be between 0 and 1"),
    ({"validation_split": 0.2}, "`validation_split` must be set, and inversely"),
    ({"validation_split": 0.2, "subset": "training"}, "you must provide a `seed`"),
    ({"subset": "test", "validation_split": 0.2, "seed": 1}, "`subset` must be either"),
    ({"label_mode": "binary", "class_names": ["neg", "pos", "x"]}, "did not match"),
    ({"labels": [0, 1]}, "Expected the lengths of `labels` to match"),
    ({"format": "torch"}, '`format` should be either "tf" or "grain"'),
])
def test_text_argument_errors(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        utils.text_dataset_from_directory(_texts(tmp_path), verbose=False, **kwargs)


def test_empty_directory_and_binary_with_three_classes(tmp_path):
    (tmp_path / "a").mkdir()
    with pytest.raises(ValueError, match="No text files found in directory"):
        utils.text_dataset_from_directory(tmp_path, verbose=False)
    root = _texts(tmp_path / "t")
    (root / "third").mkdir()
    with pytest.raises(ValueError, match="there must be exactly 2 class_names"):
        utils.text_dataset_from_directory(root, label_mode="binary", verbose=False)


def test_a_text_dataset_reshuffles_between_epochs(tmp_path):
    dataset = utils.text_dataset_from_directory(_texts(tmp_path), batch_size=None, seed=1,
                                                verbose=False)
    first = [dataset[i][0] for i in range(len(dataset))]
    dataset.on_epoch_end()
    second = [dataset[i][0] for i in range(len(dataset))]
    assert sorted(first) == sorted(second) and first != second


def test_audio_batches_are_padded_float_waveforms(tmp_path):
    for label, lengths in (("no", (3, 5)), ("yes", (4,))):
        os.makedirs(tmp_path / label)
        for i, length in enumerate(lengths):
            _wav(tmp_path / label / f"{i}.wav", np.arange(length) * 8192)
    dataset = utils.audio_dataset_from_directory(tmp_path, batch_size=3, shuffle=False,
                                                 verbose=False)
    audio, labels = dataset[0]
    assert audio.shape == (3, 5, 1) and audio.dtype == np.float32
    np.testing.assert_allclose(audio[0, :, 0], [0, 0.25, 0.5, 0, 0])
    np.testing.assert_array_equal(labels, [0, 0, 1])
    cut = utils.audio_dataset_from_directory(tmp_path, batch_size=3, shuffle=False,
                                             output_sequence_length=4, verbose=False)
    assert cut[0][0].shape == (3, 4, 1)
    ragged = utils.audio_dataset_from_directory(tmp_path, batch_size=3, shuffle=False,
                                                ragged=True, verbose=False)
    assert [w.shape[0] for w in ragged[0][0]] == [3, 5, 4]


def test_read_wav_formats_and_resampling(tmp_path):
    _wav(tmp_path / "stereo.wav", [[0, 16384], [-32768, 8192]], channels=2)
    np.testing.assert_allclose(read_wav(tmp_path / "stereo.wav"), [[0, 0.5], [-1, 0.25]])
    _wav(tmp_path / "wide.wav", [1 << 30], width=4)
    np.testing.assert_allclose(read_wav(tmp_path / "wide.wav"), [[0.5]])
    _wav(tmp_path / "slow.wav", [0, 16384, 32767], rate=2)
    assert read_wav(tmp_path / "slow.wav", sampling_rate=4).shape == (6, 1)


def test_audio_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="cannot set both `ragged` and `output_sequence_length`"):
        utils.audio_dataset_from_directory(tmp_path, ragged=True, output_sequence_length=3)
    with pytest.raises(ValueError, match="`sampling_rate` should have an integer value"):
        utils.audio_dataset_from_directory(tmp_path, sampling_rate=1.5)


def test_image_batches_train_a_model(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    rng = np.random.RandomState(0)
    pixels = {}
    for label in ("cat", "dog"):
        os.makedirs(tmp_path / label)
        for i in range(3):
            pixels[(label, i)] = rng.randint(0, 255, (6, 8, 3)).astype("uint8")
            Image.fromarray(pixels[(label, i)]).save(tmp_path / label / f"{i}.png")
    dataset = utils.image_dataset_from_directory(tmp_path, image_size=(6, 8), batch_size=4,
                                                 shuffle=False, verbose=False)
    images, labels = dataset[0]
    assert images.shape == (4, 6, 8, 3) and images.dtype == np.float32
    np.testing.assert_array_equal(images[0], pixels[("cat", 0)])   # no resize: exact
    np.testing.assert_array_equal(labels, [0, 0, 0, 1])
    gray = utils.image_dataset_from_directory(tmp_path, image_size=3, color_mode="grayscale",
                                              data_format="channels_first", batch_size=None,
                                              shuffle=False, verbose=False)
    assert gray[0][0].shape == (1, 3, 3)
    for option in ({"crop_to_aspect_ratio": True}, {"pad_to_aspect_ratio": True}):
        resized = utils.image_dataset_from_directory(tmp_path, image_size=(4, 4), shuffle=False,
                                                     verbose=False, **option)
        assert resized[0][0].shape == (6, 4, 4, 3)
    model = minikeras.Sequential([layers.Input((6, 8, 3)), layers.Flatten(), layers.Dense(2)])
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(dataset, epochs=1, verbose=0)


def test_image_pad_to_aspect_ratio_pads_with_zeros(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    os.makedirs(tmp_path / "a")
    Image.fromarray(np.full((2, 4, 3), 200, "uint8")).save(tmp_path / "a" / "wide.png")
    dataset = utils.image_dataset_from_directory(tmp_path, image_size=(4, 4), batch_size=None,
                                                 pad_to_aspect_ratio=True, verbose=False)
    image = dataset[0][0][:, :, 0]
    np.testing.assert_array_equal(image[[0, 3]], 0)
    np.testing.assert_allclose(image[1:3], 200)


@pytest.mark.parametrize("kwargs, message", [
    ({"color_mode": "cmyk"}, "`color_mode` must be one of"),
    ({"image_size": (1, 2, 3)}, "Expected a tuple of 2 integers"),
    ({"interpolation": "cubic"}, "`interpolation` should be one of"),
    ({"crop_to_aspect_ratio": True, "pad_to_aspect_ratio": True}, "Only one of|only one of"),
])
def test_image_argument_errors(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        utils.image_dataset_from_directory(tmp_path, **kwargs)


def test_images_without_pillow_raise_a_clear_import_error(tmp_path, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r"pip install minikeras\[image\]"):
        utils.image_dataset_from_directory(tmp_path)
