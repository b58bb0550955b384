"""Merge layers: combine a list of tensors into one (Add, Subtract, Multiply, Average, Maximum,
Minimum, Concatenate, Dot), each with its functional form (add, subtract, ...)."""
from minikeras.layers.merging.base_merge import Merge
from minikeras.layers.merging.add import Add, add
from minikeras.layers.merging.subtract import Subtract, subtract
from minikeras.layers.merging.multiply import Multiply, multiply
from minikeras.layers.merging.average import Average, average
from minikeras.layers.merging.maximum import Maximum, maximum
from minikeras.layers.merging.minimum import Minimum, minimum
from minikeras.layers.merging.concatenate import Concatenate, concatenate
from minikeras.layers.merging.dot import Dot, dot

__all__ = ["Merge", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
           "Concatenate", "Dot", "add", "subtract", "multiply", "average", "maximum", "minimum",
           "concatenate", "dot"]
