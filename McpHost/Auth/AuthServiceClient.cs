using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Mnemosyne.ServiceDefaults;

namespace Mnemosyne.McpHost.Auth;

/// <summary>
/// Asks auth-service <c>POST /v1/resolve</c> about a caller's bearer. The bearer goes to auth-service and nowhere else.
/// Anything but a clear answer (unreachable, slow, 5xx, a refused internal key) is <c>unavailable</c>: fail closed.
/// </summary>
public sealed partial class AuthServiceClient(HttpClient http, IOptions<SharedKeys> keys, ILogger<AuthServiceClient> logger)
{
    private const string Unreachable = "Authentication service is unavailable.";

    public sealed record Resolution(string Kind, string Principal, string User, IReadOnlyList<string> Libraries);

    /// <summary>Either <see cref="Allowed"/> or a refusal with its HTTP status, title and reason code.</summary>
    public sealed record Outcome(Resolution? Allowed, int Status, string Title, string Reason);

    public async Task<Outcome> ResolveAsync(string? bearer, string? tool, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/resolve")
        {
            Content = JsonContent.Create(new { tool }),
        };
        request.Headers.Add(SharedKeys.InternalKeyHeader, keys.Value.InternalKey);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var resolution = await response.Content.ReadFromJsonAsync<Resolution>(cancellationToken);
                return resolution is null ? Down() : new Outcome(resolution, 200, "", "");
            }

            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
                && await ProblemAsync(response, cancellationToken) is { } problem)
            {
                if (problem.Reason == "internal_key")
                {
                    LogInternalKeyRefused(logger);
                    return Down();
                }

                return new Outcome(null, (int)response.StatusCode, problem.Title, problem.Reason);
            }

            LogUnexpectedStatus(logger, (int)response.StatusCode);
            return Down();
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or JsonException
                                              or Polly.Timeout.TimeoutRejectedException or Polly.CircuitBreaker.BrokenCircuitException
                                          && !cancellationToken.IsCancellationRequested)
        {
            LogUnreachable(logger, exception.GetType().Name);
            return Down();
        }
    }

    /// <summary>True when auth-service answers its health endpoint.</summary>
    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(new Uri("/health", UriKind.Relative), cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException
                                              or Polly.Timeout.TimeoutRejectedException or Polly.CircuitBreaker.BrokenCircuitException
                                          && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static Outcome Down() => new(null, 503, Unreachable, "unavailable");

    private static async Task<(string Title, string Reason)?> ProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return body.ValueKind == JsonValueKind.Object
               && body.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String
               && body.TryGetProperty("reason", out var reason) && reason.ValueKind == JsonValueKind.String
            ? (title.GetString()!, reason.GetString()!)
            : null;
    }

    [LoggerMessage(LogLevel.Error, "auth_service.internal_key_refused: mcp-host and auth-service disagree on Auth:InternalKey")]
    private static partial void LogInternalKeyRefused(ILogger logger);

    [LoggerMessage(LogLevel.Warning, "auth_service.unexpected_status {Status}")]
    private static partial void LogUnexpectedStatus(ILogger logger, int status);

    [LoggerMessage(LogLevel.Warning, "auth_service.unreachable {Error}")]
    private static partial void LogUnreachable(ILogger logger, string error);
}
