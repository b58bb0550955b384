"""`minikeras.callbacks`: hooks into fit / evaluate / predict."""
from minikeras.callbacks.callback import Callback
from minikeras.callbacks.callback_list import CallbackList
from minikeras.callbacks.history import History
from minikeras.callbacks.progbar_logger import ProgbarLogger
