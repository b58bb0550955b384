"""Tests of minikeras.distribution."""
