using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Mnemosyne.McpHost.Tests.Infrastructure;

namespace Mnemosyne.McpHost.Tests;

/// <summary>
/// DNS-rebinding protection over real HTTP. The fixture's mcp-host listens on 127.0.0.1 only, so its <c>Host</c> must
/// be a loopback name and its own origin is accepted; a second host configured with <c>Mcp:AllowedHosts</c> shows the
/// behind-a-proxy setting.
/// </summary>
public sealed class DnsRebindingTests(McpHostFixture fixture) : IClassFixture<McpHostFixture>
{
    private const string ToolsList = """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""";

    private string OwnOrigin => $"http://{fixture.McpHost.Address.Authority}";

    [Fact]
    public async Task The_servers_own_loopback_origin_and_loopback_names_are_accepted()
    {
        using var own = await fixture.PostMcpAsync(ToolsList, origin: OwnOrigin);
        using var dotLocalhost = await SendAsync(fixture.McpHost, $"mnemosyne.localhost:{fixture.McpHost.Address.Port}",
            $"http://mnemosyne.localhost:{fixture.McpHost.Address.Port}");

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(HttpStatusCode.OK, dotLocalhost.StatusCode);
    }

    [Fact]
    public async Task A_foreign_host_is_refused_with_or_without_an_origin()
    {
        using var withOrigin = await SendAsync(fixture.McpHost, "evil.example.com", "http://evil.example.com");
        using var withoutOrigin = await SendAsync(fixture.McpHost, "evil.example.com:80", origin: null);

        Assert.Equal(HttpStatusCode.Forbidden, withOrigin.StatusCode);
        Assert.Equal("host_not_allowed", await ReasonAsync(withOrigin));
        Assert.Equal(HttpStatusCode.Forbidden, withoutOrigin.StatusCode);
        Assert.Equal("host_not_allowed", await ReasonAsync(withoutOrigin));
    }

    [Fact]
    public async Task Another_origin_on_a_loopback_host_is_refused_unless_configured()
    {
        using var otherPort = await fixture.PostMcpAsync(ToolsList, origin: $"http://127.0.0.1:{fixture.McpHost.Address.Port + 1}");
        using var foreign = await fixture.PostMcpAsync(ToolsList, origin: "http://evil.example.com");
        using var opaque = await fixture.PostMcpAsync(ToolsList, origin: "null");
        using var configured = await fixture.PostMcpAsync(ToolsList, origin: McpHostFixture.AllowedOrigin);

        Assert.Equal(HttpStatusCode.Forbidden, otherPort.StatusCode);
        Assert.Equal("origin_not_allowed", await ReasonAsync(otherPort));
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, opaque.StatusCode);
        Assert.Equal(HttpStatusCode.OK, configured.StatusCode);
    }

    [Fact]
    public async Task Health_probes_are_answered_whatever_their_host()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.Host = "10.0.0.7:8080";

        using var response = await fixture.McpHost.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Allowed_hosts_admit_a_proxys_host_name_and_its_own_origin_and_nothing_else()
    {
        await using var proxied = await fixture.StartMcpHostAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:librarydb"] = LibraryDatabase(),
            ["Mcp:AllowedHosts"] = "mcp.example.com, *.apps.example.com",
        });

        using var named = await SendAsync(proxied, "mcp.example.com", "https://mcp.example.com");
        using var wildcard = await SendAsync(proxied, "mnemosyne.apps.example.com", "https://mnemosyne.apps.example.com");
        using var loopback = await SendAsync(proxied, proxied.Address.Authority, origin: null);
        using var other = await SendAsync(proxied, "other.example.com", origin: null);
        using var bareSuffix = await SendAsync(proxied, "apps.example.com", origin: null);
        using var crossOrigin = await SendAsync(proxied, "mcp.example.com", "https://evil.example.com");

        Assert.Equal(HttpStatusCode.OK, named.StatusCode);
        Assert.Equal(HttpStatusCode.OK, wildcard.StatusCode);
        Assert.Equal(HttpStatusCode.OK, loopback.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, bareSuffix.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, crossOrigin.StatusCode);
        Assert.Equal("origin_not_allowed", await ReasonAsync(crossOrigin));
    }

    [Fact]
    public async Task A_star_accepts_any_host_but_never_trusts_a_foreign_origin()
    {
        await using var open = await fixture.StartMcpHostAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:librarydb"] = LibraryDatabase(),
            ["Mcp:AllowedHosts:0"] = "*",
        });

        using var anyHost = await SendAsync(open, "whatever.example.com", origin: null);
        using var itsOrigin = await SendAsync(open, "whatever.example.com", "http://whatever.example.com");

        Assert.Equal(HttpStatusCode.OK, anyHost.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, itsOrigin.StatusCode);
    }

    private string LibraryDatabase() =>
        fixture.McpHost.Services.GetRequiredService<IConfiguration>().GetConnectionString("librarydb")!;

    private static async Task<HttpResponseMessage> SendAsync(TestHost host, string hostHeader, string? origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp")
        {
            Content = new StringContent(ToolsList, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Host = hostHeader;
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        return await host.Http.SendAsync(request).WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static async Task<string?> ReasonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("reason").GetString();
}
