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

    [Theory]
    [InlineData("""{"params":{"name":"search"},"id":1,"method":"tools/call","jsonrpc":"2.0"}""", "tools/call", "search")]
    [InlineData("""{"params":{"uri":"file:///a","name":"x"},"method":"resources/read"}""", "resources/read", "file:///a")]
    [InlineData("""{"params":{"Name":"search"},"id":1,"method":"tools/list"}""", "tools/list", null)]
    [InlineData("""{"params":{"URI":"file:///a","name":"summary"},"id":1,"method":"prompts/get"}""", "prompts/get", "summary")]
    public void Params_before_method_are_read_for_the_method_that_follows(string body, string method, string? name)
    {
        var (message, error) = Parse(body);

        Assert.Null(error);
        Assert.Equal((method, name), (message!.Method, message.Name));
    }

    [Theory]
    [InlineData("""{"params":{"Name":"get_health","name":"search"},"id":1,"method":"tools/call"}""")]
    [InlineData("""{"params":{"URI":"file:///b","uri":"file:///a"},"id":1,"method":"resources/read"}""")]
    public void A_case_variant_in_params_before_the_method_is_still_an_invalid_request(string body) =>
        Assert.Equal("Invalid request: expected one JSON-RPC object.", Parse(body).Error);

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{"filter":{"tags":[{"a":1,"a":2}]}}}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"ping","\u006dethod":"tools/call"}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","n\u0061me":"get_health"}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":{"x":1,"x":2},"method":"ping"}""")]
    [InlineData("""[{"jsonrpc":"2.0","id":1,"method":"ping","id":2}]""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"ping"} {}""")]
    public void A_key_repeated_at_any_depth_or_in_another_spelling_and_trailing_content_are_parse_errors(string body) =>
        Assert.Equal("Parse error: the body is not valid JSON or repeats a key.", Parse(body).Error);

    [Fact]
    public void A_large_object_finds_its_repeated_key_too()
    {
        var keys = string.Join(",", Enumerable.Range(0, 40).Select(i => $"\"k{i}\":{i}"));

        const string call = """{"id":1,"method":"tools/call","params":{"name":"search","arguments":{""";

        Assert.Null(Parse(call + keys + "}}}").Error);
        Assert.Equal("Parse error: the body is not valid JSON or repeats a key.", Parse(call + keys + ""","k\u0037":0}}}""").Error);
    }

    // As the document checked them: an object once every object inside it was checked, its keys in order.
    [Theory]
    [InlineData("""{"\ud800":{"a":1,"a":2}}""", "Parse error: the body is not valid JSON or repeats a key.")]
    [InlineData("""{"\ud800":1,"x":{"a":1,"a":2}}""", "Parse error: the body is not valid JSON or repeats a key.")]
    [InlineData("""{"a":1,"a":{"\ud800":1}}""", "Parse error: the body holds text that is not valid Unicode.")]
    [InlineData("""{"\ud800":1,"a":1,"a":2}""", "Parse error: the body holds text that is not valid Unicode.")]
    [InlineData("""{"a":1,"a":2,"\ud800":1}""", "Parse error: the body is not valid JSON or repeats a key.")]
    [InlineData("""{"\ud800":1,"a":1,"a":2""", "Parse error: the body is not valid JSON or repeats a key.")]
    public void Of_two_faults_the_first_object_to_close_decides_the_sentence(string body, string error) =>
        Assert.Equal(error, Parse(body).Error);

    [Fact]
    public void The_id_is_kept_as_written_and_a_null_id_is_an_id()
    {
        Assert.Equal("""{"a":[1, 2]}""", Parse("""{"id" : {"a":[1, 2]} , "method":"ping"}""").Message!.Id!.Value.GetRawText());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, Parse("""{"id":null,"method":"ping"}""").Message!.Id!.Value.ValueKind);
    }
}
