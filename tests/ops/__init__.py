"""Tests of minikeras.ops."""
