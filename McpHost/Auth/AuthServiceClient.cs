using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.ServiceDiscovery;
using Mnemosyne.McpHost.Options;
using Mnemosyne.ServiceDefaults;
using Mnemosyne.ServiceDefaults.Audit;
using Mnemosyne.ServiceDefaults.Invalidation;
using Mnemosyne.ServiceDefaults.RateLimits;

namespace Mnemosyne.McpHost.Auth;

/// <summary>
/// Asks auth-service <c>POST /v1/resolve</c> about a caller's bearer. The bearer goes to auth-service and nowhere else.
/// Anything but a clear answer (unreachable, slower than <see cref="McpOptions.AuthTimeoutMilliseconds"/>, 5xx, a
/// refused internal key) is <c>unavailable</c>: fail closed. This client is built by hand rather than through
/// IHttpClientFactory: the factory's defaults add a resilience pipeline (retries inside a tool call) and a service
/// discovery lookup per request; here auth-service's address is resolved once and each call has one timeout.
/// </summary>
public sealed partial class AuthServiceClient : IDisposable
{
    private const string Unreachable = "Authentication service is unavailable.";
    private readonly HttpClient _http;
    private readonly string _internalKey;
    private readonly string _configuredUrl;
    private readonly ServiceEndpointResolver _discovery;
    private readonly ILogger<AuthServiceClient> _logger;
    private readonly RetriedLazyTask<Task<Uri>> _baseAddress;
    private readonly RetriedLazyTask<Task<Uri>> _resolveAddress;
    private readonly SharedValues _shared = new();

