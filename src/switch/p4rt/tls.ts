// TLS for the embedded switch's P4Runtime server: the certificate chain and private key it
// presents, and optionally a client CA, which turns on mutual TLS (every client must present a
// certificate that CA signed). Files are read and checked up front, so a bad path or a key that
// does not belong to the certificate is reported by flag, before anything listens.
import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";
import * as grpc from "@grpc/grpc-js";

/** File paths, as given on the command line (`--tls-cert`, `--tls-key`, `--tls-ca`). */
export interface ServerTlsPaths {
  certPath: string;
  keyPath: string;
  /** CA bundle that client certificates must chain to; given, clients without one are refused. */
  clientCaPath?: string;
}

/** PEM contents, as the server uses them. */
export interface ServerTls {
  certChain: Buffer;
  privateKey: Buffer;
  clientCa?: Buffer;
}

/** A TLS file that cannot be read or does not hold what it should. */
export class TlsConfigError extends Error {
  override readonly name = "TlsConfigError";
}

function readPem(path: string, flag: string, what: string, marker: RegExp): Buffer {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === "ENOENT"
        ? "no such file"
        : err.code === "EACCES"
          ? "permission denied"
          : err.code === "EISDIR"
            ? "is a directory"
            : err.message;
    throw new TlsConfigError(`${flag} ${path}: cannot read ${what} (${why})`);
  }
  if (!marker.test(data.toString("latin1")))
    throw new TlsConfigError(`${flag} ${path}: not a PEM ${what} (no '-----BEGIN ...-----' block)`);
  return data;
}

/** OpenSSL's reason without its "error:0A00008B:SSL routines::" prefix. */
function reason(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/^error:[0-9A-Fa-f]+:[^:]*:[^:]*:/, "");
}

/** Reads and checks the files: PEM certificate chain, a private key that matches it, a PEM CA. */
export function loadServerTls(paths: ServerTlsPaths): ServerTls {
  const certChain = readPem(paths.certPath, "--tls-cert", "certificate", /-----BEGIN CERTIFICATE-----/);
  const privateKey = readPem(paths.keyPath, "--tls-key", "private key", /-----BEGIN [A-Z ]*PRIVATE KEY-----/);
  const clientCa =
    paths.clientCaPath === undefined
      ? undefined
      : readPem(paths.clientCaPath, "--tls-ca", "CA certificate", /-----BEGIN CERTIFICATE-----/);
  try {
    createSecureContext({ cert: certChain });
  } catch (e) {
    throw new TlsConfigError(`--tls-cert ${paths.certPath}: not a usable certificate (${reason(e)})`);
  }
  try {
    createSecureContext({ key: privateKey });
  } catch (e) {
    throw new TlsConfigError(`--tls-key ${paths.keyPath}: not a usable private key (${reason(e)})`);
  }
  try {
    createSecureContext({ cert: certChain, key: privateKey });
  } catch (e) {
    throw new TlsConfigError(
      `--tls-key ${paths.keyPath} does not belong to the certificate in --tls-cert ${paths.certPath} (${reason(e)})`,
    );
  }
  if (clientCa) {
    try {
      createSecureContext({ ca: clientCa });
    } catch (e) {
      throw new TlsConfigError(`--tls-ca ${paths.clientCaPath}: not a usable CA certificate (${reason(e)})`);
    }
  }
  return { certChain, privateKey, clientCa };
}

/** Server credentials: plaintext without `tls`; with a client CA, client certificates are required and verified. */
export function serverCredentials(tls: ServerTls | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(
    tls.clientCa ?? null,
    [{ cert_chain: tls.certChain, private_key: tls.privateKey }],
    tls.clientCa !== undefined,
  );
}

/** "off", "on" (server authentication) or "mutual", as the ready line shows it. */
export function tlsMode(tls: ServerTls | undefined): "off" | "on" | "mutual" {
  return !tls ? "off" : tls.clientCa ? "mutual" : "on";
}
