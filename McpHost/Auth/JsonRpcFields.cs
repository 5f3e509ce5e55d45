using System.Text;
using System.Text.Json;

namespace Mnemosyne.McpHost.Auth;

/// <summary>
/// Where a body's JSON-RPC fields are, found in one forward pass of a <see cref="Utf8JsonReader"/> that also checks
/// the whole body as <see cref="JsonDocument"/> with <c>AllowDuplicateProperties = false, MaxDepth = 64</c> did
/// (syntax, depth, trailing content, repeated keys at any depth: <see cref="RepeatedKeys"/>), with nothing built
/// but places in the body. "params" may come before "method", so both <c>params.name</c> and <c>params.uri</c> are
/// noted, with whether a key differing only in case stands beside either; the method picks one afterwards.
/// </summary>
internal struct JsonRpcFields
{
    // What the document allowed: no comments, no trailing commas, nesting at most 64 deep.
    private static readonly JsonReaderOptions Strict = new() { MaxDepth = 64 };

    /// <summary>The root's first token: an object, an array (a batch) or anything else.</summary>
    public JsonTokenType Root;

    /// <summary>A top-level key differs only in case from <c>id</c>, <c>method</c>, <c>params</c> or <c>jsonrpc</c>.</summary>
    public bool RootCaseVariant;

    /// <summary>Where the <c>id</c> value starts and ends; -1 when there is none.</summary>
    public int IdStart, IdEnd;

    /// <summary>Where the string values of <c>method</c> and of an object <c>params</c>'s <c>name</c> and <c>uri</c> start; -1 when absent or not strings.</summary>
    public int MethodAt, NameAt, UriAt;

    /// <summary>A key of <c>params</c> (when an object) differs only in case from <c>name</c> / <c>uri</c>.</summary>
    public bool NameCaseVariant, UriCaseVariant;

    private enum Field : byte
    {
        None,
        Id,
        Method,
        Params,
        Name,
        Uri,
    }

    /// <summary>The fields, or the parse error that refuses the body (<see cref="JsonRpcMessage.NotJson"/> or <see cref="JsonRpcMessage.NotUnicode"/>).</summary>
    public static (JsonRpcFields Fields, string? Error) Find(ReadOnlySpan<byte> body)
    {
        var fields = new JsonRpcFields { IdStart = -1, MethodAt = -1, NameAt = -1, UriAt = -1 };
        using var keys = new RepeatedKeys(body, stackalloc RepeatedKeys.Open[RepeatedKeys.MaxOpen],
            stackalloc RepeatedKeys.Key[RepeatedKeys.InitialKeys]);
        var reader = new Utf8JsonReader(body, Strict);
        var next = Field.None;
        var inParams = false;
        var idOpen = false;
        try
        {
            while (reader.Read())
            {
                var token = reader.TokenType;
                var depth = reader.CurrentDepth;
                if (token == JsonTokenType.PropertyName)
                {
                    var key = keys.Add(in reader);
                    next = depth == 1 ? fields.RootKey(key) : depth == 2 && inParams ? fields.ParamsKey(key) : Field.None;
                    continue;
                }

                if (depth == 0 && fields.Root == JsonTokenType.None)
                {
                    fields.Root = token;
                }

                switch (token)
                {
                    case JsonTokenType.StartObject:
                        keys.OpenObject();
                        inParams |= next == Field.Params;
                        break;
                    case JsonTokenType.EndObject:
                        keys.CloseObject();
                        inParams &= depth != 1; // at the root's depth only params (or an id) closes
                        break;
                    case JsonTokenType.String when next is Field.Method:
                        fields.MethodAt = (int)reader.TokenStartIndex;
                        break;
                    case JsonTokenType.String when next is Field.Name:
                        fields.NameAt = (int)reader.TokenStartIndex;
                        break;
                    case JsonTokenType.String when next is Field.Uri:
                        fields.UriAt = (int)reader.TokenStartIndex;
                        break;
                }

                // The id ends with its value, or where the object or array it opens closes (back at the root's depth).
                if (next == Field.Id)
                {
                    fields.IdStart = (int)reader.TokenStartIndex;
                    idOpen = token is JsonTokenType.StartObject or JsonTokenType.StartArray;
                    fields.IdEnd = idOpen ? -1 : (int)reader.BytesConsumed;
                }
                else if (idOpen && depth == 1 && token is JsonTokenType.EndObject or JsonTokenType.EndArray)
                {
                    fields.IdEnd = (int)reader.BytesConsumed;
                    idOpen = false;
                }

                next = Field.None;
            }
        }
        catch (JsonException)
        {
            // Syntax, depth or trailing content: the document parsed the whole body before it checked any key.
            return (fields, JsonRpcMessage.NotJson);
        }

        return keys.First switch
        {
            RepeatedKeys.Fault.Repeated => (fields, JsonRpcMessage.NotJson),
            RepeatedKeys.Fault.NotUnicode => (fields, JsonRpcMessage.NotUnicode),
            _ => (fields, null),
        };
    }

    private Field RootKey(ReadOnlySpan<byte> key)
    {
        RootCaseVariant |= VariesInCase(key, "id", "method", "params", "jsonrpc");
        return key.SequenceEqual("id"u8) ? Field.Id
            : key.SequenceEqual("method"u8) ? Field.Method
            : key.SequenceEqual("params"u8) ? Field.Params
            : Field.None;
    }

    private Field ParamsKey(ReadOnlySpan<byte> key)
    {
        NameCaseVariant |= VariesInCase(key, "name");
        UriCaseVariant |= VariesInCase(key, "uri");
        return key.SequenceEqual("name"u8) ? Field.Name : key.SequenceEqual("uri"u8) ? Field.Uri : Field.None;
    }

    // The same test as string.Equals(key, name, OrdinalIgnoreCase) on the key's text, without making a string: a key
    // of more than 21 bytes cannot have the 7 UTF-16 characters of the longest name.
    private static bool VariesInCase(ReadOnlySpan<byte> key, params ReadOnlySpan<string> names)
    {
        const int MaxBytes = 21;
        if (key.Length > MaxBytes)
        {
            return false;
        }

        Span<char> buffer = stackalloc char[MaxBytes];
        var text = buffer[..Encoding.UTF8.GetChars(key, buffer)];
        foreach (var name in names)
        {
            if (!text.SequenceEqual(name) && text.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
