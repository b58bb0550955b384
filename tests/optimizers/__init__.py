"""Tests of minikeras.optimizers."""
