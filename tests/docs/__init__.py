"""Tests of the documentation: docs/, README.md, the API tables and the examples."""
