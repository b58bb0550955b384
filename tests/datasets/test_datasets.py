"""The dataset loaders read small files in each dataset's original format, served locally.

Every test here runs with `MINIKERAS_HOME` in a temporary folder and
`MINIKERAS_DATASETS_ORIGIN` pointing at a local HTTP server (or at a closed port), so nothing
ever reaches the internet. The loaders keep Keras's real hashes; a test that serves a tiny
stand-in file swaps the module's hash constant for the stand-in's.

The IMDB / Reuters / housing expectations below are what Keras 3.15.1's own loaders return
for the same tiny files (its `get_file` pointed at them), pinned as literals.
"""
import gzip
import hashlib
import importlib.util
import io
import json
import os
import pickle
import struct
import tarfile

import numpy as np
import pytest

import minikeras
from minikeras.datasets import (_remote, boston_housing, california_housing, cifar10, cifar100,
                                fashion_mnist, imdb, mnist, reuters)
from minikeras.utils.file_utils import DownloadError
from tests.paths import EXAMPLES
from tests.utils.test_get_file import LocalServer, dead_url


def sha256(data):
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(autouse=True)
def offline(tmp_path, monkeypatch):
    """Every test: a private cache, and a mirror where nothing listens (never the internet)."""
    home = tmp_path / "home"
    monkeypatch.setenv("MINIKERAS_HOME", str(home))
    monkeypatch.setenv(_remote.ORIGIN_ENV, dead_url("").rstrip("/") + "/")
    return home


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """A local server the loaders fetch from; `mirror.serve(module, name, data)` adds a file."""
    server = LocalServer(tmp_path / "www")
    monkeypatch.setenv(_remote.ORIGIN_ENV, server.base)

    def serve(module, name, data, hash_attr="FILE_HASH"):
        server.put(name, data)
        if hash_attr is not None:
            monkeypatch.setattr(module, hash_attr, sha256(data))

    server.serve = serve
    yield server
    server.close()


# ------------------------------------------------------------------ writers of the original formats


