using System.Text;
using Microsoft.AspNetCore.Http;
using Mnemosyne.McpHost.Auth;

namespace Mnemosyne.McpHost.Tests;

/// <summary>The header rules and the name they compare against, as plain unit tests (no servers).</summary>
public sealed class McpStandardHeadersTests
{
    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search"}}""", "search")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"summary"}}""", "summary")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"file:///a","name":"x"}}""", "file:///a")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"name":"search"}}""", null)]
    public void The_name_a_header_mirrors_comes_from_the_methods_own_field(string body, string? name)
    {
        var (message, error) = JsonRpcMessage.Parse(Encoding.UTF8.GetBytes(body));

        Assert.Null(error);
        Assert.Equal(name, message!.Name);
        Assert.Equal(message.Method == "tools/call" ? name : null, message.ToolName);
    }

    [Theory]
    [InlineData("search", "search")]
    [InlineData("=?base64?c2VhcmNo?=", "search")]
    [InlineData("=?base64?w6l0w6k=?=", "été")]
    [InlineData("=?base64??=", "")]
    [InlineData("=?base64?not base64?=", null)]
    [InlineData("=?base64?/w==?=", null)]
    public void Base64_sentinel_values_are_decoded_strictly(string value, string? decoded) =>
        Assert.Equal(decoded, McpStandardHeaders.Decode(value));

    [Theory]
    [InlineData(null, null, null, true)]
    [InlineData("2025-11-25", null, null, true)]
    [InlineData("2025-11-25", "tools/call", "search", true)]
    [InlineData("2025-11-25", "tools/list", null, false)]
    [InlineData("2025-11-25", null, "get_health", false)]
    [InlineData("2026-07-28", "tools/call", "search", true)]
    [InlineData("2026-07-28", "tools/call", null, false)]
    [InlineData("2026-07-28", null, "search", false)]
    [InlineData("2026-07-28", "TOOLS/CALL", "search", false)]
    public void Headers_must_agree_with_a_search_call_and_are_required_from_2026_07_28(
        string? version, string? method, string? name, bool accepted)
    {
        var headers = new HeaderDictionary();
        if (version is not null)
        {
            headers[McpStandardHeaders.ProtocolVersionHeader] = version;
        }

        if (method is not null)
        {
            headers[McpStandardHeaders.MethodHeader] = method;
        }

        if (name is not null)
        {
            headers[McpStandardHeaders.NameHeader] = name;
        }

        var error = McpStandardHeaders.Check(headers, new JsonRpcMessage(null, "tools/call", "search"));

        Assert.Equal(accepted, error is null);
    }
}
