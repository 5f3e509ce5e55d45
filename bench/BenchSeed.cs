using System.Net.Http.Json;
using System.Security.Cryptography;
using Mnemosyne.Testing;

namespace Mnemosyne.Bench;

/// <summary>
/// What every bench run works on, whether the services run in this process (<see cref="BenchServices"/>) or as their
/// own processes (<c>bench -- chaos</c>): one workspace of libraries with documents, and a valid token of each kind
/// (opaque, turn, team, oauth), all four seeing exactly those libraries (the OAuth user through a team mapped to its
/// group).
/// </summary>
public static class BenchSeed
{
    public const string Workspace = "bench-workspace";

    /// <summary>The audience auth-service must be configured to accept from the authorization server.</summary>
    public const string OAuthResource = "https://bench.mnemosyne.example/mcp";

    /// <summary>The upstream group mapped to the OAuth team (oauth and as-issued tokens carry it).</summary>
    public const string OAuthGroup = "bench-group";

    private const int DocumentsPerLibrary = 60;
    private static readonly string[] Words =
    [
        "replication", "snapshot", "consensus", "partition", "index", "latency", "quorum", "lease", "journal",
        "compaction", "checkpoint", "shard", "vacuum", "cursor", "schema", "tenant", "backoff", "throttle",
    ];

    /// <summary>An admin or internal key for a run: 48 random characters.</summary>
    public static string RandomKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(36));

    public static IReadOnlyList<string> Libraries { get; } = [.. Enumerable.Range(1, 4).Select(i => $"bench-lib-{i}")];

    /// <summary>Creates the libraries and their documents through mcp-host's library admin API.</summary>
    public static async Task LoadLibrariesAsync(HttpClient mcpHostAdmin)
    {
        var random = new Random(20261126);
        foreach (var library in Libraries)
        {
            await PutAsync(mcpHostAdmin, $"/admin/v1/libraries/{library}", new { name = library, workspace = Workspace });
            for (var i = 0; i < DocumentsPerLibrary; i++)
            {
                var words = Enumerable.Range(0, 80).Select(_ => Words[random.Next(Words.Length)]);
                await PutAsync(mcpHostAdmin, $"/admin/v1/libraries/{library}/documents/{library}-doc-{i}",
                    new { title = $"{Words[i % Words.Length]} notes {i}", content = string.Join(' ', words) + "." });
            }
        }
    }

    /// <summary>
    /// What minting needs, once: a signing key for turn and team JWTs, and the team that maps the OAuth users' group
    /// (<see cref="OAuthGroup"/>) to the workspace.
    /// </summary>
    public static async Task PrepareMintingAsync(AuthApi auth)
    {
        await auth.CreateSigningKeyAsync();
        var team = await auth.AdminAsync(HttpMethod.Post, "/admin/v1/teams",
            new { name = "bench-oauth-team", workspaces = new[] { Workspace }, groups = new[] { OAuthGroup } });
        if (team.Status != System.Net.HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"The OAuth team was not created: {(int)team.Status} {team.Body}");
        }
    }

    /// <summary>
    /// A valid bearer of each kind, by kind, after <see cref="PrepareMintingAsync"/>; the turn JWT lives
    /// <paramref name="turnSeconds"/>. With <paramref name="issuer"/> (Mnemosyne's authorization server, whose upstream
    /// is <paramref name="authorizationServer"/>) also <c>as-issued</c>: a client registers, a user signs in upstream
    /// with the OAuth team's group and consents. Called again, it mints fresh bearers of new principals.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, string>> MintTokensAsync(
        AuthApi auth, TestAuthorizationServer authorizationServer, Uri? issuer = null, int turnSeconds = 600)
    {
        var (_, opaque) = await auth.CreateTokenAsync(await auth.CreateUserAsync(), [.. Libraries]);
        var turn = await auth.AdminAsync(HttpMethod.Post, "/admin/v1/turn-tokens",
            new { subject = "bench-turn", libraries = Libraries, ttlSeconds = turnSeconds });
        var team = await auth.MintTeamTokenAsync(await auth.CreateTeamAsync(Workspace));
        authorizationServer.User = ("bench-user", [OAuthGroup]);
        var tokens = new Dictionary<string, string>
        {
            ["opaque"] = opaque,
            ["turn"] = turn.Body.GetProperty("token").GetString()!,
            ["team"] = team,
            ["oauth"] = await authorizationServer.SignInAsync(OAuthResource),
        };
        if (issuer is not null)
        {
            var flow = new OAuthFlow(issuer.ToString());
            tokens["as-issued"] = await SignInUpstreamAsync(flow, await flow.RegisterAsync("Mnemosyne bench"), authorizationServer, "bench-as-user");
        }

        return tokens;
    }

    /// <summary>
    /// The churn mode's bearers (issue 25): <paramref name="perKind"/> distinct principals of each kind — opaque tokens
    /// of their own users, turn JWTs of their own subjects, team JWTs of their own teams, OAuth and as-issued tokens
    /// of their own upstream users — all resolving to <see cref="Libraries"/>.
    /// </summary>
    public static async Task<IReadOnlyList<string>> MintChurnTokensAsync(
        AuthApi auth, TestAuthorizationServer authorizationServer, Uri issuer, int perKind)
    {
        var tokens = new List<string>(perKind * 5);
        var flow = new OAuthFlow(issuer.ToString());
        var clientId = await flow.RegisterAsync("Mnemosyne bench churn");
        for (var i = 0; i < perKind; i++)
        {
            tokens.Add((await auth.CreateTokenAsync(await auth.CreateUserAsync(), [.. Libraries])).Token);
            var turn = await auth.AdminAsync(HttpMethod.Post, "/admin/v1/turn-tokens",
                new { subject = $"bench-churn-{i}", libraries = Libraries, ttlSeconds = 600 });
            tokens.Add(turn.Body.GetProperty("token").GetString()!);
            tokens.Add(await auth.MintTeamTokenAsync(await auth.CreateTeamAsync(Workspace)));
            authorizationServer.User = ($"bench-churn-oauth-{i}", [OAuthGroup]);
            tokens.Add(await authorizationServer.SignInAsync(OAuthResource));
            tokens.Add(await SignInUpstreamAsync(flow, clientId, authorizationServer, $"bench-churn-as-{i}"));
        }

        return tokens;
    }

    /// <summary>
    /// <paramref name="subject"/>, in the OAuth team's group at <paramref name="upstream"/>, signs in at Mnemosyne's
    /// authorization server through it as a client does (<paramref name="flow"/>, <paramref name="clientId"/>) and
    /// consents: the access token it got.
    /// </summary>
    public static async Task<string> SignInUpstreamAsync(OAuthFlow flow, string clientId, TestAuthorizationServer upstream, string subject)
    {
        upstream.User = (subject, [OAuthGroup]);
        using var browser = new SignInDriver("unused: the sign-in is upstream");
        return (await flow.SignInAsync(browser, clientId)).GetProperty("access_token").GetString()!;
    }

    private static async Task PutAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PutAsJsonAsync(path, body);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"PUT {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }
}
