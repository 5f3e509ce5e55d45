using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Mnemosyne.AuthService.Options;
using Mnemosyne.ServiceDefaults;

namespace Mnemosyne.AuthService.Tokens;

/// <summary>
/// Checks an OAuth access token from a configured identity provider (CONTRACT §6) with Microsoft.IdentityModel's
/// <see cref="JsonWebTokenHandler"/> against the issuer's JWKS: asymmetric algorithms only, exact issuer, an accepted
/// audience, <c>exp</c>/<c>nbf</c> with the leeway on the injected clock, <c>sub</c> required. Each refusal carries its
/// own reason code. No replay check: access tokens are bearer tokens, reused until they expire.
/// </summary>
public sealed class OAuthValidator(OAuthIssuers issuers, IOptions<AuthOptions> options, TimeProvider time)
{
    private static readonly string[] Algorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384,
    ];

    private static readonly System.Buffers.SearchValues<char> Base64UrlAlphabet =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    private static bool IsStrictBase64Url(ReadOnlySpan<char> segment) => !segment.ContainsAnyExcept(Base64UrlAlphabet);

    private static readonly JsonWebTokenHandler Handler = new() { MapInboundClaims = false };

    /// <summary>Most groups read from a token (Entra ID itself sends at most 200 before switching to an overage claim).</summary>
    private const int MaxGroups = Fields.MaxListLength;

    public async Task<AccessToken> ValidateAsync(string token, JsonElement header, OAuthIssuer issuer, CancellationToken cancellationToken)
    {
        if (!Algorithms.Contains(header.GetProperty("alg").GetString(), StringComparer.Ordinal))
        {
            throw new AuthException(AuthFailure.UnsupportedAlg);
        }

        var kid = header.TryGetProperty("kid", out var kidElement) && kidElement.ValueKind != JsonValueKind.Null
            ? kidElement.ValueKind == JsonValueKind.String ? kidElement.GetString() : throw new AuthException(AuthFailure.Malformed("header kid must be a string."))
            : null;

        // The handler's decoder also takes padding and the standard alphabet: one token must have one spelling.
        if (!IsStrictBase64Url(token.AsSpan(token.LastIndexOf('.') + 1)))
        {
            throw new AuthException(AuthFailure.Malformed("signature is not unpadded base64url."));
        }

        var configuration = await issuers.ConfigurationAsync(issuer, cancellationToken);
        if (kid is not null && !configuration.SigningKeys.Any(k => k.KeyId == kid))
        {
            configuration = await issuers.RefreshForUnknownKeyAsync(issuer, cancellationToken);
            if (!configuration.SigningKeys.Any(k => k.KeyId == kid))
            {
                throw new AuthException(AuthFailure.UnknownKey);
            }
        }

        var result = await Handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = issuer.Issuer,
            ValidAudiences = issuer.Audiences,
            IssuerSigningKeys = configuration.SigningKeys,
            ValidAlgorithms = Algorithms,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            // The parameters' own clock is not public in 8.23: lifetime goes through the library's hook, on our clock.
            LifetimeValidator = ValidateLifetime,
        });
        if (!result.IsValid)
        {
            throw new AuthException(Refusal(result.Exception));
        }

        var jwt = (JsonWebToken)result.SecurityToken;
        if (!BearerClassifier.TryDecodeJsonObject(jwt.EncodedPayload, out var claims))
        {
            throw new AuthException(AuthFailure.Malformed("payload is not a base64url JSON object."));
        }

        var subject = claims.TryGetProperty("sub", out var sub) && sub.ValueKind == JsonValueKind.String
                      && sub.GetString() is { Length: > 0 and <= Limits.IdentifierLength } value
            ? value
            : throw new AuthException(sub.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null
                ? AuthFailure.MissingClaim("sub")
                : AuthFailure.InvalidClaims($"JWT sub must be a non-empty string of at most {Limits.IdentifierLength} characters."));

        return new AccessToken(subject, OAuthIssuers.Host(issuer), Scopes(claims), Groups(claims, issuer.GroupsClaim), jwt.ValidTo,
            Identifier(claims, "client_id", Limits.ClientIdLength), Identifier(claims, "oi_tkn_id", Limits.IdentifierLength));
    }

    private bool ValidateLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var leeway = TimeSpan.FromSeconds(options.Value.LeewaySeconds);
        if (expires is null)
        {
            throw new SecurityTokenNoExpirationException();
        }

        if (notBefore > expires)
        {
            throw new SecurityTokenInvalidLifetimeException();
        }

        if (now > expires.Value + leeway)
        {
            throw new SecurityTokenExpiredException();
        }

        return notBefore is null || notBefore.Value <= now + leeway ? true : throw new SecurityTokenNotYetValidException();
    }

    private static AuthFailure Refusal(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => AuthFailure.Expired,
        SecurityTokenNotYetValidException => AuthFailure.InvalidClaims("JWT is not valid yet (nbf)."),
        SecurityTokenNoExpirationException => AuthFailure.MissingClaim("exp"),
        SecurityTokenInvalidLifetimeException => AuthFailure.InvalidClaims("JWT nbf is after its exp."),
        SecurityTokenInvalidAudienceException => AuthFailure.InvalidAudience,
        SecurityTokenInvalidIssuerException => AuthFailure.InvalidIssuer,
        SecurityTokenInvalidAlgorithmException => AuthFailure.UnsupportedAlg,
        SecurityTokenSignatureKeyNotFoundException => AuthFailure.UnknownKey,
        SecurityTokenMalformedException => AuthFailure.Malformed("not a well-formed JWS."),
        _ => AuthFailure.InvalidToken,
    };

    /// <summary><c>scope</c> (space-separated string) or <c>scp</c> (Entra ID: space-separated string or array).</summary>
    private static HashSet<string> Scopes(JsonElement claims)
    {
        var scopes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in (ReadOnlySpan<string>)["scope", "scp"])
        {
            if (!claims.TryGetProperty(name, out var claim))
            {
                continue;
            }

            foreach (var value in Strings(claim, name))
            {
                scopes.UnionWith(value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
        }

        return scopes;
    }

    /// <summary>
    /// A string claim naming something (a client, a token row), or null when absent or not such a string: outside
    /// identity providers need neither, and the check that needs one refuses a token without it.
    /// </summary>
    private static string? Identifier(JsonElement claims, string name, int maxLength) =>
        claims.TryGetProperty(name, out var claim) && claim.ValueKind == JsonValueKind.String
        && claim.GetString() is { Length: > 0 } value && value.Length <= maxLength ? value : null;

    /// <summary>The groups claim as a string or an array of strings; absent = no groups.</summary>
    private static string[] Groups(JsonElement claims, string claimName)
    {
        if (!claims.TryGetProperty(claimName, out var claim))
        {
            return [];
        }

        var groups = Strings(claim, claimName);
        return groups.Count > MaxGroups
            ? throw new AuthException(AuthFailure.InvalidClaims($"JWT {claimName} may hold at most {MaxGroups} values."))
            : [.. groups.Where(g => g.Length is > 0 and <= Limits.IdentifierLength).Distinct(StringComparer.Ordinal)];
    }

    private static List<string> Strings(JsonElement claim, string name) => claim.ValueKind switch
    {
        JsonValueKind.Null => [],
        JsonValueKind.String => [claim.GetString()!],
        JsonValueKind.Array when claim.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String) =>
            [.. claim.EnumerateArray().Select(e => e.GetString()!)],
        _ => throw new AuthException(AuthFailure.InvalidClaims($"JWT {name} must be a string or a list of strings.")),
    };
}
