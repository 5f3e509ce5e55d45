using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Mnemosyne.McpHost.Tests.Infrastructure;

namespace Mnemosyne.McpHost.Tests;

public sealed class LibraryAdminTests(McpHostFixture fixture) : IClassFixture<McpHostFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Libraries_and_documents_are_created_updated_listed_and_deleted()
    {
        using var admin = fixture.McpHost.ClientWithBearer(fixture.AdminKey);
        var library = AuthApi.Unique("lib");

        using var created = await admin.PutAsJsonAsync($"/admin/v1/libraries/{library}", new { name = "Handbook", workspace = "ws-1" }, Cancel);
        using var renamed = await admin.PutAsJsonAsync($"/admin/v1/libraries/{library}", new { name = "Staff handbook", workspace = "ws-2" }, Cancel);
        using var document = await admin.PutAsJsonAsync($"/admin/v1/libraries/{library}/documents/{library}-d1", new { title = "Leave", content = "Ask first." }, Cancel);
        using var edited = await admin.PutAsJsonAsync($"/admin/v1/libraries/{library}/documents/{library}-d1", new { title = "Leave policy", content = "Ask early." }, Cancel);
        var listed = await admin.GetFromJsonAsync<JsonElement>("/admin/v1/libraries", Cancel);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal(HttpStatusCode.Created, document.StatusCode);
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        var row = Assert.Single(listed.EnumerateArray(), l => l.GetProperty("uid").GetString() == library);
        Assert.Equal(("Staff handbook", "ws-2", 1),
            (row.GetProperty("name").GetString(), row.GetProperty("workspace").GetString(), row.GetProperty("documentCount").GetInt32()));

        using var deleteDocument = await admin.DeleteAsync(new Uri($"/admin/v1/libraries/{library}/documents/{library}-d1", UriKind.Relative), Cancel);
        using var deleteAgain = await admin.DeleteAsync(new Uri($"/admin/v1/libraries/{library}/documents/{library}-d1", UriKind.Relative), Cancel);
        using var deleteLibrary = await admin.DeleteAsync(new Uri($"/admin/v1/libraries/{library}", UriKind.Relative), Cancel);
        using var deleteLibraryAgain = await admin.DeleteAsync(new Uri($"/admin/v1/libraries/{library}", UriKind.Relative), Cancel);

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NotFound), (deleteDocument.StatusCode, deleteAgain.StatusCode));
        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NotFound), (deleteLibrary.StatusCode, deleteLibraryAgain.StatusCode));
    }

    [Fact]
    public async Task Deleting_a_library_deletes_its_documents()
    {
        var (library, document) = await fixture.AddLibraryWithDocumentAsync("ws-del", "omega");
        using var admin = fixture.McpHost.ClientWithBearer(fixture.AdminKey);

        using var deleted = await admin.DeleteAsync(new Uri($"/admin/v1/libraries/{library}", UriKind.Relative), Cancel);
        await fixture.PutLibraryAsync(library, "ws-del");
        using var documentAgain = await admin.DeleteAsync(new Uri($"/admin/v1/libraries/{library}/documents/{document}", UriKind.Relative), Cancel);

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, documentAgain.StatusCode);
    }

    [Fact]
    public async Task A_document_needs_an_existing_library_and_a_uid_no_other_library_owns()
    {
        var (library, document) = await fixture.AddLibraryWithDocumentAsync("ws-x", "delta");
        var other = AuthApi.Unique("lib");
        await fixture.PutLibraryAsync(other, "ws-x");
        using var admin = fixture.McpHost.ClientWithBearer(fixture.AdminKey);

        using var noLibrary = await admin.PutAsJsonAsync($"/admin/v1/libraries/no-such-lib/documents/{AuthApi.Unique("doc")}", new { title = "t", content = "c" }, Cancel);
        using var taken = await admin.PutAsJsonAsync($"/admin/v1/libraries/{other}/documents/{document}", new { title = "t", content = "c" }, Cancel);

        Assert.Equal(HttpStatusCode.NotFound, noLibrary.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        Assert.Equal($"Document '{document}' already belongs to another library.", await TitleAsync(taken));
        Assert.NotEqual(library, other);
    }

    [Theory]
    [InlineData("/admin/v1/libraries/lib-a", """{"workspace":"ws"}""", "Field 'name' is required.")]
    [InlineData("/admin/v1/libraries/lib-a", """{"name":"n","workspace":7}""", "Field 'workspace' has the wrong type or is not valid JSON.")]
    [InlineData("/admin/v1/libraries/lib-a/documents/d", """{"title":"t"}""", "Field 'content' is required.")]
    [InlineData("/admin/v1/libraries/lib-a/documents/d", "{", "Request body is not valid JSON for this call.")]
    public async Task Bad_bodies_get_400_naming_the_field(string path, string body, string title)
    {
        using var admin = fixture.McpHost.ClientWithBearer(fixture.AdminKey);

        using var response = await admin.PutAsync(path, new StringContent(body, Encoding.UTF8, "application/json"), Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(title, await TitleAsync(response));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-the-admin-key-not-the-admin-key")]
    public async Task Library_admin_needs_the_admin_key(string? key)
    {
        using var client = key is null ? new HttpClient { BaseAddress = fixture.McpHost.Address } : fixture.McpHost.ClientWithBearer(key);

        using var list = await client.GetAsync(new Uri("/admin/v1/libraries", UriKind.Relative), Cancel);
        using var put = await client.PutAsJsonAsync("/admin/v1/libraries/lib-z", new { name = "n", workspace = "w" }, Cancel);

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (list.StatusCode, put.StatusCode));
        Assert.Equal("Missing or invalid admin key.", await TitleAsync(list));
    }

    private static async Task<string?> TitleAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement.GetProperty("title").GetString();
}
