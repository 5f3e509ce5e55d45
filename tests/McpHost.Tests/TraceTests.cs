using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Mnemosyne.McpHost.Tests.Infrastructure;

namespace Mnemosyne.McpHost.Tests;

/// <summary>
/// A tool call is one trace named after what it did: <c>tools/call list_libraries</c> (the mcp-host request), its
/// <c>auth.resolve</c> span with the decision as attributes, the resolve call below that and auth-service's handling
/// below it; the MCP SDK's own span is in the same trace. Decisions are counted on the <c>Mnemosyne.Mcp</c> meter.
/// </summary>
public sealed class TraceTests(McpHostFixture fixture) : IClassFixture<McpHostFixture>
{
    [Fact]
    public async Task A_tool_call_is_one_trace_named_after_the_call_with_the_decision_on_an_auth_resolve_span()
    {
        var (_, token) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), ["lib"]);
        var traceId = ActivityTraceId.CreateRandom();
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.TraceId == traceId)
                {
                    stopped.Enqueue(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent(McpHostFixture.ToolCall("list_libraries", new { }), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Accept", "application/json, text/event-stream");
        request.Headers.Add("Authorization", "Bearer " + token);
        using (new Activity("test-caller").SetParentId(traceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded).Start())
        {
            using var response = await fixture.McpHost.Http.SendAsync(request, TestContext.Current.CancellationToken);
            response.EnsureSuccessStatusCode();
        }

        // The server span of the MCP request stops just after its response is sent.
        for (var i = 0; i < 50 && !stopped.Any(s => s.Kind == ActivityKind.Server && Path(s) == "/mcp"); i++)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        var spans = stopped.ToArray();
        var mcpRequest = Assert.Single(spans, s => s.Kind == ActivityKind.Server && Path(s) == "/mcp");
        var resolve = Assert.Single(spans, s => s.OperationName == "auth.resolve");
        var resolveCall = Assert.Single(spans, s => s.Kind == ActivityKind.Client
            && (s.GetTagItem("url.full") as string)?.EndsWith("/v1/resolve", StringComparison.Ordinal) == true);
        var resolveHandling = Assert.Single(spans, s => s.Kind == ActivityKind.Server && Path(s) == "/v1/resolve");
        var sdkCall = Assert.Single(spans, s => s.Source.Name == "Experimental.ModelContextProtocol");

        Assert.Equal("tools/call list_libraries", mcpRequest.DisplayName);
        Assert.Equal("tools/call list_libraries", sdkCall.DisplayName);
        Assert.Equal(mcpRequest.SpanId, resolve.ParentSpanId);
        Assert.Equal(resolve.SpanId, resolveCall.ParentSpanId);
        Assert.Equal(resolveCall.SpanId, resolveHandling.ParentSpanId);
        Assert.Equal("allowed", resolve.GetTagItem("mcp.auth.outcome"));
        Assert.Equal("opaque", resolve.GetTagItem("mcp.auth.kind"));
        Assert.Equal("none", resolve.GetTagItem("mcp.auth.reason"));
        Assert.StartsWith("mcptoken:mnm_", resolve.GetTagItem("mcp.auth.principal") as string, StringComparison.Ordinal);
        Assert.DoesNotContain(spans.SelectMany(s => s.TagObjects), tag => tag.Value is string text && text.Contains(token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Decisions_are_counted_by_outcome_kind_and_reason_and_resolve_time_is_recorded()
    {
        var (_, token) = await fixture.Auth.CreateTokenAsync(await fixture.Auth.CreateUserAsync(), ["lib"]);
        var meterFactory = fixture.McpHost.Services.GetRequiredService<IMeterFactory>();
        var decisions = new ConcurrentQueue<string>();
        var durations = new ConcurrentQueue<double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this host's meter: other test classes run hosts in the same process.
            if (instrument.Meter.Name == "Mnemosyne.Mcp" && ReferenceEquals(instrument.Meter.Scope, meterFactory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "mcp.auth.decisions")
            {
                var t = new Dictionary<string, object?>();
                foreach (var tag in tags)
                {
                    t[tag.Key] = tag.Value;
                }

                decisions.Enqueue($"{value} {t["outcome"]} {t["kind"]} {t["reason"]}");
            }
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
        {
            if (instrument.Name == "mcp.auth.resolve.duration")
            {
                durations.Enqueue(value);
            }
        });
        listener.Start();

        using (await fixture.PostMcpAsync(McpHostFixture.ToolCall("list_libraries", new { }), token)) { }
        using (await fixture.PostMcpAsync(McpHostFixture.ToolCall("list_libraries", new { }), "mnm_" + new string('x', 43))) { }
        using (await fixture.PostMcpAsync(McpHostFixture.ToolCall("list_libraries", new { }))) { }

        Assert.Equal(["1 allowed opaque none", "1 refused unresolved invalid_token", "1 refused none missing_token"], decisions);
        Assert.Equal(3, durations.Count);
        Assert.All(durations, d => Assert.InRange(d, 0, 10));
    }

    private static string? Path(Activity activity) => activity.GetTagItem("url.path") as string;
}
