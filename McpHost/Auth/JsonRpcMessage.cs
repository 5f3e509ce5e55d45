using System.Text.Json;
using System.Text.Unicode;

namespace Mnemosyne.McpHost.Auth;

/// <summary>
/// The parts of a JSON-RPC message the auth middleware decides on: <c>id</c>, <c>method</c> and the name the
/// method acts on (<see cref="Name"/>: <c>params.name</c> of <c>tools/call</c> and <c>prompts/get</c>, <c>params.uri</c>
/// of <c>resources/read</c> — what an <c>Mcp-Name</c> header mirrors). Anything ambiguous (duplicate keys, keys
/// differing only in case, batches) is refused so the middleware and the SDK can never read different methods from one body.
/// </summary>
public sealed record JsonRpcMessage(JsonElement? Id, string? Method, string? Name)
{
    internal const string NotJson = "Parse error: the body is not valid JSON or repeats a key.";
    internal const string NotUnicode = "Parse error: the body holds text that is not valid Unicode.";
    private const string NotUtf8 = "Parse error: the body is not valid UTF-8.";
    private const string Batch = "JSON-RPC batches are not supported.";
    private const string NotOneObject = "Invalid request: expected one JSON-RPC object.";

    /// <summary>The tool a <c>tools/call</c> names; null for every other method.</summary>
    public string? ToolName => Method == "tools/call" ? Name : null;

    /// <summary>
    /// The parsed message, or an error sentence for a body that must not reach the SDK. Every call pays for this, so
    /// it reads the body once (<see cref="JsonRpcFields"/>) and builds only the strings and the id it returns.
    /// </summary>
    public static (JsonRpcMessage? Message, string? Error) Parse(ReadOnlyMemory<byte> body)
    {
        var json = body.Span;

        // Invalid UTF-8 inside a JSON string parses, then throws when read: refuse it here, once.
        if (!Utf8.IsValid(json))
        {
            return (null, NotUtf8);
        }

        var (fields, error) = JsonRpcFields.Find(json);
        if (error is not null)
        {
            return (null, error);
        }

        if (fields.Root == JsonTokenType.StartArray)
        {
            return (null, Batch);
        }

        if (fields.Root != JsonTokenType.StartObject || fields.RootCaseVariant)
        {
            return (null, NotOneObject);
        }

        if (!TryReadString(json, fields.MethodAt, out var method))
        {
            return (null, NotUnicode);
        }

        var (nameAt, caseVariant) = method switch
        {
            "tools/call" or "prompts/get" => (fields.NameAt, fields.NameCaseVariant),
            "resources/read" => (fields.UriAt, fields.UriCaseVariant),
            _ => (-1, false),
        };
        if (caseVariant)
        {
            return (null, NotOneObject);
        }

        if (!TryReadString(json, nameAt, out var name))
        {
            return (null, NotUnicode);
        }

        return (new JsonRpcMessage(ReadId(json, fields), method, name), null);
    }

    /// <summary>The string whose token starts at <paramref name="at"/> (null when -1); false when it escapes a lone surrogate.</summary>
    private static bool TryReadString(ReadOnlySpan<byte> json, int at, out string? text)
    {
        text = null;
        if (at < 0)
        {
            return true;
        }

        var reader = new Utf8JsonReader(json[at..]);
        reader.Read();
        if (reader.ValueIsEscaped && EscapedUnicode.HasLoneSurrogate(reader.ValueSpan))
        {
            return false;
        }

        text = reader.GetString();
        return true;
    }

    /// <summary>The id as an element of its own (the refusal echoes it), or null when the message has none.</summary>
    private static JsonElement? ReadId(ReadOnlySpan<byte> json, JsonRpcFields fields)
    {
        if (fields.IdStart < 0)
        {
            return null;
        }

        var reader = new Utf8JsonReader(json[fields.IdStart..fields.IdEnd]);
        return JsonElement.ParseValue(ref reader);
    }
}
