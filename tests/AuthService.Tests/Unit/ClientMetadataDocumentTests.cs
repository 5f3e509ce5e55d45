using System.Text;
using Mnemosyne.AuthService.AuthorizationServer;

namespace Mnemosyne.AuthService.Tests.Unit;

/// <summary>Which client ID metadata documents this server accepts, and the reason it gives for each it refuses.</summary>
public sealed class ClientMetadataDocumentTests
{
    private const string Url = "https://app.example/oauth/client.json";

    [Fact]
    public void A_public_client_document_is_read()
    {
        var document = Parse($$$"""
            {"client_id":"{{{Url}}}","client_name":"Example MCP Client","client_uri":"https://app.example",
             "redirect_uris":["http://127.0.0.1:3000/callback","https://app.example/cb"],
             "grant_types":["authorization_code","refresh_token"],"response_types":["code"],
             "token_endpoint_auth_method":"none","logo_uri":"https://app.example/logo.png","extra":{"any":[1,2,{"x":null}]}}
            """);

        Assert.Equal("Example MCP Client", document.ClientName);
        Assert.Equal(["http://127.0.0.1:3000/callback", "https://app.example/cb"], document.Redirects);
        Assert.True(document.RefreshTokens);
    }

    [Fact]
    public void Only_client_id_and_redirect_uris_are_required()
    {
        var document = Parse($$"""{"client_id":"{{Url}}","redirect_uris":["http://127.0.0.1/cb"]}""");

        Assert.Null(document.ClientName);
        Assert.False(document.RefreshTokens);
    }

    [Theory]
    [InlineData("""not json""", "is not JSON")]
    [InlineData("""{"client_id":""", "is not JSON")]
    [InlineData("""["https://app.example/oauth/client.json"]""", "not a JSON object")]
    [InlineData("""{"redirect_uris":["http://127.0.0.1/cb"]}""", "client_id")]
    [InlineData("""{"client_id":"https://app.example/oauth/client.json/","redirect_uris":["http://127.0.0.1/cb"]}""", "client_id")]
    [InlineData("""{"client_id":"https://APP.example/oauth/client.json","redirect_uris":["http://127.0.0.1/cb"]}""", "client_id")]
    [InlineData("""{"client_id":7,"redirect_uris":["http://127.0.0.1/cb"]}""", "client_id")]
    [InlineData("""{"client_id":"https://app.example/oauth/client.json","client_id":"https://evil.example/c","redirect_uris":["http://127.0.0.1/cb"]}""", "repeats a property")]
    [InlineData("""{"client_id":"https://app.example/oauth/client.json"}""", "redirect_uris")]
    [InlineData("""{"client_id":"https://app.example/oauth/client.json","redirect_uris":[]}""", "redirect_uris")]
    [InlineData("""{"client_id":"https://app.example/oauth/client.json","redirect_uris":"http://127.0.0.1/cb"}""", "redirect_uris")]
    [InlineData("""{"client_id":"https://app.example/oauth/client.json","redirect_uris":[1]}""", "redirect_uris")]
    [InlineData("""{"client_id":"https://app.example/oauth/client.json","redirect_uris":[{"uri":"http://127.0.0.1/cb"}]}""", "redirect_uris")]
    [InlineData("""{"client_id":"https://app.example/oauth/client.json","redirect_uris":["http://attacker.example/cb"]}""", "redirect URI")]
    [InlineData("""{"client_id":"https://app.example/oauth/client.json","redirect_uris":["javascript:alert(1)"]}""", "redirect URI")]
    [InlineData("""{"client_id":"https://app.example/oauth/client.json","redirect_uris":["http://127.0.0.1/cb"],"token_endpoint_auth_method":"client_secret_basic"}""", "public clients only")]
    [InlineData("""{"client_id":"https://app.example/oauth/client.json","redirect_uris":["http://127.0.0.1/cb"],"token_endpoint_auth_method":"private_key_jwt"}""", "public clients only")]
    [InlineData("""{"client_id":"https://app.example/oauth/client.json","redirect_uris":["http://127.0.0.1/cb"],"token_endpoint_auth_method":null}""", "public clients only")]
    [InlineData("""{"client_id":"https://app.example/oauth/client.json","redirect_uris":["http://127.0.0.1/cb"],"client_secret":"s3cret"}""", "client_secret")]
    [InlineData("""{"client_id":"https://app.example/oauth/client.json","redirect_uris":["http://127.0.0.1/cb"],"client_secret_expires_at":0}""", "client_secret")]
    [InlineData("""{"client_id":"https://app.example/oauth/client.json","redirect_uris":["http://127.0.0.1/cb"],"grant_types":["client_credentials"]}""", "grant_types")]
    [InlineData("""{"client_id":"https://app.example/oauth/client.json","redirect_uris":["http://127.0.0.1/cb"],"grant_types":"authorization_code"}""", "grant_types")]
    [InlineData("""{"client_id":"https://app.example/oauth/client.json","redirect_uris":["http://127.0.0.1/cb"],"response_types":["token"]}""", "response_types")]
    [InlineData("""{"client_id":"https://app.example/oauth/client.json","redirect_uris":["http://127.0.0.1/cb"],"client_name":7}""", "client_name")]
    [InlineData("""{"client_id":"https://app.example/oauth/client.json","redirect_uris":["http://127.0.0.1/cb"],"client_name":""}""", "client_name")]
    public void A_document_this_server_cannot_use_is_refused_saying_why(string json, string reason)
    {
        var refused = Assert.Throws<ClientMetadataRefusedException>(() => Parse(json));

        Assert.StartsWith("The client metadata document ", refused.Message, StringComparison.Ordinal);
        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deeply_nested_json_is_refused_without_being_walked()
    {
        var json = $$"""{"client_id":"{{Url}}","redirect_uris":["http://127.0.0.1/cb"],"x":{{new string('[', 10_000)}}{{new string(']', 10_000)}}}""";

        Assert.Contains("nested deeper", Assert.Throws<ClientMetadataRefusedException>(() => Parse(json)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void More_redirect_uris_than_the_bound_are_refused()
    {
        var many = string.Join(',', Enumerable.Range(0, 5000).Select(i => $"\"http://127.0.0.1/cb{i}\""));

        Assert.Contains("1 to 10", Assert.Throws<ClientMetadataRefusedException>(
            () => Parse($$"""{"client_id":"{{Url}}","redirect_uris":[{{many}}]}""")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_client_name_longer_than_the_bound_is_refused() =>
        Assert.Throws<ClientMetadataRefusedException>(() => Parse(
            $$"""{"client_id":"{{Url}}","redirect_uris":["http://127.0.0.1/cb"],"client_name":"{{new string('n', 201)}}"}"""));

    private static ClientMetadataDocument Parse(string json) => ClientMetadataDocument.Parse(Encoding.UTF8.GetBytes(json), Url);
}
