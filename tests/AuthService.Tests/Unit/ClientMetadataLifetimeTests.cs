using System.Net.Http.Headers;
using Mnemosyne.AuthService.AuthorizationServer;

namespace Mnemosyne.AuthService.Tests.Unit;

/// <summary>How long a fetched document is used: its HTTP freshness, kept between 5 minutes and 24 hours.</summary>
public sealed class ClientMetadataLifetimeTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("max-age=3600", null, 3600)]
    [InlineData("public, max-age=7200", null, 7200)]
    [InlineData("max-age=3600", 600, 3000)]
    [InlineData("max-age=60", null, 300)]
    [InlineData("max-age=0", null, 300)]
    [InlineData("max-age=864000", null, 86400)]
    [InlineData("max-age=3600, s-maxage=1800", null, 1800)]
    [InlineData("no-store", null, 300)]
    [InlineData("no-cache, max-age=3600", null, 300)]
    [InlineData(null, null, 300)]
    public void Cache_control_is_honoured_within_bounds(string? cacheControl, int? age, int seconds)
    {
        using var response = new HttpResponseMessage();
        if (cacheControl is not null)
        {
            response.Headers.CacheControl = CacheControlHeaderValue.Parse(cacheControl);
        }

        response.Headers.Age = age is null ? null : TimeSpan.FromSeconds(age.Value);

        Assert.Equal(TimeSpan.FromSeconds(seconds), ClientMetadataLifetime.Of(response.Headers, response.Content.Headers, Now));
    }

    [Fact]
    public void Expires_counts_from_the_responses_own_date()
    {
        using var response = new HttpResponseMessage { Content = new StringContent("{}") };
        response.Headers.Date = Now.AddHours(-3);
        response.Content.Headers.Expires = Now.AddHours(-1);

        Assert.Equal(TimeSpan.FromHours(2), ClientMetadataLifetime.Of(response.Headers, response.Content.Headers, Now));
    }
}
