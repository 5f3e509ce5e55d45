// One end-to-end call through the official TypeScript SDK client, so a second MCP client implementation is always
// exercised: connect (Streamable HTTP, with a bearer), list the tools, call one, print what came back as JSON.
// The SDK checks each structuredContent against the tool's outputSchema from tools/list and throws when it does not fit.
// Usage: node sdk-call.mjs <mcp url> <bearer token> <tool> <arguments as JSON>
// Prints {protocolVersion, server, tools, result}, or {error: {name, code, message}} and exits 1.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [url, token, tool, args] = process.argv.slice(2);
const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers: { Authorization: `Bearer ${token}` } },
});
const client = new Client({ name: "mnemosyne-tests-ts", version: "1.0.0" });

try {
  await client.connect(transport);
  const { tools } = await client.listTools();
  const result = await client.callTool({ name: tool, arguments: JSON.parse(args) });
  console.log(JSON.stringify({
    protocolVersion: transport.protocolVersion ?? null,
    server: client.getServerVersion(),
    tools: tools.map((t) => ({ name: t.name, outputSchema: t.outputSchema ?? null })),
    result,
  }));
  await client.close();
} catch (error) {
  // StreamableHTTPError carries the HTTP status as `code`; McpError the JSON-RPC error code.
  console.log(JSON.stringify({ error: { name: error?.name ?? null, code: error?.code ?? null, message: String(error?.message ?? error) } }));
  console.error(error instanceof Error ? error.stack : String(error));
  process.exitCode = 1;
}
