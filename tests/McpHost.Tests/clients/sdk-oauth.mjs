// The official TypeScript SDK client signs in through the MCP authorization flow on its own (a tools/call's 401,
// RFC 9728 and RFC 8414 discovery, registration or a client ID metadata document, PKCE), then searches. The browser is the
// caller's: when the SDK redirects, this prints {"authorize": "<url>"} on one line and reads one line on stdin, the
// URL the browser was sent back to (with code, state, iss or error). Nothing listens on the redirect URI.
// Usage: node sdk-oauth.mjs <mcp url> <redirect uri> <query> [client metadata document url]
// Without a document URL the SDK registers itself (RFC 7591); with one it uses that URL as its client_id when the
// server's metadata says client_id_metadata_document_supported (the server, not this client, fetches the document).
// Prints {result, tokens, client, callback}, or {error: {name, code, message}} and exits 1.
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [url, redirectUrl, query, clientMetadataUrl] = process.argv.slice(2);
const stdin = createInterface({ input: process.stdin });
const lines = stdin[Symbol.asyncIterator]();

/** Keeps what the SDK saves in memory: one sign-in, one process. */
const saved = { state: randomBytes(16).toString("base64url") };
const provider = {
  redirectUrl,
  clientMetadataUrl,
  clientMetadata: {
    client_name: "Mnemosyne tests (TypeScript SDK)",
    redirect_uris: [redirectUrl],
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: "none",
  },
  state: () => saved.state,
  clientInformation: () => saved.client,
  saveClientInformation: (client) => { saved.client = client; },
  tokens: () => saved.tokens,
  saveTokens: (tokens) => { saved.tokens = tokens; },
  saveCodeVerifier: (verifier) => { saved.verifier = verifier; },
  codeVerifier: () => saved.verifier,
  redirectToAuthorization: (authorizationUrl) => console.log(JSON.stringify({ authorize: authorizationUrl.href })),
};

const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
const client = new Client({ name: "mnemosyne-tests-ts-oauth", version: "1.0.0" });
const search = () => client.callTool({ name: "search", arguments: { query } });

try {
  // Connecting and listing are public; the first tools/call meets the 401, discovers, registers (or not) and
  // redirects, and the SDK throws UnauthorizedError.
  await client.connect(transport);
  try {
    await search();
    throw new Error("The server answered tools/call without a sign-in.");
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) {
      throw error;
    }
  }

  const { value: landing, done } = await lines.next();
  if (done) {
    throw new Error("stdin closed before the redirect back arrived.");
  }
  const callback = new URL(landing).searchParams;
  if (callback.has("error")) {
    throw new Error(`The authorization server answered ${callback.get("error")}: ${callback.get("error_description")}`);
  }
  if (callback.get("state") !== saved.state) {
    throw new Error(`The redirect back carries state ${callback.get("state")}, not ${saved.state}.`);
  }

  await transport.finishAuth(callback.get("code"));
  const result = await search();
  await client.close();
  console.log(JSON.stringify({
    result,
    tokens: { access_token: saved.tokens.access_token, issuer: saved.tokens.issuer ?? null },
    client: { client_id: saved.client.client_id },
    callback: { iss: callback.get("iss") },
  }));
} catch (error) {
  // StreamableHTTPError carries the HTTP status as `code`; McpError the JSON-RPC error code.
  console.log(JSON.stringify({ error: { name: error?.name ?? null, code: error?.code ?? null, message: String(error?.message ?? error) } }));
  console.error(error instanceof Error ? error.stack : String(error));
  process.exitCode = 1;
} finally {
  stdin.close();
}
