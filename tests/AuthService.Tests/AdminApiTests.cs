using System.Net;
using Mnemosyne.AuthService.Tests.Infrastructure;

namespace Mnemosyne.AuthService.Tests;

public sealed class AdminApiTests(AuthFixture fixture) : IClassFixture<AuthFixture>
{
    private readonly AuthApi _api = fixture.Api();

    public static TheoryData<string, string> AdminCalls => new()
    {
        { "POST", "/admin/v1/users" },
        { "GET", "/admin/v1/users" },
        { "POST", "/admin/v1/users/someone/deactivate" },
        { "GET", "/admin/v1/tokens" },
        { "POST", "/admin/v1/tokens" },
        { "POST", "/admin/v1/signing-keys" },
        { "GET", "/admin/v1/signing-keys" },
        { "POST", "/admin/v1/teams" },
        { "GET", "/admin/v1/teams" },
        { "POST", "/admin/v1/turn-tokens" },
    };

    [Theory]
    [MemberData(nameof(AdminCalls))]
    public async Task Every_admin_call_refuses_a_missing_or_wrong_key(string method, string path)
    {
        var none = await _api.SendAsync(new HttpMethod(method), path, new { });
        var wrong = await _api.SendAsync(new HttpMethod(method), path, new { }, ("Authorization", "Bearer " + fixture.InternalKey));
        var notBearer = await _api.SendAsync(new HttpMethod(method), path, new { }, ("Authorization", fixture.AdminKey));

        foreach (var reply in new[] { none, wrong, notBearer })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, reply.Status);
            Assert.Equal("application/problem+json", reply.ContentType);
            Assert.Equal("Missing or invalid admin key.", reply.Title);
        }
    }

    [Fact]
    public async Task User_is_created_once()
    {
        var username = AuthApi.Unique("user");

        var created = await _api.AdminAsync(HttpMethod.Post, "/admin/v1/users", new { username });
        var again = await _api.AdminAsync(HttpMethod.Post, "/admin/v1/users", new { username });

        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal(username, created.Body.GetProperty("username").GetString());
        Assert.True(created.Body.GetProperty("active").GetBoolean());
        Assert.Equal(HttpStatusCode.Conflict, again.Status);
    }

    [Fact]
    public async Task Users_are_listed_with_their_state()
    {
        var active = await _api.CreateUserAsync();
        var deactivated = await _api.CreateUserAsync();
        await _api.AdminAsync(HttpMethod.Post, $"/admin/v1/users/{deactivated}/deactivate");

        var list = await _api.AdminAsync(HttpMethod.Get, "/admin/v1/users");

        Assert.Equal(HttpStatusCode.OK, list.Status);
        var rows = list.Body.EnumerateArray().ToDictionary(u => u.GetProperty("username").GetString()!, u => u);
        Assert.True(rows[active].GetProperty("active").GetBoolean());
        Assert.False(rows[deactivated].GetProperty("active").GetBoolean());
        Assert.Equal(["active", "username"], rows[active].EnumerateObject().Select(p => p.Name).Order());
    }

    public static TheoryData<string, string, string> BadBodies => new()
    {
        { "/admin/v1/users", "{", "Request body is not valid JSON for this call." },
        { "/admin/v1/users", "{}", "Field 'username' is required." },
        { "/admin/v1/users", """{"username": 42}""", "Field 'username' has the wrong type or is not valid JSON." },
        { "/admin/v1/users", """{"username": "has space"}""", "Field 'username' may contain only letters, digits and . _ - @ +." },
        { "/admin/v1/tokens", """{"username": "u", "name": "n", "libraries": "lib"}""", "Field 'libraries' has the wrong type or is not valid JSON." },
        { "/admin/v1/tokens", """{"username": "u", "name": "n"}""", "Field 'libraries' is required (a list of strings, may be empty)." },
        { "/admin/v1/tokens", """{"username": "u", "name": "n", "libraries": [""]}""", "Field 'libraries' must hold strings of 1 to 200 characters." },
        { "/admin/v1/tokens", """{"username": "u", "name": "n", "libraries": [], "tools": [7]}""", "Field 'tools[0]' has the wrong type or is not valid JSON." },
        { "/admin/v1/tokens", """{"username": "u", "name": "n", "libraries": [], "expiresAt": "tomorrow"}""", "Field 'expiresAt' has the wrong type or is not valid JSON." },
        { "/admin/v1/tokens", """{"username": "u", "name": "n", "libraries": [], "expiresAt": "2001-01-01T00:00:00Z"}""", "Field 'expiresAt' must be in the future." },
        { "/admin/v1/teams", """{"name": "t", "workspaces": {"a": 1}}""", "Field 'workspaces' has the wrong type or is not valid JSON." },
        { "/admin/v1/teams", """{"workspaces": []}""", "Field 'name' is required." },
        { "/admin/v1/turn-tokens", """{"subject": "s", "libraries": [], "ttlSeconds": "300"}""", "Field 'ttlSeconds' has the wrong type or is not valid JSON." },
        { "/admin/v1/turn-tokens", """{"libraries": []}""", "Field 'subject' is required." },
        { "/admin/v1/turn-tokens", "[]", "Request body is not valid JSON for this call." },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_bodies_get_400_naming_the_problem(string path, string body, string title)
    {
        var reply = await _api.SendAsync(HttpMethod.Post, path, body, ("Authorization", "Bearer " + fixture.AdminKey));

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("application/problem+json", reply.ContentType);
        Assert.Equal(title, reply.Title);
    }

    [Fact]
    public async Task Lists_longer_than_the_limit_are_refused()
    {
        var user = await _api.CreateUserAsync();
        var libraries = Enumerable.Range(0, 1001).Select(i => $"lib-{i}").ToArray();

        var reply = await _api.AdminAsync(HttpMethod.Post, "/admin/v1/tokens", new { username = user, name = "n", libraries });

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("Field 'libraries' may hold at most 1000 items.", reply.Title);
    }

    [Fact]
    public async Task Oversized_body_gets_413()
    {
        var reply = await _api.AdminAsync(HttpMethod.Post, "/admin/v1/teams", new { name = new string('n', 300 * 1024), workspaces = Array.Empty<string>() });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, reply.Status);
        Assert.Equal("Request body is too large (at most 256 KiB).", reply.Title);
    }

    [Theory]
    [InlineData("POST", "/admin/v1/users/nobody-here/deactivate")]
    [InlineData("POST", "/admin/v1/users/nobody-here/activate")]
    [InlineData("POST", "/admin/v1/tokens/7d1c6c8e-0000-4000-8000-000000000000/deactivate")]
    [InlineData("POST", "/admin/v1/tokens/not-a-guid/deactivate")]
    [InlineData("POST", "/admin/v1/signing-keys/k-nothing/retire")]
    [InlineData("PUT", "/admin/v1/teams/7d1c6c8e-0000-4000-8000-000000000000/workspaces")]
    [InlineData("POST", "/admin/v1/teams/7d1c6c8e-0000-4000-8000-000000000000/token")]
    [InlineData("POST", "/admin/v1/teams/7d1c6c8e-0000-4000-8000-000000000000/deactivate")]
    [InlineData("GET", "/admin/v1/tokens?username=nobody-here")]
    public async Task Unknown_ids_get_404(string method, string path)
    {
        var reply = await _api.AdminAsync(new HttpMethod(method), path, new { workspaces = Array.Empty<string>() });

        Assert.Equal(HttpStatusCode.NotFound, reply.Status);
    }

    [Fact]
    public async Task Token_for_an_unknown_or_deactivated_user_is_refused()
    {
        var user = await _api.CreateUserAsync();
        await _api.AdminAsync(HttpMethod.Post, $"/admin/v1/users/{user}/deactivate");

        var unknown = await _api.AdminAsync(HttpMethod.Post, "/admin/v1/tokens", new { username = "nobody-here", name = "n", libraries = Array.Empty<string>() });
        var deactivated = await _api.AdminAsync(HttpMethod.Post, "/admin/v1/tokens", new { username = user, name = "n", libraries = Array.Empty<string>() });

        Assert.Equal((HttpStatusCode.NotFound, "User 'nobody-here' does not exist."), (unknown.Status, unknown.Title));
        Assert.Equal(HttpStatusCode.Conflict, deactivated.Status);
    }

    [Fact]
    public async Task Token_list_shows_every_field_but_never_the_token()
    {
        var user = await _api.CreateUserAsync();
        var expiresAt = fixture.Time.GetUtcNow().AddDays(30);
        var created = await _api.AdminAsync(HttpMethod.Post, "/admin/v1/tokens",
            new { username = user, name = "laptop", libraries = new[] { "lib-1" }, tools = (string[]?)null, expiresAt });
        var token = created.Body.GetProperty("token").GetString()!;

        var list = await _api.AdminAsync(HttpMethod.Get, $"/admin/v1/tokens?username={user}");
        var all = await _api.AdminAsync(HttpMethod.Get, "/admin/v1/tokens");

        Assert.Equal(HttpStatusCode.OK, list.Status);
        var row = Assert.Single(list.Body.EnumerateArray());
        Assert.Equal(created.Body.GetProperty("id").GetString(), row.GetProperty("id").GetString());
        Assert.Equal("laptop", row.GetProperty("name").GetString());
        Assert.Equal(token[..12], row.GetProperty("prefix").GetString());
        Assert.Equal(created.Body.GetProperty("prefix").GetString(), row.GetProperty("prefix").GetString());
        Assert.Equal(user, row.GetProperty("username").GetString());
        Assert.Equal(["lib-1"], AuthApi.Strings(row.GetProperty("libraries")));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, row.GetProperty("tools").ValueKind);
        Assert.True(row.GetProperty("active").GetBoolean());
        Assert.Equal(expiresAt, row.GetProperty("expiresAt").GetDateTimeOffset());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, row.GetProperty("lastUsedAt").ValueKind);
        Assert.Equal(0, row.GetProperty("useCount").GetInt64());
        Assert.DoesNotContain(token, list.Body.GetRawText(), StringComparison.Ordinal);
        Assert.Contains(all.Body.EnumerateArray(), t => t.GetProperty("username").GetString() == user);
    }

    [Fact]
    public async Task Teams_are_created_listed_and_refuse_duplicate_names()
    {
        var name = AuthApi.Unique("team");

        var created = await _api.AdminAsync(HttpMethod.Post, "/admin/v1/teams", new { name, workspaces = new[] { "ws-1", "ws-2", "ws-1" } });
        var duplicate = await _api.AdminAsync(HttpMethod.Post, "/admin/v1/teams", new { name, workspaces = Array.Empty<string>() });
        var list = await _api.AdminAsync(HttpMethod.Get, "/admin/v1/teams");

        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal(name, created.Body.GetProperty("name").GetString());
        Assert.Equal(["ws-1", "ws-2"], AuthApi.Strings(created.Body.GetProperty("workspaces")));
        Assert.True(created.Body.GetProperty("active").GetBoolean());
        Assert.True(Guid.TryParse(created.Body.GetProperty("id").GetString(), out _));
        Assert.Empty(created.Body.GetProperty("groups").EnumerateArray());
        Assert.Equal(HttpStatusCode.Conflict, duplicate.Status);
        var row = Assert.Single(list.Body.EnumerateArray(), t => t.GetProperty("name").GetString() == name);
        Assert.Equal(["active", "groups", "id", "name", "workspaces"], row.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(created.Body.GetProperty("id").GetString(), row.GetProperty("id").GetString());
        Assert.Equal(["ws-1", "ws-2"], AuthApi.Strings(row.GetProperty("workspaces")).Order());
        Assert.Empty(row.GetProperty("groups").EnumerateArray());
        Assert.True(row.GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Signing_key_is_listed_without_its_secret()
    {
        var (kid, secret) = await _api.CreateSigningKeyAsync();

        var list = await _api.AdminAsync(HttpMethod.Get, "/admin/v1/signing-keys");

        var row = Assert.Single(list.Body.EnumerateArray(), k => k.GetProperty("kid").GetString() == kid);
        Assert.True(row.GetProperty("active").GetBoolean());
        Assert.Equal(fixture.Time.GetUtcNow(), row.GetProperty("createdAt").GetDateTimeOffset());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, row.GetProperty("retiredAt").ValueKind);
        Assert.Equal(32, secret.Length);
        Assert.DoesNotContain(Convert.ToHexStringLower(secret), list.Body.GetRawText(), StringComparison.Ordinal);
    }
}
