using System.Net;
using System.Net.Http.Json;

namespace Mnemosyne.Testing;

/// <summary>
/// The nine kinds of revocation CONTRACT §9 names, and the authorization server's three, each arranged with a fresh
/// credential through one replica and revoked through the other: shared by <c>RevocationUnderLoadTests</c> and
/// <c>AuthorizationServerRevocationUnderLoadTests</c> (replicas in one process) and <c>bench -- chaos</c> (replicas
/// as processes; the nine), so they prove the same list.
/// </summary>
public static class RevocationScenarios
{
    public static IReadOnlyList<string> Kinds { get; } =
    [
        "token deactivated", "user deactivated", "signing key retired", "service user deactivated", "team token rotated",
        "team deactivated", "team workspace removed", "library moved to another workspace", "library deleted",
    ];

    /// <summary>
    /// The kinds that end access tokens of Mnemosyne's own authorization server (CONTRACT §10): each arranged with a
    /// fresh sign-in (<see cref="SignedIn"/>) and revoked through the other auth-service.
    /// </summary>
    public static IReadOnlyList<string> AuthorizationServerKinds { get; } =
        ["oauth grant revoked", "oauth client blocked", "oauth user deactivated"];

    /// <summary>An access token of the authorization server, the client it was issued to and the user who signed in.</summary>
    public sealed record SignedIn(string AccessToken, string ClientId, string Username);

    /// <summary>
    /// What one scenario calls with, how it revokes (answering the admin call's status and body, which callers judge:
    /// under a fault it may be 503), what a stale answer would show, and how to undo it.
    /// </summary>
    public sealed record Scenario(string Bearer, Func<Task<Answer>> Revoke, string? StaleLibrary, Func<Task>? Restore = null);

    /// <summary>What the revoking admin call answered.</summary>
    public readonly record struct Answer(HttpStatusCode Status, string Body)
    {
        public bool Succeeded => (int)Status is >= 200 and < 300;
    }

    /// <summary>An mcp-host's library admin API, as the admin.</summary>
    public sealed class LibraryAdmin(HttpClient admin)
    {
        public async Task PutAsync(string uid, string workspace)
        {
            var answer = await MoveAsync(uid, workspace);
            Assert.True(answer.Succeeded, $"PUT library {uid}: {(int)answer.Status} {answer.Body}");
        }

