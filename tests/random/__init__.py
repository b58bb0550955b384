"""Tests of minikeras.random."""
