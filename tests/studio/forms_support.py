"""Valid form values for any catalog operation, for the studio's form tests."""

from soundsite.providers.base import FieldType

TEXT_VALUES = {
    "timeRanges": "0-4, 8-12",
    "manualSeeds": "1, 2",
    "lyrics": "[Verse]\nMorning light on the harbour\n[Chorus]\nWe sail on",
}


def valid_value(spec):
    if spec.type in (FieldType.TEXT, FieldType.LONG_TEXT):
        text = TEXT_VALUES.get(spec.name, "bright summer pop, acoustic guitar")
        return text[: spec.max_length] if spec.max_length else text
    if spec.type in (FieldType.INTEGER, FieldType.NUMBER):
        if spec.name == "end":
            return "10"
        low = spec.min_value if spec.min_value is not None else 5
        value = max(low, 1) if spec.min_value is None or spec.min_value > 0 else max(low, 2)
        if spec.max_value is not None:
            value = min(value, spec.max_value)
        return str(int(value)) if spec.type is FieldType.INTEGER else str(value)
    if spec.type is FieldType.BOOLEAN:
        return "on"
    if spec.type is FieldType.CHOICE:
        return spec.choices[0].value
    raise AssertionError(spec.type)


def valid_data(operation, track, *, only_required=False, key=None) -> dict:
    data = {"operation": f"{operation.provider}:{operation.key}"}
    if key is not None:
        data["key"] = str(key.code)
    needed = {name for group in operation.requires_one_of for name in group[:1]}
    for spec in operation.fields:
        if only_required and not spec.required and spec.name not in needed:
            continue
        if spec.type is FieldType.AUDIO:
            data[spec.name] = "library"
            data[f"{spec.name}__track"] = str(track.code)
        else:
            data[spec.name] = valid_value(spec)
    return data
