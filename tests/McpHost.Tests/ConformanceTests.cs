using System.Text.Json;
using Mnemosyne.McpHost.Tests.Infrastructure;

namespace Mnemosyne.McpHost.Tests;

/// <summary>
/// The official MCP conformance runner, both releases pinned in <c>clients/package.json</c> (0.1.16 for revision
/// 2025-11-25, 0.2.0-alpha.12 for 2026-07-28; Node 22), against a live mcp-host, one scenario per case. Every check
/// must pass (SUCCESS, or SKIPPED/INFO where the runner itself finds it not applicable), except the named checks that
/// cannot apply to a stateless, tools-only server behind authentication; those must still fail for exactly that reason,
/// so the list cannot go stale.
/// <para>Scenarios not run, and why:</para>
/// <list type="bullet">
/// <item><c>tools-call-*</c>, <c>json-schema-2020-12</c>, <c>server-sse-polling</c>: call test tools (<c>test_simple_text</c>, <c>test_error_handling</c>, <c>json_schema_2020_12_tool</c>, <c>test_reconnection</c>…) without a token.</item>
/// <item><c>tools-call-sampling</c>, <c>tools-call-elicitation</c>, <c>elicitation-*</c>: a test tool that asks the client for input; no mcp-host tool does.</item>
/// <item><c>tools-call-with-logging</c>, <c>logging-set-level</c>: log notifications and <c>logging/setLevel</c>; mcp-host logs to its own telemetry, not to clients.</item>
/// <item><c>tools-call-with-progress</c>: a test tool that reports progress; every mcp-host tool answers in one bounded step.</item>
/// <item><c>resources-*</c>, <c>prompts-*</c>, <c>completion-complete</c>: capabilities mcp-host does not offer (they answer -32601).</item>
/// <item><c>server-session-lifecycle</c>, <c>server-sse-multiple-streams</c>: need an <c>Mcp-Session-Id</c>, which a stateless server never issues.</item>
/// <item><c>http-custom-header-server-validation</c>: needs a tool parameter with <c>x-mcp-header</c> (SEP-2243); <c>search</c> does not mirror <c>library</c> (see the issue #20 decision), and the runner calls the tool without a token.</item>
/// <item><c>input-required-result-*</c> (SEP-2322): test tools that ask for input mid-call (<c>test_input_required_result_*</c>, <c>test_mrtr_*</c>); no mcp-host tool does.</item>
/// <item><c>tasks-*</c>, <c>sep-2640-skills-*</c>: extensions mcp-host does not declare (tasks, skills).</item>
/// </list>
/// </summary>
public sealed class ConformanceTests(McpHostFixture fixture) : IClassFixture<McpHostFixture>
{
    private const string Current = "conformance";
    private const string Next = "conformance-next";

    /// <summary>Checks of a scenario that cannot pass here: check id → what its message must say, and why (one line each).</summary>
    private static readonly Dictionary<string, Dictionary<string, string>> NotApplicable = new()
    {
        ["server-stateless"] = new()
        {
            // No mcp-host request needs a client capability (no sampling, elicitation or roots), so -32021 never applies.
            ["sep-2575-server-rejects-undeclared-capability"] = "'test_missing_capability'",
            ["sep-2575-missing-capability-http-400"] = "'test_missing_capability'",
            // No mcp-host tool asks the client for input mid-call.
            ["sep-2575-http-server-no-independent-requests-on-stream"] = "'test_streaming_elicitation'",
            // No mcp-host tool sends log notifications.
            ["sep-2575-server-no-log-without-loglevel"] = "'test_logging_tool'",
        },
        ["caching"] = new()
        {
            // Prompts and resources are not offered: their lists answer -32601, so there is nothing to cache.
            ["sep-2549-prompts-list-caching-hints"] = "-32601",
            ["sep-2549-resources-list-caching-hints"] = "-32601",
            ["sep-2549-resources-templates-list-caching-hints"] = "-32601",
        },
        ["sep-2164-resource-not-found"] = new()
        {
            // Resources are not offered: resources/read answers -32601, not a resource's -32602 with data.uri (both SHOULD).
            ["sep-2164-error-code"] = "got -32601",
            ["sep-2164-data-uri"] = "data.uri is undefined",
        },
    };

