using Mnemosyne.ServiceDefaults;

namespace Mnemosyne.McpHost.Tests.Infrastructure;

/// <summary>
/// An <see cref="AuthorizationServerFixture"/> whose authorization server signs users in through one upstream
/// identity provider — a second, separate OpenIddict server (<see cref="TestAuthorizationServer"/>) with Mnemosyne
/// registered there as the public client <c>mnemosyne-tests</c> — while the development sign-in stays available, so
/// the sign-in chooser offers both. The provider runs on the services' clock, so its ID tokens' times agree with it.
/// </summary>
public sealed class UpstreamSignInFixture(TestServers servers) : AuthorizationServerFixture(servers)
{
    public const string DisplayName = "Test IdP";

    public TestAuthorizationServer Upstream { get; private set; } = null!;

    /// <summary>The provider as auth-service sees it (its name is in the callback URL).</summary>
    public UpstreamProvider Provider => new() { Issuer = Upstream.Issuer, ClientId = TestAuthorizationServer.ClientId, DisplayName = DisplayName };

    /// <summary>Where the provider sends the browser back to: the callback on mcp-host's origin.</summary>
    public Uri Callback => new(new Uri(Issuer), "oauth/callback/" + Provider.Name());

    protected override async Task BeforeStartAsync() =>
        Upstream = Track(await TestAuthorizationServer.StartAsync(time: Time));

    protected override void AddSettings(Dictionary<string, string?> configuration)
    {
        base.AddSettings(configuration);
        configuration["Auth:AuthorizationServer:Upstream:0:Issuer"] = Upstream.Issuer;
        configuration["Auth:AuthorizationServer:Upstream:0:ClientId"] = TestAuthorizationServer.ClientId;
        configuration["Auth:AuthorizationServer:Upstream:0:DisplayName"] = DisplayName;
    }
}
