namespace Mnemosyne.AuthService.Endpoints;

/// <summary>The internal API under <c>/v1</c>, for mcp-host only: its key and database readiness are declared once here.</summary>
public static class InternalApi
{
    public static IEndpointRouteBuilder MapInternalApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1")
            .AddEndpointFilter<InternalKeyFilter>()
            .AddEndpointFilter<ReadinessFilter>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        group.MapResolveApi();
        group.MapUsageApi();
        group.MapAuditIngestApi();
        return app;
    }
}