    [Theory]
    [InlineData(Current, "server-initialize", new[] { "server-initialize" })]
    [InlineData(Current, "ping", new[] { "ping" })]
    [InlineData(Current, "tools-list", new[] { "tools-list" })]
    [InlineData(Current, "dns-rebinding-protection", new[] { "localhost-host-rebinding-rejected", "localhost-host-valid-accepted" })]
    [InlineData(Next, "server-initialize", new[] { "server-initialize" })]
    [InlineData(Next, "ping", new[] { "ping" })]
    [InlineData(Next, "tools-list", new[] { "tools-list" })]
    [InlineData(Next, "dns-rebinding-protection", new[] { "localhost-host-rebinding-rejected", "localhost-host-valid-accepted" })]
    [InlineData(Next, "http-header-validation", new[] { "sep-2243-server-reject-invalid-headers", "sep-2243-server-reject-error-code" })]
    [InlineData(Next, "sep-2164-resource-not-found", new[] { "sep-2164-no-empty-contents" })]
    [InlineData(Next, "server-stateless", new[]
    {
        "sep-2575-server-implements-discover", "sep-2575-server-declares-prompts-in-discover",
        "sep-2575-discover-capabilities-match-handlers", "sep-2575-http-server-method-not-found-404-logging-setlevel",
        "sep-2575-http-server-method-not-found-404-resources-subscribe",
        "sep-2575-http-server-method-not-found-404-resources-unsubscribe", "sep-2575-http-server-method-not-found-404",
        "sep-2575-http-server-error-jsonrpc-id",
    })]
    [InlineData(Next, "caching", new[] { "sep-2549-tools-list-caching-hints", "sep-2549-ttl-non-negative", "sep-2549-cache-scope-valid" })]
    public async Task The_official_conformance_scenario_passes(string runner, string scenario, string[] expectedChecks)
    {
        var results = Directory.CreateTempSubdirectory("mcp-conformance-");
        try
        {
            var run = await NodeClients.RunAsync(NodeClients.ConformanceRunner(runner),
                ["server", "--url", new Uri(fixture.McpHost.Address, "/mcp").ToString(), "--scenario", scenario, "-o", results.FullName],
                TimeSpan.FromSeconds(90));

            var checksFile = Assert.Single(Directory.GetFiles(results.FullName, "checks.json", SearchOption.AllDirectories));
            var checks = JsonDocument.Parse(await File.ReadAllTextAsync(checksFile, TestContext.Current.CancellationToken))
                .RootElement.EnumerateArray()
                .Select(c => (Id: c.GetProperty("id").GetString()!, Status: c.GetProperty("status").GetString()!,
                    Message: c.TryGetProperty("errorMessage", out var message) ? message.GetString() ?? "" : ""))
                .ToList();
            var notApplicable = NotApplicable.GetValueOrDefault(scenario, []);
            foreach (var (id, cause) in notApplicable)
            {
                Assert.Contains(checks, c => c.Id == id);
                Assert.All(checks.Where(c => c.Id == id), check => Assert.True(
                    check.Status is "FAILURE" or "WARNING" && check.Message.Contains(cause, StringComparison.Ordinal),
                    $"{id} was listed as not applicable ({cause}) but is {check.Status}: {check.Message}\n{run}"));
            }

            Assert.All(checks.Where(c => !notApplicable.ContainsKey(c.Id)),
                c => Assert.True(c.Status is "SUCCESS" or "SKIPPED" or "INFO", $"{c.Id}: {c.Status} {c.Message}\n{run}"));
            foreach (var expected in expectedChecks)
            {
                Assert.Contains(checks, c => c.Id == expected && c.Status == "SUCCESS");
            }

            var failed = checks.Count(c => c.Status == "FAILURE");
            Assert.True(run.ExitCode == (failed == 0 ? 0 : 1), run.ToString());
            if (notApplicable.Count == 0)
            {
                Assert.Contains(", 0 failed, 0 warnings", run.Output, StringComparison.Ordinal);
            }
        }
        finally
        {
            results.Delete(recursive: true);
        }
    }
}
