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
    /// <summary>The tool a <c>tools/call</c> names; null for every other method.</summary>
    public string? ToolName => Method == "tools/call" ? Name : null;

    private static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false, MaxDepth = 64 };

    /// <summary>The parsed message, or an error sentence for a body that must not reach the SDK.</summary>
    public static (JsonRpcMessage? Message, string? Error) Parse(ReadOnlyMemory<byte> body)
    {
        // Invalid UTF-8 inside a JSON string parses, then throws when read: refuse it here, once.
        if (!Utf8.IsValid(body.Span))
        {
            return (null, "Parse error: the body is not valid UTF-8.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, Strict);
        }
        catch (JsonException)
        {
            return (null, "Parse error: the body is not valid JSON or repeats a key.");
        }
        catch (InvalidOperationException)
        {
            // Checking for repeated keys reads every name: one that is not valid Unicode text ends up here.
            return (null, "Parse error: the body holds text that is not valid Unicode.");
        }

        using (document)
        {
            try
            {
                return Read(document.RootElement);
            }
            catch (InvalidOperationException)
            {
                // A name or string that cannot be read as text (an escaped lone surrogate such as "\ud800").
                return (null, "Parse error: the body holds text that is not valid Unicode.");
            }
        }
    }

    private static (JsonRpcMessage? Message, string? Error) Read(JsonElement root)
    {
        if (root.ValueKind == JsonValueKind.Array)
        {
            return (null, "JSON-RPC batches are not supported.");
        }

        if (root.ValueKind != JsonValueKind.Object || HasCaseVariant(root, "id", "method", "params", "jsonrpc"))
        {
            return (null, "Invalid request: expected one JSON-RPC object.");
        }

        JsonElement? id = root.TryGetProperty("id", out var idElement) ? idElement.Clone() : null;
        var method = root.TryGetProperty("method", out var methodElement) && methodElement.ValueKind == JsonValueKind.String
            ? methodElement.GetString()
            : null;
        string? name = null;
        var nameKey = method switch
        {
            "tools/call" or "prompts/get" => "name",
            "resources/read" => "uri",
            _ => null,
        };
        if (nameKey is not null && root.TryGetProperty("params", out var parameters) && parameters.ValueKind == JsonValueKind.Object)
        {
            if (HasCaseVariant(parameters, nameKey))
            {
                return (null, "Invalid request: expected one JSON-RPC object.");
            }

            name = parameters.TryGetProperty(nameKey, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        }

        return (new JsonRpcMessage(id, method, name), null);
    }

    private static bool HasCaseVariant(JsonElement element, params string[] names)
    {
        foreach (var property in element.EnumerateObject())
        {
            foreach (var name in names)
            {
                if (!string.Equals(property.Name, name, StringComparison.Ordinal)
                    && string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