def npz_bytes(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def object_array(lists):
    array = np.empty(len(lists), dtype=object)
    for i, item in enumerate(lists):
        array[i] = item
    return array


def idx_bytes(array):
    """MNIST's IDX format, gzipped: 0, 0, type 0x08 (uint8), ndim, big-endian dims, data."""
    array = np.asarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return gzip.compress(header + array.tobytes())


class Py2Pickler(pickle._Pickler):
    """Writes pickles the way the CIFAR files were written (Python 2 cPickle, protocol 2):
    byte strings as Python 2 `str` opcodes and NumPy under its old `numpy.core` name."""

    dispatch = dict(pickle._Pickler.dispatch)

    def _save_py2_str(self, obj):
        if len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch[bytes] = _save_py2_str

    def save_global(self, obj, name=None):
        name = name or obj.__qualname__
        module = pickle.whichmodule(obj, name).replace("numpy._core", "numpy.core")
        self.write(pickle.GLOBAL + f"{module}\n{name}\n".encode("ascii"))
        self.memoize(obj)


def py2_pickle(obj):
    buffer = io.BytesIO()
    Py2Pickler(buffer, protocol=2).dump(obj)
    return buffer.getvalue()


def cifar_images(n, start):
    """n distinct (n, 3072) uint8 rows: value = (start + i) * 7 + position, mod 256."""
    return ((np.arange(n)[:, None] + start) * 7 + np.arange(3072)[None, :]).astype(np.uint8)


def tar_gz(files):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def cifar10_archive():
    files = {}
    for i in range(1, 6):
        files[f"cifar-10-batches-py/data_batch_{i}"] = py2_pickle({
            b"batch_label": f"training batch {i} of 5".encode(),
            b"labels": [(2 * i) % 10, (2 * i + 1) % 10],
            b"data": cifar_images(2, 2 * (i - 1)),
            b"filenames": [b"a.png", b"b.png"]})
    files["cifar-10-batches-py/test_batch"] = py2_pickle({
        b"batch_label": b"testing batch 1 of 1", b"labels": [9, 8, 7],
        b"data": cifar_images(3, 100), b"filenames": [b"c.png", b"d.png", b"e.png"]})
    files["cifar-10-batches-py/batches.meta"] = py2_pickle({b"label_names": [b"airplane"]})
    return tar_gz(files)


def cifar100_archive():
    def part(n, start):
        return py2_pickle({b"filenames": [b"x.png"] * n, b"batch_label": b"b",
                           b"fine_labels": list(range(start, start + n)),
                           b"coarse_labels": [v % 20 for v in range(start, start + n)],
                           b"data": cifar_images(n, start)})
    return tar_gz({"cifar-100-python/train": part(4, 95), "cifar-100-python/test": part(2, 40)})


class Evil:
    def __reduce__(self):
        return (os.system, ("touch pwned-by-a-dataset-file",))


# ------------------------------------------------------------------------------ origins


def test_loaders_fetch_keras_files_with_keras_hashes():
    bucket = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
    assert mnist.ORIGIN == bucket + "mnist.npz"
    assert mnist.FILE_HASH == "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
    assert cifar10.ORIGIN == "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    assert cifar10.FILE_HASH == "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
    assert cifar100.ORIGIN == "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    assert cifar100.FILE_HASH == "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"
    assert imdb.ORIGIN == bucket + "imdb.npz"
    assert imdb.FILE_HASH == "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"
    assert imdb.WORD_INDEX_HASH == "bfafd718b763782e994055a2d397834f"
    assert reuters.FILE_HASH == "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"
    assert reuters.WORD_INDEX_HASH == "4d44cc38712099c9e383dc6e5f11a921"
    assert boston_housing.FILE_HASH == (
        "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5")
    assert california_housing.FILE_HASH == (
        "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f")
    assert fashion_mnist.ORIGIN_FOLDER == bucket


def test_the_mirror_variable_keeps_the_file_name(monkeypatch):
    monkeypatch.delenv(_remote.ORIGIN_ENV)
    assert _remote.origin(cifar10.ORIGIN) == cifar10.ORIGIN
    monkeypatch.setenv(_remote.ORIGIN_ENV, "file:///srv/mirror")
    assert _remote.origin(cifar10.ORIGIN) == "file:///srv/mirror/cifar-10-python.tar.gz"
    assert _remote.origin(mnist.ORIGIN) == "file:///srv/mirror/mnist.npz"


def test_the_real_hash_is_checked_even_through_a_mirror(mirror, offline):
    mirror.serve(mnist, "mnist.npz", b"not the real file", hash_attr=None)
    expected = f"Expected {mnist.FILE_HASH}, got {sha256(b'not the real file')}"
    with pytest.raises(ValueError, match=expected):
        mnist.load_data()
    assert not (offline / "datasets" / "mnist.npz").exists()


def test_offline_the_error_says_where_to_put_the_file_and_a_file_put_there_is_used(
        offline, monkeypatch):
    with pytest.raises(DownloadError) as info:
        mnist.load_data()
    target = offline / "datasets" / "mnist.npz"
    assert f"save it as\n    {target}\n" in str(info.value)
    assert "mnist.npz" in str(info.value) and mnist.FILE_HASH in str(info.value)
    data = npz_bytes(x_train=np.zeros((2, 28, 28), np.uint8), y_train=np.array([1, 2], np.uint8),
                     x_test=np.ones((1, 28, 28), np.uint8), y_test=np.array([3], np.uint8))
    target.write_bytes(data)
    monkeypatch.setattr(mnist, "FILE_HASH", sha256(data))
    (x_train, y_train), (x_test, y_test) = mnist.load_data()  # still offline
    assert x_train.shape == (2, 28, 28) and y_test.tolist() == [3]


# ------------------------------------------------------------------------------ image datasets


def test_mnist_load_data_reads_keras_npz(mirror, offline):
    rng = np.random.RandomState(0)
    arrays = dict(x_train=rng.randint(0, 256, (6, 28, 28)).astype(np.uint8),
                  y_train=np.arange(6, dtype=np.uint8),
                  x_test=rng.randint(0, 256, (4, 28, 28)).astype(np.uint8),
                  y_test=np.array([9, 8, 7, 6], np.uint8))
    mirror.serve(mnist, "mnist.npz", npz_bytes(**arrays))
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    for name, got in dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test).items():
        assert got.dtype == np.uint8 and np.array_equal(got, arrays[name]), name
    assert (offline / "datasets" / "mnist.npz").exists()
    mnist.load_data(path="mnist-copy.npz")  # `path` is the cache file's name
    assert (offline / "datasets" / "mnist-copy.npz").exists()
    assert mirror.requests == ["mnist.npz", "mnist.npz"]


