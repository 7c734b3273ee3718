// Feeding the Learner role an instance that is known to be decided (from this learner's own log
// after a restart, or from a peer learner's catch-up reply). The role learns only from 2Bs, so
// the decision is presented as a majority of 2Bs in round 0, a round no coordinator uses: they
// cannot mix with real votes, and the role then delivers, merges and reports as usual.
import type { Command } from "../../src/paxos/command.js";
import { type Effects, mergeEffects, noEffects } from "../../src/paxos/effects.js";
import type { Learner } from "../../src/paxos/learner.js";
import { makeMessage } from "../../src/wire/codec.js";
import { MsgType } from "../../src/wire/header.js";

export const INJECTED_ROUND = 0;

export function learnDecided(
  learner: Learner,
  acceptors: number,
  group: number,
  instance: number,
  command: Command,
): Effects {
  const fx = noEffects();
  const majority = Math.floor(acceptors / 2) + 1;
  for (let a = 1; a <= majority; a++) {
    const msg = makeMessage({
      msgtype: MsgType.P2B,
      group,
      instance,
      round: INJECTED_ROUND,
      vround: INJECTED_ROUND,
      acceptor: a,
      proposer: command.proposer,
      seq: command.seq,
      value: command.value,
    });
    mergeEffects(fx, learner.handle(msg));
  }
  return fx;
}
