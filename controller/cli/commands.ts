// Registry of paxosctl subcommands: each lives in its own module; add one line here.
import type { Command } from "./command.js";
import { agentCommand } from "./agent.js";
import { compileCommand } from "./compile.js";
import { decodeCommand } from "./decode.js";
import { demoCommand } from "./demo.js";
import { kvCommand } from "./kv.js";
import { proposeCommand } from "./propose.js";
import { simCommand } from "./sim.js";
import { stfCommand } from "./stf.js";
import { switchCommand } from "./switch.js";
import { planCommand, validateCommand } from "./validate.js";

export const COMMANDS: Command[] = [
  agentCommand,
  kvCommand,
  proposeCommand,
  compileCommand,
  decodeCommand,
  demoCommand,
  simCommand,
  stfCommand,
  switchCommand,
  validateCommand,
  planCommand,
];