def test_mnist_npz_without_the_expected_arrays_is_a_clear_error(mirror):
    mirror.serve(mnist, "mnist.npz", npz_bytes(images=np.zeros(3)))
    with pytest.raises(ValueError,
                       match=r"lacks the arrays \['x_train', 'y_train', 'x_test', 'y_test'\]"):
        mnist.load_data()


def test_the_bundled_sample_is_unchanged():
    (x_train, y_train), (x_test, y_test) = mnist.load_sample()
    assert x_train.shape == (8000, 28, 28) and x_test.shape == (2000, 28, 28)
    assert x_train.dtype == y_train.dtype == np.uint8 and set(np.unique(y_test)) == set(range(10))


def test_fashion_mnist_reads_the_four_gzipped_idx_files(mirror, offline):
    rng = np.random.RandomState(1)
    x_train, x_test = rng.randint(0, 256, (5, 28, 28)), rng.randint(0, 256, (3, 28, 28))
    y_train, y_test = np.array([0, 9, 3, 3, 1]), np.array([7, 2, 5])
    for name, array in zip(fashion_mnist.FILES, (y_train, x_train, y_test, x_test)):
        mirror.serve(fashion_mnist, name, idx_bytes(array), hash_attr=None)
    (a, b), (c, d) = fashion_mnist.load_data()
    assert a.shape == (5, 28, 28) and b.shape == (5,) and c.shape == (3, 28, 28) and d.shape == (3,)
    assert all(v.dtype == np.uint8 for v in (a, b, c, d))
    assert np.array_equal(a, x_train) and np.array_equal(d, y_test)
    assert sorted(os.listdir(offline / "datasets" / "fashion-mnist")) == sorted(fashion_mnist.FILES)


def test_fashion_mnist_rejects_files_that_are_not_idx(mirror):
    names = fashion_mnist.FILES
    mirror.serve(fashion_mnist, names[0], gzip.compress(b"\x01\x02\x03\x04garbage"), hash_attr=None)
    for name in names[1:]:
        mirror.serve(fashion_mnist, name, idx_bytes(np.zeros((1, 28, 28))), hash_attr=None)
    with pytest.raises(ValueError, match="not an IDX file"):
        fashion_mnist.load_data()


def test_fashion_mnist_rejects_a_truncated_idx_file(mirror):
    names = fashion_mnist.FILES
    arrays = (np.zeros(2), np.zeros((2, 28, 28)), np.zeros(1), np.zeros((1, 28, 28)))
    for name, array in zip(names, arrays):
        data = idx_bytes(array)
        if name == names[1]:
            data = gzip.compress(gzip.decompress(data)[:-10])
        mirror.serve(fashion_mnist, name, data, hash_attr=None)
    with pytest.raises(ValueError, match="damaged"):
        fashion_mnist.load_data()


