using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Mnemosyne.ServiceDefaults.Neo4j;

/// <summary>
/// Runs Cypher over Neo4j's HTTP API, the one Neo4j client both services use. Query API v2 first; when the server
/// answers 404 there (Neo4j before 5.25) it falls back to the transactional <c>tx/commit</c> endpoint and remembers
/// that for the life of the process. Every value travels as a parameter (the statement text is fixed by the caller),
/// errors are mapped to <see cref="Neo4jException"/> subclasses, and each statement is a client span
/// (<c>db.system=neo4j</c>, the operation name, no parameter values).
/// </summary>
public sealed class Neo4jHttpClient(HttpClient http, Neo4jConnection connection)
{
    public const string ActivitySourceName = "Mnemosyne.Neo4j";
    private static readonly ActivitySource ActivitySource = new(ActivitySourceName);
    private readonly AuthenticationHeaderValue _authorization = new("Basic",
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{connection.Username}:{connection.Password}")));
    private volatile bool _queryApiMissing;

    /// <summary>Runs <paramref name="statement"/> with <paramref name="parameters"/>; <paramref name="operation"/> names the span.</summary>
    public async Task<Neo4jResult> RunAsync(
        string operation, string statement, IReadOnlyDictionary<string, object?>? parameters, CancellationToken cancellationToken)
    {
        using var activity = ActivitySource.StartActivity($"neo4j {operation}", ActivityKind.Client);
        activity?.SetTag("db.system", "neo4j");
        activity?.SetTag("db.system.name", "neo4j");
        activity?.SetTag("db.operation.name", operation);
        activity?.SetTag("db.namespace", connection.Database);
        activity?.SetTag("server.address", connection.Endpoint.Host);
        activity?.SetTag("server.port", connection.Endpoint.Port);
        try
        {
            parameters ??= new Dictionary<string, object?>();
            if (!_queryApiMissing)
            {
                var result = await QueryApiAsync(statement, parameters, cancellationToken);
                if (result is not null)
                {
                    return result;
                }

                _queryApiMissing = true;
            }

            return await TransactionalAsync(statement, parameters, cancellationToken);
        }
        catch (Exception exception) when (activity is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
            throw;
        }
    }

    /// <summary>Query API v2; null when this server does not have it (404).</summary>
    private async Task<Neo4jResult?> QueryApiAsync(string statement, IReadOnlyDictionary<string, object?> parameters, CancellationToken cancellationToken)
    {
        var body = await PostAsync($"db/{Uri.EscapeDataString(connection.Database)}/query/v2",
            new { statement, parameters }, allowNotFound: true, cancellationToken);
        if (body is not { } json)
        {
            return null;
        }

        ThrowOnErrors(json);
        try
        {
            var data = json.GetProperty("data");
            var fields = data.GetProperty("fields").EnumerateArray().Select(f => f.GetString()!).ToArray();
            var rows = data.GetProperty("values").EnumerateArray().Select(row => row.EnumerateArray().ToArray()).ToArray();
            return new Neo4jResult(fields, rows);
        }
        catch (Exception exception) when (exception is KeyNotFoundException or InvalidOperationException)
        {
            throw new Neo4jProtocolException("Neo4j's Query API answered without data.fields/data.values.", exception);
        }
    }

    private async Task<Neo4jResult> TransactionalAsync(string statement, IReadOnlyDictionary<string, object?> parameters, CancellationToken cancellationToken)
    {
        var json = (await PostAsync($"db/{Uri.EscapeDataString(connection.Database)}/tx/commit",
            new { statements = new[] { new { statement, parameters } } }, allowNotFound: false, cancellationToken))!.Value;
        ThrowOnErrors(json);
        try
        {
            var result = json.GetProperty("results").EnumerateArray().Single();
            var fields = result.GetProperty("columns").EnumerateArray().Select(f => f.GetString()!).ToArray();
            var rows = result.GetProperty("data").EnumerateArray().Select(d => d.GetProperty("row").EnumerateArray().ToArray()).ToArray();
            return new Neo4jResult(fields, rows);
        }
        catch (Exception exception) when (exception is KeyNotFoundException or InvalidOperationException)
        {
            throw new Neo4jProtocolException("Neo4j's transactional endpoint answered without results[0].columns/data.", exception);
        }
    }

    private async Task<JsonElement?> PostAsync(string path, object body, bool allowNotFound, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(connection.Endpoint, path))
        {
            Content = JsonContent.Create(body),
        };
        request.Headers.Authorization = _authorization;
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new Neo4jUnavailableException($"Neo4j at {connection.Endpoint} is unreachable or did not answer in time.", exception);
        }

        using (response)
        {
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                throw new Neo4jAuthenticationException(
                    $"Neo4j at {connection.Endpoint} refused the credentials of user '{connection.Username}' (ConnectionStrings:neo4j).");
            }

            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            JsonElement json;
            try
            {
                json = JsonDocument.Parse(text).RootElement.Clone();
            }
            catch (JsonException exception)
            {
                // A 404 without Neo4j's JSON is a server without this endpoint (one with it reports errors in JSON).
                if (response.StatusCode == HttpStatusCode.NotFound && allowNotFound)
                {
                    return null;
                }

                throw (int)response.StatusCode >= 500
                    ? new Neo4jUnavailableException($"Neo4j at {connection.Endpoint} answered {(int)response.StatusCode}.", exception)
                    : new Neo4jProtocolException($"Neo4j answered {(int)response.StatusCode} with a body that is not JSON.", exception);
            }

            // Errors can come with any status (tx/commit reports them with 200): check the body first.
            ThrowOnErrors(json);
            if (response.StatusCode == HttpStatusCode.NotFound && allowNotFound)
            {
                return null;
            }

            if (!response.IsSuccessStatusCode)
            {
                throw (int)response.StatusCode >= 500
                    ? new Neo4jUnavailableException($"Neo4j at {connection.Endpoint} answered {(int)response.StatusCode}.")
                    : new Neo4jProtocolException($"Neo4j answered {(int)response.StatusCode} without an error description.");
            }

            return json;
        }
    }

    private static void ThrowOnErrors(JsonElement json)
    {
        if (json.ValueKind == JsonValueKind.Object && json.TryGetProperty("errors", out var errors)
            && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
        {
            var first = errors[0];
            var code = first.TryGetProperty("code", out var c) ? c.GetString() ?? "" : "";
            var message = first.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "";
            throw code.StartsWith("Neo.ClientError.Security.", StringComparison.Ordinal)
                ? new Neo4jAuthenticationException($"Neo4j refused the request: {code}: {message}")
                : new Neo4jQueryException(code, message);
        }
    }
}
