using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Mnemosyne.Bench;

/// <summary>
/// <c>bench -- fuzz</c>: a first part of the fault harness (issue 14). Sends <see cref="FuzzedBearers"/> to
/// auth-service's <c>/v1/resolve</c> (as a tool call) and <see cref="FuzzedBodies"/> to mcp-host's <c>/mcp</c>, 32 at a
/// time, and counts per family what came back. A violation is any bearer accepted, any body whose answer carries a
/// <c>result</c> (a tool ran without a valid token), any 5xx, or a service not healthy afterwards. Exit code 1 on any.
/// </summary>
public static class FuzzRun
{
    public sealed record Row(string Target, string Family, long Sent, long Accepted, long ServerErrors);

    public static async Task<(IReadOnlyList<Row> Rows, bool Healthy)> RunAsync(BenchServices services, int bearers, int bodies, int seed)
    {
        var jwts = services.Tokens.Where(t => t.Key != "opaque").Select(t => t.Value).ToList();
        var opaque = services.Tokens.Where(t => t.Key == "opaque").Select(t => t.Value).ToList();
        var rows = new ConcurrentDictionary<(string, string), long[]>();

        // Raw UTF-8 in headers, as a hostile client would send it (HttpClient refuses non-ASCII by default).
        using var auth = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 })
        {
            BaseAddress = services.AuthService.Address, Timeout = TimeSpan.FromSeconds(30),
        };
        await ForEachAsync(new FuzzedBearers(jwts, opaque, seed).Generate(bearers), async item =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/resolve")
            {
                Content = new StringContent("{\"tool\":\"search\"}", Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("X-Internal-Key", services.InternalKey);
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + item.Bearer);
            using var response = await auth.SendAsync(request);
            Count(rows, "bearer → /v1/resolve", item.Family, response.StatusCode == HttpStatusCode.OK, (int)response.StatusCode >= 500);
        });

        using var mcp = new HttpClient { BaseAddress = services.McpHost.Address, Timeout = TimeSpan.FromSeconds(30) };
        await ForEachAsync(new FuzzedBodies(seed).Generate(bodies), async body =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = ContentOf(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Accept.ParseAdd("application/json, text/event-stream");
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer mnm_" + new string('x', 43));
            foreach (var (name, value) in body.Headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            var (accepted, serverError) = await SendBodyAsync(mcp, request, body.Delivery);
            Count(rows, "body → /mcp", body.Family, accepted, serverError);
            Count(rows, "body sent → /mcp", body.Delivery.ToString().ToLowerInvariant(), accepted, serverError);
        });

        var healthy = (await auth.GetAsync(new Uri("/health", UriKind.Relative))).IsSuccessStatusCode
                      && (await mcp.GetAsync(new Uri("/health", UriKind.Relative))).IsSuccessStatusCode;
        return ([.. rows.OrderBy(r => r.Key.Item1).ThenBy(r => r.Key.Item2)
            .Select(r => new Row(r.Key.Item1, r.Key.Item2, r.Value[0], r.Value[1], r.Value[2]))], healthy);
    }

    private static HttpContent ContentOf(FuzzedBodies.Body body) => body.Delivery switch
    {
        FuzzedBodies.Delivery.Chunked => new StreamContent(new MemoryStream(body.Content)),
        FuzzedBodies.Delivery.Trickled => new TrickledContent(body.Content, piece: 8, pause: TimeSpan.FromMilliseconds(2)),
        FuzzedBodies.Delivery.Stalled => new TrickledContent(body.Content, piece: 8, pause: TimeSpan.Zero,
            stallAfter: body.Content.Length / 16 * 8, stall: TimeSpan.FromSeconds(8)),
        _ => new ByteArrayContent(body.Content),
    };

    /// <summary>
    /// Whether the answer carried a <c>result</c> (a tool ran) and whether it was a server error. A stalled body may
    /// also be cut off by the server (Kestrel's minimum data rate): that is a refusal. Any other body left without an
    /// answer counts as a server error.
    /// </summary>
    private static async Task<(bool Accepted, bool ServerError)> SendBodyAsync(HttpClient mcp, HttpRequestMessage request, FuzzedBodies.Delivery delivery)
    {
        try
        {
            using var response = await mcp.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            return (text.Contains("\"result\"", StringComparison.Ordinal), (int)response.StatusCode >= 500);
        }
        catch (HttpRequestException) when (delivery == FuzzedBodies.Delivery.Stalled)
        {
            return (false, false);
        }
        catch (HttpRequestException)
        {
            return (false, true);
        }
    }

    public static string Table(IReadOnlyList<Row> rows) =>
        "| target | family | sent | accepted | 5xx |\n| --- | --- | ---: | ---: | ---: |\n" + string.Join('\n', rows.Select(r =>
            $"| {r.Target} | {r.Family} | {r.Sent} | {r.Accepted} | {r.ServerErrors} |"));

    private static void Count(ConcurrentDictionary<(string, string), long[]> rows, string target, string family, bool accepted, bool serverError)
    {
        var row = rows.GetOrAdd((target, family), _ => new long[3]);
        Interlocked.Increment(ref row[0]);
        if (accepted)
        {
            Interlocked.Increment(ref row[1]);
        }

        if (serverError)
        {
            Interlocked.Increment(ref row[2]);
        }
    }

    private static Task ForEachAsync<T>(IEnumerable<T> items, Func<T, Task> send) =>
        Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (item, _) => await send(item));
}
