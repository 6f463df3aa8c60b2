// `attrs` (list<tuple<string, value>>) helpers: typed reads with the
// guest SDK's error messages, and in-place sets.

import { notValid } from "./errors.js";

const TYPE_NAMES = {
  boolean: "bool",
  int: "int",
  float: "float",
  text: "string",
  "text-list": "list",
  "text-map": "map",
  json: "json",
};

function wrongType(key, want, got) {
  return notValid(`${key}: expected ${want}, got ${TYPE_NAMES[got.tag] ?? got.tag}`);
}

/** The value of `key`, or undefined. */
export function get(attrs, key) {
  const found = attrs.find(([k]) => k === key);
  return found ? found[1] : undefined;
}

export function getText(attrs, key) {
  const v = get(attrs, key);
  if (v === undefined) return undefined;
  if (v.tag === "text") return v.val;
  throw wrongType(key, "string", v);
}

/** A boolean, also from the text `true` / `false`. */
export function getBool(attrs, key) {
  const v = get(attrs, key);
  if (v === undefined) return undefined;
  if (v.tag === "boolean") return v.val;
  if (v.tag === "text") {
    if (v.val === "true") return true;
    if (v.val === "false") return false;
    throw notValid(`${key}: expected bool, got ${JSON.stringify(v.val)}`);
  }
  throw wrongType(key, "bool", v);
}

/** An integer, also from decimal text. */
export function getInt(attrs, key) {
  const v = get(attrs, key);
  if (v === undefined) return undefined;
  if (v.tag === "int") return Number(v.val);
  if (v.tag === "text") {
    if (/^[+-]?\d+$/.test(v.val.trim())) return Number.parseInt(v.val, 10);
    throw notValid(`${key}: expected int, got ${JSON.stringify(v.val)}`);
  }
  throw wrongType(key, "int", v);
}

export const textOr = (attrs, key, dflt) => getText(attrs, key) ?? dflt;
export const boolOr = (attrs, key, dflt) => getBool(attrs, key) ?? dflt;
export const intOr = (attrs, key, dflt) => getInt(attrs, key) ?? dflt;

/** Sets `key` (a `value` record), replacing it in place or appending it. */
export function set(attrs, key, value) {
  const found = attrs.find(([k]) => k === key);
  if (found) found[1] = value;
  else attrs.push([key, value]);
}

export function setDefault(attrs, key, value) {
  if (get(attrs, key) === undefined) attrs.push([key, value]);
}

export const text = (val) => ({ tag: "text", val });
export const bool = (val) => ({ tag: "boolean", val });

/** A deep copy (attrs hold only plain data). */
export const clone = (attrs) => JSON.parse(JSON.stringify(attrs));
