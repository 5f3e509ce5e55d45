using System.Text;
using Mnemosyne.McpHost.Auth;

namespace Mnemosyne.McpHost.Tests.Unit;

/// <summary>What the gate reads from a body: one unambiguous method and tool name, or a refusal.</summary>
public sealed class JsonRpcMessageTests
{
    private static (JsonRpcMessage? Message, string? Error) Parse(string body) => JsonRpcMessage.Parse(Encoding.UTF8.GetBytes(body));

    [Fact]
    public void A_tool_call_yields_its_id_method_and_tool()
    {
        var (message, error) = Parse("""{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"search","arguments":{}}}""");

        Assert.Null(error);
        Assert.Equal(("tools/call", "search", 7), (message!.Method, message.ToolName, message.Id!.Value.GetInt32()));
    }

    [Fact]
    public void Only_tools_call_has_a_tool_name_and_a_notification_has_no_id()
    {
        var (message, _) = Parse("""{"jsonrpc":"2.0","method":"tools/list","params":{"name":"search"}}""");

        Assert.Equal(("tools/list", null), (message!.Method, message.ToolName));
        Assert.Null(message.Id);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/list","method":"tools/call"}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_health","name":"search"}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_health"},"params":{"name":"search"}}""")]
    [InlineData("not json")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call""")]
    public void Repeated_keys_and_broken_json_are_parse_errors(string body) =>
        Assert.StartsWith("Parse error", Parse(body).Error, StringComparison.Ordinal);

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/list","Method":"tools/call"}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"METHOD":"tools/call"}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_health","Name":"search"}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","Params":{"name":"search"}}""")]
    [InlineData("42")]
    [InlineData("\"tools/call\"")]
    public void Keys_differing_only_in_case_and_non_objects_are_invalid_requests(string body) =>
        Assert.StartsWith("Invalid request", Parse(body).Error, StringComparison.Ordinal);

    [Fact]
    public void Batches_are_refused() =>
        Assert.Equal("JSON-RPC batches are not supported.",
            Parse("""[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","id":2,"method":"tools/call"}]""").Error);

    [Fact]
    public void Nesting_deeper_than_the_limit_is_a_parse_error()
    {
        var deep = """{"jsonrpc":"2.0","id":1,"method":"tools/list","params":""" + new string('[', 100) + new string(']', 100) + "}";

        Assert.StartsWith("Parse error", Parse(deep).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_method_or_tool_name_that_is_not_a_string_reads_as_none()
    {
        var (message, error) = Parse("""{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":5}}""");

        Assert.Null(error);
        Assert.Equal(("tools/call", null, "a"), (message!.Method, message.ToolName, message.Id!.Value.GetString()));
        Assert.Null(Parse("""{"jsonrpc":"2.0","id":1,"method":["tools/call"]}""").Message!.Method);
    }

    [Fact]
    public void Escaped_names_are_read_as_what_they_spell()
    {
        var (message, _) = Parse("""{"jsonrpc":"2.0","id":1,"\u006dethod":"tools\/call","params":{"name":"se\u0061rch"}}""");

        Assert.Equal(("tools/call", "search"), (message!.Method, message.ToolName));
    }

    [Fact]
    public void Invalid_utf8_is_a_parse_error_not_an_exception()
    {
        byte[] body = [.. Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"se"""), 0xC3, 0x28, .. "\"}}"u8];

        Assert.StartsWith("Parse error", JsonRpcMessage.Parse(body).Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"\ud800"}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"\udc00"}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"\ud800":1,"method":"ping"}""")]
    public void Escaped_lone_surrogates_are_a_parse_error_not_an_exception(string body) =>
        Assert.StartsWith("Parse error", Parse(body).Error, StringComparison.Ordinal);
}
