"""What each kind of failure means for the person who started the job, and what to do next."""

NEXT_STEPS = {
    "key_rejected": (
        "The provider did not accept the API key.",
        "Check or replace the key under Settings → API keys, then choose Run again.",
    ),
    "out_of_credits": (
        "The key has run out of credits or balance.",
        "Top up your account with the provider, then choose Run again.",
    ),
    "rate_limited": (
        "The provider is limiting how often this key can be used.",
        "Wait a little, then choose Run again.",
    ),
    "input_rejected": (
        "The provider refused some of the settings.",
        "Choose Edit and run again and change the settings named above.",
    ),
    "content_rejected": (
        "The provider refused the words used.",
        "Remove explicit words or artists' names, then choose Edit and run again.",
    ),
    "operation_failed": (
        "The provider could not finish this job.",
        "Choose Run again; if it fails again, change the input.",
    ),
    "provider_unavailable": (
        "The provider is not answering.",
        "Try again in a few minutes with Run again.",
    ),
    "provider_error": (
        "Something went wrong at the provider.",
        "Choose Run again; if it keeps failing, try the other provider.",
    ),
}


def explain(error_code: str) -> tuple[str, str]:
    """(headline, next step) for a job's stored ``error_code`` (``kind`` or ``kind:detail``)."""
    kind = (error_code or "provider_error").split(":", 1)[0]
    return NEXT_STEPS.get(kind, NEXT_STEPS["provider_error"])
