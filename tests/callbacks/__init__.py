"""Tests of minikeras.callbacks."""
