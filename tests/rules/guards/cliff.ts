// Annotated target for the cliff pack's guards (TypeScript), checked as `server/src/app.ts`.
import https from "node:https";
import cors from "cors";
import express from "express";

const app = express();
// ruleid: cliff/cors-any-with-credentials-js
app.use(cors({ origin: "*", credentials: true }));
// ruleid: cliff/cors-any-with-credentials-js
app.use(cors({ credentials: true, origin: true }));
// ok: cliff/cors-any-with-credentials-js
app.use(cors({ origin: ["https://shop.example.com"], credentials: true }));
// ok: cliff/cors-any-with-credentials-js
app.use(cors({ origin: "*" }));

export function nest(server: { enableCors(options: object): void }): void {
  // ruleid: cliff/cors-any-with-credentials-js
  server.enableCors({ origin: true, credentials: true });
}

// ruleid: cliff/tls-verify-disabled-js
export const insecureAgent = new https.Agent({ keepAlive: true, rejectUnauthorized: false });
// ok: cliff/tls-verify-disabled-js
export const agent = new https.Agent({ keepAlive: true, rejectUnauthorized: true });
// ruleid: cliff/tls-verify-disabled-js
export const legacy = { url: "https://payments.internal", strictSSL: false };
// ok: cliff/tls-verify-disabled-js
export const hint = "never set rejectUnauthorized: false";

export function allowSelfSigned(): void {
  // ruleid: cliff/tls-verify-disabled-js
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
  // ruleid: cliff/tls-verify-disabled-js
  https.globalAgent.options.rejectUnauthorized = false;
  // ok: cliff/tls-verify-disabled-js
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = "1";
}
