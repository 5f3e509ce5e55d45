using System.Text.Json;
using Mnemosyne.McpHost.Tests.Infrastructure;

namespace Mnemosyne.McpHost.Tests;

/// <summary>
/// The official MCP conformance runner (npm <c>@modelcontextprotocol/conformance</c> 0.1.16, on Node 22) against a live
/// mcp-host, one scenario per case: its exit code and every check it reports must pass (no failure, no warning).
/// Run are the server scenarios that apply to a stateless, tools-only server with authentication:
/// <c>server-initialize</c>, <c>ping</c>, <c>tools-list</c>, <c>dns-rebinding-protection</c>. The others do not apply:
/// <c>tools-call-*</c>, <c>json-schema-2020-12</c>, <c>server-sse-polling</c> and the elicitation scenarios call test
/// tools (<c>test_simple_text</c>, <c>json_schema_2020_12_tool</c>, <c>test_reconnection</c>…) a product server does
/// not have; <c>resources-*</c>, <c>prompts-*</c>, <c>completion-complete</c> and <c>logging-set-level</c> need
/// capabilities mcp-host does not offer; <c>server-sse-multiple-streams</c> needs an <c>Mcp-Session-Id</c>, which a
/// stateless server never issues (it reports a warning and stops).
/// </summary>
public sealed class ConformanceTests(McpHostFixture fixture) : IClassFixture<McpHostFixture>
{
    [Theory]
    [InlineData("server-initialize", new[] { "server-initialize" })]
    [InlineData("ping", new[] { "ping" })]
    [InlineData("tools-list", new[] { "tools-list" })]
    [InlineData("dns-rebinding-protection", new[] { "localhost-host-rebinding-rejected", "localhost-host-valid-accepted" })]
    public async Task The_official_conformance_scenario_passes(string scenario, string[] expectedChecks)
    {
        var results = Directory.CreateTempSubdirectory("mcp-conformance-");
        try
        {
            var run = await NodeClients.RunAsync(NodeClients.ConformanceRunner,
                ["server", "--url", new Uri(fixture.McpHost.Address, "/mcp").ToString(), "--scenario", scenario, "-o", results.FullName],
                TimeSpan.FromSeconds(90));

            Assert.True(run.ExitCode == 0, run.ToString());
            var checksFile = Assert.Single(Directory.GetFiles(results.FullName, "checks.json", SearchOption.AllDirectories));
            var checks = JsonDocument.Parse(await File.ReadAllTextAsync(checksFile, TestContext.Current.CancellationToken))
                .RootElement.EnumerateArray()
                .Select(c => (Id: c.GetProperty("id").GetString()!, Status: c.GetProperty("status").GetString()!))
                .ToList();
            Assert.All(checks, c => Assert.True(c.Status is "SUCCESS" or "INFO", $"{c.Id}: {c.Status}\n{run}"));
            foreach (var expected in expectedChecks)
            {
                Assert.Contains((expected, "SUCCESS"), checks);
            }

            Assert.Contains($"Passed: {checks.Count(c => c.Status == "SUCCESS")}/{checks.Count(c => c.Status == "SUCCESS")}, 0 failed, 0 warnings",
                run.Output, StringComparison.Ordinal);
        }
        finally
        {
            results.Delete(recursive: true);
        }
    }
}
