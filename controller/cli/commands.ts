// Registry of paxosctl subcommands: each lives in its own module; add one line here.
import type { Command } from "./command.js";
import { decodeCommand } from "./decode.js";

export const COMMANDS: Command[] = [decodeCommand];
