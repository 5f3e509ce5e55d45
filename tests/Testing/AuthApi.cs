using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Mnemosyne.Testing;

/// <summary>
/// The admin API and <c>/v1/resolve</c> of one AuthService over real HTTP, as outside callers use them: an in-process
/// <see cref="TestHost"/> or any other address (the fault harness runs the services as processes).
/// </summary>
public sealed class AuthApi(HttpClient http, string adminKey, string internalKey)
{
    public AuthApi(TestHost host, string adminKey, string internalKey)
        : this(host.Http, adminKey, internalKey)
    {
    }

    public sealed record Reply(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)
    {
        public string Reason => Body.GetProperty("reason").GetString()!;

        public string Title => Body.GetProperty("title").GetString()!;

        public string? ContentType => Response.Content.Headers.ContentType?.MediaType;
    }

    public AuthApi On(TestHost other) => new(other.Http, adminKey, internalKey);

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    public Task<Reply> AdminAsync(HttpMethod method, string path, object? body = null) =>
        SendAsync(method, path, body, ("Authorization", "Bearer " + adminKey));

    public Task<Reply> ResolveAsync(string? bearer, string? tool = null)
    {
        var headers = new List<(string, string)> { ("X-Internal-Key", internalKey) };
        if (bearer is not null)
        {
            headers.Add(("Authorization", "Bearer " + bearer));
        }

        return SendAsync(HttpMethod.Post, "/v1/resolve", tool is null ? new { } : new { tool }, [.. headers]);
    }

    public async Task<Reply> SendAsync(HttpMethod method, string path, object? body, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (body is string raw)
        {
            request.Content = new StringContent(raw, new MediaTypeHeaderValue("application/json"));
        }
        else if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        var response = await http.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(30));
        var text = await response.Content.ReadAsStringAsync();
        var isJson = response.Content.Headers.ContentType?.MediaType?.EndsWith("json", StringComparison.Ordinal) == true;
        var json = isJson && text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return new Reply(response.StatusCode, json, response);
    }

    public async Task<string> CreateUserAsync(string? username = null)
    {
        username ??= Unique("user");
        Created(await AdminAsync(HttpMethod.Post, "/admin/v1/users", new { username }));
        return username;
    }

    public async Task<(string Id, string Token)> CreateTokenAsync(
        string username, string[] libraries, string[]? tools = null, DateTimeOffset? expiresAt = null)
    {
        var reply = await AdminAsync(HttpMethod.Post, "/admin/v1/tokens",
            new { username, name = Unique("token"), libraries, tools, expiresAt });
        Created(reply);
        return (reply.Body.GetProperty("id").GetString()!, reply.Body.GetProperty("token").GetString()!);
    }

    public async Task<(string Kid, byte[] Secret)> CreateSigningKeyAsync()
    {
        var reply = await AdminAsync(HttpMethod.Post, "/admin/v1/signing-keys", new { });
        Created(reply);
        return (reply.Body.GetProperty("kid").GetString()!, Convert.FromHexString(reply.Body.GetProperty("secret").GetString()!));
    }

    public async Task<string> CreateTeamAsync(params string[] workspaces)
    {
        var reply = await AdminAsync(HttpMethod.Post, "/admin/v1/teams", new { name = Unique("team"), workspaces });
        Created(reply);
        return reply.Body.GetProperty("id").GetString()!;
    }

    public async Task<string> MintTeamTokenAsync(string teamId)
    {
        var reply = await AdminAsync(HttpMethod.Post, $"/admin/v1/teams/{teamId}/token", new { });
        Created(reply);
        return reply.Body.GetProperty("token").GetString()!;
    }

    public static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();

    private static void Created(Reply reply) =>
        Assert.True(reply.Status == HttpStatusCode.Created, $"Expected 201, got {(int)reply.Status}: {reply.Body}");
}
