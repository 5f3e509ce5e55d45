using Microsoft.IdentityModel.Tokens;

namespace Mnemosyne.AuthService.Tests.Infrastructure;

/// <summary>
/// An <see cref="AuthFixture"/> whose AuthService trusts real authorization servers, all on the fixture's clock: one
/// signing RS256, one ES256, one with RFC 8414 metadata only, and an issuer on a port where nothing listens until a
/// test starts it.
/// </summary>
public sealed class OAuthFixture(TestServers servers) : AuthFixture(servers)
{
    public const string Resource = "https://mcp.example/mcp";

    public TestAuthorizationServer Rsa { get; private set; } = null!;

    public TestAuthorizationServer Ec { get; private set; } = null!;

    /// <summary>A server publishing only RFC 8414 metadata (no OpenID Connect discovery).</summary>
    public TestAuthorizationServer OAuthOnly { get; private set; } = null!;

    /// <summary>The configured issuer with no server behind it (see <see cref="StartLateServerAsync"/>).</summary>
    public int LatePort { get; } = TestAuthorizationServer.FreePort();

    public string LateIssuer => $"http://127.0.0.1:{LatePort}/";

    /// <summary>Starts the authorization server of <see cref="LateIssuer"/>; the fixture stops it.</summary>
    public async Task<TestAuthorizationServer> StartLateServerAsync() =>
        Track(await TestAuthorizationServer.StartAsync(LatePort, time: Time));

    protected override async Task BeforeFirstHostAsync()
    {
        Rsa = Track(await TestAuthorizationServer.StartAsync(time: Time));
        Ec = Track(await TestAuthorizationServer.StartAsync(algorithm: SecurityAlgorithms.EcdsaSha256, time: Time));
        Ec.GroupsClaim = "roles";
        OAuthOnly = Track(await TestAuthorizationServer.StartAsync(time: Time));
        OAuthOnly.OAuthMetadataOnly = true;
    }

    protected override void AddSettings(Dictionary<string, string?> configuration)
    {
        string[] issuers = [Rsa.Issuer, Ec.Issuer, LateIssuer, OAuthOnly.Issuer];
        for (var n = 0; n < issuers.Length; n++)
        {
            configuration[$"Auth:OAuth:Issuers:{n}:Issuer"] = issuers[n];
            configuration[$"Auth:OAuth:Issuers:{n}:Audiences:0"] = Resource;
        }

        // The EC issuer reads groups from Entra ID's app-role claim, to show the setting is per issuer.
        configuration["Auth:OAuth:Issuers:1:GroupsClaim"] = "roles";
    }
}
