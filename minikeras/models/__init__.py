"""`minikeras.models`: Model (functional graphs and subclasses), Sequential, their training loop."""
from minikeras.models.model import Model
from minikeras.models.functional import Functional
from minikeras.models.sequential import Sequential
