"""Tests of minikeras.trainers."""
