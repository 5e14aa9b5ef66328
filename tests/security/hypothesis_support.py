"""Hypothesis settings shared by the hostile-input suites: few, repeatable examples."""

from hypothesis import HealthCheck, settings


def lean(examples: int, *also_suppress: HealthCheck):
    """Settings for ``examples`` derandomized examples, no deadline and no example database."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, *also_suppress],
    )
