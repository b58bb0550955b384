"""Tests of minikeras.saving."""
