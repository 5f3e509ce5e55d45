using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Mnemosyne.Testing;

/// <summary>
/// Builds JWTs byte by byte, so tests can make the broken ones a real minter never would (wrong alg, missing kid,
/// bad claim types). Well-formed tokens are also minted with Microsoft.IdentityModel in the interop test.
/// </summary>
public static class TestJwt
{
    public static string Sign(object header, object claims, byte[] secret)
    {
        var signingInput = Encode(header) + "." + Encode(claims);
        return signingInput + "." + Base64Url.EncodeToString(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(signingInput)));
    }

    public static string Turn(string kid, byte[] secret, DateTimeOffset now, Action<Dictionary<string, object?>>? change = null,
        int lifetimeSeconds = 300)
    {
        var claims = new Dictionary<string, object?>
        {
            ["iss"] = "daedalus",
            ["sub"] = "chat-turn",
            ["jti"] = Guid.NewGuid().ToString(),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.ToUnixTimeSeconds() + lifetimeSeconds,
            ["libs"] = new[] { "lib-a", "lib-b" },
        };
        change?.Invoke(claims);
        return Sign(new { alg = "HS256", typ = "JWT", kid }, claims, secret);
    }

    public static string Encode(object value) => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(value));
}
