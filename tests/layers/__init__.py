"""Tests of minikeras.layers; harness.py is the shared layer test every layer class goes through."""
