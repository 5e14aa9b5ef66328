"""What each kind of failure means for the person who started the job, and what to do next."""

NEXT_STEPS = {
    "key_rejected": (
        "{provider} did not accept this API key.",
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
        "{provider} could not finish this job.",
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


# Advice the provider clients end their messages with, which a card's next step already gives.
ALREADY_ADVISED = ("Try again, or change the input.", "Check it under Settings → API keys.")


def explain(error_code: str, provider: str = "") -> tuple[str, str]:
    """(headline, next step) for a job's stored ``error_code`` (``kind`` or ``kind:detail``)."""
    kind = (error_code or "provider_error").split(":", 1)[0]
    headline, next_step = NEXT_STEPS.get(kind, NEXT_STEPS["provider_error"])
    return headline.format(provider=provider or "The provider"), next_step


def details(message: str, headline: str) -> str:
    """What a job's stored message adds to its card's headline and next step.

    The provider clients write whole sentences ("Soundpiece could not finish this job.
    Soundpiece said: … Try again, or change the input."); the card's headline and next step
    already say the first and the last, so the card shows only what is left.
    """
    text = message or ""
    for said in (*ALREADY_ADVISED, headline.rstrip(".")):
        text = text.replace(said, " ")
    # "Soundpiece did not accept this API key: it may be …" keeps "it may be …" as a sentence.
    text = " ".join(text.split()).lstrip(":;,. ")
    return text[:1].upper() + text[1:]
