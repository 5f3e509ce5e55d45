using Aspire.Hosting;
using Aspire.Hosting.Testing;
using System.Net.Http.Json;
using System.Text.Json;

namespace Mnemosyne.Stack.Tests;

/// <summary>The dashboard's telemetry API (<c>/api/telemetry/…</c>, OTLP JSON), as the tests read it.</summary>
public sealed class DashboardApi(HttpClient http) : IDisposable
{
    public sealed record Span(string Resource, string TraceId, string Name, string? ParentSpanId, DateTimeOffset Start);

    public sealed record LogRecord(string Resource, string Category, int Severity, string Message);

    /// <summary>OTLP severity numbers 17–24 are ERROR and FATAL.</summary>
    public const int Error = 17;

    public static async Task<DashboardApi> ConnectAsync(StackApp stack, CancellationToken cancellationToken)
    {
        var dashboard = new Uri((await stack.App.GetDashboardUrlAsync(cancellationToken)).GetLeftPart(UriPartial.Authority));
        var http = new HttpClient { BaseAddress = dashboard };
        http.DefaultRequestHeaders.Add("x-api-key", stack.DashboardApiKey);
        return new DashboardApi(http);
    }

    public async Task<IReadOnlyList<Span>> SpansAsync(string resource, CancellationToken cancellationToken)
    {
        var json = await http.GetFromJsonAsync<JsonElement>($"/api/telemetry/spans?resource={resource}", cancellationToken);
        return
        [
            .. json.GetProperty("data").GetProperty("resourceSpans").EnumerateArray()
                .SelectMany(r => r.GetProperty("scopeSpans").EnumerateArray())
                .SelectMany(s => s.GetProperty("spans").EnumerateArray())
                .Select(span => new Span(
                    resource,
                    span.GetProperty("traceId").GetString()!,
                    span.GetProperty("name").GetString()!,
                    span.TryGetProperty("parentSpanId", out var parent) && parent.GetString() is { Length: > 0 } p ? p : null,
                    DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(span.GetProperty("startTimeUnixNano").GetString()!,
                        System.Globalization.CultureInfo.InvariantCulture) / 1_000_000))),
        ];
    }

    /// <summary>Every structured log record the dashboard holds, from every resource.</summary>
    public async Task<IReadOnlyList<LogRecord>> LogsAsync(CancellationToken cancellationToken)
    {
        var json = await http.GetFromJsonAsync<JsonElement>("/api/telemetry/logs", cancellationToken);
        var records = new List<LogRecord>();
        foreach (var resourceLogs in json.GetProperty("data").GetProperty("resourceLogs").EnumerateArray())
        {
            var resource = resourceLogs.GetProperty("resource").GetProperty("attributes").EnumerateArray()
                .Where(a => a.GetProperty("key").GetString() == "service.name")
                .Select(a => a.GetProperty("value").GetProperty("stringValue").GetString()!)
                .FirstOrDefault() ?? "?";
            foreach (var scope in resourceLogs.GetProperty("scopeLogs").EnumerateArray())
            {
                var category = scope.GetProperty("scope").GetProperty("name").GetString()!;
                records.AddRange(scope.GetProperty("logRecords").EnumerateArray().Select(r => new LogRecord(
                    resource, category,
                    r.TryGetProperty("severityNumber", out var severity) ? severity.GetInt32() : 0,
                    r.TryGetProperty("body", out var body) && body.TryGetProperty("stringValue", out var text) ? text.GetString()! : "")));
            }
        }

        return records;
    }

    public void Dispose() => http.Dispose();
}
