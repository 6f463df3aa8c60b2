// The dummy's persistent state: one JSON file per model uuid in the state
// directory the host grants (preopened as `/state`), re-read on every call
// so a second instance (or process) over the same directory sees the same
// model. Without a state directory the state lives in memory for the
// instance.
//
// QuickJS has no `fs` module: files are read and written through the WASI
// filesystem interfaces the world imports. Writes go to `<uuid>.json.tmp`,
// are synced, then renamed over `<uuid>.json`: a reader sees the old or the
// new state, never a torn file.

import { getDirectories } from "wasi:filesystem/preopens@0.2.12";
import { notValid, other } from "./errors.js";
import { decodeUtf8, encodeUtf8 } from "./utf8.js";

const STATE_DIR = "/state";
const memory = new Map();
let stateDir; // undefined: not looked up yet; null: none granted

/** The preopened state directory's descriptor, or null without a grant. */
function dir() {
  if (stateDir === undefined) {
    const found = getDirectories().find(([, path]) => path === STATE_DIR);
    stateDir = found ? found[0] : null;
  }
  return stateDir;
}

/** The WASI `error-code` case of a failed filesystem call. */
function errorCode(e) {
  if (typeof e === "string") return e;
  return e?.payload ?? e?.val ?? e?.code ?? String(e);
}

function fsError(what, e) {
  return other(`${what}: ${errorCode(e)}`);
}

const NO_FOLLOW = {};
const READ = { read: true };
const WRITE = { write: true };

/** The whole file `name` as text, or null when it does not exist. */
function readFile(d, name) {
  let file;
  try {
    file = d.openAt(NO_FOLLOW, name, {}, READ);
  } catch (e) {
    if (errorCode(e) === "no-entry") return null;
    throw fsError(`reading model state ${name}`, e);
  }
  try {
    const chunks = [];
    let offset = 0;
    for (;;) {
      const [bytes, eof] = file.read(65536, offset);
      chunks.push(bytes);
      offset += bytes.length;
      if (eof || bytes.length === 0) break;
    }
    const all = new Uint8Array(offset);
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    return decodeUtf8(all);
  } catch (e) {
    throw fsError(`reading model state ${name}`, e);
  } finally {
    file[Symbol.dispose]?.();
  }
}

function writeFile(d, name, text) {
  const tmp = `${name}.tmp`;
  const bytes = encodeUtf8(text);
  try {
    const file = d.openAt(NO_FOLLOW, tmp, { create: true, truncate: true }, WRITE);
    try {
      let offset = 0;
      while (offset < bytes.length) {
        offset += Number(file.write(bytes.subarray(offset), offset));
      }
      file.sync();
    } finally {
      file[Symbol.dispose]?.();
    }
  } catch (e) {
    throw fsError("writing model state", e);
  }
  try {
    d.renameAt(tmp, d, name);
  } catch (e) {
    throw fsError("saving model state", e);
  }
}

function parseState(name, text) {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw other(`model state ${STATE_DIR}/${name} is corrupt: ${e}`);
  }
}

/** The error methods on a model without state return (Juju's wording). */
export const notPrepared = () => other("model is not prepared");

/** A new model's state. */
export function newState(name, controllerUuid = "") {
  return {
    name,
    controllerUuid,
    bootstrapped: false,
    bootstrapFinalized: false,
    nextInstance: 0,
    instances: {},
    globalRules: [],
    injected: {},
  };
}

/** Access to the state of model `uuid`. */
export class Store {
  constructor(uuid) {
    // The uuid becomes a file name: letters, digits and `-` only.
    if (!/^[A-Za-z0-9-]+$/.test(uuid)) {
      throw notValid(`model uuid ${JSON.stringify(uuid)} is not valid`);
    }
    this.uuid = uuid;
    this.file = `${uuid}.json`;
  }

  /** The state, or null when the model was never prepared (or destroyed). */
  load() {
    const d = dir();
    if (!d) {
      const text = memory.get(this.uuid);
      return text === undefined ? null : JSON.parse(text);
    }
    const text = readFile(d, this.file);
    return text === null ? null : parseState(this.file, text);
  }

  /** The state; `model is not prepared` when there is none. */
  get() {
    const state = this.load();
    if (state === null) throw notPrepared();
    return state;
  }

  save(state) {
    const text = JSON.stringify(state, null, 2);
    const d = dir();
    if (!d) memory.set(this.uuid, text);
    else writeFile(d, this.file, text);
  }

  /** Loads the state, applies `f` and saves it when `f` returns. */
  update(f) {
    const state = this.get();
    const out = f(state);
    this.save(state);
    return out;
  }

  /** Removes the model's state; a missing state is not an error. */
  remove() {
    const d = dir();
    if (!d) {
      memory.delete(this.uuid);
      return;
    }
    try {
      d.unlinkFileAt(this.file);
    } catch (e) {
      if (errorCode(e) !== "no-entry") throw fsError("removing model state", e);
    }
  }
}

/** Every model's store and state (for `destroy-controller`). */
export function allModels() {
  const d = dir();
  if (!d) {
    return [...memory.entries()].map(([uuid, text]) => [new Store(uuid), JSON.parse(text)]);
  }
  const models = [];
  let entries;
  try {
    entries = d.readDirectory();
  } catch (e) {
    throw fsError("listing model state", e);
  }
  for (;;) {
    let entry;
    try {
      entry = entries.readDirectoryEntry();
    } catch (e) {
      throw fsError("listing model state", e);
    }
    if (!entry) break;
    const m = /^([A-Za-z0-9-]+)\.json$/.exec(entry.name);
    if (!m) continue;
    const store = new Store(m[1]);
    const state = store.load();
    if (state !== null) models.push([store, state]);
  }
  entries[Symbol.dispose]?.();
  return models;
}
