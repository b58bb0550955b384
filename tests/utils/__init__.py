"""Tests of minikeras.utils."""
