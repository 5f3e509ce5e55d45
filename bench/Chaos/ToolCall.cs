using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Mnemosyne.McpHost.Tools;

namespace Mnemosyne.Bench.Chaos;

/// <summary>
/// One MCP <c>tools/call</c> over HTTP, as any MCP client sends it to a stateless server, and what came back, sorted
/// into the outcomes the fault harness judges: the raw request rather than an SDK client, because the verdicts hang
/// on the exact HTTP status and reason code, which an SDK client turns into exceptions.
/// </summary>
public static class ToolCall
{
    public enum Outcome
    {
        /// <summary>The tool ran and answered.</summary>
        Ok,

        /// <summary>Allowed by the gate; the tool answered "the library store is unavailable" (a tool error).</summary>
        StoreUnavailable,

        /// <summary>HTTP 503 with reason <c>unavailable</c>: the gate could not decide, and refused.</summary>
        Unavailable,

        /// <summary>HTTP 401/403/429: refused, with the reason code in the detail.</summary>
        Refused,

        /// <summary>Any other tool error, HTTP 5xx or unreadable answer: always a violation.</summary>
        Wrong,

        /// <summary>No HTTP answer (connection refused or cut, timeout).</summary>
        Transport,
    }

    public readonly record struct Result(Outcome Outcome, string Detail, long Started, long Ended)
    {
        /// <summary>The gate let the call through (the tool ran, or tried to).</summary>
        public bool PassedGate => Outcome is Outcome.Ok or Outcome.StoreUnavailable;
    }

    public static HttpClient ClientFor(Uri mcpHost) => new(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) })
    {
        BaseAddress = mcpHost,
        Timeout = TimeSpan.FromSeconds(15),
    };

    /// <summary>Calls <paramref name="tool"/> with <paramref name="arguments"/> (JSON) as <paramref name="bearer"/>.</summary>
    public static async Task<Result> SendAsync(HttpClient client, string bearer, string tool, string arguments)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/mcp", UriKind.Relative))
            {
                Content = new StringContent(
                    $$$"""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"{{{tool}}}","arguments":{{{arguments}}}}}""",
                    Encoding.UTF8, "application/json"),
            };
            request.Headers.Accept.ParseAdd("application/json, text/event-stream");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var (outcome, detail) = Judge(response.StatusCode, response.Content.Headers.ContentType?.MediaType, text);
            return new Result(outcome, detail, started, Stopwatch.GetTimestamp());
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or IOException)
        {
            return new Result(Outcome.Transport, exception.GetType().Name, started, Stopwatch.GetTimestamp());
        }
    }

    private static (Outcome, string) Judge(HttpStatusCode status, string? mediaType, string text)
    {
        var json = mediaType == "text/event-stream" ? LastEventData(text) : text;
        JsonElement body;
        try
        {
            body = JsonDocument.Parse(json).RootElement;
        }
        catch (JsonException)
        {
            return (Outcome.Wrong, $"HTTP {(int)status}, not JSON-RPC: {Shorten(text)}");
        }

        if (status == HttpStatusCode.OK && body.TryGetProperty("result", out var result))
        {
            var isError = result.TryGetProperty("isError", out var flag) && flag.ValueKind == JsonValueKind.True;
            var content = result.GetProperty("content").ToString();
            return !isError ? (Outcome.Ok, content)
                : content.Contains(StoreOutageFilter.Message, StringComparison.Ordinal) ? (Outcome.StoreUnavailable, "store unavailable")
                : (Outcome.Wrong, "tool error: " + Shorten(content));
        }

        var reason = body.TryGetProperty("error", out var error) && error.TryGetProperty("data", out var data)
                     && data.TryGetProperty("reason", out var code) ? code.GetString() ?? "" : "";
        var outcome = Refusal((int)status, reason);
        return (outcome, outcome == Outcome.Wrong ? $"HTTP {(int)status} {reason} {Shorten(text)}" : reason);
    }

    /// <summary>What a non-success answer with <paramref name="status"/> and reason code <paramref name="reason"/> is.</summary>
    public static Outcome Refusal(int status, string reason) => status switch
    {
        503 when reason == "unavailable" => Outcome.Unavailable,
        401 or 403 or 429 => Outcome.Refused,
        _ => Outcome.Wrong,
    };

    private static string LastEventData(string stream) =>
        stream.Split('\n').LastOrDefault(l => l.StartsWith("data:", StringComparison.Ordinal))?[5..].Trim() ?? "";

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
