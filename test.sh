#!/usr/bin/env bash
# Builds everything (warnings are errors), runs every test, then the short fault harness. The tests start their own
# Postgres and Redis on random ports in temp folders, so nothing else needs to be running.
set -euo pipefail
cd "$(dirname "$0")"
dotnet tool restore >/dev/null
dotnet build Aspire.sln -c Release

# McpHost.Tests also run outside MCP clients (conformance runner, TypeScript SDK, Node 22) from npm: install them
# when missing or older than the lock file. Without npm those tests fail, saying what to install.
clients=tests/McpHost.Tests/clients
if [ ! -f "$clients/node_modules/.package-lock.json" ] || [ "$clients/package-lock.json" -nt "$clients/node_modules/.package-lock.json" ]; then
  if command -v npm >/dev/null; then
    npm ci --prefix "$clients" --no-audit --no-fund --loglevel=error
  else
    echo "npm not found: the McpHost conformance and TypeScript-client tests will fail (install npm, or run npm ci in $clients)." >&2
  fi
fi
# One test project at a time: all five at once (the template's builds among them) starve a 2-core machine's CPU so
# that Redis's 1 s timeouts and the tests' timing bounds fail at random, and even two at a time did so now and then
# (fresh-clone runs on 2026-12-03: a fake-clock wait, an audit walk): one at a time costs a minute or two.
dotnet test --solution Aspire.sln -c Release --no-build --max-parallel-test-modules 1

#if (Bench)
# The fault harness (docs/reliability.md), short: a fifth of the fuzzing, then every fault under load (process faults,
# then the wire faults through the fault proxies, about 2 minutes of the chaos step) and a 2-minute soak, with the
# services as separate processes. Each exits 1 on any violation and prints its table.
dotnet run -c Release --no-build --project bench -- fuzz --bearers 20000 --bodies 10000
dotnet run -c Release --no-build --project bench -- chaos --soak-minutes 2
#endif
