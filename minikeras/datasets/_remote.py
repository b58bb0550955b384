"""Where the dataset loaders fetch their files from, and the one switch that changes it.

Every loader names its file by Keras's own URL (`KERAS_BUCKET` + file name, or the CIFAR
site) and hash, and fetches it with `minikeras.utils.get_file` into `<cache root>/datasets/`.

Set the environment variable `MINIKERAS_DATASETS_ORIGIN` to a base URL (`http://host/path/`,
`file:///some/folder/`) to fetch every dataset file from there instead, under its original
file name (`mnist.npz`, `cifar-10-python.tar.gz`, `train-images-idx3-ubyte.gz`, ...): a local
mirror, or the test suite's little HTTP server. The expected hashes stay the same, since a
mirror serves the same files.
"""
import os

from minikeras.utils.file_utils import get_file

KERAS_BUCKET = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
ORIGIN_ENV = "MINIKERAS_DATASETS_ORIGIN"


def origin(url):
    """`url`, or the same file name under `$MINIKERAS_DATASETS_ORIGIN` when that is set."""
    mirror = os.environ.get(ORIGIN_ENV)
    if not mirror:
        return url
    return mirror.rstrip("/") + "/" + url.rsplit("/", 1)[-1]


def fetch(fname, url, file_hash=None, **kwargs):
    """`get_file(fname, origin(url), file_hash=file_hash, **kwargs)`: the local path."""
    return get_file(fname=fname, origin=origin(url), file_hash=file_hash, **kwargs)


def require_keys(data, keys, path):
    """Check that an .npz file has the arrays a loader reads; the error names what is missing."""
    missing = [key for key in keys if key not in data]
    if missing:
        raise ValueError(f"{path} is not the expected dataset file: it lacks the arrays "
                         f"{missing} (it has {sorted(data)}).")
