"""Model summaries, model graphs, training curves and the course's pictures.

`print_summary` (what `model.summary()` prints) needs nothing. The plots need matplotlib
(`pip install minikeras[viz]`), imported only when a plot is made; each returns a matplotlib
Figure that belongs to no window (headless-safe) and saves itself when given `to_file=`.
"""
from minikeras.visualization.summary import print_summary
from minikeras.visualization.history import plot_history
from minikeras.visualization.course import (plot_activations, plot_gradient_field,
                                            plot_tangent_line)
from minikeras.visualization.weights import plot_feature_maps, plot_weights
from minikeras.visualization.confusion import confusion_matrix, plot_confusion_matrix
from minikeras.visualization.model_visualization import model_to_dot, plot_model

__all__ = ["print_summary", "plot_history", "plot_activations", "plot_tangent_line",
           "plot_gradient_field", "plot_weights", "plot_feature_maps", "plot_confusion_matrix",
           "confusion_matrix", "plot_model", "model_to_dot"]
