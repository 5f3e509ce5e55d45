using Microsoft.AspNetCore.Http;
using Mnemosyne.McpHost.Auth;

namespace Mnemosyne.McpHost.Tests;

/// <summary>The pure rules behind DNS-rebinding protection (no servers).</summary>
public sealed class HostNamesTests
{
    [Theory]
    [InlineData("localhost", true)]
    [InlineData("LOCALHOST.", true)]
    [InlineData("mcp-host.dev.localhost", true)]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.1.2.3", true)]
    [InlineData("[::1]", true)]
    [InlineData("::1", true)]
    [InlineData("localhost.evil.example", false)]
    [InlineData("evillocalhost", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("10.0.0.7", false)]
    [InlineData("[::]", false)]
    [InlineData("", false)]
    public void Loopback_names_are_localhost_dot_localhost_and_loopback_addresses(string host, bool loopback) =>
        Assert.Equal(loopback, HostNames.IsLoopback(host));

    [Theory]
    [InlineData("mcp.example.com", true)]
    [InlineData("MCP.Example.com", true)]
    [InlineData("a.apps.example.com", true)]
    [InlineData("apps.example.com", false)]
    [InlineData("evil-apps.example.com", false)]
    [InlineData("mcp.example.com.evil", false)]
    public void Listed_hosts_match_exactly_or_by_star_suffix(string host, bool listed) =>
        Assert.Equal(listed, HostNames.IsListed(host, ["mcp.example.com:443", "*.apps.example.com"]));

    [Theory]
    [InlineData(true, "http://127.0.0.1:5190")]
    [InlineData(true, "http://localhost:5190", "https://localhost:7190")]
    [InlineData(true, "http://[::1]:5190")]
    [InlineData(false, "http://+:8080")]
    [InlineData(false, "http://*:8080")]
    [InlineData(false, "http://0.0.0.0:8080")]
    [InlineData(false, "http://[::]:8080")]
    [InlineData(false, "http://127.0.0.1:5190", "http://10.0.0.7:5190")]
    [InlineData(false)]
    public void Loopback_binding_means_every_listening_address_is_loopback(bool expected, params string[] addresses) =>
        Assert.Equal(expected, HostNames.AreAllLoopback(addresses));

    [Theory]
    [InlineData("http://127.0.0.1:5190", "127.0.0.1:5190", true)]
    [InlineData("http://127.0.0.1:5191", "127.0.0.1:5190", false)]
    [InlineData("https://mcp.example.com", "mcp.example.com", true)]
    [InlineData("https://mcp.example.com", "mcp.example.com:443", true)]
    [InlineData("https://mcp.example.com:8443", "mcp.example.com", false)]
    [InlineData("http://[::1]:5190", "[::1]:5190", true)]
    [InlineData("http://evil.example.com", "127.0.0.1:5190", false)]
    [InlineData("null", "127.0.0.1:5190", false)]
    [InlineData("file:///etc", "127.0.0.1:5190", false)]
    [InlineData("http://127.0.0.1:5190/path", "127.0.0.1:5190", false)]
    public void An_origin_is_the_requests_own_when_host_and_port_agree(string origin, string host, bool same) =>
        Assert.Equal(same, HostNames.IsSameAuthority(origin, new HostString(host)));
}
