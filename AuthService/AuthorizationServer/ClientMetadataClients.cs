using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Mnemosyne.AuthService.Data;
using Mnemosyne.ServiceDefaults;
using OpenIddict.Abstractions;

namespace Mnemosyne.AuthService.AuthorizationServer;

/// <summary>
/// Keeps a client ID metadata document client as a stored OpenIddict application, so that everything OpenIddict does
/// with clients (exact redirect URI match, PKCE, permissions, consent, codes and tokens bound to it) applies unchanged.
/// For an https <c>client_id</c>: a stored client still within its <see cref="ClientMetadataLifetime"/> is used as it
/// is (so the token endpoint does not fetch at every call); otherwise the document is fetched
/// (<see cref="ClientMetadataFetcher"/>) and the client created, or updated to what the document says now, as a
/// <see cref="PublicClient"/> named by its <c>client_name</c>. What else is stored on the application (by other
/// features) is kept. Two requests or replicas storing the same new client at once is expected: the loser of the
/// unique <c>client_id</c> (or of the concurrency token) finds the winner's client, stored from the same document.
/// It works in a scope of its own, so a lost race never leaves a failed entity in the request's database context.
/// </summary>
public sealed partial class ClientMetadataClients(IServiceScopeFactory scopes, ClientMetadataFetcher fetcher,
    IOptions<AuthorizationServerOptions> settings, TimeProvider time, ILogger<ClientMetadataClients> logger)
{
    /// <summary>The application property holding when the stored document must be fetched again (Unix seconds).</summary>
    public const string ExpiresAtProperty = "mnemosyne_cimd_expires_at";

    /// <summary>Null once a fresh client for <paramref name="clientId"/> is stored; else why there is none, for the user.</summary>
    public async Task<string?> EnsureAsync(string clientId, CancellationToken cancellationToken)
    {
        if (ClientMetadataUrl.Problem(clientId) is { } problem)
        {
            return problem;
        }

        await using var scope = scopes.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        var stored = await applications.FindByClientIdAsync(clientId, cancellationToken);
        if (stored is not null && ExpiresAt(await applications.GetPropertiesAsync(stored, cancellationToken)) > time.GetUtcNow())
        {
            return null;
        }

        ClientMetadataDocument document;
        DateTimeOffset expiresAt;
        try
        {
            (document, expiresAt) = await fetcher.FetchAsync(clientId, cancellationToken);
        }
        catch (ClientMetadataRefusedException refused)
        {
            LogRefused(logger, clientId, refused.Message);
            return refused.Message;
        }

        var descriptor = new OpenIddictApplicationDescriptor();
        if (stored is not null)
        {
            await applications.PopulateAsync(descriptor, stored, cancellationToken);
        }

        descriptor.ClientId = clientId;
        PublicClient.Describe(descriptor, document.ClientName, document.Redirects, document.RefreshTokens, settings.Value.Resource());
        descriptor.Properties[ExpiresAtProperty] = JsonSerializer.SerializeToElement(expiresAt.ToUnixTimeSeconds());
        if (stored is null)
        {
            ClientCreatedAt.Stamp(descriptor, time.GetUtcNow());
        }

        try
        {
            if (stored is null)
            {
                await applications.CreateAsync(descriptor, cancellationToken);
            }
            else
            {
                await applications.UpdateAsync(stored, descriptor, cancellationToken);
            }
        }
        catch (Exception e) when (e is DbUpdateException { } update && update.IsUniqueViolation()
                                  || e is OpenIddictExceptions.ConcurrencyException or OpenIddictExceptions.ValidationException)
        {
            // Another request or replica stored this client between the look-up and the write; a validation error
            // that is not that race ("already exists") leaves no client, and is refused below.
            if (!await IsStoredAsync(clientId, cancellationToken))
            {
                return "The client metadata document describes a client this server cannot store.";
            }
        }

        LogStored(logger, clientId, stored is null ? "created" : "updated", expiresAt);
        return null;
    }

    private async Task<bool> IsStoredAsync(string clientId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>()
            .FindByClientIdAsync(clientId, cancellationToken) is not null;
    }

    private static DateTimeOffset ExpiresAt(ImmutableDictionary<string, JsonElement> properties) =>
        properties.TryGetValue(ExpiresAtProperty, out var value) && value.ValueKind == JsonValueKind.Number
        && value.TryGetInt64(out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : DateTimeOffset.MinValue;

    [LoggerMessage(LogLevel.Information, "authorization_server.client_metadata_stored {ClientId} {Change} {ExpiresAt}")]
    private static partial void LogStored(ILogger logger, string clientId, string change, DateTimeOffset expiresAt);

    [LoggerMessage(LogLevel.Information, "authorization_server.client_metadata_refused {ClientId} {Reason}")]
    private static partial void LogRefused(ILogger logger, string clientId, string reason);
}
