using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Options;

namespace Mnemosyne.AuthService.Tokens;

/// <summary>
/// Checks a turn or team JWT (CONTRACT §2): HS256 only, a known non-retired <c>kid</c>, a constant-time signature
/// check, the required claims, lifetime with leeway, the issuer, and the claim shapes of each kind.
/// Replay and team state are checked by the caller.
/// </summary>
public sealed class JwtValidator(SigningKeyRing keys, IOptions<AuthOptions> options, TimeProvider time)
{
    private static readonly string[] RequiredClaims = ["exp", "iat", "iss", "sub", "jti"];
    private const string TeamSubjectPrefix = "team:";

    /// <param name="token">A bearer <see cref="BearerClassifier.TryReadJwtHeader"/> accepted.</param>
    /// <param name="header">The header it decoded (so it is not decoded twice).</param>
    public ValidatedJwt Validate(string token, JsonElement header)
    {
        var settings = options.Value;
        var firstDot = token.IndexOf('.');
        var secondDot = token.IndexOf('.', firstDot + 1);

        if (!header.TryGetProperty("kid", out var kidElement) || kidElement.ValueKind != JsonValueKind.String
            || kidElement.GetString() is not { Length: > 0 } kid)
        {
            throw Fail(AuthFailure.Malformed("header missing kid."));
        }

        if (header.GetProperty("alg").GetString() != "HS256")
        {
            throw Fail(AuthFailure.UnsupportedAlg);
        }

        var key = keys.Find(kid) ?? throw Fail(AuthFailure.UnknownKey);
        if (key.Retired)
        {
            throw new AuthException(AuthFailure.RetiredKey, SignedCaller(token, firstDot, secondDot, key, settings));
        }

        VerifySignature(token, firstDot, secondDot, key);

        if (!BearerClassifier.TryDecodeJsonObject(token.AsSpan(firstDot + 1, secondDot - firstDot - 1), out var claims))
        {
            throw Fail(AuthFailure.Malformed("payload is not a base64url JSON object."));
        }

        try
        {
            return ValidateClaims(claims, settings, kid);
        }
        catch (AuthException exception) when (exception.Caller is null)
        {
            // The signature is ours: whoever the claims name is who was refused (CONTRACT §8).
            throw new AuthException(exception.Failure, CallerOf(claims, settings));
        }
    }

