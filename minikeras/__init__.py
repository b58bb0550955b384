"""minikeras: Keras, written in NumPy, that you can read."""
__version__ = "0.1.0"

from minikeras import backend, ops  # noqa: E402
