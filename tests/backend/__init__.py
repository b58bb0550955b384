"""Tests of minikeras.backend."""
