using System.Text;

namespace Mnemosyne.McpHost.Auth;

/// <summary>
/// The standard request headers of MCP Streamable HTTP (<c>Mcp-Method</c>, and <c>Mcp-Name</c> on methods that act
/// on a named thing), which proxies may route and log by. Whatever the revision, one that is sent must agree with the
/// body; from revision 2026-07-28 on (per <c>MCP-Protocol-Version</c>) both are required. The gate decides on the
/// body, so a request whose headers say otherwise is refused before anything is decided.
/// </summary>
public static class McpStandardHeaders
{
    public const string MethodHeader = "Mcp-Method";
    public const string NameHeader = "Mcp-Name";
    public const string ProtocolVersionHeader = "MCP-Protocol-Version";

    /// <summary>The first revision that requires the headers (versions compare as ordinal strings).</summary>
    public const string RequiredFrom = "2026-07-28";

    private const string Base64Prefix = "=?base64?";
    private const string Base64Suffix = "?=";
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Null when the headers agree with <paramref name="message"/>; otherwise one sentence saying how they do not.</summary>
    public static string? Check(IHeaderDictionary headers, JsonRpcMessage message)
    {
        if (message.Method is not { } method)
        {
            return null;
        }

        var required = IsFromStatelessRevision(headers);

        var sentMethod = headers[MethodHeader];
        if (sentMethod.Count > 1)
        {
            return "Header mismatch: Mcp-Method is sent more than once.";
        }

        if (sentMethod.Count == 0 ? required : !string.Equals(sentMethod[0], method, StringComparison.Ordinal))
        {
            return sentMethod.Count == 0
                ? $"Header mismatch: Mcp-Method is required from protocol revision {RequiredFrom}."
                : $"Header mismatch: the Mcp-Method header does not match the body's method '{Shorten(method)}'.";
        }

        if (method is not ("tools/call" or "prompts/get" or "resources/read"))
        {
            return null;
        }

        var sentName = headers[NameHeader];
        if (sentName.Count > 1)
        {
            return "Header mismatch: Mcp-Name is sent more than once.";
        }

        if (sentName.Count == 0)
        {
            return required ? $"Header mismatch: Mcp-Name is required for {method} from protocol revision {RequiredFrom}." : null;
        }

        return Decode(sentName[0]!) is not { } name
            ? "Header mismatch: the Mcp-Name header is not valid =?base64?…?= encoding."
            : string.Equals(name, message.Name, StringComparison.Ordinal)
                ? null
                : "Header mismatch: the Mcp-Name header does not match the name in the body.";
    }

    /// <summary>Whether the request says (one <c>MCP-Protocol-Version</c>) it speaks revision <see cref="RequiredFrom"/> or later.</summary>
    public static bool IsFromStatelessRevision(IHeaderDictionary headers)
    {
        var version = headers[ProtocolVersionHeader];
        return version.Count == 1 && string.CompareOrdinal(version[0], RequiredFrom) >= 0;
    }

    /// <summary>The header's value, with the <c>=?base64?…?=</c> form (for values that are not plain ASCII) undone.</summary>
    public static string? Decode(string value)
    {
        if (!value.StartsWith(Base64Prefix, StringComparison.Ordinal) || !value.EndsWith(Base64Suffix, StringComparison.Ordinal)
            || value.Length < Base64Prefix.Length + Base64Suffix.Length)
        {
            return value;
        }

        try
        {
            return StrictUtf8.GetString(Convert.FromBase64String(value[Base64Prefix.Length..^Base64Suffix.Length]));
        }
        catch (Exception exception) when (exception is FormatException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>At most 64 characters of <paramref name="value"/>, for repeating it in an error message.</summary>
    public static string Shorten(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
