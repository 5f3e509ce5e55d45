using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;

namespace Mnemosyne.Stack.Tests;

/// <summary>Both services describe their admin API (OpenAPI + a Scalar page), linked from the dashboard.</summary>
public sealed class ApiDocsTests(StackApp stack)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("auth-service", "/admin/v1/users", "/admin/v1/signing-keys/{kid}/retire")]
    [InlineData("mcp-host", "/admin/v1/libraries", "/admin/v1/libraries/{uid}/documents/{documentUid}")]
    public async Task Each_service_serves_an_openapi_document_of_its_admin_api_and_a_scalar_page_linked_from_the_dashboard(
        string resource, string listPath, string deepPath)
    {
        using var http = stack.App.CreateHttpClient(resource, "http");

        var document = await http.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Cancel);
        using var scalar = await http.GetAsync(new Uri("/scalar", UriKind.Relative), Cancel);

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains(listPath, paths);
        Assert.Contains(deepPath, paths);
        Assert.All(paths, path => Assert.StartsWith("/admin/v1/", path, StringComparison.Ordinal));
        var operations = document.GetProperty("paths").EnumerateObject().SelectMany(p => p.Value.EnumerateObject()).ToList();
        Assert.All(operations, operation => Assert.False(string.IsNullOrWhiteSpace(
            operation.Value.TryGetProperty("summary", out var summary) ? summary.GetString() : null), operation.Name));
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("admin-key");
        Assert.Equal(("http", "bearer"), (scheme.GetProperty("type").GetString(), scheme.GetProperty("scheme").GetString()));
        Assert.Equal(HttpStatusCode.OK, scalar.StatusCode);
        Assert.Equal("text/html", scalar.Content.Headers.ContentType?.MediaType);

        Assert.True(stack.App.ResourceNotifications.TryGetCurrentState(resource, out var state));
        Assert.Contains(state.Snapshot.Urls, url => url.DisplayProperties.DisplayName == "Admin API reference"
            && url.Url == new Uri(http.BaseAddress!, "/scalar").ToString());
        Assert.Contains(state.Snapshot.Urls, url => url.Url.TrimEnd('/') == http.BaseAddress!.ToString().TrimEnd('/'));
    }
}
