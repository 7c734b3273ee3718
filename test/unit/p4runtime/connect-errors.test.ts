// grpc-js connection failures (as seen from @grpc/grpc-js 1.14 on Node 20) turned into readable reasons.
import { describe, expect, it } from "vitest";
import { explainConnectFailure } from "../../../src/p4runtime/connect-errors.js";

const wrapped = (inner: string) => `No connection established. Last error: ${inner}. Resolution note: `;

describe("explainConnectFailure", () => {
  it("unwraps both message forms and names the TLS cause", () => {
    expect(explainConnectFailure(wrapped("Error: unable to verify the first certificate"), "tls")).toMatch(
      /^TLS handshake failed: certificate signed by unknown authority \(unable to verify the first certificate\)/,
    );
    for (const m of [
      wrapped("Failed to connect (2026-11-21T13:26:37.391Z)"),
      "Failed to connect (2026-11-21T13:29:43.991Z)",
    ])
      expect(explainConnectFailure(m, "plaintext")).toBe(
        "the server closed the connection during setup; it may require TLS (this client speaks plaintext)",
      );
    expect(explainConnectFailure("Failed to connect (2026-11-21T13:29:43.991Z)", "mutual-tls")).toMatch(
      /may not trust this client's certificate/,
    );
    const openssl =
      "807CD32AC97F0000:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 116\n (2026-11-21T13:26:37.702Z)";
    expect(explainConnectFailure(wrapped(openssl), "tls")).toBe(
      "TLS handshake failed: the server requires a client certificate (mutual TLS) and this client has none (tlsv13 alert certificate required)",
    );
    const plainServer =
      "Error: 808C4305D67F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n";
    expect(explainConnectFailure(wrapped(plainServer), "tls")).toMatch(
      /^TLS handshake failed: the server does not speak TLS on this port; is it plaintext\? \(wrong version number\)$/,
    );
  });

  it("keeps other reasons, without the grpc-js wrapping", () => {
    expect(explainConnectFailure(wrapped("Error: connect ECONNREFUSED 127.0.0.1:1"), "tls")).toBe(
      "connect ECONNREFUSED 127.0.0.1:1",
    );
    expect(explainConnectFailure("Deadline exceeded", "tls")).toBe("Deadline exceeded");
  });
});
