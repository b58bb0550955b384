"""Tests of minikeras.losses."""
