using Mnemosyne.AuthService.AuthorizationServer;
using Mnemosyne.ServiceDefaults;

namespace Mnemosyne.AuthService.Tests.Unit;

/// <summary>
/// The readable name an upstream account's local user gets at its first sign-in, and the name of a provider in its
/// callback URL: pure functions of what the provider sends and of the configured issuer.
/// </summary>
public sealed class UpstreamUsernameTests
{
    [Theory]
    [InlineData("Ada.Lovelace@Contoso.com", "ada@x.example", "Ada", "sub-1", "ada.lovelace@contoso.com")]
    [InlineData(null, "ada@x.example", "Ada", "sub-1", "ada@x.example")]
    [InlineData(null, null, "Ada  Lovelace", "sub-1", "ada.lovelace")]
    [InlineData(null, null, null, "AAD_sub-1", "aad_sub-1")]
    [InlineData("José Ñúñez", null, null, "sub-1", "jose.nunez")]
    [InlineData("日本語", null, "--", "Xy9_-", "xy9")]
    [InlineData("../admin/..", null, null, "sub-1", "admin")]
    [InlineData("a--b..c", null, null, "sub-1", "a-b.c")]
    [InlineData("日本語", null, null, "日本", "user")]
    public void The_first_claim_that_leaves_a_username_names_the_user(string? preferred, string? email, string? name, string subject, string expected)
    {
        var username = UpstreamUsername.Base(preferred, email, name, subject);

        Assert.Equal(expected, username);
        Assert.Null(ServiceDefaults.Fields.Username(username, Limits.NameLength));
    }

    [Fact]
    public void A_long_name_leaves_room_for_the_number_a_taken_name_gets()
    {
        var username = UpstreamUsername.Numbered(UpstreamUsername.Base(new string('a', 500), null, null, "s"), 12345678);

        Assert.Equal(Limits.NameLength, username.Length);
        Assert.EndsWith("-12345678", username, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0", "login-microsoftonline-com-72f988bf-86f1-41af-91ab-2d7cd011db47-v2-0")]
    [InlineData("https://Keycloak.Example.com/realms/acme", "keycloak-example-com-realms-acme")]
    [InlineData("https://accounts.google.com", "accounts-google-com")]
    [InlineData("http://127.0.0.1:5123/", "127-0-0-1-5123")]
    public void A_provider_is_named_after_its_issuer(string issuer, string name)
    {
        Assert.Equal(name, new UpstreamProvider { Issuer = issuer }.Name());
    }
}
