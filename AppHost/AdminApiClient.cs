using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Mnemosyne.AppHost;

/// <summary>
/// How the dashboard's commands reach a service's admin API: over HTTP at the resource's <c>http</c> endpoint, with
/// the <c>admin-key</c> parameter's value. A refusal becomes the problem's one-sentence title, never a stack trace.
/// </summary>
public sealed class AdminApiClient(IResourceWithEndpoints service, ParameterResource adminKey)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>The answer's body on success; otherwise <see cref="AdminApiException"/> saying what went wrong.</summary>
    public async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        var baseAddress = new Uri(service.GetEndpoint("http").Url);
        using var request = new HttpRequestMessage(method, new Uri(baseAddress, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await adminKey.GetValueAsync(cancellationToken));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await Http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var json = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        if (response.IsSuccessStatusCode)
        {
            return json;
        }

        var title = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("title", out var t) ? t.GetString() : null;
        throw new AdminApiException((int)response.StatusCode, title ?? response.ReasonPhrase ?? "request failed");
    }
}

/// <summary>The admin API refused a call: its status and the problem's title.</summary>
public sealed class AdminApiException(int status, string title) : Exception($"{status}: {title}")
{
    public int Status { get; } = status;
}
