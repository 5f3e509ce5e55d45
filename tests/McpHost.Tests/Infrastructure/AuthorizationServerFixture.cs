using Microsoft.Extensions.Hosting;

namespace Mnemosyne.McpHost.Tests.Infrastructure;

/// <summary>
/// A <see cref="McpHostFixture"/> with Mnemosyne's own authorization server on (CONTRACT §10): its issuer is
/// mcp-host's origin (so mcp-host's port is chosen first), auth-service runs in Development so the development
/// sign-in and dynamic registration are open, as on a fresh <c>dotnet run</c>.
/// </summary>
public class AuthorizationServerFixture(TestServers servers) : McpHostFixture(servers)
{
    private readonly int _mcpPort = TestAuthorizationServer.FreePort();

    /// <summary>The issuer as it appears in <c>iss</c> and the metadata (with the trailing slash).</summary>
    public string Issuer => $"http://127.0.0.1:{_mcpPort}/";

    public string Resource => Issuer + "mcp";

    protected override int McpHostPort => _mcpPort;

    protected override string? AuthServiceEnvironment => Environments.Development;

    protected override void AddSettings(Dictionary<string, string?> configuration)
    {
        configuration["Auth:AuthorizationServer:Enabled"] = "true";
        configuration["Auth:AuthorizationServer:Issuer"] = $"http://127.0.0.1:{_mcpPort}";
    }
}
