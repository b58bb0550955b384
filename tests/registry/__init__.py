"""Tests of minikeras.registry."""
