using Mnemosyne.McpHost.Tests.Infrastructure;

namespace Mnemosyne.McpHost.Tests;

/// <summary>
/// The authorization server's revocations (a grant revoked, a client blocked, a user deactivated) under load on two
/// replicas of each service (<see cref="RevocationUnderLoad"/>), each with a fresh sign-in (DCR, development sign-in,
/// consent, code exchange) made before the load starts.
/// </summary>
public sealed class AuthorizationServerRevocationUnderLoadTests(AuthorizationServerFixture fixture) : IClassFixture<AuthorizationServerFixture>
{
    public static TheoryData<string> Kinds => [.. RevocationScenarios.AuthorizationServerKinds];

    [Theory]
    [MemberData(nameof(Kinds))]
    public Task No_call_started_after_the_revoking_admin_call_answered_is_allowed(string kind) =>
        RevocationUnderLoad.RunAsync(fixture, kind, async replicas =>
        {
            var oauth = new OAuthFlow(fixture.Issuer);
            var clientId = await oauth.RegisterAsync();
            var username = AuthApi.Unique("user");
            using var browser = new SignInDriver(username);
            var tokens = await oauth.SignInAsync(browser, clientId);
            return RevocationScenarios.ArrangeSignedIn(kind, replicas.SecondAuth,
                new(tokens.GetProperty("access_token").GetString()!, clientId, username));
        });
}
