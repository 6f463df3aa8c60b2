// Logging to the host (`juju:environs/log`).

import { log as hostLog } from "juju:environs/log@0.2.0";

/** `level`: trace, debug, info, warn or error. */
export function log(level, message) {
  hostLog(level, message);
}
