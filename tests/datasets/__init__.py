"""Tests of minikeras.datasets."""
