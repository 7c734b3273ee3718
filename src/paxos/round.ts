// Rounds (docs/protocol.md §3): round = epoch × 256 + coordinator id, so two coordinators never
// share a round, and comparing rounds compares epochs first.

/** Coordinator ids occupy the low 8 bits of a round; 0 is reserved (round 0 = "none"). */
export const COORDINATOR_BITS = 8;
const SPAN = 1 << COORDINATOR_BITS;
/** Rounds are 32-bit header fields. */
const MAX_ROUND = 0xffff_ffff;

export class RoundError extends Error {
  override readonly name = "RoundError";
}

/** The round of `coordId` (1–255) in `epoch` (≥ 1). Throws RoundError outside those ranges. */
export function makeRound(epoch: number, coordId: number): number {
  if (!Number.isInteger(coordId) || coordId < 1 || coordId >= SPAN) {
    throw new RoundError(`coordinator id ${coordId} is not in 1..${SPAN - 1}`);
  }
  if (!Number.isInteger(epoch) || epoch < 1) throw new RoundError(`epoch ${epoch} must be an integer ≥ 1`);
  const round = epoch * SPAN + coordId;
  if (round > MAX_ROUND) throw new RoundError(`epoch ${epoch} overflows the 32-bit round field`);
  return round;
}

/** The lowest round of `epoch` (coordinator id 0): a `floor` that admits every round of the epoch. */
export function epochFloor(epoch: number): number {
  if (!Number.isInteger(epoch) || epoch < 1) throw new RoundError(`epoch ${epoch} must be an integer ≥ 1`);
  return epoch * SPAN;
}

export function roundEpoch(round: number): number {
  return Math.floor(round / SPAN);
}

export function roundCoordinator(round: number): number {
  return round % SPAN;
}
