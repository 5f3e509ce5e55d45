using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Mnemosyne.McpHost.Tools;

/// <summary>
/// The caching hints (SEP-2549) on <c>tools/list</c>: the list is public and the same for every caller (a token narrows
/// what a call may do, never what is listed), and it changes only with a deployment, so any cache may keep it for
/// <see cref="TimeToLive"/>. Everything whose answer depends on the caller keeps the SDK's <c>private</c>, zero-TTL default.
/// </summary>
public static class ToolListCaching
{
    /// <summary>Long enough to spare clients a list per call; short enough that a deployment's new list arrives soon.</summary>
    public static readonly TimeSpan TimeToLive = TimeSpan.FromMinutes(10);

    public static McpRequestHandler<ListToolsRequestParams, ListToolsResult> Apply(
        McpRequestHandler<ListToolsRequestParams, ListToolsResult> next) =>
        async (context, cancellationToken) =>
        {
            var result = await next(context, cancellationToken);
            result.CacheScope = CacheScope.Public;
            result.TimeToLive = TimeToLive;
            return result;
        };
}
