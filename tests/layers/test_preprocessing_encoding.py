"""The non-image preprocessing layers beyond the recorded Keras outputs
(test_preprocessing_reference.py): bad arguments, vocabulary files, adapt from batches,
config round trips, the string hashes against TensorFlow's values."""
import json

import numpy as np
import pytest

from minikeras import layers
from minikeras.layers.preprocessing.string_hashes import (cross_hash, fingerprint64,
                                                          siphash64)


# -- the hashes: values printed by TensorFlow 2.21 (to_hash_bucket_fast / _strong with
# num_buckets=2**62, cross_hashed with 1000 buckets), one per FarmHash length branch.
@pytest.mark.parametrize("text, bucket", [
    ("", 1936946117179621455), ("a", 3694432073954588131), ("hello", 3786372426573024488),
    ("x" * 200, 103930210689786815), ("é" * 20, 2101234252769292372),
    ("a much longer string over 64 bytes long to test the long path of farmhash!!",
     3038162272527853168)])
def test_fingerprint64_matches_tensorflow(text, bucket):
    assert fingerprint64(text) % 2 ** 62 == bucket
    assert fingerprint64(text.encode("utf-8")) % 2 ** 62 == bucket


@pytest.mark.parametrize("text, bucket", [
    ("", 443797209252341627), ("a", 546566331822570742), ("hello", 2957200328589801622),
    ("x" * 200, 1933091045751817099), ("é" * 20, 3540142447415508390)])
def test_siphash64_matches_tensorflow(text, bucket):
    assert siphash64(text, [1, 2]) % 2 ** 62 == bucket


def test_cross_hash_matches_tensorflow():
    assert cross_hash(["a", "b"], 1000) == 986
    assert cross_hash(["a", 3], 1000) == 486
    assert cross_hash([5, 3], 1000) == 342


# -- CategoryEncoding ---------------------------------------------------------------------
def test_category_encoding_arguments():
    with pytest.raises(ValueError, match="num_tokens"):
        layers.CategoryEncoding()
    with pytest.raises(ValueError, match="num_tokens"):
        layers.CategoryEncoding(0)
    with pytest.raises(ValueError, match="output_mode"):
        layers.CategoryEncoding(3, output_mode="int")
    assert layers.CategoryEncoding(3, output_mode="binary").output_mode == "multi_hot"
    with pytest.raises(ValueError, match="count_weights"):
        layers.CategoryEncoding(3)(np.array([[1]]), count_weights=np.array([[1.0]]))


def test_category_encoding_scalar_and_symbolic():
    out = layers.CategoryEncoding(4, output_mode="one_hot")(np.array(2))
    np.testing.assert_array_equal(out.numpy(), [[0, 0, 1, 0]])  # Keras's shape (1, 4)
    out = layers.CategoryEncoding(4)(np.array(2))
    np.testing.assert_array_equal(out.numpy(), [0, 0, 1, 0])
    x = layers.Input((3,), dtype="int32")
    assert layers.CategoryEncoding(5)(x).shape == (None, 5)
    assert layers.CategoryEncoding(5, output_mode="one_hot")(x).shape == (None, 3, 5)


