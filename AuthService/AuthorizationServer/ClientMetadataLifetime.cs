using System.Net.Http.Headers;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// How long a fetched client ID metadata document is used before it is fetched again: its HTTP freshness lifetime
/// (RFC 9111 §4.2.1 — <c>s-maxage</c>, else <c>max-age</c>, else <c>Expires</c> minus <c>Date</c>; less its
/// <c>Age</c>) kept between <see cref="Min"/> and <see cref="Max"/>, as the draft allows (§4.4). A document with no
/// freshness information, or with <c>no-store</c> or <c>no-cache</c>, is kept for <see cref="Min"/>: the stored client
/// is what an authorization code and its refresh tokens are bound to, so it cannot be dropped at once, and a few minutes
/// keep the token endpoint from fetching it at every call. No heuristic freshness: without headers it is refetched soon.
/// </summary>
public static class ClientMetadataLifetime
{
    public static readonly TimeSpan Min = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan Max = TimeSpan.FromHours(24);

    public static TimeSpan Of(HttpResponseHeaders headers, HttpContentHeaders content, DateTimeOffset now)
    {
        var cache = headers.CacheControl;
        var fresh = cache is { NoStore: true } or { NoCache: true }
            ? TimeSpan.Zero
            : cache?.SharedMaxAge ?? cache?.MaxAge ?? content.Expires - (headers.Date ?? now);
        fresh -= headers.Age ?? TimeSpan.Zero;
        return fresh is { } lifetime ? TimeSpan.FromTicks(Math.Clamp(lifetime.Ticks, Min.Ticks, Max.Ticks)) : Min;
    }
}
