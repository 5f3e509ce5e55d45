using Mnemosyne.ServiceDefaults;
using Mnemosyne.AuthService.Data;
using Mnemosyne.AuthService.Tokens;

namespace Mnemosyne.AuthService.Endpoints;

/// <summary>Admin API: <c>Authorization: Bearer &lt;admin-key&gt;</c> on every call.</summary>
public sealed class AdminKeyFilter(SharedKeys keys) : IEndpointFilter
{
    private static readonly AuthFailure Refusal = new("admin_key", StatusCodes.Status401Unauthorized, "Missing or invalid admin key.");

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (keys.IsAdminKey(SharedSecrets.BearerFrom(context.HttpContext.Request)))
        {
            return next(context);
        }

        context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
        return ValueTask.FromResult<object?>(Problems.From(Refusal));
    }
}

/// <summary>Internal API: <c>X-Internal-Key</c>, held only by mcp-host.</summary>
public sealed class InternalKeyFilter(SharedKeys keys, AuthTelemetry telemetry) : IEndpointFilter
{
    public const string HeaderName = "X-Internal-Key";

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var presented = context.HttpContext.Request.Headers[HeaderName];
        if (presented.Count == 1 && keys.IsInternalKey(presented[0]))
        {
            return next(context);
        }

        telemetry.RecordFailure(AuthFailure.InternalKey.Reason);
        return ValueTask.FromResult<object?>(Problems.From(AuthFailure.InternalKey));
    }
}

/// <summary>Answers 503 instead of touching a database whose migrations are not applied yet.</summary>
public sealed class ReadinessFilter(DatabaseReadiness readiness) : IEndpointFilter
{
    private static readonly AuthFailure NotReady = AuthFailure.Unavailable("Database migrations are still being applied.");

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        readiness.IsReady ? next(context) : ValueTask.FromResult<object?>(Problems.From(NotReady));
}
