"""Tests of minikeras.metrics."""
