// The provider: Juju's dummy `EnvironProvider`.

import * as config from "./config.js";
import { Environ } from "./environ.js";
import { guard, notImplemented } from "./errors.js";

// Every function here returns `result<T, error>` (0.2.0): it returns T or
// throws an `error` record; `guard` turns a JavaScript exception into one.
// The constant answers below cannot fail, so they need no guard.

/** Juju's dummy is at 0; so is this port (it has no upgrade steps). */
export function version() {
  return 0;
}

export function cloudSchema() {
  return null;
}

export function ping(_endpoint) {
  throw notImplemented("Ping not implemented");
}

export function prepareConfig(params) {
  // Juju's dummy validates and returns its input.
  return guard(() => {
    config.validate(params.config, null);
    return params.config;
  });
}

export function validate(attrs, old) {
  return guard(() => config.validate(attrs, old));
}

function attr(name, description, hidden) {
  return {
    name,
    description,
    hidden,
    fileAttr: "",
    filePath: false,
    expandFilePath: false,
    optional: false,
    options: [],
  };
}

export function credentialSchemas() {
  return [
    { authType: "empty", attributes: [] },
    {
      authType: "userpass",
      attributes: [
        attr("username", "The username to authenticate with.", false),
        attr("password", "The password for the specified username.", true),
      ],
    },
  ];
}

/** Juju's dummy detects an empty cloud credential. */
export function detectCredentials() {
  return { defaultCredential: "", defaultRegion: "", authCredentials: [] };
}

export function finalizeCredential(params) {
  return params.credential;
}

export function open(params) {
  return guard(() => {
    const attrs = config.validate(params.config, null);
    config.checkBroken(config.parse(attrs), "Open");
    // No I/O here: the model's state is read by the calls that need it.
    return Environ.open(params.cloud, attrs);
  });
}
