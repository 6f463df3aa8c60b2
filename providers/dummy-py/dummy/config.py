"""The dummy's configuration: Juju's dummy attributes (`controller`,
`broken`, `secret`) on top of the core keys it reads (`name`, `uuid`,
`firewall-mode`)."""

from typing import List, Optional

from wit_world.imports.common import Value_Boolean, Value_Text

from . import attrs as A
from .errors import not_valid, other

FIREWALL_MODES = ("instance", "global", "none")


class DummyConfig:
    """The attributes the dummy acts on, read from a validated config."""

    def __init__(self, config: A.Attrs):
        mode = A.text_or(config, "firewall-mode", "instance")
        if mode not in FIREWALL_MODES:
            raise not_valid(
                f'invalid firewall mode "{mode}": expected instance, global or none'
            )
        self.firewall_mode = mode
        self.name = A.text_or(config, "name", "")
        self.uuid = A.text_or(config, "uuid", "")
        self.controller = A.bool_or(config, "controller", False)
        self.broken: List[str] = A.text_or(config, "broken", "").split()

    def check_broken(self, method: str) -> None:
        """`dummy.<method> is broken` when `broken` names `method`."""
        if method in self.broken:
            raise other(f"dummy.{method} is broken")


def validate(config: A.Attrs, old: Optional[A.Attrs] = None) -> A.Attrs:
    """`config.Validator.Validate`: type-checks the dummy's attributes, fills
    in Juju's defaults and returns the completed configuration."""
    config = list(config)
    A.get_bool(config, "controller")
    A.get_text(config, "broken")
    A.get_text(config, "secret")
    DummyConfig(config)
    if not A.text_or(config, "name", ""):
        raise not_valid("name: expected a non-empty model name")
    A.set_default(config, "controller", Value_Boolean(False))
    A.set_default(config, "broken", Value_Text(""))
    A.set_default(config, "secret", Value_Text("pork"))
    A.set_default(config, "firewall-mode", Value_Text("instance"))
    return config