    public AuthServiceClient(
        IOptions<McpOptions> options, IOptions<SharedKeys> keys, ServiceEndpointResolver discovery, ILogger<AuthServiceClient> logger)
    {
        var timeout = TimeSpan.FromMilliseconds(options.Value.AuthTimeoutMilliseconds);
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = timeout, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = timeout,
        };
        _internalKey = keys.Value.InternalKey;
        _configuredUrl = options.Value.AuthServiceUrl;
        _discovery = discovery;
        _logger = logger;
        _baseAddress = new(LookUpAsync);
        _resolveAddress = new(async () => new Uri(await _baseAddress.Current, "/v1/resolve"));
    }

    public sealed record Resolution(
        string Kind, string Principal, string User, IReadOnlyList<string> Libraries, IReadOnlyList<string>? Tools,
        DateTimeOffset? ExpiresAt)
    {
        /// <summary>Tool calls a minute (0 = unlimited), from the <c>RateLimit-Policy</c> header beside the body.</summary>
        public int RateLimitPerMinute { get; init; }

        /// <summary>
        /// What the decision was resolved from (<see cref="Dependency"/> names, from the header beside the body), so a
        /// revoking change drops it only when it reaches one of them; null when auth-service did not say (everything).
        /// </summary>
        public IReadOnlyList<string>? DependsOn { get; init; }

        /// <summary>
        /// The generation auth-service had applied when it resolved this (<see cref="InvalidationProtocol.AppliedHeader"/>);
        /// -1 when it did not say.
        /// </summary>
        public long Applied { get; init; } = -1;
    }

    /// <summary>
    /// Either <see cref="Allowed"/> or a refusal with its HTTP status, title, reason code (and wait, for 429), and
    /// who was refused when the credential was identified (<see cref="RefusedCaller"/>, CONTRACT §8).
    /// </summary>
    public sealed record Outcome(Resolution? Allowed, int Status, string Title, string Reason, TimeSpan? RetryAfter = null)
    {
        public (string Kind, string Principal)? RefusedCaller { get; init; }
    }

    public async Task<Outcome> ResolveAsync(string? bearer, string? tool, CancellationToken cancellationToken)
    {
        try
        {
            // Every tool call an mcp-host has not cached comes through here, so the request is built lean: the body
            // with its length (JsonContent's has none, so it went chunked, which costs both sides a pipe), headers
            // added without parsing them, the address made once.
            var address = await _resolveAddress.Current.WaitAsync(cancellationToken);
            using var request = new HttpRequestMessage(HttpMethod.Post, address)
            {
                Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(new { tool }, JsonSerializerOptions.Web)),
            };
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            request.Headers.TryAddWithoutValidation(SharedKeys.InternalKeyHeader, _internalKey);
            if (bearer is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + bearer);
            }

            using var response = await _http.SendAsync(request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var resolution = await response.Content.ReadFromJsonAsync<Resolution>(cancellationToken);
                var policy = Header(response, PrincipalBudgets.PolicyHeader);
                var dependsOn = Header(response, Dependency.HeaderName);
                var applied = long.TryParse(Header(response, InvalidationProtocol.AppliedHeader), NumberStyles.None,
                    CultureInfo.InvariantCulture, out var generation)
                    ? generation
                    : -1;
                return resolution is null
                    ? Down()
                    : new Outcome(resolution with
                    {
                        Kind = _shared.Share(resolution.Kind),
                        Principal = _shared.Share(resolution.Principal),
                        User = _shared.Share(resolution.User),
                        Libraries = _shared.Share(resolution.Libraries)!,
                        Tools = _shared.Share(resolution.Tools),
                        RateLimitPerMinute = PrincipalBudgets.PerMinuteOf(policy),
                        DependsOn = _shared.Share(dependsOn, Dependency.FromHeader),
                        Applied = applied,
                    }, 200, "", "");
            }

            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.TooManyRequests
                && await ProblemAsync(response, cancellationToken) is { } problem)
            {
                if (problem.Reason == "internal_key")
                {
                    LogInternalKeyRefused(_logger);
                    return Down();
                }

                var caller = Header(response, RefusedCallerHeader.Name);
                return new Outcome(null, (int)response.StatusCode, problem.Title, problem.Reason, response.Headers.RetryAfter?.Delta)
                {
                    RefusedCaller = RefusedCallerHeader.Parse(caller),
                };
            }

            LogUnexpectedStatus(_logger, (int)response.StatusCode);
            return Down();
        }
        catch (Exception exception) when (IsUnreachable(exception) && !cancellationToken.IsCancellationRequested)
        {
            LogUnreachable(_logger, exception.GetType().Name);
            return Down();
        }
    }

    /// <summary>What became of a batch sent to an internal endpoint.</summary>
    public enum Delivery
    {
        /// <summary>auth-service took it.</summary>
        Taken,

        /// <summary>auth-service could not be reached or failed: send it again later.</summary>
        Retry,

        /// <summary>auth-service refused its content (4xx): sending it again would be refused again.</summary>
        Refused,
    }

    /// <summary>Sends <paramref name="body"/> as JSON to an internal endpoint.</summary>
    public async Task<Delivery> PostInternalAsync(string path, object body, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(await BaseAddressAsync(cancellationToken), path))
            {
                Content = JsonContent.Create(body),
            };
            request.Headers.Add(SharedKeys.InternalKeyHeader, _internalKey);
            using var response = await _http.SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode ? Delivery.Taken
                : (int)response.StatusCode is >= 400 and < 500 and not 401 ? Delivery.Refused
                : Delivery.Retry;
        }
        catch (Exception exception) when (IsUnreachable(exception) && !cancellationToken.IsCancellationRequested)
        {
            return Delivery.Retry;
        }
    }

    /// <summary>True when auth-service answers its health endpoint.</summary>
    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(await BaseAddressAsync(cancellationToken), "/health"), cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (Exception exception) when (IsUnreachable(exception) && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>auth-service's address, looked up once through service discovery (again only after a failed lookup).</summary>
    private Task<Uri> BaseAddressAsync(CancellationToken cancellationToken) => _baseAddress.Current.WaitAsync(cancellationToken);

    private async Task<Uri> LookUpAsync()
    {
        // "https+http://auth-service" names a service; a plain http(s) URL is an address already.
        if (!_configuredUrl.Contains("+http", StringComparison.Ordinal))
        {
            return new Uri(_configuredUrl);
        }

        var source = await _discovery.GetEndpointsAsync(_configuredUrl, CancellationToken.None);
        return source.Endpoints.Select(e => e.EndPoint).OfType<UriEndPoint>().Select(e => e.Uri).FirstOrDefault()
            ?? throw new HttpRequestException($"Service discovery found no address for {_configuredUrl}.");
    }

    /// <summary>A response header's value as sent (the first, if repeated), without parsing it; null when absent.</summary>
    private static string? Header(HttpResponseMessage response, string name)
    {
        if (response.Headers.NonValidated.TryGetValues(name, out var values))
        {
            foreach (var value in values)
            {
                return value;
            }
        }

        return null;
    }

    private static bool IsUnreachable(Exception exception) =>
        exception is HttpRequestException or TaskCanceledException or JsonException;

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
