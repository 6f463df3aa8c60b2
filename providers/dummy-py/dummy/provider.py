"""The provider: Juju's dummy `EnvironProvider`."""

from typing import List, Optional

from wit_world.imports.common import (
    CloudCredential,
    Credential,
    CredentialAttr,
    CredentialSchema,
    FinalizeCredentialParams,
    OpenParams,
    PrepareConfigParams,
)

from . import attrs as A
from . import config as C
from .environ import Environ
from .errors import not_implemented


def _attr(name: str, description: str, hidden: bool) -> CredentialAttr:
    return CredentialAttr(
        name=name,
        description=description,
        hidden=hidden,
        file_attr="",
        file_path=False,
        expand_file_path=False,
        optional=False,
        options=[],
    )


class Provider:
    """`juju:environs/provider`."""

    def version(self) -> int:
        # Juju's dummy is at 0; this port has no upgrade steps (no `upgrader`).
        return 0

    def cloud_schema(self) -> Optional[str]:
        return None

    def ping(self, endpoint: str) -> None:
        raise not_implemented("Ping not implemented")

    def prepare_config(self, params: PrepareConfigParams) -> A.Attrs:
        # Juju's dummy validates and returns its input.
        C.validate(params.config)
        return params.config

    def validate(self, config: A.Attrs, old: Optional[A.Attrs]) -> A.Attrs:
        return C.validate(config, old)

    def credential_schemas(self) -> List[CredentialSchema]:
        return [
            CredentialSchema(auth_type="empty", attributes=[]),
            CredentialSchema(
                auth_type="userpass",
                attributes=[
                    _attr("username", "The username to authenticate with.", False),
                    _attr("password", "The password for the specified username.", True),
                ],
            ),
        ]

    def detect_credentials(self) -> CloudCredential:
        # Juju's dummy detects an empty cloud credential.
        return CloudCredential(default_credential="", default_region="", auth_credentials=[])

    def finalize_credential(self, params: FinalizeCredentialParams) -> Credential:
        return params.credential

    def open(self, params: OpenParams) -> Environ:
        config = C.validate(params.config)
        C.DummyConfig(config).check_broken("Open")
        return Environ(params.cloud, config)
