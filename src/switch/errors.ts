// Typed errors of the switch: loading a program, and failures while a packet is processed.

/** The JSON is malformed or uses a construct outside the supported subset. */
export class LoadError extends Error {
  override name = "LoadError";
}

/** A control-plane request is invalid (unknown table, bad key, duplicate entry...). */
export class ControlError extends Error {
  override name = "ControlError";
}

/**
 * A packet hit a condition simple_switch would abort on (assert, stack index out of range in a
 * control, runaway recirculation). The engine drops the packet and counts it; it never throws out.
 */
export class PacketError extends Error {
  override name = "PacketError";
}
