// Collects BMv2 primitives for an action body, or parser operations for a parser state, with the
// jump bookkeeping that `if`/`return`/`exit` inside actions need.
import type { Primitive, SourceInfo, TV } from "./bmv2-json.js";
import { tvHex } from "./bmv2-json.js";
import { fail, type Loc } from "./diag.js";

export class Emitter {
  readonly ops: Primitive[] = [];
  /** Jumps to patch with the offset of the end of each (inlined) action body; innermost last. */
  private readonly returnFrames: Primitive[][] = [];

  constructor(
    readonly kind: "action" | "parser",
    private readonly info?: (loc: Loc, fragment: string) => SourceInfo | undefined,
  ) {}

  /** A target primitive (in a parser state, wrapped in a `primitive` parser op). */
  prim(op: string, parameters: unknown[], loc?: Loc, fragment?: string): void {
    if (this.kind === "parser") {
      this.ops.push({ op: "primitive", parameters: [{ op, parameters }] });
      return;
    }
    const p: Primitive = { op, parameters };
    const si = loc && fragment !== undefined ? this.info?.(loc, fragment) : undefined;
    if (si) p.source_info = si;
    this.ops.push(p);
  }

  /** A native parser operation (extract, set, verify, advance). */
  parserOp(op: string, parameters: unknown[]): void {
    this.ops.push({ op, parameters });
  }

  assign(dst: TV, src: TV, loc?: Loc, fragment?: string): void {
    if (this.kind === "parser") this.parserOp("set", [dst, src]);
    else this.prim("assign", [dst, src], loc, fragment);
  }

  private requireAction(loc: Loc, what: string): void {
    if (this.kind !== "action") fail(loc, `unsupported feature: ${what} in a parser state`);
  }

  /** Emits `_jump_if_zero(cond, ?)`; patch the returned primitive with `patch`. */
  jumpIfZero(cond: TV, loc: Loc): Primitive {
    this.requireAction(loc, "if statement");
    const p: Primitive = { op: "_jump_if_zero", parameters: [cond, tvHex(0n)] };
    this.ops.push(p);
    return p;
  }

  jump(loc: Loc): Primitive {
    this.requireAction(loc, "jump");
    const p: Primitive = { op: "_jump", parameters: [tvHex(0n)] };
    this.ops.push(p);
    return p;
  }

  /** Points a jump at the next primitive to be emitted. */
  patchHere(p: Primitive): void {
    p.parameters[p.parameters.length - 1] = tvHex(BigInt(this.ops.length));
  }

  get here(): number {
    return this.ops.length;
  }

  pushReturnFrame(): void {
    this.returnFrames.push([]);
  }

  popReturnFrame(): void {
    const frame = this.returnFrames.pop() ?? [];
    for (const j of frame) this.patchHere(j);
  }

  emitReturn(loc: Loc, outermost: boolean): void {
    this.requireAction(loc, "return");
    const frame = outermost ? this.returnFrames[0] : this.returnFrames[this.returnFrames.length - 1];
    if (!frame) fail(loc, "return outside of an action");
    frame.push(this.jump(loc));
  }

  get inAction(): boolean {
    return this.returnFrames.length > 0;
  }
}
