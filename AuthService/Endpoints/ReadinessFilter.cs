using Mnemosyne.AuthService.Data;
using Mnemosyne.AuthService.Tokens;
using Mnemosyne.ServiceDefaults;

namespace Mnemosyne.AuthService.Endpoints;

/// <summary>Answers 503 instead of touching a database whose migrations are not applied yet.</summary>
public sealed class ReadinessFilter(StartupStep<AuthDbMigration> migration) : IEndpointFilter
{
    private static readonly AuthFailure NotReady = AuthFailure.Unavailable("Database migrations are still being applied.");

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        migration.IsDone ? next(context) : ValueTask.FromResult<object?>(Problems.From(NotReady));
}
