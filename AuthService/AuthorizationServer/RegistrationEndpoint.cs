using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Mnemosyne.ServiceDefaults;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// RFC 7591 dynamic client registration, <c>POST /oauth/register</c>: public clients only — another
/// <c>token_endpoint_auth_method</c> is replaced by <c>none</c> in the answer (RFC 7591 §3.2.1; PKCE binds the code to
/// the client, and no secret is issued) — authorization code and refresh token grants, redirect URIs by
/// <see cref="RedirectUris"/>. Open when <c>Auth:AuthorizationServer:AllowDynamicRegistration</c> says so (unset: in
/// Development only); closed it answers 403 <c>access_denied</c> and the metadata has no <c>registration_endpoint</c>.
/// OpenIddict has no registration endpoint; it stores the client through its application manager.
/// </summary>
public static class RegistrationEndpoint
{
    public const string Path = "/oauth/register";
    private const int MaxNameLength = 200;

    public sealed record Registration(
        [property: JsonPropertyName("redirect_uris")] JsonElement RedirectUris,
        [property: JsonPropertyName("client_name")] JsonElement ClientName,
        [property: JsonPropertyName("grant_types")] JsonElement GrantTypes,
        [property: JsonPropertyName("response_types")] JsonElement ResponseTypes);

    public sealed record Registered(
        [property: JsonPropertyName("client_id")] string ClientId,
        [property: JsonPropertyName("client_id_issued_at")] long ClientIdIssuedAt,
        [property: JsonPropertyName("client_name")] string? ClientName,
        [property: JsonPropertyName("redirect_uris")] string[] RedirectUris,
        [property: JsonPropertyName("grant_types")] string[] GrantTypes,
        [property: JsonPropertyName("response_types")] string[] ResponseTypes,
        [property: JsonPropertyName("token_endpoint_auth_method")] string TokenEndpointAuthMethod);

    public static bool IsOpen(IServiceProvider services) =>
        services.GetRequiredService<IOptions<AuthorizationServerOptions>>().Value.AllowDynamicRegistration
        ?? services.GetRequiredService<IHostEnvironment>().IsDevelopment();

    public static IEndpointRouteBuilder MapRegistrationEndpoint(this IEndpointRouteBuilder app)
    {
        app.MapPost(Path, RegisterAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> RegisterAsync(HttpContext context, IOpenIddictApplicationManager applications,
        IOptions<AuthorizationServerOptions> settings, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!IsOpen(context.RequestServices))
        {
            return Error(StatusCodes.Status403Forbidden, Errors.AccessDenied, "Dynamic client registration is turned off here.");
        }

        Registration? body;
        try
        {
            body = context.Request.HasJsonContentType()
                ? await context.Request.ReadFromJsonAsync<Registration>(cancellationToken)
                : null;
        }
        catch (JsonException)
        {
            body = null;
        }

        if (body is null)
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_client_metadata", "The body must be a JSON object (application/json).");
        }

        if (Strings(body.RedirectUris) is not { Length: > 0 and <= RedirectUris.MaxCount } redirects)
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_redirect_uri",
                $"redirect_uris must be a list of 1 to {RedirectUris.MaxCount} strings.");
        }

        if (redirects.Select(RedirectUris.Problem).FirstOrDefault(p => p is not null) is { } problem)
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_redirect_uri", problem);
        }

        var grants = Strings(body.GrantTypes) ?? [GrantTypes.AuthorizationCode];
        if (body.GrantTypes.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null) && Strings(body.GrantTypes) is null
            || grants.Any(g => g is not (GrantTypes.AuthorizationCode or GrantTypes.RefreshToken)))
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_client_metadata",
                "grant_types may hold only 'authorization_code' and 'refresh_token'.");
        }

        var responses = Strings(body.ResponseTypes) ?? [ResponseTypes.Code];
        if (responses is not [ResponseTypes.Code])
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_client_metadata", "response_types may hold only 'code'.");
        }

        var name = Text(body.ClientName);
        if (body.ClientName.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null) && name is null || name?.Length > MaxNameLength)
        {
            return Error(StatusCodes.Status400BadRequest, "invalid_client_metadata",
                $"client_name must be a string of at most {MaxNameLength} characters.");
        }

        var clientId = "dcr_" + Guid.NewGuid().ToString("N");
        grants = [.. grants.Append(GrantTypes.AuthorizationCode).Distinct()];
        var descriptor = new OpenIddictApplicationDescriptor { ClientId = clientId };
        PublicClient.Describe(descriptor, name, redirects, grants.Contains(GrantTypes.RefreshToken), settings.Value.Resource());
        ClientCreatedAt.Stamp(descriptor, time.GetUtcNow());
        await applications.CreateAsync(descriptor, cancellationToken);
        return TypedResults.Json(new Registered(clientId, time.GetUtcNow().ToUnixTimeSeconds(), name, redirects, grants,
            responses, ClientAuthenticationMethods.None), statusCode: StatusCodes.Status201Created);
    }

    private static JsonHttpResult<Dictionary<string, string>> Error(int status, string error, string description) =>
        TypedResults.Json(new Dictionary<string, string> { ["error"] = error, ["error_description"] = description }, statusCode: status);

    private static string? Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string[]? Strings(JsonElement value) =>
        value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)
            ? [.. value.EnumerateArray().Select(e => e.GetString()!)]
            : null;
}
