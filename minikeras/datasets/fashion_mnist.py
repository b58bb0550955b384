"""Fashion-MNIST: 70,000 28x28 grayscale images of 10 kinds of clothing, a drop-in for MNIST.

Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker,
8 Bag, 9 Ankle boot. The four original gzipped IDX files are downloaded once into
`<cache root>/datasets/fashion-mnist/`.
"""
import gzip
import os

import numpy as np

from minikeras.datasets._remote import KERAS_BUCKET, fetch

ORIGIN_FOLDER = KERAS_BUCKET
FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")
# Keras gives no hashes for these four files; get_file still refuses a download cut short.
FILE_HASHES = {name: None for name in FILES}
CACHE_SUBDIR = os.path.join("datasets", "fashion-mnist")

_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path):
    """The array stored in an IDX file (gzipped or not), checked against its own header.

    IDX is MNIST's format: two zero bytes, a type code (0x08 = uint8), the number of
    dimensions, each dimension as a big-endian uint32, then the data in C order.
    """
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number {raw[:4].hex()}).")
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(f"{path} is damaged: its header promises shape {shape} "
                         f"({expected} bytes of data) but it holds {len(raw) - header}.")
    array = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="))  # a writable copy in native byte order


def load_data():
    """Return `((x_train, y_train), (x_test, y_test))` as `keras.datasets.fashion_mnist`.

    x_train (60000, 28, 28) uint8, y_train (60000,) uint8, x_test (10000, 28, 28) uint8,
    y_test (10000,) uint8. To work offline, put the four files in
    `<cache root>/datasets/fashion-mnist/`.
    """
    y_train, x_train, y_test, x_test = (
        read_idx(fetch(name, ORIGIN_FOLDER + name, FILE_HASHES[name], cache_subdir=CACHE_SUBDIR))
        for name in FILES)
    for images, labels, part in ((x_train, y_train, "training"), (x_test, y_test, "test")):
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(f"Fashion-MNIST {part} files disagree: images {images.shape}, "
                             f"labels {labels.shape}.")
    return (x_train, y_train), (x_test, y_test)
