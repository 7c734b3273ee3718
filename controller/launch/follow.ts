// Follows a growing log file (the controller's), stamping each new line with the time it was
// read, so a demo can show and wait for the controller's events as they happen.
import { closeSync, openSync, readSync } from "node:fs";

export interface StampedLine {
  /** Milliseconds on the caller's clock when the line was read. */
  at: number;
  text: string;
}

export class LogFollower {
  readonly lines: StampedLine[] = [];
  private offset = 0;
  private partial = "";
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly file: string,
    private readonly clock: () => number,
    private readonly onLine: (l: StampedLine) => void = () => {},
  ) {}

  /** Reads whatever was appended since the last poll. */
  poll(): void {
    let fd: number;
    try {
      fd = openSync(this.file, "r");
    } catch {
      return;
    }
    try {
      const buf = Buffer.alloc(64 * 1024);
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, this.offset);
        if (n <= 0) break;
        this.offset += n;
        this.partial += buf.subarray(0, n).toString("utf8");
      }
    } finally {
      closeSync(fd);
    }
    const parts = this.partial.split("\n");
    this.partial = parts.pop() ?? "";
    for (const text of parts) {
      const l = { at: this.clock(), text };
      this.lines.push(l);
      this.onLine(l);
    }
  }

  start(everyMs = 50): void {
    this.timer ??= setInterval(() => this.poll(), everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.poll();
  }

  /** The first line at or after `since` matching `re`. */
  find(re: RegExp, since = Number.NEGATIVE_INFINITY): StampedLine | undefined {
    return this.lines.find((l) => l.at >= since && re.test(l.text));
  }

  /** Waits for such a line (polling); undefined after `timeoutMs`. */
  async waitFor(re: RegExp, since: number, timeoutMs: number): Promise<StampedLine | undefined> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      this.poll();
      const l = this.find(re, since);
      if (l || Date.now() > end) return l;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
