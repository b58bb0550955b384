"""`minikeras.models`: Model (functional graphs and subclasses), Sequential, their training loop."""
from minikeras.models.model import Model
from minikeras.models.functional import Functional
from minikeras.models.sequential import Sequential
from minikeras.saving.saving_api import load_model, save_model
from minikeras.models.cloning import clone_model
from minikeras.saving.model_config import model_from_json
