namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// Which <c>client_id</c>s are client ID metadata document URLs (draft-ietf-oauth-client-id-metadata-document §3), and
/// whether one is acceptable: https, a host, a path other than <c>/</c>, no fragment, no user name or password, no
/// <c>.</c> or <c>..</c> segment (also percent-encoded), printable ASCII only, at most <see cref="MaxLength"/>
/// characters. Checked on the string as sent, since <see cref="Uri"/> would quietly resolve dot segments and the
/// document's <c>client_id</c> must equal that string exactly. Any <c>client_id</c> that starts with <c>http://</c> or
/// <c>https://</c> is meant as one (the server's own registered ids start with <c>dcr_</c>), so a wrong one is refused
/// with the reason rather than reported as an unknown client.
/// </summary>
public static class ClientMetadataUrl
{
    public const int MaxLength = 2000;

    public static bool IsCandidate(string? clientId) =>
        clientId is not null && (clientId.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
                                 || clientId.StartsWith("http://", StringComparison.OrdinalIgnoreCase));

    /// <summary>Null when <paramref name="clientId"/> is an acceptable client ID metadata document URL; else why not.</summary>
    public static string? Problem(string clientId)
    {
        if (clientId.Length > MaxLength || clientId.Any(c => c is <= ' ' or >= '\u007f'))
        {
            return $"A client_id URL must be printable ASCII of at most {MaxLength} characters.";
        }

        if (!clientId.StartsWith("https://", StringComparison.Ordinal) || !Uri.TryCreate(clientId, UriKind.Absolute, out var uri)
            || uri.Scheme != Uri.UriSchemeHttps || uri.Host.Length == 0)
        {
            return "A client_id URL must be an https URL (client ID metadata documents are served over https only).";
        }

        var rest = clientId["https://".Length..];
        var pathStart = rest.IndexOfAny(['/', '?', '#']);
        var authority = pathStart < 0 ? rest : rest[..pathStart];
        if (authority.Contains('@', StringComparison.Ordinal))
        {
            return "A client_id URL must not contain a user name or password.";
        }

        if (clientId.Contains('#', StringComparison.Ordinal))
        {
            return "A client_id URL must not have a fragment.";
        }

        var path = pathStart < 0 ? "" : rest[pathStart..].Split('?')[0];
        if (path.Length <= 1)
        {
            return "A client_id URL must have a path (e.g. https://app.example/oauth/client.json).";
        }

        if (path.Split('/').Any(segment => Uri.UnescapeDataString(segment) is "." or ".."))
        {
            return "A client_id URL must not contain '.' or '..' path segments.";
        }

        return null;
    }
}
