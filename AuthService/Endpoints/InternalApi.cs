namespace Mnemosyne.AuthService.Endpoints;

/// <summary>
/// The internal API under <c>/v1</c>, for mcp-host only: its key and database readiness are declared once here. The
/// filters are made once, not per request as <c>AddEndpointFilter&lt;T&gt;</c> makes them: every tool call an
/// mcp-host has not cached comes through here.
/// </summary>
public static class InternalApi
{
    public static IEndpointRouteBuilder MapInternalApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1")
            .AddEndpointFilter(ActivatorUtilities.CreateInstance<InternalKeyFilter>(app.ServiceProvider))
            .AddEndpointFilter(ActivatorUtilities.CreateInstance<ReadinessFilter>(app.ServiceProvider))
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapResolveApi();
        group.MapUsageApi();
        group.MapAuditIngestApi();
        return app;
    }
}
