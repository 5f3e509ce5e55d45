using Microsoft.Extensions.Options;
using Mnemosyne.ServiceDefaults;
using Mnemosyne.ServiceDefaults.Audit;
using Mnemosyne.ServiceDefaults.Invalidation;

namespace Mnemosyne.AuthService.Endpoints;

/// <summary>
/// The admin API under <c>/admin/v1</c>: the admin key, database readiness, the audit of every change and the
/// invalidation of every replica's cached decisions after one are declared once here. The authorization server's
/// clients and grants are there while it is enabled.
/// </summary>
public static class AdminApi
{
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin/v1")
            .AddEndpointFilter<AdminKeyFilter>()
            .AddEndpointFilter<ReadinessFilter>()
            .AuditsChanges()
            .InvalidatesCachedDecisions()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        admin.MapUsersApi();
        admin.MapTokensApi();
        admin.MapSigningKeysApi();
        admin.MapTeamsApi();
        admin.MapTurnTokensApi();
        if (app.ServiceProvider.GetRequiredService<IOptions<AuthorizationServerOptions>>().Value.Enabled)
        {
            admin.MapOAuthClientsApi();
            admin.MapOAuthGrantsApi();
        }

        admin.MapAuditApi();
        return app;
    }
}