# -- lookups ------------------------------------------------------------------------------
def test_string_lookup_vocabulary_file(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("a\nb\nc\n", encoding="utf-8")
    layer = layers.StringLookup(vocabulary=str(path))
    assert layer.get_vocabulary() == ["[UNK]", "a", "b", "c"]
    np.testing.assert_array_equal(layer(["c", "q"]).numpy(), [3, 0])
    assert layer.get_config()["vocabulary"] is None  # Keras keeps a file path out of it


def test_integer_lookup_vocabulary_file(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("7\n9\n", encoding="utf-8")
    np.testing.assert_array_equal(layers.IntegerLookup(vocabulary=str(path))([9, 1]).numpy(),
                                  [2, 0])


def test_lookup_adapt_from_batches_and_generators():
    layer = layers.StringLookup()
    layer.adapt(iter([np.array(["a", "b"]), np.array(["b", "c", "b"])]))
    assert layer.get_vocabulary() == ["[UNK]", "b", "c", "a"]
    numbers = layers.IntegerLookup()
    numbers.adapt((b for b in [np.array([4, 4]), np.array([1]), np.array([7])]), steps=2)
    assert numbers.get_vocabulary() == [-1, 4, 1]


def test_lookup_bytes_inputs_and_special_tokens_in_vocabulary():
    layer = layers.StringLookup(vocabulary=["[UNK]", "a", "b"])
    assert layer.get_vocabulary() == ["[UNK]", "a", "b"]
    np.testing.assert_array_equal(layer(np.array([b"b", b"x"])).numpy(), [2, 0])


def test_lookup_errors():
    with pytest.raises(ValueError, match="repeated"):
        layers.StringLookup(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="mask token"):
        layers.StringLookup(vocabulary=["a", ""], mask_token="")
    with pytest.raises(ValueError, match="max_tokens"):
        layers.StringLookup(vocabulary=["a", "b", "c"], max_tokens=3)
    with pytest.raises(ValueError, match="idf_weights"):
        layers.StringLookup(vocabulary=["a"], output_mode="tf_idf")
    with pytest.raises(ValueError, match="invert"):
        layers.StringLookup(invert=True, output_mode="one_hot")
    with pytest.raises(ValueError, match="salt"):
        layers.IntegerLookup(num_oov_indices=2, salt=3)
    with pytest.raises(ValueError, match="num_oov_indices=0"):
        layers.StringLookup(vocabulary=["a"], num_oov_indices=0)(["b"])
    with pytest.raises(ValueError, match="Cannot adapt"):
        layers.StringLookup(vocabulary=["a"]).adapt(["b"])
    with pytest.raises(RuntimeError, match="vocabulary before calling"):
        layers.StringLookup(output_mode="multi_hot")(["a"])
    with pytest.raises(TypeError, match="integer inputs"):
        layers.IntegerLookup(vocabulary=[1])(np.array(["a"]))


def test_lookup_config_round_trip():
    layer = layers.IntegerLookup(vocabulary=[3, 5], mask_token=0, num_oov_indices=2)
    config = json.loads(json.dumps(layer.get_config()))
    again = layers.IntegerLookup.from_config(config)
    np.testing.assert_array_equal(again([0, 3, 5, 8]).numpy(), layer([0, 3, 5, 8]).numpy())


# -- Hashing / HashedCrossing -------------------------------------------------------------
def test_hashing_arguments():
    with pytest.raises(ValueError, match="num_bins"):
        layers.Hashing(0)
    with pytest.raises(ValueError, match="salt"):
        layers.Hashing(3, salt="x")
    with pytest.raises(ValueError, match="dtype"):
        layers.Hashing(3, dtype="float32")
    assert layers.Hashing(3, salt=5).get_config()["salt"] == [5, 5]
    assert layers.Hashing(3, output_mode="count").dtype == "float32"


def test_hashed_crossing_errors_and_strings():
    with pytest.raises(ValueError, match="at least two"):
        layers.HashedCrossing(3)([np.array([1])])
    with pytest.raises(ValueError, match="equal shape"):
        layers.HashedCrossing(3)([np.array([1]), np.array([1, 2])])
    with pytest.raises(ValueError, match="integer or string"):
        layers.HashedCrossing(3)([np.array([1.0]), np.array([2.0])])
    out = layers.HashedCrossing(1000)([np.array(["a"]), np.array(["b"])])
    np.testing.assert_array_equal(out.numpy(), [986])


# -- Discretization -----------------------------------------------------------------------
def test_discretization_arguments():
    with pytest.raises(ValueError, match="either"):
        layers.Discretization()
    with pytest.raises(ValueError, match="both"):
        layers.Discretization(bin_boundaries=[1.0], num_bins=2)
    with pytest.raises(ValueError, match="adapt"):
        layers.Discretization(bin_boundaries=[1.0]).adapt(np.ones(3))
    with pytest.raises(ValueError, match="adapt"):
        layers.Discretization(num_bins=3)(np.ones(3))


def test_discretization_adapt_in_batches_and_config():
    layer = layers.Discretization(num_bins=2)
    layer.adapt([np.arange(10.0), np.arange(10.0, 20.0)])
    np.testing.assert_allclose(layer.bin_boundaries, [9.5], atol=0.6)
    again = layers.Discretization.from_config(layer.get_config())
    assert again.bin_boundaries == layer.bin_boundaries
    np.testing.assert_array_equal(again(np.array([0.0, 19.0])).numpy(), [0, 1])


# -- TextVectorization --------------------------------------------------------------------
def test_text_vectorization_arguments():
    with pytest.raises(ValueError, match="standardize"):
        layers.TextVectorization(standardize="upper")
    with pytest.raises(ValueError, match="split"):
        layers.TextVectorization(split="comma")
    with pytest.raises(ValueError, match="ngrams"):
        layers.TextVectorization(ngrams="2")
    with pytest.raises(ValueError, match="output_sequence_length"):
        layers.TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="ragged"):
        layers.TextVectorization(ragged=True)
    with pytest.raises(ValueError, match="last shape dimension must be 1"):
        layers.TextVectorization(vocabulary=["a"])(np.array([["a", "b"]]))


def test_text_vectorization_callables_and_config():
    def upper(x):
        return np.char.upper(x)

    def split_on_comma(x):
        return [s.split(",") for s in x.tolist()]

    layer = layers.TextVectorization(standardize=upper, split=split_on_comma)
    layer.adapt(["a,b,b", "c"])
    assert layer.get_vocabulary() == ["", "[UNK]", "B", "C", "A"]
    np.testing.assert_array_equal(layer(["a,c", "b"]).numpy(), [[4, 3], [2, 0]])
    config = layers.TextVectorization(ngrams=(1, 3)).get_config()
    assert layers.TextVectorization.from_config(json.loads(json.dumps(config)))._ngrams == (1, 3)


def test_text_vectorization_set_vocabulary_and_size():
    layer = layers.TextVectorization(output_mode="multi_hot")
    layer.set_vocabulary(["x", "y"])
    assert layer.vocabulary_size() == 3
    np.testing.assert_array_equal(layer(["y y z"]).numpy(), [[1, 0, 1]])


# -- audio --------------------------------------------------------------------------------
def test_stft_spectrogram_weights_follow_keras():
    layer = layers.STFTSpectrogram(frame_length=8)
    layer.build((None, 32, 1))
    assert [w.name for w in layer.weights] == ["real_kernel", "imag_kernel"]
    assert tuple(layer.weights[0].shape) == (8, 1, 5)
    imag_only = layers.STFTSpectrogram(mode="imag", frame_length=8)
    imag_only.build((None, 32, 1))
    assert [w.name for w in imag_only.weights] == ["imag_kernel"]


def test_stft_spectrogram_arguments():
    with pytest.raises(ValueError, match="frame_step"):
        layers.STFTSpectrogram(frame_length=8, frame_step=9)
    with pytest.raises(ValueError, match="fft_length"):
        layers.STFTSpectrogram(frame_length=8, fft_length=4)
    with pytest.raises(ValueError, match="mode"):
        layers.STFTSpectrogram(mode="power")
    with pytest.raises(ValueError, match="window"):
        layers.STFTSpectrogram(window="kaiser-ish")
    with pytest.raises(TypeError, match="input type"):
        layers.STFTSpectrogram(frame_length=4)(np.zeros((1, 8, 1), "int32"))
    with pytest.warns(UserWarning, match="power of two"):
        layers.STFTSpectrogram(frame_length=8, fft_length=12)


def test_mel_spectrogram_one_signal_and_arguments():
    signal = np.sin(np.arange(400) * 0.3).astype("float32")
    layer = layers.MelSpectrogram(fft_length=64, sequence_stride=32, num_mel_bins=10)
    single = layer(signal)
    assert tuple(single.shape) == (10, 13) == layer.compute_output_shape((400,))
    np.testing.assert_allclose(single.numpy(), layer(signal[None]).numpy()[0], rtol=1e-5)
    with pytest.raises(ValueError, match="fft_length"):
        layers.MelSpectrogram(fft_length=32, sequence_length=64)


def test_adapted_vocabulary_round_trips_through_keras_asset_file(tmp_path):
    layer = layers.TextVectorization(output_sequence_length=3)
    layer.adapt(["the cat", "the dog the"])
    layer.save_assets(str(tmp_path))
    assert (tmp_path / "vocabulary.txt").read_text(encoding="utf-8") == \
        "\n[UNK]\nthe\ndog\ncat"  # Keras's file: mask "" first, then OOV, then by count
    again = layers.TextVectorization.from_config(layer.get_config())
    again.load_assets(str(tmp_path))
    np.testing.assert_array_equal(again(["cat the bird"]).numpy(),
                                  layer(["cat the bird"]).numpy())
    numbers = layers.IntegerLookup()
    numbers.adapt(np.array([5, 5, 3]))
    numbers.save_assets(str(tmp_path))
    loaded = layers.IntegerLookup()
    loaded.load_assets(str(tmp_path))
    assert loaded.get_vocabulary() == [-1, 5, 3]
