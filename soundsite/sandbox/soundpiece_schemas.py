"""Request validation for the Soundpiece stand-in, with Pydantic, as the real service does.

Soundpiece's 422 answers are FastAPI + Pydantic v2's (reference 10.2), so the sandbox declares
the documented request schemas as Pydantic models and reports failures in FastAPI's shape:
``{"detail": [{"type", "loc": ["body", …], "msg", "input", "ctx"}]}``. Limits the reference
marks UNKNOWN (sample / effect / cut lengths) are account options here, not model constants.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    BaseModel,
    Field,
    HttpUrl,
    StringConstraints,
    UrlConstraints,
    ValidationError,
)

OPERATION_ID_PATTERN = r"^op_[0-9a-z]{26}$"  # DOCUMENTED

Prompt = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
Lyrics = Annotated[str, StringConstraints(min_length=1, max_length=3000)]
CallbackUrl = Annotated[HttpUrl, UrlConstraints(max_length=2048)]
Seconds = Annotated[float, Field(allow_inf_nan=False)]
Variations = Annotated[int, Field(ge=1, le=3)]


class AudioSource(BaseModel):
    url: HttpUrl


class _Request(BaseModel):
    idempotency_key: UUID
    callback_url: CallbackUrl | None = None


class CreateNewSongPromptRequest(_Request):
    lyrics: Lyrics
    prompt: Prompt


class CreateNewSongReferenceRequest(_Request):
    lyrics: Lyrics
    reference: AudioSource


class CreateNewInstrumentalPromptRequest(_Request):
    prompt: Prompt


class CreateNewInstrumentalReferenceRequest(_Request):
    reference: AudioSource


class CreateNewSampleRequest(_Request):
    prompt: Prompt
    duration: Seconds
    loopable: bool = False


class CreateNewFxRequest(_Request):
    prompt: Prompt
    duration: Seconds


class CreateRemixSongRequest(_Request):
    source: AudioSource
    lyrics: Lyrics
    prompt: Prompt
    n_variations: Variations = 1


class CreateRemixInstrumentalRequest(_Request):
    source: AudioSource
    n_variations: Variations = 1


class AdaptSeparateStemsRequest(_Request):
    source: AudioSource


class AdaptAutoCutDownRequest(_Request):
    source: AudioSource
    target_duration: Seconds


class PollQuery(BaseModel):
    id: Annotated[str, StringConstraints(pattern=OPERATION_ID_PATTERN)]
    wait: bool = False


# Actions whose body is a union of a prompt variant and a reference variant.
VARIANTS: dict[str, tuple[type[BaseModel], type[BaseModel]]] = {
    "create.new_song": (CreateNewSongPromptRequest, CreateNewSongReferenceRequest),
    "create.new_instrumental": (
        CreateNewInstrumentalPromptRequest,
        CreateNewInstrumentalReferenceRequest,
    ),
}
MODELS: dict[str, type[BaseModel]] = {
    "create.new_sample": CreateNewSampleRequest,
    "create.new_fx": CreateNewFxRequest,
    "create.remix_song": CreateRemixSongRequest,
    "create.remix_instrumental": CreateRemixInstrumentalRequest,
    "adapt.separate_stems": AdaptSeparateStemsRequest,
    "adapt.auto_cut_down": AdaptAutoCutDownRequest,
}
# Which number fields have limits the reference does not know, and their option names.
LENGTH_FIELDS = {
    "create.new_sample": "duration",
    "create.new_fx": "duration",
    "adapt.auto_cut_down": "target_duration",
}
DEFAULT_MAX_SECONDS = {"duration": 600.0, "target_duration": 3600.0}


def _errors(exc: ValidationError, where: str) -> list[dict[str, Any]]:
    # Pydantic's JSON rendering makes every ``ctx`` value JSON-safe; FastAPI drops ``url``.
    entries = json.loads(exc.json(include_url=False))
    for entry in entries:
        entry["loc"] = [where, *entry["loc"]]
    return entries


def _validate(model: type[BaseModel], body: Any) -> tuple[dict | None, list[dict]]:
    try:
        return model.model_validate(body).model_dump(mode="json"), []
    except ValidationError as exc:
        return None, _errors(exc, "body")


def _dedupe(errors: list[dict]) -> list[dict]:
    seen, unique = set(), []
    for entry in errors:
        key = (tuple(entry["loc"]), entry["type"])
        if key not in seen:
            seen.add(key)
            unique.append(entry)
    return unique


def _validate_variants(action: str, body: Any, options: dict) -> tuple[dict | None, list[dict]]:
    prompt_model, reference_model = VARIANTS[action]
    given = body if isinstance(body, dict) else {}
    has_prompt = given.get("prompt") is not None
    has_reference = given.get("reference") is not None
    if has_prompt and has_reference:
        # UNKNOWN what the service does with both (reference 7.1); "accept" keeps both and
        # lets the prompt lead, "reject" answers 422.
        if options.get("both_prompt_and_reference", "accept") == "reject":
            return None, [
                {
                    "type": "value_error",
                    "loc": ["body"],
                    "msg": "Value error, give either a prompt or a reference, not both",
                    "input": given,
                }
            ]
        first, errors_a = _validate(prompt_model, body)
        second, errors_b = _validate(reference_model, body)
        if errors_a or errors_b:
            return None, _dedupe(errors_a + errors_b)
        return {**second, **first}, []
    if has_reference:
        return _validate(reference_model, body)
    if has_prompt:
        return _validate(prompt_model, body)
    _, errors_a = _validate(prompt_model, body)
    _, errors_b = _validate(reference_model, body)
    return None, _dedupe(errors_a + errors_b)


def _length_errors(action: str, data: dict, options: dict) -> list[dict]:
    name = LENGTH_FIELDS.get(action)
    if name is None:
        return []
    value = data[name]
    least = float(options.get(f"{name}_min", 0.0))
    most = options.get(f"{name}_max", DEFAULT_MAX_SECONDS[name])
    if value <= least:
        return [
            {
                "type": "greater_than",
                "loc": ["body", name],
                "msg": f"Input should be greater than {least:g}",
                "input": value,
                "ctx": {"gt": least},
            }
        ]
    if most is not None and value > float(most):
        return [
            {
                "type": "less_than_equal",
                "loc": ["body", name],
                "msg": f"Input should be less than or equal to {float(most):g}",
                "input": value,
                "ctx": {"le": float(most)},
            }
        ]
    return []


MISSING_BODY = object()


def validate_put(action: str, body: Any, options: dict) -> tuple[dict | None, list[dict]]:
    """The normalised request (JSON-safe) or the 422 ``detail`` entries."""
    if body is MISSING_BODY:
        return None, [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]
    if action in VARIANTS:
        data, errors = _validate_variants(action, body, options)
    else:
        data, errors = _validate(MODELS[action], body)
    if errors:
        return None, errors
    errors = _length_errors(action, data, options)
    return (None, errors) if errors else (data, [])


def validate_query(query: dict[str, str]) -> tuple[dict | None, list[dict]]:
    try:
        return PollQuery.model_validate(query).model_dump(), []
    except ValidationError as exc:
        return None, _errors(exc, "query")
