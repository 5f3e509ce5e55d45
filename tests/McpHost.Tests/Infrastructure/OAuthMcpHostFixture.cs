namespace Mnemosyne.McpHost.Tests.Infrastructure;

/// <summary>
/// A <see cref="McpHostFixture"/> whose services trust a real authorization server (CONTRACT §6): auth-service accepts
/// its access tokens for the MCP resource URL, mcp-host advertises it. McpHost's port is chosen first, because the
/// resource URL is the accepted audience.
/// </summary>
public sealed class OAuthMcpHostFixture(TestServers servers) : McpHostFixture(servers)
{
    private readonly int _mcpPort = TestAuthorizationServer.FreePort();

    public TestAuthorizationServer AuthorizationServer { get; private set; } = null!;

    public string Resource => $"http://127.0.0.1:{_mcpPort}/mcp";

    protected override int McpHostPort => _mcpPort;

    protected override async Task BeforeStartAsync() =>
        AuthorizationServer = Track(await TestAuthorizationServer.StartAsync(time: Time));

    protected override void AddSettings(Dictionary<string, string?> configuration)
    {
        configuration["Auth:OAuth:Issuers:0:Issuer"] = AuthorizationServer.Issuer;
        configuration["Auth:OAuth:Issuers:0:Audiences:0"] = Resource;
    }
}
