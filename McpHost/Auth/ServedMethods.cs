namespace Mnemosyne.McpHost.Auth;

/// <summary>
/// The one list of JSON-RPC methods mcp-host serves, and which of them need a token. What the SDK declares in
/// <c>initialize</c> / <c>server/discover</c> follows from the same registrations (tools only), so the two agree; a
/// request for any other method (removed in 2026-07-28, such as <c>logging/setLevel</c> or <c>resources/subscribe</c>,
/// or never offered, such as <c>prompts/list</c>) reveals nothing and is answered <c>-32601</c> before any token is asked for.
/// </summary>
public static class ServedMethods
{
    // initialize and ping belong to 2025-11-25 and earlier; the SDK itself answers them -32601 on 2026-07-28.
    // server/discover is the 2026-07-28 revision's handshake-free form of initialize: capabilities only, no data.
    private static readonly Dictionary<string, bool> NeedsToken = new(StringComparer.Ordinal)
    {
        ["initialize"] = false,
        ["server/discover"] = false,
        ["ping"] = false,
        ["tools/list"] = false,
        ["tools/call"] = true,
    };

    public static bool IsServed(string method) => NeedsToken.ContainsKey(method);

    /// <summary>Served to anyone: no token asked for (<c>tools/call</c> is decided per tool).</summary>
    public static bool IsPublic(string method) => NeedsToken.TryGetValue(method, out var needsToken) && !needsToken;

    /// <summary>
    /// The HTTP status of a <c>-32601</c> answer: 404 from revision 2026-07-28 on (per <c>MCP-Protocol-Version</c>),
    /// 200 before it, where a JSON-RPC error travels in an ordinary response (as the SDK answers either revision).
    /// </summary>
    public static int NotFoundStatus(HttpRequest request) =>
        McpStandardHeaders.IsFromStatelessRevision(request.Headers) ? StatusCodes.Status404NotFound : StatusCodes.Status200OK;
}
