// fast-check generators for valid wire objects, shared by the wire tests.
import fc from "fast-check";
import { MAC_MAX } from "../../../src/wire/addr.js";
import type { FrameAddrs } from "../../../src/wire/frame.js";
import { MsgType, VALUE_SIZE } from "../../../src/wire/header.js";
import type { PaxosMessage } from "../../../src/wire/message.js";

const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });

export const arbMsgType = fc.constantFrom(...Object.values(MsgType));

export const arbMessage: fc.Arbitrary<PaxosMessage> = fc
  .record({
    msgtype: arbMsgType,
    group: u16,
    instance: u32,
    round: u32,
    vround: u32,
    acceptor: u16,
    proposer: u32,
    seq: u32,
    aux: u32,
    value: fc.uint8Array({ maxLength: VALUE_SIZE }),
  })
  .map((m) => ({ version: 1, vlen: m.value.length, ...m }));

export const arbMac = fc.integer({ min: 0, max: MAC_MAX });
export const arbIPv4 = u32;

export const arbAddrs: fc.Arbitrary<FrameAddrs> = fc.record({
  eth: fc.record({ dst: arbMac, src: arbMac }),
  ip: fc.record({
    src: arbIPv4,
    dst: arbIPv4,
    ttl: fc.integer({ min: 0, max: 255 }),
    id: u16,
    dscp: fc.integer({ min: 0, max: 63 }),
  }),
  udp: fc.record({ srcPort: u16, dstPort: u16 }),
});
