"""Tests of minikeras.tree."""
