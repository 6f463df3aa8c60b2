"""Errors as the contract carries them: `raise fail(...)` in any method."""

from componentize_py_types import Err
from wit_world.imports.common import Error, ErrorKind


def fail(kind: ErrorKind, message: str, zone_independent: bool = False) -> Err:
    """The exception that makes a method return `err(error)`."""
    return Err(Error(kind=kind, message=message, zone_independent=zone_independent))


def other(message: str) -> Err:
    return fail(ErrorKind.OTHER, message)


def not_found(message: str) -> Err:
    return fail(ErrorKind.NOT_FOUND, message)


def not_valid(message: str, zone_independent: bool = False) -> Err:
    return fail(ErrorKind.NOT_VALID, message, zone_independent)


def not_implemented(message: str) -> Err:
    return fail(ErrorKind.NOT_IMPLEMENTED, message)


def not_supported(message: str) -> Err:
    return fail(ErrorKind.NOT_SUPPORTED, message)


def already_exists(message: str, zone_independent: bool = False) -> Err:
    return fail(ErrorKind.ALREADY_EXISTS, message, zone_independent)


def not_bootstrapped() -> Err:
    return fail(ErrorKind.NOT_BOOTSTRAPPED, "model is not bootstrapped")
