#!/usr/bin/env node
// Builds the JavaScript dummy provider as a component.
//
//     node build.mjs [-o dummy_js.wasm]
//
// 1. Assembles a WIT directory: wit/world.wit (the world `dummy-js`) with
//    the contract (../../wit, package juju:environs) and the WASI 0.2
//    packages the world imports as its deps: the host's own WASI WIT, which
//    `scripts/wit-deps` puts in ../../wit/deps (from the wasmtime-wasi-http
//    crate the runtime is built with).
// 2. Runs componentize-qjs (QuickJS, non-async runtime: the host does not
//    enable the component-model async ABI) on src/index.js.
// 3. Appends the `strato:capabilities` custom section declaring the state
//    directory. Custom sections may sit anywhere among a component's
//    sections, so appending one at the end is enough.
//
// The output is written beside its final name and renamed, so an
// interrupted build never leaves a component without its capabilities.

import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const WORLD = "strato:dummy-js/dummy-js";
const CAPABILITIES = { "state-dir": true };
const SECTION = "strato:capabilities";
const REPO_WIT = path.resolve(HERE, "..", "..", "wit");
// The WASI packages the world imports, in the contract's deps directory.
const WASI_FILES = ["filesystem.wit", "io.wit", "clocks.wit"];

function usage() {
  console.error("usage: node build.mjs [-o OUTPUT] [--contract WIT_DIR]");
  process.exit(2);
}

function parseArgs(argv) {
  const args = { output: "dummy_js.wasm", contract: REPO_WIT };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if ((flag === "-o" || flag === "--output") && value) args.output = value;
    else if (flag === "--contract" && value) args.contract = value;
    else usage();
    i++;
  }
  return args;
}

function leb128(n) {
  const out = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return Buffer.from(out);
}

/** Section id 0, size, then the name (length-prefixed) and the payload. */
function customSection(name, payload) {
  const nameBytes = Buffer.from(name, "utf8");
  const body = Buffer.concat([leb128(nameBytes.length), nameBytes, payload]);
  return Buffer.concat([Buffer.from([0]), leb128(body.length), body]);
}

/** The WIT directory componentize-qjs reads: the world plus its deps. */
function assembleWit(contract, into) {
  fs.copyFileSync(path.join(HERE, "wit", "world.wit"), path.join(into, "world.wit"));
  const deps = path.join(into, "deps");
  const environs = path.join(deps, "juju-environs");
  fs.mkdirSync(environs, { recursive: true });
  for (const file of fs.readdirSync(contract)) {
    if (file.endsWith(".wit")) fs.copyFileSync(path.join(contract, file), path.join(environs, file));
  }
  const wasi = path.join(contract, "deps");
  const missing = () => WASI_FILES.filter((f) => !fs.existsSync(path.join(wasi, f)));
  if (missing().length && contract === REPO_WIT) {
    execFileSync("bash", [path.join(HERE, "..", "..", "scripts", "wit-deps")], { stdio: "inherit" });
  }
  if (missing().length) {
    throw new Error(`${missing().join(", ")} missing in ${wasi}: run ./scripts/wit-deps (it copies the host's WASI WIT files there)`);
  }
  for (const file of WASI_FILES) fs.copyFileSync(path.join(wasi, file), path.join(deps, file));
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const { componentize } = require("componentize-qjs");
  const output = path.resolve(args.output);
  const partial = `${output}.partial`;
  const wit = fs.mkdtempSync(path.join(os.tmpdir(), "strato-dummy-js-"));
  try {
    assembleWit(path.resolve(args.contract), wit);
    const entry = path.join(HERE, "src", "index.js");
    const { component } = await componentize({
      witPath: wit,
      world: WORLD,
      jsSource: fs.readFileSync(entry, "utf8"),
      jsPath: entry,
      moduleRoot: path.join(HERE, "src"),
      sync: true,
    });
    const section = customSection(SECTION, Buffer.from(JSON.stringify(CAPABILITIES)));
    fs.mkdirSync(path.dirname(output), { recursive: true });
    fs.writeFileSync(partial, Buffer.concat([component, section]));
    fs.renameSync(partial, output);
    console.log(`${output}: ${fs.statSync(output).size} bytes`);
  } finally {
    fs.rmSync(wit, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`building the JavaScript dummy provider failed: ${e?.stack ?? e}`);
  process.exit(1);
});
