using System.Globalization;
using System.Text;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// The readable name of the local user an upstream account becomes at its first sign-in: the first of
/// <c>preferred_username</c>, <c>email</c>, <c>name</c> and <c>sub</c> that leaves something once reduced to what a
/// Mnemosyne username may hold (lower-case ASCII letters and digits, <c>. _ - @ +</c>; accents dropped, spaces as
/// dots). Only for people reading logs and the admin API: the account is identified by its issuer and <c>sub</c>
/// (<see cref="Data.UpstreamIdentity"/>), and a name already taken gets a number (<see cref="Numbered"/>).
/// </summary>
public static class UpstreamUsername
{
    /// <summary>Room left for the number a taken name gets (<c>-</c> and up to 8 digits).</summary>
    public const int MaxBaseLength = Limits.NameLength - 9;

    public static string Base(string? preferredUsername, string? email, string? name, string subject)
    {
        foreach (var candidate in (ReadOnlySpan<string?>)[preferredUsername, email, name, subject])
        {
            if (Reduce(candidate) is { Length: > 0 } reduced)
            {
                return reduced;
            }
        }

        return "user";
    }

    /// <summary>The name tried at the <paramref name="attempt"/>th free-name search: the base, then <c>base-2</c>, <c>base-3</c>, …</summary>
    public static string Numbered(string baseName, int attempt) =>
        attempt <= 1 ? baseName : string.Create(CultureInfo.InvariantCulture, $"{baseName}-{attempt}");

    public static string Reduce(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return "";
        }

        var reduced = new StringBuilder(Math.Min(value.Length, MaxBaseLength));
        foreach (var c in value.Trim().Normalize(NormalizationForm.FormD))
        {
            var kept = char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '@' or '+' ? char.ToLowerInvariant(c)
                : char.IsWhiteSpace(c) ? '.'
                : '\0';
            if (kept == '\0' || (kept is '.' or '-' && reduced.Length > 0 && reduced[^1] == kept))
            {
                continue;
            }

            reduced.Append(kept);
            if (reduced.Length == MaxBaseLength)
            {
                break;
            }
        }

        return reduced.ToString().Trim('.', '-', '_');
    }
}
