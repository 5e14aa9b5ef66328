"""Every operation of every provider, in one place for the studio's forms."""

from functools import cache

from soundsite.providers.base import Operation, Provider, Task


@cache
def all_operations() -> tuple[Operation, ...]:
    from soundsite.providers import soundpiece, soundverse

    return (*soundpiece.OPERATIONS, *soundverse.OPERATIONS)


def get_operation(provider: str, key: str) -> Operation:
    for operation in all_operations():
        if operation.provider == provider and operation.key == key:
            return operation
    raise KeyError(f"{provider}:{key}")


def operations_for(task: Task | str, provider: Provider | str | None = None) -> list[Operation]:
    """The operations serving ``task``, the most capable (highest rank) first."""
    found = [
        op
        for op in all_operations()
        if op.task == task and (provider is None or op.provider == provider)
    ]
    return sorted(found, key=lambda op: (-op.rank, op.deprecated))
