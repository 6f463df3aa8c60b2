"""The dummy's persistent state: one JSON file per model uuid in the state
directory the host grants (preopened as `/state`), re-read on every call so
a second instance (or process) sees the same instances. Without a state
directory the state lives in memory for the instance.

Writes go to `<uuid>.json.tmp` first and are then renamed over
`<uuid>.json`: an instance killed mid-write leaves the old file intact.
"""

import json
import os
from typing import Any, Callable, Dict, List, Optional, Tuple

from .errors import not_valid, other

STATE_DIR = "/state"

Model = Dict[str, Any]

# State kept in memory when no state directory was granted.
_MEMORY: Dict[str, Model] = {}


def new_model(name: str, controller_uuid: str = "") -> Model:
    """The state of a freshly prepared (or created) model."""
    return {
        "name": name,
        "controller_uuid": controller_uuid,
        "bootstrapped": False,
        "bootstrap_finalized": False,
        "next_instance": 0,
        # id -> instance record (see `instances.py`)
        "instances": {},
        # model-wide rules (`firewall-mode=global`)
        "global_rules": [],
    }


def not_prepared():
    """The error methods on a model without state return (Juju's wording)."""
    return other("model is not prepared")


def _state_dir() -> Optional[str]:
    return STATE_DIR if os.path.isdir(STATE_DIR) else None


def _valid_uuid(uuid: str) -> bool:
    return bool(uuid) and all(c.isascii() and (c.isalnum() or c == "-") for c in uuid)


class Store:
    """Access to the state of one model; the uuid becomes a file name, so
    only letters, digits and `-` are accepted."""

    def __init__(self, uuid: str):
        if not _valid_uuid(uuid):
            raise not_valid(f"model uuid {uuid!r} is not valid")
        self.uuid = uuid

    def _path(self, dir: str) -> str:
        return os.path.join(dir, self.uuid + ".json")

    def load(self) -> Optional[Model]:
        """The state, or None when the model was never prepared (or destroyed)."""
        dir = _state_dir()
        if dir is None:
            model = _MEMORY.get(self.uuid)
            return None if model is None else json.loads(json.dumps(model))
        return _load_file(self._path(dir))

    def get(self) -> Model:
        """The state; `model is not prepared` when there is none."""
        model = self.load()
        if model is None:
            raise not_prepared()
        return model

    def save(self, model: Model) -> None:
        """Replaces the state (atomically on disk)."""
        dir = _state_dir()
        if dir is None:
            _MEMORY[self.uuid] = json.loads(json.dumps(model))
            return
        path = self._path(dir)
        tmp = path + ".tmp"
        try:
            with open(tmp, "w") as f:
                json.dump(model, f, indent=1, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except OSError as e:
            raise other(f"saving model state: {e}")

    def update(self, change: Callable[[Model], Any]) -> Any:
        """Loads the state, applies `change` and saves the result when
        `change` returns without raising."""
        model = self.get()
        out = change(model)
        self.save(model)
        return out

    def remove(self) -> None:
        """Removes the model's state; a missing state is not an error."""
        dir = _state_dir()
        if dir is None:
            _MEMORY.pop(self.uuid, None)
            return
        try:
            os.remove(self._path(dir))
        except FileNotFoundError:
            pass
        except OSError as e:
            raise other(f"removing model state: {e}")


def all_models() -> List[Tuple[Store, Model]]:
    """Every model's store and state (for `destroy-controller`)."""
    dir = _state_dir()
    if dir is None:
        return [(Store(uuid), m) for uuid, m in _MEMORY.items()]
    try:
        names = sorted(os.listdir(dir))
    except OSError as e:
        raise other(f"listing model state: {e}")
    models = []
    for name in names:
        if not name.endswith(".json"):
            continue
        uuid = name[: -len(".json")]
        if not _valid_uuid(uuid):
            continue
        model = _load_file(os.path.join(dir, name))
        if model is not None:
            models.append((Store(uuid), model))
    return models


def _load_file(path: str) -> Optional[Model]:
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise other(f"reading model state: {e}")
    try:
        return json.loads(text)
    except ValueError as e:
        raise other(f"model state {path} is corrupt: {e}")
