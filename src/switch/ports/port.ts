// The port abstraction the switch runtime drives. A port moves whole Ethernet frames; how it does
// so (in-process, UDP tunnel, later a real interface through libpcap) is the implementation's job.

export type FrameHandler = (frame: Uint8Array) => void;

export interface Port {
  /** A label for logs ("inproc:1", "udp:127.0.0.1:40001"). */
  readonly name: string;
  /** Transmit a frame out of the switch. Never throws for a closed or unreachable peer. */
  send(frame: Uint8Array): void;
  /** Register the handler for frames arriving into the switch (one handler; later calls replace it). */
  onReceive(handler: FrameHandler): void;
  close(): Promise<void>;
}
