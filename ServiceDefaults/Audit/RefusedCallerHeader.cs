namespace Mnemosyne.ServiceDefaults.Audit;

/// <summary>
/// How auth-service tells mcp-host who it refused (CONTRACT §8) without changing <c>/v1/resolve</c>'s public error
/// shape (§3): a header beside the problem+json, <c>&lt;kind&gt; &lt;principal&gt;</c>, the principal percent-encoded (the
/// masked form holds a non-ASCII '…' and a JWT subject may hold anything). Set only when the credential was identified.
/// </summary>
public static class RefusedCallerHeader
{
    public const string Name = "Mnemosyne-Refused-Caller";

    public static string Value(string kind, string principal) => kind + " " + Uri.EscapeDataString(principal);

    /// <summary>The kind and principal in a header value; null when there is none or it is not in this shape.</summary>
    public static (string Kind, string Principal)? Parse(string? value)
    {
        var space = value?.IndexOf(' ', StringComparison.Ordinal) ?? -1;
        if (value is null || space <= 0 || space == value.Length - 1 || value.Length > 4 * AuditEntry.MaxTextLength)
        {
            return null;
        }

        return (value[..space], Uri.UnescapeDataString(value[(space + 1)..]));
    }
}