    private ValidatedJwt ValidateClaims(JsonElement claims, AuthOptions settings, string kid)
    {
        foreach (var name in RequiredClaims)
        {
            if (!claims.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                throw Fail(AuthFailure.MissingClaim(name));
            }
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        var leeway = settings.LeewaySeconds;
        var exp = NumericClaim(claims, "exp");
        var iat = NumericClaim(claims, "iat");
        if (now > exp + leeway)
        {
            throw Fail(AuthFailure.Expired);
        }

        if (iat > now + leeway)
        {
            throw Fail(AuthFailure.InvalidClaims("JWT iat is in the future."));
        }

        if (claims.TryGetProperty("nbf", out var nbfElement) && nbfElement.ValueKind != JsonValueKind.Null
            && NumericClaim(claims, "nbf") > now + leeway)
        {
            throw Fail(AuthFailure.InvalidClaims("JWT is not valid yet (nbf)."));
        }

        var issuer = claims.GetProperty("iss");
        var isTeam = issuer.ValueKind == JsonValueKind.String && issuer.GetString() == settings.TeamIssuer;
        if (!isTeam && !(issuer.ValueKind == JsonValueKind.String && issuer.GetString() == settings.TurnIssuer))
        {
            throw Fail(AuthFailure.InvalidIssuer);
        }

        var subject = NonEmptyString(claims, "sub", Limits.IdentifierLength);
        var jti = NonEmptyString(claims, "jti", Limits.JtiLength);
        var typ = OptionalString(claims, "typ");
        var expiresAt = DateTimeOffset.FromUnixTimeMilliseconds((long)(exp * 1000));

        if (isTeam)
        {
            return ValidateTeam(claims, settings, subject, jti, typ, expiresAt, kid);
        }

        if (typ == "team")
        {
            throw Fail(AuthFailure.InvalidClaims($"JWT typ 'team' requires issuer '{settings.TeamIssuer}'."));
        }

        if (exp - iat > settings.MaxTurnTokenLifetimeSeconds)
        {
            throw Fail(AuthFailure.LifetimeTooLong);
        }

        OptionalString(claims, "ws"); // informational, but must be a string when present
        return new ValidatedJwt(false, subject, jti, expiresAt, Libraries(claims), Guid.Empty, kid);
    }

    private static ValidatedJwt ValidateTeam(
        JsonElement claims, AuthOptions settings, string subject, string jti, string? typ, DateTimeOffset expiresAt, string kid)
    {
        if (typ != "team")
        {
            throw Fail(AuthFailure.InvalidClaims("JWT typ must be 'team' for a team token."));
        }

        if (!HasAudience(claims, settings.TeamAudience))
        {
            throw Fail(AuthFailure.InvalidClaims($"JWT aud must be '{settings.TeamAudience}'."));
        }

        if (!subject.StartsWith(TeamSubjectPrefix, StringComparison.Ordinal)
            || !Guid.TryParseExact(subject.AsSpan(TeamSubjectPrefix.Length), "D", out var teamId))
        {
            throw Fail(AuthFailure.InvalidClaims("JWT sub must be 'team:<uuid>' for a team token."));
        }

        return new ValidatedJwt(true, subject, jti, expiresAt, [], teamId, kid);
    }

    /// <summary>Who a token signed with a retired key names, when its signature still checks out; else null.</summary>
    private static Caller? SignedCaller(string token, int firstDot, int secondDot, SigningKeyRing.Key key, AuthOptions settings)
    {
        try
        {
            VerifySignature(token, firstDot, secondDot, key);
        }
        catch (AuthException)
        {
            return null;
        }

        return BearerClassifier.TryDecodeJsonObject(token.AsSpan(firstDot + 1, secondDot - firstDot - 1), out var claims)
            ? CallerOf(claims, settings)
            : null;
    }

    /// <summary>The caller signed claims name: a team by its <c>team:&lt;uuid&gt;</c> subject, else <c>jwt:&lt;sub&gt;</c>.</summary>
    private static Caller? CallerOf(JsonElement claims, AuthOptions settings)
    {
        if (!claims.TryGetProperty("sub", out var sub) || sub.ValueKind != JsonValueKind.String
            || sub.GetString() is not { Length: > 0 and <= Limits.IdentifierLength } subject)
        {
            return null;
        }

        var isTeam = claims.TryGetProperty("iss", out var iss) && iss.ValueKind == JsonValueKind.String && iss.GetString() == settings.TeamIssuer;
        return isTeam ? new Caller("team", subject) : new Caller("turn", "jwt:" + subject);
    }

    private static void VerifySignature(string token, int firstDot, int secondDot, SigningKeyRing.Key key)
    {
        var encodedSignature = token.AsSpan(secondDot + 1);
        if (Base64Url.GetMaxDecodedLength(encodedSignature.Length) > 64)
        {
            throw Fail(AuthFailure.InvalidToken);
        }

        Span<byte> signature = stackalloc byte[64];
        if (!BearerClassifier.TryDecode(encodedSignature, signature, out var signatureLength))
        {
            throw Fail(AuthFailure.Malformed("signature is not base64url."));
        }

        if (key.Secret is null)
        {
            // The stored secret cannot be decrypted with this instance's key: fail closed.
            throw Fail(AuthFailure.InvalidToken);
        }

        var signingInput = Encoding.ASCII.GetBytes(token, 0, secondDot);
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key.Secret, signingInput, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, signature[..signatureLength]))
        {
            throw Fail(AuthFailure.InvalidToken);
        }
    }

    private static double NumericClaim(JsonElement claims, string name)
    {
        var element = claims.GetProperty(name);
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out var value) || !double.IsFinite(value)
            || Math.Abs(value) > 253_402_300_799)
        {
            throw Fail(AuthFailure.InvalidClaims($"JWT {name} must be a number of seconds since 1970."));
        }

        return value;
    }

    private static string NonEmptyString(JsonElement claims, string name, int maxLength)
    {
        var element = claims.GetProperty(name);
        if (element.ValueKind != JsonValueKind.String || element.GetString() is not { Length: > 0 } value
            || value.Length > maxLength)
        {
            throw Fail(AuthFailure.InvalidClaims($"JWT {name} must be a non-empty string of at most {maxLength} characters."));
        }

        return value;
    }

    private static string? OptionalString(JsonElement claims, string name)
    {
        if (!claims.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return element.ValueKind == JsonValueKind.String
            ? element.GetString()
            : throw Fail(AuthFailure.InvalidClaims($"JWT {name} must be a string."));
    }

    private static string[] Libraries(JsonElement claims)
    {
        if (!claims.TryGetProperty("libs", out var libs) || libs.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (libs.ValueKind != JsonValueKind.Array)
        {
            throw Fail(AuthFailure.InvalidClaims("JWT libs must be a list of strings."));
        }

        var result = new string[libs.GetArrayLength()];
        var index = 0;
        foreach (var lib in libs.EnumerateArray())
        {
            result[index++] = lib.ValueKind == JsonValueKind.String
                ? lib.GetString()!
                : throw Fail(AuthFailure.InvalidClaims("JWT libs must be a list of strings."));
        }

        return result;
    }

    private static bool HasAudience(JsonElement claims, string audience)
    {
        if (!claims.TryGetProperty("aud", out var aud))
        {
            return false;
        }

        return aud.ValueKind switch
        {
            JsonValueKind.String => aud.GetString() == audience,
            JsonValueKind.Array => aud.EnumerateArray().Any(a => a.ValueKind == JsonValueKind.String && a.GetString() == audience),
            _ => false,
        };
    }

    private static AuthException Fail(AuthFailure failure) => new(failure);
}
