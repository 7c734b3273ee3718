// Readable reasons for a channel that never came up. grpc-js reports them as UNAVAILABLE with
// "No connection established. Last error: <Node/OpenSSL error> (<timestamp>). Resolution note: "
// (or the bare "<error> (<timestamp>)"), which for TLS problems is an OpenSSL error string or just
// "Failed to connect". This names the
// likely cause (untrusted server certificate, missing or refused client certificate, TLS on one
// side only) and keeps the original reason in parentheses.

/** What the client's channel speaks: plaintext, TLS, or TLS with a client certificate. */
export type ChannelSecurity = "plaintext" | "tls" | "mutual-tls";

const PREFIX = /^No connection established\. Last error: /;

/** The Node/OpenSSL reason inside a grpc-js "No connection established" message. */
function innerReason(message: string): string {
  let m = message.replace(PREFIX, "");
  m = m.replace(/\s*Resolution note:[\s\S]*$/, "").replace(/\.\s*$/, "");
  m = m.replace(/\s*\(\d{4}-\d\d-\d\dT[^)]*\)\s*$/, "");
  m = m.replace(/\.\s*$/, "").replace(/^Error: /, "");
  // "808C...:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/...c:350:"
  const ssl = /error:[0-9A-Fa-f]+:SSL routines:[^:]*:([^:]+):/.exec(m);
  if (ssl) m = ssl[1]!;
  return m.trim();
}

const UNTRUSTED =
  /unable to verify the first certificate|self[- ]signed certificate|unable to get (local )?issuer certificate|certificate signature failure/i;
const CLIENT_CERT_REFUSED =
  /alert (unknown ca|bad certificate|certificate unknown|decrypt error|access denied)/i;
const NOT_TLS = /wrong version number|packet length too long|http request|record layer failure/i;

/**
 * The readable form of the message of an UNAVAILABLE status; messages it does not recognise come
 * back unchanged, but for the grpc-js wrapping.
 */
export function explainConnectFailure(message: string, security: ChannelSecurity): string {
  const reason = innerReason(message);
  const tls = (what: string) => `TLS handshake failed: ${what}`;
  if (UNTRUSTED.test(reason))
    return tls(
      `certificate signed by unknown authority (${reason}); the server's certificate does not chain to the CA this client trusts`,
    );
  if (/certificate has expired|certificate is not yet valid/i.test(reason)) return tls(reason);
  if (/does not match certificate's altnames/i.test(reason))
    return tls(`the server's certificate is not valid for this address (${reason})`);
  if (/unsuitable certificate purpose/i.test(reason))
    return tls(`the server's certificate is not one for a TLS server (${reason})`);
  if (
    /alert certificate required/i.test(reason) ||
    (security === "tls" && /alert handshake failure/i.test(reason))
  )
    return tls(`the server requires a client certificate (mutual TLS) and this client has none (${reason})`);
  if (CLIENT_CERT_REFUSED.test(reason))
    return tls(`the server refused this client's certificate (${reason})`);
  if (security !== "plaintext" && NOT_TLS.test(reason))
    return tls(`the server does not speak TLS on this port; is it plaintext? (${reason})`);
  if (reason === "Failed to connect") {
    if (security === "plaintext")
      return "the server closed the connection during setup; it may require TLS (this client speaks plaintext)";
    if (security === "mutual-tls")
      return "the server closed the connection right after the TLS handshake; it may not trust this client's certificate";
    return "the server closed the connection during setup";
  }
  return PREFIX.test(message) ? reason : message;
}
