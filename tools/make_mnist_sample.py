"""Build minikeras/datasets/data/mnist_sample.npz from the real MNIST test set.

The 10,000 real test digits (IDX gzip files, see ../shared/data/mnist) are split in their
original order: the first 8,000 become the training sample, the last 2,000 the test sample
(no shuffling, so the split is the plainest one and anyone can reproduce it). Run from the
repository root:

    python tools/make_mnist_sample.py ../shared/data/mnist
"""
import gzip
import os
import sys

import numpy as np


def read_idx(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def main(source_dir):
    images = read_idx(os.path.join(source_dir, "t10k-images-idx3-ubyte.gz"), 16).reshape(-1, 28, 28)
    labels = read_idx(os.path.join(source_dir, "t10k-labels-idx1-ubyte.gz"), 8)
    train, test = slice(0, 8000), slice(8000, None)
    target = os.path.join("minikeras", "datasets", "data", "mnist_sample.npz")
    np.savez_compressed(target, x_train=images[train], y_train=labels[train],
                        x_test=images[test], y_test=labels[test])
    print(f"wrote {target}: {len(labels[train])} train / {len(labels[test])} test digits")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join("..", "shared", "data", "mnist"))
