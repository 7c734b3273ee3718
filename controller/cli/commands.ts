// Registry of paxosctl subcommands: each lives in its own module; add one line here.

import { agentCommand } from "./agent.js";
import { clusterCommand } from "./cluster.js";
import type { Command } from "./command.js";
import { compileCommand } from "./compile.js";
import { countersCommand } from "./counters.js";
import { decodeCommand } from "./decode.js";
import { demoCommand } from "./demo.js";
import { failoverCommand } from "./failover.js";
import { kvCommand } from "./kv.js";
import { proposeCommand } from "./propose.js";
import { registersCommand } from "./registers.js";
import { simCommand } from "./sim.js";
import { statusCommand } from "./status.js";
import { stfCommand } from "./stf.js";
import { switchCommand } from "./switch.js";
import { tablesCommand } from "./tables.js";
import { trimCommand } from "./trim.js";
import { upCommand } from "./up.js";
import { planCommand, validateCommand } from "./validate.js";
import { watchCommand } from "./watch.js";

export const COMMANDS: Command[] = [
  clusterCommand,
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
  upCommand,
  statusCommand,
  watchCommand,
  failoverCommand,
  trimCommand,
  tablesCommand,
  countersCommand,
  registersCommand,
];
