import { createHash, createHmac, pbkdf2 } from "node:crypto";
import { promisify } from "node:util";
import { Client } from "@neondatabase/serverless";

const derive = promisify(pbkdf2);

interface SaslSession {
  message: string;
  clientNonce: string;
  response?: string;
  serverSignature?: string;
}

/**
 * The driver's client with SCRAM-SHA-256's key derivation done natively.
 * The driver computes PBKDF2 as 4,096 awaited WebCrypto HMACs, about 125 ms
 * of CPU per new connection, which under load is paid in the middle of
 * serving pages; node's pbkdf2 does the same derivation in a few
 * milliseconds off the main thread. Everything else (the exchange, the
 * check of the server's signature) stays the driver's: this computes the
 * same client-final message (RFC 5802 / RFC 7677, no channel binding) and
 * hands it back exactly where the driver would.
 */
export class NativeScramClient extends Client {
  async _handleAuthSASLContinue(message: { data: string }) {
    const self = this as unknown as {
      saslSession: SaslSession;
      password: unknown;
      connection: { sendSCRAMClientFinalMessage(response: string): void };
    };
    const session = self.saslSession;
    const password = self.password;
    if (
      session.message !== "SASLInitialResponse" ||
      typeof password !== "string" ||
      typeof message.data !== "string"
    )
      throw new Error("SASL: protocol error");
    const attributes = new Map(
      message.data.split(",").map((pair) => {
        if (!/^.=/.test(pair)) throw new Error("SASL: Invalid attribute pair entry");
        return [pair[0], pair.slice(2)] as const;
      }),
    );
    const nonce = attributes.get("r");
    const salt = attributes.get("s");
    const iterations = attributes.get("i");
    if (!nonce || !/^[!-+--~]+$/.test(nonce))
      throw new Error("SASL: SCRAM-SERVER-FIRST-MESSAGE: nonce missing/unprintable");
    if (!salt || !/^(?:[a-zA-Z0-9+/]{4})*(?:[a-zA-Z0-9+/]{2}==|[a-zA-Z0-9+/]{3}=)?$/.test(salt))
      throw new Error("SASL: SCRAM-SERVER-FIRST-MESSAGE: salt missing/not base64");
    if (!iterations || !/^[1-9][0-9]*$/.test(iterations))
      throw new Error("SASL: SCRAM-SERVER-FIRST-MESSAGE: missing/invalid iteration count");
    if (!nonce.startsWith(session.clientNonce))
      throw new Error(
        "SASL: SCRAM-SERVER-FIRST-MESSAGE: server nonce does not start with client nonce",
      );
    if (nonce.length === session.clientNonce.length)
      throw new Error("SASL: SCRAM-SERVER-FIRST-MESSAGE: server nonce is too short");

    const salted = await derive(
      Buffer.from(password, "utf8"),
      Buffer.from(salt, "base64"),
      Number(iterations),
      32,
      "sha256",
    );
    const hmac = (key: Buffer, text: string) => createHmac("sha256", key).update(text).digest();
    const clientKey = hmac(salted, "Client Key");
    const storedKey = createHash("sha256").update(clientKey).digest();
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `n=*,r=${session.clientNonce},r=${nonce},s=${salt},i=${iterations},${withoutProof}`;
    const signature = hmac(storedKey, authMessage);
    const proof = Buffer.from(clientKey.map((byte, index) => byte ^ signature[index]));
    session.message = "SASLResponse";
    session.serverSignature = hmac(hmac(salted, "Server Key"), authMessage).toString("base64");
    session.response = `${withoutProof},p=${proof.toString("base64")}`;
    self.connection.sendSCRAMClientFinalMessage(session.response);
  }
}
