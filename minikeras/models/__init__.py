"""`minikeras.models`: Model, Sequential and their training loop."""
from minikeras.models.model import Model
from minikeras.models.sequential import Sequential
