using Mnemosyne.AuthService.AuthorizationServer;

namespace Mnemosyne.AuthService.Tests.Unit;

/// <summary>Which client_id URLs are client ID metadata document URLs this server accepts (draft §3), on the string as sent.</summary>
public sealed class ClientMetadataUrlTests
{
    [Theory]
    [InlineData("https://app.example/oauth/client.json")]
    [InlineData("https://app.example:8443/client")]
    [InlineData("https://127.0.0.1:5001/c.json")]
    [InlineData("https://app.example/client?v=2")]
    [InlineData("https://app.example/a.b/..c/client")]
    public void Accepts_https_urls_with_a_path(string clientId)
    {
        Assert.True(ClientMetadataUrl.IsCandidate(clientId));
        Assert.Null(ClientMetadataUrl.Problem(clientId));
    }

    [Theory]
    [InlineData("http://app.example/client.json", "https")]
    [InlineData("HTTPS://app.example/client.json", "https")]
    [InlineData("https://app.example", "path")]
    [InlineData("https://app.example/", "path")]
    [InlineData("https://app.example?x=1", "path")]
    [InlineData("https://app.example/client#top", "fragment")]
    [InlineData("https://user:pw@app.example/client", "user name")]
    [InlineData("https://user@app.example/client", "user name")]
    [InlineData("https://app.example/a/../client", "'..'")]
    [InlineData("https://app.example/./client", "'..'")]
    [InlineData("https://app.example/a/%2e%2E/client", "'..'")]
    [InlineData("https://app.example/a/.", "'..'")]
    [InlineData("https://app.example/cli ent", "ASCII")]
    [InlineData("https://app.example/clïent", "ASCII")]
    public void Refuses_what_the_draft_forbids_saying_why(string clientId, string reason)
    {
        Assert.True(ClientMetadataUrl.IsCandidate(clientId));
        Assert.Contains(reason, ClientMetadataUrl.Problem(clientId), StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_url_longer_than_the_bound() =>
        Assert.Contains("at most", ClientMetadataUrl.Problem("https://app.example/" + new string('a', ClientMetadataUrl.MaxLength)),
            StringComparison.Ordinal);

    [Theory]
    [InlineData("dcr_0123456789abcdef")]
    [InlineData("vscode")]
    [InlineData("urn:example:client")]
    [InlineData(null)]
    public void Other_client_ids_are_not_metadata_urls(string? clientId) => Assert.False(ClientMetadataUrl.IsCandidate(clientId));
}
