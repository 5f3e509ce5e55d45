using System.Security.Claims;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// The groups or roles an upstream provider sent for an account (its <c>GroupsClaim</c>, one value or many), bounded
/// the way <c>OAuthValidator</c> bounds an access token's: a value of 1 to 200 characters counts, any other is
/// dropped. They become the <c>groups</c> claim of Mnemosyne's access tokens, which must stay within the 12 KiB a
/// bearer may have (<see cref="Limits.BearerLength"/>), so more than <see cref="MaxCount"/> groups or more than
/// <see cref="MaxTotalLength"/> characters in all refuse the sign-in rather than silently dropping some (and with them
/// the teams they grant).
/// </summary>
public static class UpstreamGroups
{
    /// <summary>Entra ID's own limit before it sends an overage claim instead of the groups.</summary>
    public const int MaxCount = 200;

    /// <summary>200 Entra ID object ids (36 characters each).</summary>
    public const int MaxTotalLength = 200 * 36;

    /// <summary>The groups, distinct, in the order sent; or the sentence saying why there are too many.</summary>
    public static (string[] Groups, string? Error) Read(ClaimsPrincipal principal, string claimType)
    {
        var groups = principal.FindAll(claimType).Select(c => c.Value)
            .Where(g => g.Length is > 0 and <= Limits.IdentifierLength).Distinct(StringComparer.Ordinal).ToArray();
        if (groups.Length > MaxCount)
        {
            return ([], $"The identity provider sent {groups.Length} groups in '{claimType}'; at most {MaxCount} are accepted.");
        }

        return groups.Sum(g => g.Length) > MaxTotalLength
            ? ([], $"The identity provider's groups in '{claimType}' come to more than {MaxTotalLength} characters.")
            : (groups, null);
    }
}
