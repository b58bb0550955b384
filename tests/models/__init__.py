"""Tests of minikeras.models."""
