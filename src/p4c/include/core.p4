/* core.p4 for the p4paxos embedded compiler.
 * Written for this project from the P4_16 language specification (core library section);
 * it declares only what the specification defines for every architecture. */
#ifndef P4PAXOS_CORE_P4
#define P4PAXOS_CORE_P4

/* Errors the core library can signal from a parser. */
error {
    NoError,
    PacketTooShort,
    NoMatch,
    StackOutOfBounds,
    HeaderTooShort,
    ParserTimeout,
    ParserInvalidArgument
}

/* Input packet, consumed by parsers. */
extern packet_in {
    void extract<T>(out T hdr);
    void extract<T>(out T variableSizeHeader, in bit<32> variableFieldSizeInBits);
    T lookahead<T>();
    void advance(in bit<32> sizeInBits);
    bit<32> length();
}

/* Output packet, produced by deparsers. */
extern packet_out {
    void emit<T>(in T hdr);
}

extern void verify(in bool check, in error toSignal);

@noWarn("unused")
action NoAction() {}

/* Match kinds every target supports. */
match_kind {
    exact,
    ternary,
    lpm
}

#endif