def test_cifar10_reads_the_python_pickles_of_the_original_archive(mirror, offline):
    mirror.serve(cifar10, "cifar-10-python.tar.gz", cifar10_archive())
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    assert x_train.shape == (10, 32, 32, 3) and x_test.shape == (3, 32, 32, 3)
    assert y_train.shape == (10, 1) and y_test.shape == (3, 1)
    assert all(v.dtype == np.uint8 for v in (x_train, y_train, x_test, y_test))
    assert y_train[:, 0].tolist() == [2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    assert y_test[:, 0].tolist() == [9, 8, 7]
    # Each stored row is the red plane, then green, then blue, each 32x32 row-major.
    rows = cifar_images(3, 100)
    for channel in range(3):
        for r, c in ((0, 0), (5, 17), (31, 31)):
            assert x_test[1, r, c, channel] == rows[1, channel * 1024 + r * 32 + c]
    assert np.array_equal(x_train[9].transpose(2, 0, 1).reshape(-1), cifar_images(2, 8)[1])
    folder = offline / "datasets"
    assert (folder / "cifar-10-batches-py-target_archive").exists()
    assert (folder / "cifar-10-batches-py-target" / "cifar-10-batches-py" / "test_batch").exists()
    cifar10.load_data()
    assert mirror.requests == ["cifar-10-python.tar.gz"]  # downloaded and extracted once


def test_cifar_follows_image_data_format(mirror):
    mirror.serve(cifar10, "cifar-10-python.tar.gz", cifar10_archive())
    saved = minikeras.backend.image_data_format()
    minikeras.backend.set_image_data_format("channels_first")
    try:
        (x_train, _), (x_test, _) = cifar10.load_data()
    finally:
        minikeras.backend.set_image_data_format(saved)
    assert x_train.shape == (10, 3, 32, 32)
    assert np.array_equal(x_test.reshape(3, -1), cifar_images(3, 100))


def test_cifar100_fine_and_coarse_labels(mirror):
    mirror.serve(cifar100, "cifar-100-python.tar.gz", cifar100_archive())
    (x_train, y_train), (x_test, y_test) = cifar100.load_data()
    assert x_train.shape == (4, 32, 32, 3) and x_test.shape == (2, 32, 32, 3)
    assert x_train.dtype == np.uint8
    assert y_train.shape == (4, 1) and y_train[:, 0].tolist() == [95, 96, 97, 98]
    assert y_train.dtype == np.int64  # what Keras's loader returns (its docs say uint8)
    (_, coarse_train), (_, coarse_test) = cifar100.load_data(label_mode="coarse")
    assert coarse_train[:, 0].tolist() == [15, 16, 17, 18] and coarse_test[:, 0].tolist() == [0, 1]
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data(label_mode="medium")


def test_a_cifar_pickle_cannot_run_code(mirror, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    evil = pickle.dumps({b"data": Evil(), b"fine_labels": []}, protocol=3)
    files = {"cifar-100-python/train": evil, "cifar-100-python/test": evil}
    mirror.serve(cifar100, "cifar-100-python.tar.gz", tar_gz(files))
    with pytest.raises(pickle.UnpicklingError, match=r"Refusing to load `\w+\.system`"):
        cifar100.load_data()
    assert not (tmp_path / "pwned-by-a-dataset-file").exists()


def test_an_imdb_npz_cannot_run_code(mirror, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    evil = object_array([[1, 2], Evil()])
    mirror.serve(imdb, "imdb.npz", npz_bytes(x_train=evil, y_train=np.array([0, 1]),
                                             x_test=evil, y_test=np.array([0, 1])))
    with pytest.raises(pickle.UnpicklingError, match="Refusing"):
        imdb.load_data()
    assert not (tmp_path / "pwned-by-a-dataset-file").exists()


# ------------------------------------------------------------------------------ text datasets
# The tiny files: word ranks 1..12, ragged lists, as in Keras's imdb.npz / reuters.npz.

IMDB_TRAIN = [[1, 5, 2, 9], [4, 4, 12, 1, 3, 7], [2], [11, 6, 1, 1, 8, 10, 2], [3, 5],
              [7, 1, 9, 2, 6], [12, 12, 4]]
IMDB_TRAIN_Y = [1, 0, 0, 1, 1, 0, 1]
IMDB_TEST = [[6, 2, 1], [9, 9, 9, 9, 10], [1, 2, 3, 4, 5, 6, 7, 8], [5], [8, 3, 11, 2]]
IMDB_TEST_Y = [0, 1, 1, 0, 1]
REUTERS_X = IMDB_TRAIN + IMDB_TEST
REUTERS_Y = [3, 4, 3, 19, 1, 3, 4, 11, 3, 4, 0, 45]

# (keyword arguments, (x_train, y_train, x_test, y_test)) from Keras 3.15.1 on the same files.
IMDB_CASES = [
    ({},
     ([[1, 7, 7, 2, 4, 6, 10], [1, 14, 9, 4, 4, 11, 13, 5], [1, 4, 8, 5, 12], [1, 2, 2, 7], [1, 5],
       [1, 6, 8], [1, 10, 4, 12, 5, 9]],
      [0, 1, 1, 1, 0, 1, 0],
      [[1, 4, 5, 6, 7, 8, 9, 10, 11], [1, 8], [1, 11, 6, 14, 5], [1, 12, 12, 12, 12, 13],
       [1, 9, 5, 4]],
      [1, 0, 1, 1, 0])),
    ({'num_words': 8, 'skip_top': 2},
     ([[2, 7, 7, 2, 4, 6, 2], [2, 2, 2, 4, 4, 2, 2, 5], [2, 4, 2, 5, 2], [2, 2, 2, 7], [2, 5],
       [2, 6, 2], [2, 2, 4, 2, 5, 2]],
      [0, 1, 1, 1, 0, 1, 0],
      [[2, 4, 5, 6, 7, 2, 2, 2, 2], [2, 2], [2, 2, 6, 2, 5], [2, 2, 2, 2, 2, 2], [2, 2, 5, 4]],
      [1, 0, 1, 1, 0])),
    ({'maxlen': 5}, ([[1, 2, 2, 7], [1, 5], [1, 6, 8]], [1, 0, 1], [[1, 8], [1, 9, 5, 4]], [0, 0])),
    ({'index_from': 0, 'num_words': 6, 'oov_char': None, 'start_char': None},
     ([[4, 4, 1, 3], [1, 1, 2], [1, 5, 2], [4], [2], [3, 5], [1, 2]], [0, 1, 1, 1, 0, 1, 0],
      [[1, 2, 3, 4, 5], [5], [3, 2], [], [2, 1]], [1, 0, 1, 1, 0])),
    ({'index_from': 2, 'oov_char': None, 'seed': 7, 'skip_top': 3},
     ([[4], [9, 3, 11, 4, 8], [3, 7, 4, 11], [6], [13, 8, 3, 3, 10, 12, 4], [6, 6, 3, 5, 9],
       [5, 7]],
      [0, 0, 1, 1, 1, 0, 1],
      [[7], [10, 5, 13, 4], [3, 4, 5, 6, 7, 8, 9, 10], [11, 11, 11, 11, 12], [8, 4, 3]],
      [0, 1, 1, 1, 0])),
    ({'maxlen': 6, 'num_words': 10, 'oov_char': 0, 'start_char': 2},
     ([[2, 4, 8, 5, 0], [2, 0, 0, 7], [2, 5], [2, 6, 8]], [1, 1, 0, 1],
      [[2, 8], [2, 0, 6, 0, 5], [2, 9, 5, 4]], [0, 1, 0])),
]
REUTERS_CASES = [
    ({},
     ([[1, 6, 8], [1, 14, 9, 4, 4, 11, 13, 5], [1, 4, 5, 6, 7, 8, 9, 10, 11],
       [1, 12, 12, 12, 12, 13], [1, 7, 7, 2, 4, 6, 10], [1, 4, 8, 5, 12], [1, 11, 6, 14, 5],
       [1, 9, 5, 4], [1, 2, 2, 7]],
      [1, 19, 4, 3, 4, 3, 45, 11, 4], [[1, 8], [1, 5], [1, 10, 4, 12, 5, 9]], [0, 3, 3])),
    ({'num_words': 9, 'test_split': 0.3},
     ([[1, 6, 8], [1, 2, 2, 4, 4, 2, 2, 5], [1, 4, 5, 6, 7, 8, 2, 2, 2], [1, 2, 2, 2, 2, 2],
       [1, 7, 7, 2, 4, 6, 2], [1, 4, 8, 5, 2], [1, 2, 6, 2, 5], [1, 2, 5, 4]],
      [1, 19, 4, 3, 4, 3, 45, 11], [[1, 2, 2, 7], [1, 8], [1, 5], [1, 2, 4, 2, 5, 2]],
      [4, 0, 3, 3])),
    ({'maxlen': 5, 'skip_top': 4},
     ([[2, 6, 8], [2, 9, 5, 4], [2, 2, 2, 7], [2, 8]], [1, 11, 4, 0], [[2, 5]], [3])),
    ({'index_from': 1, 'oov_char': None, 'seed': 1, 'start_char': None},
     ([[3], [12, 7, 2, 2, 9, 11, 3], [4, 6], [6], [5, 5, 2, 4, 8], [5], [2, 6, 3, 10], [7, 3, 2],
       [9, 4, 12, 3]],
      [3, 19, 1, 0, 4, 4, 3, 11, 45],
      [[2, 3, 4, 5, 6, 7, 8, 9], [10, 10, 10, 10, 11], [8, 2, 10, 3, 7]], [4, 3, 3])),
    ({'test_split': 0.0},
     ([[1, 6, 8], [1, 14, 9, 4, 4, 11, 13, 5], [1, 4, 5, 6, 7, 8, 9, 10, 11],
       [1, 12, 12, 12, 12, 13], [1, 7, 7, 2, 4, 6, 10], [1, 4, 8, 5, 12], [1, 11, 6, 14, 5],
       [1, 9, 5, 4], [1, 2, 2, 7], [1, 8], [1, 5], [1, 10, 4, 12, 5, 9]],
      [1, 19, 4, 3, 4, 3, 45, 11, 4, 0, 3, 3], [], [])),
    ({'maxlen': 7, 'num_words': 7, 'oov_char': 3, 'skip_top': 1, 'test_split': 0.5},
     ([[1, 6, 3], [1, 3, 3, 3, 3, 3], [1, 4, 3, 5, 3], [1, 3, 6, 3, 5]], [1, 3, 3, 45],
      [[1, 3, 5, 4], [1, 3, 3, 3], [1, 3], [1, 5], [1, 3, 4, 3, 5, 3]], [11, 4, 0, 3, 3])),
]


@pytest.fixture
def text_files(mirror):
    mirror.serve(imdb, "imdb.npz", npz_bytes(
        x_train=object_array(IMDB_TRAIN), y_train=np.array(IMDB_TRAIN_Y),
        x_test=object_array(IMDB_TEST), y_test=np.array(IMDB_TEST_Y)))
    mirror.serve(reuters, "reuters.npz",
                 npz_bytes(x=object_array(REUTERS_X), y=np.array(REUTERS_Y)))
    return mirror


def as_lists(result):
    (x_train, y_train), (x_test, y_test) = result
    return ([list(s) for s in x_train], y_train.tolist(),
            [list(s) for s in x_test], y_test.tolist())


@pytest.mark.parametrize("kwargs, expected", IMDB_CASES, ids=[str(k) for k, _ in IMDB_CASES])
def test_imdb_matches_keras(text_files, kwargs, expected):
    assert as_lists(imdb.load_data(**kwargs)) == expected


@pytest.mark.parametrize("kwargs, expected", REUTERS_CASES, ids=[str(k) for k, _ in REUTERS_CASES])
def test_reuters_matches_keras(text_files, kwargs, expected):
    assert as_lists(reuters.load_data(**kwargs)) == expected


def test_text_loaders_return_object_arrays_of_int_lists(text_files):
    (x_train, y_train), (x_test, y_test) = imdb.load_data(maxlen=5)
    assert x_train.dtype == object and x_train.shape == (3,) and y_train.dtype == np.int64
    assert all(type(s) is list and all(type(w) is int for w in s) for s in x_train)
    # Equally long sequences still give a 1-D array of lists (Keras would build a 2-D array).
    (x_train, _), _ = imdb.load_data(maxlen=3)
    assert x_train.shape == (1,) and x_train[0] == [1, 5]
    (x, y), _ = reuters.load_data()
    assert x.dtype == object and x.shape == (9,) and y.dtype == np.int64


def test_text_loader_arguments_are_checked(text_files):
    with pytest.raises(ValueError, match="no sequence was kept"):
        imdb.load_data(maxlen=2)
    with pytest.raises(ValueError, match="num_words"):
        imdb.load_data(num_words=-1)
    with pytest.raises(ValueError, match="skip_top"):
        reuters.load_data(skip_top=None)
    with pytest.raises(ValueError, match="test_split"):
        reuters.load_data(test_split=1.5)


def test_word_indices_and_label_names(mirror, monkeypatch):
    words = {"the": 1, "and": 2, "film": 3}
    data = json.dumps(words).encode()
    mirror.serve(imdb, "imdb_word_index.json", data, hash_attr=None)
    mirror.serve(reuters, "reuters_word_index.json", data, hash_attr=None)
    with pytest.raises(ValueError, match=f"md5 hash .*Expected {imdb.WORD_INDEX_HASH}"):
        imdb.get_word_index()  # the real md5 is checked
    monkeypatch.setattr(imdb, "WORD_INDEX_HASH", hashlib.md5(data).hexdigest())
    monkeypatch.setattr(reuters, "WORD_INDEX_HASH", hashlib.md5(data).hexdigest())
    assert imdb.get_word_index() == words and reuters.get_word_index() == words
    names = reuters.get_label_names()
    assert len(names) == 46 and names[3] == "earn" and names[0] == "cocoa" and names[-1] == "lead"


# ------------------------------------------------------------------------------ regression datasets


def housing_npz(n, features):
    x = np.arange(n * features, dtype="float64").reshape(n, features)
    return npz_bytes(x=x, y=np.arange(n, dtype="float64") * 10 + 0.5)


def rows(x):
    """Which original row each sample is (the tiny files number their rows)."""
    return (x[:, 0] // x.shape[1]).astype(int).tolist()


# (kwargs, training rows, test rows) from Keras 3.15.1 on an 11-row file.
BOSTON_CASES = [
    ({}, [4, 3, 8, 7, 1, 0, 10, 6], [9, 2, 5]),
    ({'test_split': 0.35, 'seed': 5}, [5, 8, 2, 10, 4, 7, 1], [0, 9, 6, 3]),
]
# (kwargs, n_train, n_test, first 10 training rows, last 10 test rows) on a 700-row file.
CALIFORNIA_CASES = [
    ({}, 560, 140, [107, 175, 556, 64, 39, 541, 42, 491, 237, 23],
     [7, 479, 218, 559, 240, 253, 662, 586, 162, 165]),
    ({'seed': 5, 'test_split': 0.35}, 455, 245, [273, 587, 357, 510, 518, 596, 72, 306, 564, 349],
     [204, 519, 670, 624, 411, 8, 73, 400, 118, 206]),
    ({'version': 'small'}, 480, 120, [568, 505, 59, 71, 298, 205, 29, 412, 100, 154],
     [315, 7, 479, 218, 559, 240, 253, 586, 162, 165]),
    ({'seed': 0, 'test_split': 0.1, 'version': 'small'}, 540, 60,
     [434, 122, 224, 479, 205, 569, 432, 526, 439, 162],
     [486, 314, 396, 472, 70, 277, 9, 359, 192, 559]),
]


@pytest.mark.parametrize("kwargs, train_rows, test_rows", BOSTON_CASES)
def test_boston_housing_matches_keras(mirror, kwargs, train_rows, test_rows):
    mirror.serve(boston_housing, "boston_housing.npz", housing_npz(11, 13))
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data(**kwargs)
    assert rows(x_train) == train_rows and rows(x_test) == test_rows
    assert x_train.shape == (len(train_rows), 13) and x_train.dtype == y_train.dtype == np.float64
    assert np.array_equal(y_test, np.array(test_rows) * 10 + 0.5)


@pytest.mark.parametrize("kwargs, n_train, n_test, first, last", CALIFORNIA_CASES)
def test_california_housing_matches_keras(mirror, kwargs, n_train, n_test, first, last):
    mirror.serve(california_housing, "california_housing.npz", housing_npz(700, 8))
    (x_train, y_train), (x_test, y_test) = california_housing.load_data(**kwargs)
    assert x_train.shape == (n_train, 8) and y_train.shape == (n_train,)
    assert x_test.shape == (n_test, 8) and y_test.shape == (n_test,)
    assert rows(x_train)[:10] == first and rows(x_test)[-10:] == last
    assert np.array_equal(y_train, np.array(rows(x_train)) * 10 + 0.5)


def test_regression_loader_arguments_are_checked():
    with pytest.raises(ValueError, match="test_split"):
        boston_housing.load_data(test_split=1)
    with pytest.raises(ValueError, match="version"):
        california_housing.load_data(version="medium")


# ------------------------------------------------------------------------------ the examples


MNIST_EXAMPLES = ["mnist_mlp", "mnist_cnn", "mnist_lstm", "functional_two_heads", "residual_cnn",
                  "siamese_mnist", "subclassed_model"]


@pytest.mark.parametrize("name", MNIST_EXAMPLES)
def test_examples_take_full_to_use_the_downloading_loader(mirror, offline, name, capsys):
    """`--full` trains on what `mnist.load_data()` fetches (here a 300 / 100 digit mnist.npz)."""
    (x_train, y_train), (x_test, y_test) = mnist.load_sample()
    mirror.serve(mnist, "mnist.npz", npz_bytes(x_train=x_train[:300], y_train=y_train[:300],
                                               x_test=x_test[:100], y_test=y_test[:100]))
    path = EXAMPLES / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    argv = ["--full", "--epochs", "1", "--verbose", "0"]
    if name == "siamese_mnist":
        argv += ["--pairs", "200"]
    example.main(argv)
    assert mirror.requests == ["mnist.npz"]
    out = capsys.readouterr().out
    assert "300 train" in out or "200 training pairs" in out
    assert (offline / "datasets" / "mnist.npz").exists()
