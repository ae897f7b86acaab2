// semgrep --test target for rules/semgrep/cliff.yml (TypeScript): production guards turned off.
import https from "node:https";
import cors from "cors";
import express from "express";

const app = express();
// ruleid: cliff.cors-any-with-credentials-js
app.use(cors({ origin: "*", credentials: true }));
// ruleid: cliff.cors-any-with-credentials-js
app.use(cors({ credentials: true, origin: true }));
// ok: cliff.cors-any-with-credentials-js
app.use(cors({ origin: ["https://shop.example.com"], credentials: true }));
// ok: cliff.cors-any-with-credentials-js
app.use(cors({ origin: "*" }));

// ruleid: cliff.tls-verify-disabled-js
export const insecureAgent = new https.Agent({ keepAlive: true, rejectUnauthorized: false });
// ok: cliff.tls-verify-disabled-js
export const agent = new https.Agent({ keepAlive: true, rejectUnauthorized: true });

export function allowSelfSigned(): void {
  // ruleid: cliff.tls-verify-disabled-js
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
}
