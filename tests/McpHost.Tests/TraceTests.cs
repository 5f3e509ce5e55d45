using System.Collections.Concurrent;
using System.Diagnostics;
using Mnemosyne.McpHost.Tests.Infrastructure;

namespace Mnemosyne.McpHost.Tests;

/// <summary>A tool call is one trace: the mcp-host request, its resolve call as a child, auth-service's handling below.</summary>
public sealed class TraceTests(StackFixture stack) : IClassFixture<StackFixture>
{
    [Fact]
    public async Task The_resolve_call_is_a_child_span_of_the_mcp_request_and_auth_service_continues_the_trace()
    {
        var (_, token) = await stack.Auth.CreateTokenAsync(await stack.Auth.CreateUserAsync(), ["lib"]);
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
            Content = new StringContent(StackFixture.ToolCall("list_libraries", new { }), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Accept", "application/json, text/event-stream");
        request.Headers.Add("Authorization", "Bearer " + token);
        using (new Activity("test-caller").SetParentId(traceId, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded).Start())
        {
            using var response = await stack.McpHost.Http.SendAsync(request, TestContext.Current.CancellationToken);
            response.EnsureSuccessStatusCode();
        }

        // The server span of the MCP request stops just after its response is sent.
        for (var i = 0; i < 50 && !stopped.Any(s => s.Kind == ActivityKind.Server && Path(s) == "/mcp"); i++)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        var spans = stopped.ToArray();
        var mcpRequest = Assert.Single(spans, s => s.Kind == ActivityKind.Server && Path(s) == "/mcp");
        var resolveCall = Assert.Single(spans, s => s.Kind == ActivityKind.Client
            && (s.GetTagItem("url.full") as string)?.EndsWith("/v1/resolve", StringComparison.Ordinal) == true);
        var resolveHandling = Assert.Single(spans, s => s.Kind == ActivityKind.Server && Path(s) == "/v1/resolve");
        Assert.Equal(mcpRequest.SpanId, resolveCall.ParentSpanId);
        Assert.Equal(resolveCall.SpanId, resolveHandling.ParentSpanId);
    }

    private static string? Path(Activity activity) => activity.GetTagItem("url.path") as string;
}
