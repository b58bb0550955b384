"""Test-wide settings: the hypothesis profiles of the property-based tests.

- "ci" (the default): few examples, derandomized (the same examples on every run) and no
  deadline, so that CI stays small and deterministic.
- "thorough": many random examples, for a local hunt:
  `HYPOTHESIS_PROFILE=thorough pytest tests -k property`.
"""
import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=25, derandomize=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.register_profile("thorough", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
