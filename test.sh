#!/usr/bin/env bash
# Builds everything (warnings are errors) and runs every test. The tests start their own Postgres and Redis
# on random ports in temp folders, so nothing else needs to be running.
set -euo pipefail
cd "$(dirname "$0")"
dotnet tool restore >/dev/null
dotnet build Aspire.sln -c Release
dotnet test --solution Aspire.sln -c Release --no-build
