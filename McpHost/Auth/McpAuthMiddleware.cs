using System.Diagnostics;
using Microsoft.Extensions.Options;
using Mnemosyne.McpHost.Options;
using Mnemosyne.McpHost.Telemetry;
using Mnemosyne.ServiceDefaults;
using Mnemosyne.ServiceDefaults.Audit;

namespace Mnemosyne.McpHost.Auth;

/// <summary>
/// Decides every MCP request before the SDK sees it, so refusals are real HTTP 401/403/503. Reads the JSON-RPC
/// method (and tool name) from a buffered, size-capped body and refuses it (400, <c>-32020</c>) when the
/// <c>Mcp-Method</c> / <c>Mcp-Name</c> headers disagree (<see cref="McpStandardHeaders"/>); a request for a method
/// not served answers <c>-32601</c> without a token (<see cref="ServedMethods"/>); the public methods, notifications
/// and <c>get_health</c> pass without a token; everything else is resolved by auth-service and
/// runs with the resolved library list attached (<see cref="CallerScope"/>).
/// </summary>
public sealed partial class McpAuthMiddleware(
    RequestDelegate next,
    DecisionCache decisions,
    IOptions<McpOptions> mcpOptions,
    IOptions<McpAuthOptions> authOptions,
    IAuditSink audit,
    McpTelemetry telemetry,
    TimeProvider time,
    ILogger<McpAuthMiddleware> logger)
{
    private static readonly HashSet<string> PublicTools = new(StringComparer.Ordinal) { "get_health" };

    public async Task InvokeAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            await next(context);
            return;
        }

        var limit = mcpOptions.Value.MaxRequestBodyBytes;
        var body = await BufferedBody.ReadAsync(context.Request, limit, context.RequestAborted);
        if (body is null)
        {
            // The connection is not reused; Kestrel reads what the client is still sending and drops it
            // (BufferedBody.DrainedPastLimit), so that the client gets this refusal rather than a reset connection.
            context.Response.Headers.Connection = "close";
            await McpRefusal.WriteAsync(context, null, StatusCodes.Status413PayloadTooLarge, McpRefusal.InvalidRequestCode,
                $"Request body is too large (at most {limit / 1024} KiB).", "too_large");
            return;
        }

        var (message, error) = JsonRpcMessage.Parse(body.Value);
        if (message is null)
        {
            await McpRefusal.WriteAsync(context, null, StatusCodes.Status400BadRequest,
                error!.StartsWith("Parse", StringComparison.Ordinal) ? McpRefusal.ParseErrorCode : McpRefusal.InvalidRequestCode,
                error, "invalid_request");
            return;
        }

        // A proxy may have routed, limited or logged this request by its Mcp-Method / Mcp-Name headers: when they say
        // something other than the body (which is what is decided on and run), nothing is decided.
        if (McpStandardHeaders.Check(context.Request.Headers, message) is { } mismatch)
        {
            await McpRefusal.WriteAsync(context, message.Id, StatusCodes.Status400BadRequest, McpRefusal.HeaderMismatchCode,
                mismatch, "header_mismatch");
            return;
        }

        // A request for a method this server does not serve reveals nothing: answered without asking for a token.
        // (A notification has no answer and keeps its way: notifications/* pass, anything else needs a token.)
        if (message is { Id: not null, Method: { } method } && !ServedMethods.IsServed(method))
        {
            await McpRefusal.WriteAsync(context, message.Id, ServedMethods.NotFoundStatus(context.Request),
                McpRefusal.MethodNotFoundCode, $"Method not found: '{McpStandardHeaders.Shorten(method)}'.", "method_not_found");
            return;
        }

        // No tool has a name like this: refused before any decision (auth-service would refuse to be asked about it).
        if (message.Method == "tools/call" && message.ToolName is not { Length: > 0 and <= Fields.MaxToolNameLength })
        {
            Audit(message, null, null, "refused", "invalid_params", 0);
            await McpRefusal.WriteAsync(context, message.Id, StatusCodes.Status400BadRequest, McpRefusal.InvalidParamsCode,
                $"Invalid params: a tool call needs a tool name of 1 to {Fields.MaxToolNameLength} characters.", "invalid_params");
            return;
        }

        Activity.Current?.SetTag(McpSpanNames.MethodTag, message.Method);
        if (message.Method == "tools/call")
        {
            Activity.Current?.SetTag(McpSpanNames.ToolTag, message.ToolName);
        }

        if (IsPublic(message))
        {
            Audit(message, null, null, "allowed", null, 0);
            await next(context);
        }
        else if (await AuthorizeAsync(context, message))
        {
            await next(context);
        }
    }

    private static bool IsPublic(JsonRpcMessage message) =>
        message.Method is { } method
        && (ServedMethods.IsPublic(method)
            || method.StartsWith("notifications/", StringComparison.Ordinal)
            || (method == "tools/call" && message.ToolName is { } tool && PublicTools.Contains(tool)));

    private async Task<bool> AuthorizeAsync(HttpContext context, JsonRpcMessage message)
    {
        var bearer = SharedSecrets.BearerFrom(context.Request);
        var tool = message.Method == "tools/call" ? message.ToolName : null;
        using var activity = McpTelemetry.ActivitySource.StartActivity("auth.resolve");
        var started = Stopwatch.GetTimestamp();
        var outcome = await decisions.ResolveAsync(bearer, tool, context.RequestAborted);
        var elapsed = Stopwatch.GetElapsedTime(started);

        if (outcome.Allowed is { } resolution)
        {
            new CallerScope(resolution.Principal, resolution.Libraries).AttachTo(context);
            Decided(activity, "allowed", resolution.Kind, "none", elapsed, resolution.Principal);
            LogDecision(logger, resolution.Principal, tool, resolution.Libraries.Count, "allowed");
            Audit(message, resolution.Principal, resolution.Kind, "allowed", null, resolution.Libraries.Count);
            return true;
        }

        var kind = bearer is null ? "none" : "unresolved";
        if (!authOptions.Value.RequireAuth && outcome.Status is not (StatusCodes.Status403Forbidden or StatusCodes.Status429TooManyRequests))
        {
            new CallerScope("anonymous", []).AttachTo(context);
            Decided(activity, "allowed_without_auth", kind, outcome.Reason, elapsed, "anonymous");
            LogDecision(logger, "anonymous", tool, 0, "allowed_without_auth:" + outcome.Reason);
            Audit(message, null, null, "allowed", outcome.Reason, 0);
            return true;
        }

        // Who was refused, when auth-service (or the cached decision) identified the credential (CONTRACT §8).
        var refused = outcome.RefusedCaller;
        Decided(activity, "refused", kind, outcome.Reason, elapsed, refused?.Principal);
        LogDecision(logger, refused?.Principal ?? "unresolved", tool, 0, "refused:" + outcome.Reason);
        Audit(message, refused?.Principal, refused?.Kind, "refused", outcome.Reason, 0);
        await McpRefusal.WriteAuthAsync(context, message.Id, outcome.Status, outcome.Title, outcome.Reason, bearer is not null,
            outcome.RetryAfter);
        return false;
    }

    /// <summary>Tags the <c>auth.resolve</c> span (principal, credential kind, outcome, reason code) and counts it.</summary>
    private void Decided(Activity? activity, string outcome, string kind, string reason, TimeSpan elapsed, string? principal)
    {
        activity?.SetTag("mcp.auth.outcome", outcome)
            .SetTag("mcp.auth.kind", kind)
            .SetTag("mcp.auth.reason", reason)
            .SetTag("mcp.auth.principal", principal);
        telemetry.RecordDecision(outcome, kind, reason, elapsed);
    }

    /// <summary>Every <c>tools/call</c> decision goes to the audit trail (CONTRACT §8); other methods do not.</summary>
    private void Audit(JsonRpcMessage message, string? principal, string? kind, string outcome, string? reason, int libraryCount)
    {
        if (message.Method == "tools/call")
        {
            audit.Record(AuditEntry.Decision(time.GetUtcNow(), principal, kind, message.ToolName, outcome, reason, libraryCount));
        }
    }

    [LoggerMessage(LogLevel.Information, "mcp.auth.decision {Principal} {Tool} {LibraryCount} {Outcome}")]
    private static partial void LogDecision(ILogger logger, string principal, string? tool, int libraryCount, string outcome);
}
