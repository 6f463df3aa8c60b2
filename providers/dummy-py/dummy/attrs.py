"""`attrs` (a list of (key, value) pairs with a small value variant) and
typed getters that coerce the way Juju's config schema does: a boolean or
an integer may arrive as text."""

from typing import List, Optional, Tuple

from wit_world.imports import common
from wit_world.imports.common import (
    Value_Boolean,
    Value_Float,
    Value_Int,
    Value_Json,
    Value_Text,
    Value_TextList,
    Value_TextMap,
)

from .errors import not_valid

Attrs = List[Tuple[str, common.Value]]

_TYPE_NAMES = {
    Value_Boolean: "bool",
    Value_Int: "int",
    Value_Float: "float",
    Value_Text: "string",
    Value_TextList: "list",
    Value_TextMap: "map",
    Value_Json: "json",
}


def get(attrs: Attrs, key: str) -> Optional[common.Value]:
    for k, v in attrs:
        if k == key:
            return v
    return None


def set_value(attrs: Attrs, key: str, value: common.Value) -> None:
    for i, (k, _) in enumerate(attrs):
        if k == key:
            attrs[i] = (key, value)
            return
    attrs.append((key, value))


def set_default(attrs: Attrs, key: str, value: common.Value) -> None:
    if get(attrs, key) is None:
        attrs.append((key, value))


def _wrong_type(key: str, want: str, got: common.Value):
    return not_valid(f"{key}: expected {want}, got {_TYPE_NAMES.get(type(got), '?')}")


def get_text(attrs: Attrs, key: str) -> Optional[str]:
    v = get(attrs, key)
    if v is None:
        return None
    if isinstance(v, Value_Text):
        return v.value
    raise _wrong_type(key, "string", v)


def get_bool(attrs: Attrs, key: str) -> Optional[bool]:
    v = get(attrs, key)
    if v is None:
        return None
    if isinstance(v, Value_Boolean):
        return v.value
    if isinstance(v, Value_Text):
        if v.value in ("true", "false"):
            return v.value == "true"
        raise not_valid(f"{key}: expected bool, got {v.value!r}")
    raise _wrong_type(key, "bool", v)


def text_or(attrs: Attrs, key: str, default: str) -> str:
    v = get_text(attrs, key)
    return default if v is None else v


def bool_or(attrs: Attrs, key: str, default: bool) -> bool:
    v = get_bool(attrs, key)
    return default if v is None else v
