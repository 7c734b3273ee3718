import { afterEach, describe, expect, it, vi } from "vitest";
import { TickScheduler } from "../../../hosts/net/runtime.js";

describe("TickScheduler", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("does not tick before the deadline when the timer fires early; ticks once it has passed", () => {
    vi.useFakeTimers();
    let now = 0;
    let ticks = 0;
    const s = new TickScheduler(
      () => now,
      () => ticks++,
    );
    s.schedule([10]);
    // The timer fires after 10 ms of timer time, but the monotonic clock still reads 9.4.
    now = 9.4;
    vi.advanceTimersByTime(10);
    expect(ticks).toBe(0);
    now = 10;
    vi.advanceTimersByTime(1);
    expect(ticks).toBe(1);
    vi.advanceTimersByTime(50);
    expect(ticks).toBe(1);
  });

  it("collapses requests for the same millisecond and stops cleanly", () => {
    vi.useFakeTimers();
    let now = 0;
    let ticks = 0;
    const s = new TickScheduler(
      () => now,
      () => ticks++,
    );
    s.schedule([4.2, 4.7, 5]);
    now = 5;
    vi.advanceTimersByTime(5);
    expect(ticks).toBe(1);
    s.schedule([20]);
    s.stop();
    now = 30;
    vi.advanceTimersByTime(30);
    expect(ticks).toBe(1);
  });
});
