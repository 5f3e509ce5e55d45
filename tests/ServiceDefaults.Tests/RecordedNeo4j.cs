using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Mnemosyne.ServiceDefaults.Tests;

/// <summary>
/// Stands in for a Neo4j server with responses recorded in the documented shapes of its HTTP API (no Neo4j can run
/// here). Answers by path with a queue of responses per path, and keeps every request it saw.
/// </summary>
public sealed class RecordedNeo4j : HttpMessageHandler
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Func<HttpResponseMessage>>> _answers = new();

    public ConcurrentQueue<(string Path, JsonElement Body, string? Authorization)> Requests { get; } = new();

    public TimeSpan Delay { get; set; }

    public RecordedNeo4j Answer(string path, HttpStatusCode status, string body, string mediaType = "application/json")
    {
        _answers.GetOrAdd(path, _ => new()).Enqueue(() => new HttpResponseMessage(status)
        {
            Content = new StringContent(body, Encoding.UTF8, mediaType),
        });
        return this;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = JsonDocument.Parse(await request.Content!.ReadAsStringAsync(cancellationToken)).RootElement.Clone();
        Requests.Enqueue((request.RequestUri!.AbsolutePath, body, request.Headers.Authorization?.ToString()));
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, cancellationToken);
        }

        return _answers.TryGetValue(request.RequestUri.AbsolutePath, out var queue) && queue.TryDequeue(out var answer)
            ? answer()
            : new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new StringContent("") };
    }
}
