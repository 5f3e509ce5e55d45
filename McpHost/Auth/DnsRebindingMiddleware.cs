using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Mnemosyne.McpHost.Options;

namespace Mnemosyne.McpHost.Auth;

/// <summary>
/// DNS-rebinding protection, before anything else runs. <c>Host</c>: a loopback name (<see cref="HostNames.IsLoopback"/>)
/// or one listed in <c>Mcp:AllowedHosts</c>; checked while every listening address is loopback or whenever
/// <c>Mcp:AllowedHosts</c> is set (<c>*</c> accepts any), never on <c>/health</c> and <c>/alive</c> (probes send
/// addresses). <c>Origin</c>, when sent: listed in <c>Mcp:AllowedOrigins</c>, or the request's own origin when its
/// <c>Host</c> is a loopback or listed name. Anything else gets 403.
/// </summary>
public sealed partial class DnsRebindingMiddleware(
    RequestDelegate next, IOptions<McpOptions> options, IServer server, ILogger<DnsRebindingMiddleware> logger)
{
    private readonly HashSet<string> _allowedOrigins = new(
        options.Value.AllowedOrigins.Select(o => o.TrimEnd('/')), StringComparer.OrdinalIgnoreCase);
    private readonly string[] _allowedHosts = options.Value.AllowedHosts.Where(h => h != "*").ToArray();
    private readonly bool _anyHost = options.Value.AllowedHosts.Contains("*");

    // Read at the first request: the listening addresses are known only once the server has started.
    private readonly Lazy<bool> _checkHost = new(() => options.Value.AllowedHosts.Length > 0
        || HostNames.AreAllLoopback(server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []));

    public Task InvokeAsync(HttpContext context)
    {
        var host = context.Request.Host;
        var hostTrusted = host.HasValue && (HostNames.IsLoopback(host.Host) || HostNames.IsListed(host.Host, _allowedHosts));
        if (!hostTrusted && !_anyHost && _checkHost.Value && !IsProbe(context.Request.Path))
        {
            LogRefused(logger, "host_not_allowed", host.Value);
            return RefuseAsync(context, "Host not allowed.", "host_not_allowed");
        }

        var origin = context.Request.Headers.Origin;
        if (origin.Count == 0
            || (origin.Count == 1 && (_allowedOrigins.Contains(origin[0]!.TrimEnd('/'))
                || (hostTrusted && HostNames.IsSameAuthority(origin[0]!, host)))))
        {
            return next(context);
        }

        LogRefused(logger, "origin_not_allowed", origin.ToString());
        return RefuseAsync(context, "Origin not allowed.", "origin_not_allowed");
    }

    private static bool IsProbe(PathString path) => path.StartsWithSegments("/health") || path.StartsWithSegments("/alive");

    private static Task RefuseAsync(HttpContext context, string title, string reason) =>
        Results.Problem(title: title, statusCode: StatusCodes.Status403Forbidden,
            extensions: new Dictionary<string, object?> { ["reason"] = reason }).ExecuteAsync(context);

    [LoggerMessage(LogLevel.Information, "mcp.rebinding.refused {Reason} {Value}")]
    private static partial void LogRefused(ILogger logger, string reason, string? value);
}
