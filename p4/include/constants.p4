// Compile-time parameters of the Paxos data plane. Each can be overridden with -DNAME=value;
// VALUE_SIZE and PAXOS_UDP_PORT must equal src/wire/header.ts (a unit test checks the defaults).
#ifndef _PAXOS_CONSTANTS_P4_
#define _PAXOS_CONSTANTS_P4_

// Bytes in the Paxos value field.
#ifndef VALUE_SIZE
#define VALUE_SIZE 64
#endif

// Acceptor slots per group; a power of two (slot = instance & (RING_SIZE - 1)).
#ifndef RING_SIZE
#define RING_SIZE 1024
#endif

// Groups served; register arrays hold MAX_GROUPS * RING_SIZE slots.
#ifndef MAX_GROUPS
#define MAX_GROUPS 4
#endif

// UDP destination port that marks a datagram as Paxos.
#ifndef PAXOS_UDP_PORT
#define PAXOS_UDP_PORT 0x8888
#endif

// Port of the P4Runtime controller (PacketIn / PacketOut).
#ifndef CPU_PORT
#define CPU_PORT 255
#endif

#define SLOTS (MAX_GROUPS * RING_SIZE)
#define RING_MASK (RING_SIZE - 1)

const bit<16> ETHERTYPE_IPV4 = 0x0800;
const bit<8> IP_PROTO_UDP = 17;

// Protocol version carried in every Paxos message.
const bit<8> PAXOS_VERSION = 1;

// Message types (docs/protocol.md §2, MsgType in src/wire/header.ts).
const bit<8> MSG_REQUEST = 1;
const bit<8> MSG_P1A = 2;
const bit<8> MSG_P1B = 3;
const bit<8> MSG_P2A = 4;
const bit<8> MSG_P2B = 5;
const bit<8> MSG_NACK_FULL = 6;
const bit<8> MSG_NACK_ROUND = 7;
const bit<8> MSG_TRIM = 8;
const bit<8> MSG_DELIVERED = 9;
const bit<8> MSG_SYNC = 10;
const bit<8> MSG_PING = 11;
const bit<8> MSG_PONG = 12;
const bit<8> MSG_NACK_NOQUORUM = 13;
const bit<8> MSG_MAX = 13;

// P1A aux flag: also raise the group's minimum round.
const bit<32> P1A_FLAG_FENCE = 1;

// Port permissions (bits of the port_role table's `roles` parameter).
const bit<8> PORT_PROPOSER = 1;     // may send REQUEST
const bit<8> PORT_COORDINATOR = 2;  // may send P1A and P2A
const bit<8> PORT_CONTROL = 4;      // may send TRIM, SYNC and PING
const bit<8> PORT_ALL = 7;

// Indices of MyIngress.drops (docs/protocol.md §11); 0 is unused.
const bit<8> DROP_NONE = 0;
const bit<8> DROP_MALFORMED = 1;
const bit<8> DROP_BAD_VERSION = 2;
const bit<8> DROP_PORT_FILTER = 3;
const bit<8> DROP_NO_ROLE = 4;
const bit<8> DROP_COORD_FULL = 5;
const bit<8> DROP_AMNESIA = 6;
const bit<8> DROP_ROUND_LOW = 7;
const bit<8> DROP_STALE = 8;
const bit<8> DROP_RING_FULL = 9;
const bit<8> DROP_NO_QUORUM = 10;
const bit<8> DROP_NO_ROUTE = 11;

// What a role decided to do with a Paxos message (metadata_t.verdict).
const bit<8> VERDICT_FORWARD = 0;  // no role handled it: route it as ordinary traffic
const bit<8> VERDICT_REPLY = 1;    // rewritten in place; send back to the sender
const bit<8> VERDICT_MCAST = 2;    // rewritten in place; replicate to metadata_t.mcast_grp
const bit<8> VERDICT_CONSUME = 3;  // state updated; nothing to send
const bit<8> VERDICT_DROP = 4;     // refused; metadata_t.reason says why

// BMv2 instance_type of a recirculated packet.
const bit<32> INSTANCE_RECIRC = 4;

#endif
