using System.Diagnostics.CodeAnalysis;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Mnemosyne.McpHost.Auth;

namespace Mnemosyne.Bench;

/// <summary>
/// McpHost's auth gate on its own, with a do-nothing next step: a public <c>tools/list</c> (buffer and parse the body,
/// decide locally) and an authenticated <c>tools/call search</c> of each token kind (the same, plus the real call to
/// auth-service, or a hit of the decision cache). <see cref="AuthServiceCall"/> is that call alone, so the gate's own
/// share is the difference; <see cref="ParseSearchCall"/> is the body's parse alone.
/// </summary>
/// <remarks>
/// Iterations are 100 ms, not the usual 500: every authenticated call takes from one principal's budget, 1,000,000 a
/// minute in the bench (the most a budget may be), and a cache hit is now fast enough that a run of 500 ms iterations
/// made over a million calls within the minute and was refused half-way.
/// </remarks>
[Config(typeof(InProcessConfig))]
[IterationTime(100)]
public class GateBenchmarks
{
    private static readonly byte[] ToolsList = Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","id":1,"method":"tools/list"}""");
    private static readonly byte[] SearchCall = Encoding.UTF8.GetBytes(
        """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"search","arguments":{"query":"replication"}}}""");

    private BenchServices _services = null!;
    private McpAuthMiddleware _gate = null!;
    private AuthServiceClient _authService = null!;

    [GlobalSetup]
    public void Start()
    {
        _services = BenchServices.StartAsync().GetAwaiter().GetResult();
        var mcp = _services.McpHost.Services;
        _gate = ActivatorUtilities.CreateInstance<McpAuthMiddleware>(mcp, (RequestDelegate)(_ => Task.CompletedTask));
        _authService = mcp.GetRequiredService<AuthServiceClient>();
    }

    [GlobalCleanup]
    public void Stop() => _services.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>The gate's read of <see cref="SearchCall"/> alone: what every call pays before any decision.</summary>
    [Benchmark]
    [SuppressMessage("Performance", "CA1822", Justification = "BenchmarkDotNet runs instance methods only.")]
    public string? ParseSearchCall() => JsonRpcMessage.Parse(SearchCall).Message?.ToolName;

    [Benchmark]
    public async Task<int> PublicToolsList()
    {
        var context = Request(ToolsList, bearer: null);
        await _gate.InvokeAsync(context);
        return context.Response.StatusCode;
    }

    [Benchmark]
    [Arguments("opaque")]
    [Arguments("turn")]
    [Arguments("team")]
    [Arguments("oauth")]
    public async Task<int> AuthenticatedSearchCall(string kind)
    {
        var context = Request(SearchCall, _services.Tokens[kind]);
        await _gate.InvokeAsync(context);
        return context.Response.StatusCode == StatusCodes.Status200OK
            ? context.Response.StatusCode
            : throw new InvalidOperationException($"The gate refused a valid {kind} token: {context.Response.StatusCode}");
    }

    [Benchmark]
    [Arguments("opaque")]
    [Arguments("turn")]
    [Arguments("team")]
    [Arguments("oauth")]
    public async Task<string> AuthServiceCall(string kind)
    {
        var outcome = await _authService.ResolveAsync(_services.Tokens[kind], "search", CancellationToken.None);
        return outcome.Allowed?.Principal ?? throw new InvalidOperationException($"auth-service refused a valid {kind} token");
    }

    private static DefaultHttpContext Request(byte[] body, string? bearer)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Post;
        context.Request.Path = "/mcp";
        context.Request.ContentType = "application/json";
        context.Request.ContentLength = body.Length;
        context.Request.Body = new MemoryStream(body, writable: false);
        if (bearer is not null)
        {
            context.Request.Headers.Authorization = "Bearer " + bearer;
        }

        return context;
    }
}
