"""Tests of minikeras.visualization."""
