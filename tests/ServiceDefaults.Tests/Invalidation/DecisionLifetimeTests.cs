using Mnemosyne.ServiceDefaults.Invalidation;

namespace Mnemosyne.ServiceDefaults.Tests.Invalidation;

/// <summary>How long a kept decision holds, and when one is worth renewing: only a scope that ends before its token.</summary>
public sealed class DecisionLifetimeTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 8, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Scope = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("team")]
    [InlineData("oauth")]
    public void A_scope_that_ends_before_its_token_holds_for_the_scope_and_is_renewed_in_its_last_third(string kind)
    {
        var expiresAt = Now.AddHours(1);

        Assert.Equal(Now.AddSeconds(30), DecisionLifetime.Until(kind, expiresAt, Now, Scope));
        Assert.Equal(Now.AddSeconds(20), DecisionLifetime.RenewFrom(kind, expiresAt, Now, Scope));
        Assert.Equal(Now.AddSeconds(20), DecisionLifetime.RenewFrom(kind, null, Now, Scope));
    }

    [Fact]
    public void A_team_token_that_expires_before_the_scope_ends_holds_until_it_expires_and_is_never_renewed()
    {
        var expiresAt = Now.AddSeconds(25);

        Assert.Equal(expiresAt, DecisionLifetime.Until("team", expiresAt, Now, Scope));
        Assert.Equal(DateTimeOffset.MaxValue, DecisionLifetime.RenewFrom("team", expiresAt, Now, Scope));
    }

    [Theory]
    [InlineData("opaque")]
    [InlineData("turn")]
    public void Other_kinds_hold_until_their_token_expires_and_are_never_renewed(string kind)
    {
        var expiresAt = Now.AddMinutes(10);

        Assert.Equal(expiresAt, DecisionLifetime.Until(kind, expiresAt, Now, Scope));
        Assert.Equal(DateTimeOffset.MaxValue, DecisionLifetime.Until(kind, null, Now, Scope));
        Assert.Equal(DateTimeOffset.MaxValue, DecisionLifetime.RenewFrom(kind, expiresAt, Now, Scope));
    }
}