        public async Task<Answer> MoveAsync(string uid, string workspace)
        {
            using var response = await admin.PutAsJsonAsync($"/admin/v1/libraries/{uid}", new { name = uid, workspace });
            return new(response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        public async Task<Answer> DeleteAsync(string uid)
        {
            using var response = await admin.DeleteAsync(new Uri($"/admin/v1/libraries/{uid}", UriKind.Relative));
            return new(response.StatusCode, await response.Content.ReadAsStringAsync());
        }
    }

    /// <summary>
    /// A fresh credential of <paramref name="kind"/> seeing one new library, made through <paramref name="first"/>;
    /// its revocation goes through <paramref name="second"/>. Turn JWTs are signed as of <paramref name="now"/>.
    /// </summary>
    public static async Task<Scenario> ArrangeAsync(
        string kind, AuthApi first, AuthApi second, LibraryAdmin firstLibraries, LibraryAdmin secondLibraries, DateTimeOffset now)
    {
        var workspace = AuthApi.Unique("ws");
        var library = AuthApi.Unique("lib");
        await firstLibraries.PutAsync(library, workspace);
        await first.CreateSigningKeyAsync(); // team tokens are signed with the newest key, and one kind retires a key
        switch (kind)
        {
            case "token deactivated":
            {
                var (id, token) = await first.CreateTokenAsync(await first.CreateUserAsync(), [library]);
                return new(token, () => AnswerAsync(second, $"/admin/v1/tokens/{id}/deactivate"), null);
            }

            case "user deactivated":
            {
                var user = await first.CreateUserAsync();
                var (_, token) = await first.CreateTokenAsync(user, [library]);
                return new(token, () => AnswerAsync(second, $"/admin/v1/users/{user}/deactivate"), null);
            }

            case "signing key retired":
            {
                var (kid, secret) = await first.CreateSigningKeyAsync();
                var token = TestJwt.Turn(kid, secret, now, c =>
                {
                    c["sub"] = AuthApi.Unique("turn"); // a budget of its own: the load spends hundreds of calls a second
                    c["libs"] = new[] { library };
                });
                return new(token, () => AnswerAsync(second, $"/admin/v1/signing-keys/{kid}/retire"), null);
            }

            case "service user deactivated":
            {
                var (kid, secret) = await first.CreateSigningKeyAsync();
                var token = TestJwt.Turn(kid, secret, now, c =>
                {
                    c["sub"] = AuthApi.Unique("turn"); // a budget of its own: the load spends hundreds of calls a second
                    c["libs"] = new[] { library };
                });
                return new(token, () => AnswerAsync(second, "/admin/v1/users/daedalus-service/deactivate"), null,
                    Restore: async () => Assert.True((await AnswerAsync(first, "/admin/v1/users/daedalus-service/activate")).Succeeded));
            }

            case "team token rotated":
            {
                var team = await first.CreateTeamAsync(workspace);
                return new(await first.MintTeamTokenAsync(team), () => AnswerAsync(second, $"/admin/v1/teams/{team}/token"), null);
            }

            case "team deactivated":
            {
                var team = await first.CreateTeamAsync(workspace);
                return new(await first.MintTeamTokenAsync(team), () => AnswerAsync(second, $"/admin/v1/teams/{team}/deactivate"), null);
            }

            case "team workspace removed":
            {
                var kept = AuthApi.Unique("ws");
                await firstLibraries.PutAsync(AuthApi.Unique("lib"), kept);
                var team = await first.CreateTeamAsync(workspace, kept);
                return new(await first.MintTeamTokenAsync(team),
                    () => AnswerAsync(second, $"/admin/v1/teams/{team}/workspaces", HttpMethod.Put, new { workspaces = new[] { kept } }),
                    library);
            }

            case "library moved to another workspace":
            {
                var team = await first.CreateTeamAsync(workspace);
                return new(await first.MintTeamTokenAsync(team), () => secondLibraries.MoveAsync(library, AuthApi.Unique("ws")), library);
            }

            case "library deleted":
            {
                var team = await first.CreateTeamAsync(workspace);
                return new(await first.MintTeamTokenAsync(team), () => secondLibraries.DeleteAsync(library), library);
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown revocation");
        }
    }

    /// <summary>One of <see cref="AuthorizationServerKinds"/> for <paramref name="signedIn"/>, revoked through <paramref name="second"/>.</summary>
    public static Scenario ArrangeSignedIn(string kind, AuthApi second, SignedIn signedIn) => kind switch
    {
        "oauth grant revoked" => new(signedIn.AccessToken, async () =>
        {
            var grants = await second.AdminAsync(HttpMethod.Get, $"/admin/v1/oauth/grants?username={signedIn.Username}");
            var id = Assert.Single(grants.Body.EnumerateArray().ToArray()).GetProperty("id").GetString();
            return await AnswerAsync(second, $"/admin/v1/oauth/grants/{id}/revoke");
        }, null),
        "oauth client blocked" => new(signedIn.AccessToken,
            () => AnswerAsync(second, $"/admin/v1/oauth/clients/{Uri.EscapeDataString(signedIn.ClientId)}/block"), null),
        "oauth user deactivated" => new(signedIn.AccessToken, () => AnswerAsync(second, $"/admin/v1/users/{signedIn.Username}/deactivate"), null),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown revocation"),
    };

    /// <summary>Stale: allowed, or (for a narrowing change) still showing <see cref="Scenario.StaleLibrary"/>, in an answer's text.</summary>
    public static bool IsStale(Scenario scenario, bool allowed, string answer) =>
        allowed && (scenario.StaleLibrary is null || answer.Contains(scenario.StaleLibrary, StringComparison.Ordinal));

    private static async Task<Answer> AnswerAsync(AuthApi api, string path, HttpMethod? method = null, object? body = null)
    {
        var reply = await api.AdminAsync(method ?? HttpMethod.Post, path, body ?? new { });
        return new(reply.Status, reply.Body.ToString());
    }
}
