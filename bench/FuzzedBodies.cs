using System.Text;

namespace Mnemosyne.Bench;

/// <summary>
/// JSON-RPC bodies aimed at the gate, each trying to get a tool to run without a valid token: duplicate and
/// case-variant keys, escaped names, deep nesting, batches, wrong types, huge strings, trailing garbage, invalid
/// UTF-8, and <c>Mcp-Method</c>/<c>Mcp-Name</c> headers that disagree with the body; sent whole, chunked, trickled or
/// stalled. None names a public method, so no answer may carry a <c>result</c>. Seeded: the same seed makes the same
/// bodies.
/// </summary>
public sealed class FuzzedBodies(int seed)
{
    private static readonly string[] Tools = ["search", "get_document", "list_libraries", "Search", "search\\u0000", "s\\u0065arch"];
    private static readonly string[] WrongTypes = ["[\"tools/call\"]", "{\"m\":1}", "42", "null"];
    private static readonly string[] Garbage = ["}", " {}", "\u0000", "]"];
    private static readonly string[] ParamsTricks =
    [
        "\"params\":{\"Name\":\"get_health\",\"name\"", "\"params\":{\"name\":\"get_health\",\"name\"", "\"params\":[],\"x\":{\"name\"",
    ];
    private readonly Random _random = new(seed);

    /// <summary>How a body is sent: in one piece, chunked, trickled in small pieces with pauses, or stalled half-way.</summary>
    public enum Delivery
    {
        Whole,
        Chunked,
        Trickled,
        Stalled,
    }

    public sealed record Body(string Family, byte[] Content, IReadOnlyDictionary<string, string> Headers, Delivery Delivery);

    public IEnumerable<Body> Generate(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var tool = Tools[_random.Next(Tools.Length)];
            var id = _random.Next(3) switch { 0 => "1", 1 => "\"x\"", _ => "null" };
            var call = $"{{\"jsonrpc\":\"2.0\",\"id\":{id},\"method\":\"tools/call\",\"params\":{{\"name\":\"{tool}\",\"arguments\":{{\"query\":\"q\",\"uid\":\"d\"}}}}}}";
            var headers = new Dictionary<string, string>();
            var (family, text) = _random.Next(11) switch
            {
                0 => ("duplicate keys", call.Replace("\"method\":\"tools/call\"", "\"method\":\"tools/list\",\"method\":\"tools/call\"", StringComparison.Ordinal)),
                1 => ("case variants", call.Replace("\"method\"", _random.Next(2) == 0 ? "\"Method\"" : "\"METHOD\"", StringComparison.Ordinal)
                    .Insert(1, "\"method\":\"ping\",")),
                2 => ("escaped names", call.Replace("tools/call", _random.Next(2) == 0 ? "tools\\/call" : "\\u0074ools/call", StringComparison.Ordinal)),
                3 => ("deep nesting", call.Replace("\"q\"", new string('[', 500) + new string(']', 500), StringComparison.Ordinal)),
                4 => ("batch", "[" + call + "," + call.Replace("\"id\":", "\"id\":2,\"x\":", StringComparison.Ordinal) + "]"),
                5 => ("wrong types", call.Replace("\"tools/call\"", WrongTypes[_random.Next(WrongTypes.Length)], StringComparison.Ordinal)),
                6 => ("huge string", call.Replace("\"q\"", "\"" + new string('x', _random.Next(10_000, 900_000)) + "\"", StringComparison.Ordinal)),
                7 => ("trailing garbage", call + Garbage[_random.Next(Garbage.Length)]),
                8 => ("params tricks", call.Replace("\"params\":{\"name\"", ParamsTricks[_random.Next(ParamsTricks.Length)], StringComparison.Ordinal)),
                9 => ("header mismatch", Mismatch(call, headers)),
                _ => ("invalid utf-8", call),
            };
            var content = Encoding.UTF8.GetBytes(text);
            if (family == "invalid utf-8")
            {
                content = [.. content[..20], 0xC3, 0x28, 0xFF, .. content[20..]];
            }

            // A quarter chunked; one in fifty small ones trickled (8 bytes, then a pause); one in five thousand stalled
            // half-way for longer than Kestrel waits for a slow body (its minimum data rate, after a 5 s grace).
            var delivery = _random.Next(5000) == 0 ? Delivery.Stalled
                : content.Length < 4096 && _random.Next(50) == 0 ? Delivery.Trickled
                : _random.Next(4) == 0 ? Delivery.Chunked
                : Delivery.Whole;
            yield return new Body(family, content, headers, delivery);
        }
    }

    private string Mismatch(string call, Dictionary<string, string> headers)
    {
        headers["MCP-Protocol-Version"] = "2026-07-28";
        headers["Mcp-Method"] = _random.Next(2) == 0 ? "tools/call" : "tools/list";
        headers["Mcp-Name"] = _random.Next(2) == 0 ? "get_health" : "search";
        return call;
    }
}
